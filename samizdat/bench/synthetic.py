"""Synthetic newsrooms for the benchmark and the large-archive tests: a service with
several blogs, authors, tags and a few photos, and any number of published posts —
written by bulk inserts (thousands per second), not through the admin.

The pages are ordinary live Wagtail pages (tree paths, url paths, content types) that the
admin, the renderer and publishing treat like any other. Text is generated from a small
word list; it reads like nonsense on purpose.
"""

import io
import random
from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.core.files.images import ImageFile
from django.db import connection, transaction
from django.utils import timezone
from taggit.models import Tag
from wagtail.images import get_image_model
from wagtail.models import Locale, Page

from samizdat.demo.images import render_jpeg
from samizdat.newsroom.models import Author, BlogPage, NewsroomHome, PostAuthor, PostPage, PostTag, ServicePage
from samizdat.newsroom.services import listing_entries_sync_under

WORDS = (
    "border river market night train archive signal court harbour school winter radio "
    "letter bridge garden street paper witness council bread mirror station"
).split()


def _sentence(rng, n):
    words = [rng.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize()


def _insert_children(parent, model, objects):
    """Append `objects` (unsaved instances of a Page subclass) under `parent` in bulk:
    base rows through the ORM, the subclass's own columns with one executemany."""
    depth = parent.depth + 1
    start = parent.numchild
    content_type = ContentType.objects.get_for_model(model)
    locale = Locale.get_default()
    for i, page in enumerate(objects, start=start + 1):
        page.depth = depth
        page.path = Page._get_path(parent.path, depth, i)
        page.url_path = f"{parent.url_path}{page.slug}/"
        page.content_type = content_type
        page.locale = locale
        page.draft_title = page.title
        page.live = True
        page.has_unpublished_changes = False
    bases = [Page(**{f.attname: getattr(p, f.attname) for f in Page._meta.concrete_fields if f.attname != "id"})
             for p in objects]
    Page.objects.bulk_create(bases, batch_size=500)
    if bases and bases[0].pk is None:  # a backend that does not return keys
        by_path = dict(Page.objects.filter(path__in=[b.path for b in bases]).values_list("path", "pk"))
        for b in bases:
            b.pk = by_path[b.path]
    fields = [f for f in model._meta.local_concrete_fields]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    rows = []
    for page, base in zip(objects, bases, strict=True):
        page.pk = page.id = page.page_ptr_id = base.pk
        rows.append([f.get_db_prep_save(getattr(page, f.attname), connection) for f in fields])
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({columns}) VALUES ({marks})", rows)
    Page.objects.filter(pk=parent.pk).update(numchild=start + len(objects))
    parent.numchild = start + len(objects)
    return objects


@transaction.atomic
def synthetic_newsroom_create(posts, *, slug="bench", language="en", blogs=4, authors=12, tags=30, images=4, seed=1):
    """A live service at /<slug>/ with `posts` published posts; returns the service."""
    rng = random.Random(seed)
    home = NewsroomHome.objects.first()
    if home is None:
        raise RuntimeError("No newsroom home: run `samizdat demo` or `samizdat migrate` first.")
    # A public address, as a real edition has: its pages then carry canonical links and a
    # publish rewrites its sitemaps too, which the measurements should include.
    service = ServicePage(title=f"Synthetic {slug}", slug=slug, language_code=language,
                          direction="rtl" if language == "fa" else "ltr", base_url=f"https://news.example/{slug}/")
    home.add_child(instance=service)
    service.save_revision().publish()
    Image = get_image_model()
    photos = [
        Image.objects.create(title=f"{slug} photo {i}", file=ImageFile(io.BytesIO(render_jpeg(("skyline", "fields", "harbour", "crowd")[i % 4], seed + i)), name=f"{slug}-{i}.jpg"))
        for i in range(images)
    ]
    author_objs = Author.objects.bulk_create(
        [Author(name=f"{_sentence(rng, 2)} {i}", slug=f"{slug}-author-{i}") for i in range(authors)]
    )
    author_objs = list(Author.objects.filter(slug__startswith=f"{slug}-author-").order_by("pk"))
    Tag.objects.bulk_create([Tag(name=f"{slug} topic {i}", slug=f"{slug}-topic-{i}") for i in range(tags)])
    tag_objs = list(Tag.objects.filter(slug__startswith=f"{slug}-topic-").order_by("pk"))
    blog_pages = _insert_children(
        service, BlogPage,
        [BlogPage(title=f"Blog {i}", slug=f"blog-{i}", about=_sentence(rng, 12), first_published_at=timezone.now(),
                  last_published_at=timezone.now()) for i in range(blogs)],
    )
    start = timezone.now() - timedelta(minutes=posts + 10)
    per_blog = {b.pk: [] for b in blog_pages}
    for n in range(posts):
        blog = blog_pages[n % blogs]
        when = start + timedelta(minutes=n)
        photo = photos[n % len(photos)] if photos and n % 3 == 0 else None
        paragraphs = "".join(f"<p>{_sentence(rng, 30)}.</p>" for _ in range(5))
        per_blog[blog.pk].append(PostPage(
            title=f"{_sentence(rng, 5)} {n}", slug=f"post-{n}", teaser=_sentence(rng, 18) + ".",
            body=paragraphs, lead_image=photo, lead_image_alt=_sentence(rng, 6) if photo else "",
            lead_image_caption=_sentence(rng, 8) if photo else "",
            first_published_at=when, last_published_at=when, latest_revision_created_at=when,
        ))
    created = []
    for blog in blog_pages:
        created += _insert_children(blog, PostPage, per_blog[blog.pk])
    PostAuthor.objects.bulk_create(
        [PostAuthor(post_id=p.pk, author=author_objs[i % len(author_objs)], sort_order=0) for i, p in enumerate(created)],
        batch_size=2000,
    )
    PostTag.objects.bulk_create(
        [PostTag(content_object_id=p.pk, tag=tag_objs[(i * 7 + k) % len(tag_objs)])
         for i, p in enumerate(created) for k in range(2)],
        batch_size=2000,
    )
    listing_entries_sync_under(page=service)  # the listing index, in bulk (no signals fired above)
    return service
