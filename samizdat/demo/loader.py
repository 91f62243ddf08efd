"""Loads the demo newsroom: services, blogs, authors, posts, images, users. Idempotent."""

import io
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.images import ImageFile
from django.db import transaction
from django.utils import timezone
from django.utils.html import escape
from wagtail.images import get_image_model

from samizdat.newsroom import services as newsroom_services
from samizdat.newsroom.models import Author, BlogPage, BreakingNews, PostAuthor, PostCorrection, PostPage, ServicePage

from . import content
from .images import render_jpeg

# The demo contributor writes under a pen name (an editor's assignment: Author.account).
DEMO_BYLINES = {"contributor": "night-correspondent"}
# username, real name (never published), role (the demo's contributor and editor work in every edition)
DEMO_USERS = [
    ("admin", "Ada Admin", newsroom_services.ADMINISTRATOR),
    ("editor", "Elias Editor", newsroom_services.EDITOR),
    ("contributor", "Leyla Rahimi", newsroom_services.CONTRIBUTOR),
]


def _body_html(paragraphs):
    parts = []
    for text in paragraphs:
        if text.startswith("## "):
            parts.append(f"<h2>{escape(text[3:])}</h2>")
        elif text.startswith("> "):
            parts.append(f"<blockquote>{escape(text[2:])}</blockquote>")
        else:
            parts.append(f"<p>{escape(text)}</p>")
    return "".join(parts)


def _image(scene, seed, title, alt):
    Image = get_image_model()
    existing = Image.objects.filter(title=title).first()
    if existing:
        return existing
    data = io.BytesIO(render_jpeg(scene, seed))
    image = Image(title=title, description=alt, file=ImageFile(data, name=f"demo-{scene}-{seed}.jpg"))
    image.save()
    return image


def demo_users_ensure():
    """Create the three demo logins once; passwords are random and kept in the data folder."""
    path = settings.DATA_DIR / "demo-logins.txt"
    User = get_user_model()
    logins = {}
    if path.exists():
        for line in path.read_text().splitlines():
            name, _, password = line.partition(" ")
            logins[name] = password
    for username, real_name, group in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None or username not in logins:
            logins[username] = secrets.token_urlsafe(9)
            first, last = real_name.split(" ", 1)
            user = user or User(username=username, first_name=first, last_name=last,
                                email=f"{username}@staff.samizdat.example")
            user.set_password(logins[username])
            user.is_superuser = user.is_staff = group == newsroom_services.ADMINISTRATOR
            user.save()
        if group == newsroom_services.ADMINISTRATOR:
            user.groups.add(Group.objects.get(name=group))
        else:
            user.groups.remove(*Group.objects.filter(name=group))  # the old site-wide role group
            user.groups.add(*[desks[group] for desks in newsroom_services.edition_desks_ensure().values()])
        if username in DEMO_BYLINES:
            Author.objects.filter(slug=DEMO_BYLINES[username], account__isnull=True).update(account=user)
    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{u} {logins[u]}\n" for u, _, _ in DEMO_USERS))
    path.chmod(0o600)
    return [(u, logins[u], g) for u, _, g in DEMO_USERS]


def _publish(page, when=None):
    page.save_revision().publish()
    if when is not None:
        PostPage.objects.filter(pk=page.pk).update(first_published_at=when, last_published_at=when)
        newsroom_services.listing_entries_sync(post=page)  # listings order by the back-dated time


@transaction.atomic
def demo_content_load():
    """Create the demo newsroom unless it exists. Returns True when it created it."""
    home = newsroom_services.newsroom_home_ensure(title="Samizdat")
    if ServicePage.objects.exists():
        return False
    now = timezone.now().replace(second=0, microsecond=0)
    authors = {}
    for slug, name, pen, bio in content.AUTHORS:
        authors[slug] = Author.objects.create(slug=slug, name=name, is_pen_name=pen, bio=bio)
    blogs = {}
    for spec in content.SERVICES:
        service = home.add_child(instance=ServicePage(
            title=spec["title"], slug=spec["slug"], language_code=spec["language_code"],
            direction=spec["direction"], tagline=spec["tagline"], time_zone=spec["time_zone"],
            contact_email=spec["contact_email"], base_url=spec["base_url"],
            republish=True, republish_licence=spec["republish_licence"],
            republish_licence_url="https://creativecommons.org/licenses/by-nd/4.0/",
            brand_colour=spec["brand_colour"], wordmark=spec["wordmark"],
        ))
        _publish(service)
        if spec["breaking"]:
            BreakingNews.objects.create(
                service=service, text=spec["breaking"], starts_at=now - timedelta(hours=2),
                expires_at=now + timedelta(days=30),
                link_url=f"/{spec['slug']}/{spec['blogs'][0]['slug']}/",
            )
        for blog_spec in spec["blogs"]:
            blog = service.add_child(instance=BlogPage(
                title=blog_spec["title"], slug=blog_spec["slug"], about=blog_spec["about"],
                contact_email=blog_spec["contact_email"],
            ))
            _publish(blog)
            blogs[blog_spec["slug"]] = blog

    posts = []
    for i, (blog_slug, days, title, teaser, paragraphs, author_slugs, tags, img) in enumerate(content.POSTS):
        post = PostPage(title=title, teaser=teaser, body=_body_html(paragraphs))
        if img:
            scene, alt, caption, credit = img
            post.lead_image = _image(scene, i, f"{title[:60]} (demo photo)", alt)
            post.lead_image_alt, post.lead_image_caption, post.lead_image_credit = alt, caption, credit
        for slug in author_slugs:
            post.post_authors.add(PostAuthor(author=authors[slug]))
        post.tags.add(*tags)
        blogs[blog_slug].add_child(instance=post)
        _publish(post, when=now - timedelta(days=days, hours=i))
        posts.append(post)

    # One post shows every feature: update badge, corrections log, inline image, internal link.
    first = PostPage.objects.get(title=content.UPDATED_POST_TITLE)
    guide = PostPage.objects.filter(slug__startswith="a-guide-to-reading").first()
    inline = _image("fields", 99, "Open fields (demo photo)", "Green hills under a wide sky.")
    first.body += (
        f'<embed alt="Green hills under a wide sky, seen from the road into town." '
        f'embedtype="image" format="fullwidth" id="{inline.pk}"/>'
        f'<p>How to keep reading us when the network is down: '
        f'<a linktype="page" id="{guide.pk}">our guide</a>.</p>'
    )
    first.updated_at = now - timedelta(hours=3)
    first.corrections.add(PostCorrection(noted_at=now - timedelta(hours=3), text=content.CORRECTION))
    published = first.first_published_at
    _publish(first, when=published)
    # A pinned post: stays on top of listings for a day.
    pinned = PostPage.objects.get(slug="how-our-mirrors-stay-ahead-of-the-blocklist")
    pinned.pinned_until = now + timedelta(days=1)
    _publish(pinned, when=pinned.first_published_at)

    for original_title, *titles in content.TRANSLATIONS:
        original = PostPage.objects.get(title=original_title)
        for title in titles:
            version = PostPage.objects.get(title=title)
            version.translation_of = original
            _publish(version, when=version.first_published_at)

    blog_slug, title, teaser, paragraphs, author_slugs, tags = content.SCHEDULED_POST
    scheduled = PostPage(title=title, teaser=teaser, body=_body_html(paragraphs),
                         go_live_at=now + timedelta(minutes=10))
    for slug in author_slugs:
        scheduled.post_authors.add(PostAuthor(author=authors[slug]))
    scheduled.tags.add(*tags)
    blogs[blog_slug].add_child(instance=scheduled)
    PostPage.objects.filter(pk=scheduled.pk).update(live=False)
    scheduled.refresh_from_db()
    scheduled.save_revision().publish()  # with go_live_at in the future: approved, not live
    return True
