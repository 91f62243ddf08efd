"""Which reader paths a change makes stale — decided here and nowhere else.

Every answer is a set of reader paths to re-render (a path that no longer resolves is
removed, or becomes a redirect page). The work is bounded by what the change touches, not
by the size of the archive:

* a post's own page, and its old address when it moved (`PageState` remembers it);
* in every listing it is or was in (service, blog, author, tag): the front page, and the
  archive page that holds it. Archives count from the oldest post, so a new post only
  ever lands on the newest archive page (and opening a new page relinks the one before);
* the blog's newest posts, which carry "Latest posts" and the banner inline, and the
  blog's shared fragment that every older post loads;
* a breaking-news item or a pin that starts or ends: the service's fragment, its front
  pages and the newest posts of each blog (`banner_paths`).

Changes to an edition's structure (a service or blog renamed, moved or removed) re-render
that edition: its name is in the navigation of all of its pages.
"""

import hashlib
import json
from collections import defaultdict

from django.db.models import Q
from django.utils import timezone
from wagtail.models import Page, ReferenceIndex

from samizdat.newsroom import selectors
from samizdat.newsroom.models import (
    PAGE_SIZE,
    Author,
    BlogPage,
    BreakingNews,
    NewsroomHome,
    PostPage,
    ServicePage,
    reader_path,
)
from samizdat.newsroom.selectors import LATEST_WINDOW, Listing, listings_of_post

from .bodycache import bodies_forget, bodies_forget_all
from .context import batch_memo
from .models import PageState


# --- pages -------------------------------------------------------------------------------


def paths_for_page(page, *, gone=False):
    """A page was published, unpublished, moved or deleted (`gone`: no longer on the site)."""
    page = page.specific
    # Signals may carry a stale copy (a caller's object that was published through its
    # revision): read the page as it now stands, unless it was deleted.
    page = type(page).objects.filter(pk=page.pk).first() or page
    gone = gone or not page.live
    with batch_memo():
        if isinstance(page, PostPage):
            return post_paths(page, gone=gone)
        if isinstance(page, (ServicePage, BlogPage)):
            return edition_paths(page, gone=gone)
        if isinstance(page, NewsroomHome):
            return {"/"}
    return set()


def post_paths(post, *, gone):
    before = PageState.objects.filter(page_id=post.pk).first()
    paths = set()
    after_path = None if gone else reader_path(post)
    if after_path:
        paths.add(after_path)
    if before:
        paths.add(before.path)
        if after_path and after_path != before.path:
            paths |= _referencing_paths(post)  # their links to it changed
    # The other versions of the story show a link to this one ("also in"); remembered as "tr:<id>".
    group = [] if gone else [p.pk for p in post.translation_group()]
    siblings = {int(k[3:]) for k in (before.listings if before else []) if k.startswith("tr:")} | set(group)
    paths |= {p.reader_path for p in PostPage.objects.live().filter(pk__in=siblings)}
    listings = [] if gone else listings_of_post(post)
    after = {lst.key: lst for lst in listings}
    if before:
        before_keys = {k for k in before.listings if not k.startswith("tr:")}
    elif gone and post.first_published_at:
        # Nothing remembered (a site baked before states were kept): assume it was listed.
        before_keys = {lst.key for lst in listings_of_post(post, assume_live=True)}
    else:
        before_keys = set()
    for key in sorted(before_keys | after.keys()):
        listing = after.get(key) or Listing.from_key(key)
        if listing is not None:
            paths |= _listing_paths(listing, post, was_in=key in before_keys, is_in=key in after)
    blog_ids = {before.blog_id if before else None, None if gone else post.get_blog().pk}
    for blog_id in blog_ids - {None}:
        paths |= _window_paths(blog_id, post)
    state_save(post, gone=gone, listings=listings, siblings=group)
    return paths


def paths_for_slug_change(page, page_before):
    """The old addresses of a page whose slug changed and of everything below it."""
    old_root, new_root = reader_path(page_before), reader_path(page)
    if old_root is None or new_root is None:
        return set()
    from .bake import collect_paths

    return {old_root + p[len(new_root) :] for p in collect_paths(root=page) if p.startswith(new_root)}


def _listing_paths(listing, post, *, was_in, is_in):
    """The pages of one listing that change when `post` enters, leaves or changes in it."""
    paths = set()
    number = listing.position(post) // PAGE_SIZE + 1
    if was_in and is_in:
        paths.add(listing.path(number))
        if listing.pins_apply or listing.newer_count(post) < PAGE_SIZE:
            paths.add(listing.path())
        return paths
    # It entered or left: pages from its own to the newest shift by one post, and when
    # the number of pages changed, the page before the newest gets a new "Newer" link.
    paths.add(listing.path())
    count_after = listing.count()
    count_before = count_after - 1 if is_in else count_after + 1
    pages_before, pages_after = listing.page_count(count_before), listing.page_count(count_after)
    paths.update(listing.path(n) for n in range(number, max(pages_before, pages_after) + 1))
    if pages_before != pages_after and min(pages_before, pages_after) >= 1:
        paths.add(listing.path(min(pages_before, pages_after)))
    return paths


def _window_paths(blog_id, post):
    """When `post` is (or was) one of the blog's newest, the posts showing "Latest posts"
    inline and the blog's fragment change."""
    blog = BlogPage.objects.live().filter(pk=blog_id).first()
    if blog is None:
        return set()
    if Listing("blog", blog.get_service(), blog=blog).newer_count(post) >= LATEST_WINDOW:
        return set()
    # One more than the window: the post that just dropped out loses its inline box.
    window = selectors.latest_posts_for_blog(blog, limit=LATEST_WINDOW + 1)
    return {p.reader_path for p in window} | {blog.latest_fragment_path}


def _referencing_page_ids(obj):
    """Ids of pages whose content refers to `obj` (Wagtail's reference index)."""
    refs = ReferenceIndex.get_references_to(obj).filter(base_content_type=ReferenceIndex._get_base_content_type(Page))
    return {int(r.object_id) for r in refs}


def _referencing_paths(page):
    """Live posts whose rich text links to `page`."""
    ids = _referencing_page_ids(page)
    bodies_forget(ids)  # their expanded bodies hold the old link
    return {p.reader_path for p in PostPage.objects.live().filter(pk__in=ids)}


def edition_paths(page, *, gone):
    """A service or blog changed: every page of its edition, and its old addresses."""
    paths = set()
    bodies_forget_all()  # any post may link into the edition
    before = PageState.objects.filter(page_id=page.pk).first()
    if before:
        old = PageState.objects.filter(path__startswith=before.path)
        paths |= set(old.values_list("path", flat=True))
    service = page.get_service()
    if service is not None and service.live:
        from .bake import collect_paths

        paths |= set(collect_paths(root=service))
        states_refresh(PostPage.objects.live().descendant_of(service))
    if isinstance(page, ServicePage):
        paths.add("/")  # the newsroom home lists the editions
    if gone:
        if before:
            PageState.objects.filter(path__startswith=before.path).delete()
        PageState.objects.filter(page_id=page.pk).delete()
    elif page.live:
        PageState.objects.update_or_create(page_id=page.pk, defaults={"path": reader_path(page), "listings": []})
    return paths


# --- things pages show -------------------------------------------------------------------


def paths_for_object(obj, *, old=None):
    """An author, breaking-news item or image was saved or deleted. `old` is its previous
    state when it had one."""
    with batch_memo():
        if isinstance(obj, Author):
            return _author_paths(obj, old)
        if isinstance(obj, BreakingNews):
            services = {obj.service_id, getattr(old, "service_id", None)} - {None}
            paths = set()
            for service in ServicePage.objects.live().filter(pk__in=services):
                paths |= banner_paths(service)
            return paths
        return _image_paths(obj)


def _author_paths(author, old):
    posts = PostPage.objects.live().filter(post_authors__author_id=author.pk).distinct()
    paths = pages_showing(posts)
    slugs = {author.slug, getattr(old, "slug", author.slug)}
    for service in ServicePage.objects.live().filter(pk__in=_service_ids(posts)):
        listing = Listing("author", service, slug=author.slug)
        count = listing.count()
        for slug in slugs:  # an old slug's pages resolve no more and are removed
            renamed = Listing("author", service, slug=slug)
            paths |= {renamed.path()} | {renamed.path(n) for n in range(1, listing.page_count(count) + 1)}
    if old is not None and old.slug != author.slug:
        states_refresh(posts)
    return paths


def _image_paths(image):
    lead = Q(lead_image_id=image.pk)
    embedded_ids = _referencing_page_ids(image)
    bodies_forget(embedded_ids)  # their expanded bodies hold the old rendition
    return pages_showing(PostPage.objects.live().filter(lead | Q(pk__in=embedded_ids)))


def _service_ids(posts):
    prefixes = {p[: Page.steplen * 3] for p in posts.values_list("path", flat=True)}
    return ServicePage.objects.filter(path__in=prefixes).values_list("pk", flat=True)


def pages_showing(posts):
    """Every page that shows any of `posts` as they stand: their own pages, the listing
    pages that hold them, the newest posts of their blogs. One ordered id list per
    listing, however many posts."""
    posts = list(posts.prefetch_related("post_authors__author", "tags"))
    paths = {post.reader_path for post in posts}
    members = defaultdict(set)
    listings = {}
    for post in posts:
        for listing in listings_of_post(post):
            listings[listing.key] = listing
            members[listing.key].add(post.pk)
    for key, listing in listings.items():
        order = list(listing.posts().order_by("first_published_at", "pk").values_list("pk", flat=True))
        places = [i for i, pk in enumerate(order) if pk in members[key]]
        paths |= {listing.path(i // PAGE_SIZE + 1) for i in places}
        if listing.pins_apply or any(i >= len(order) - PAGE_SIZE for i in places):
            paths.add(listing.path())
        if listing.kind == "blog" and any(i >= len(order) - LATEST_WINDOW for i in places):
            window = order[-LATEST_WINDOW:]
            paths |= {p.reader_path for p in PostPage.objects.filter(pk__in=window)}
            paths.add(listing.blog.latest_fragment_path)
    return paths


# --- the clock ---------------------------------------------------------------------------


def banner_paths(service):
    """Pages that carry the service's banner inline, and the fragment all others load."""
    paths = {service.breaking_fragment_path, service.reader_path}
    for blog in selectors.blogs_for_service(service):
        paths.add(blog.reader_path)
        paths |= {p.reader_path for p in selectors.latest_posts_for_blog(blog)}
    return paths


def clock_state():
    """Per service, what time-dependent state it shows now: active banners and pins."""
    now = timezone.now()
    state = defaultdict(list)
    active = BreakingNews.objects.filter(starts_at__lte=now, expires_at__gt=now).order_by("pk")
    for service_id, pk in active.values_list("service_id", "pk"):
        state[str(service_id)].append(f"b{pk}")
    services = list(ServicePage.objects.live().only("pk", "path"))
    pinned = PostPage.objects.live().filter(pinned_until__gt=now).order_by("pk").values_list("pk", "path")
    for pk, path in pinned:
        for service in services:
            if path.startswith(service.path):
                state[str(service.pk)].append(f"p{pk}")
    return {k: hashlib.sha256(json.dumps(v).encode()).hexdigest()[:12] for k, v in state.items()}


def paths_for_clock(before, after):
    """Time passed between two `clock_state()`s: the services whose banner or pins differ."""
    changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
    paths = set()
    with batch_memo():
        for service in ServicePage.objects.live().filter(pk__in=[int(k) for k in changed]):
            paths |= banner_paths(service)
    return paths


# --- remembered state --------------------------------------------------------------------


def _state_row(post, siblings, listings=None):
    """What the site shows of `post` now: its path, the listings it is in (looked up unless
    given) and `siblings`, the ids of its live translations."""
    listings = listings_of_post(post) if listings is None else listings
    return PageState(
        page_id=post.pk,
        path=post.reader_path,
        blog_id=post.get_blog().pk,
        listings=[lst.key for lst in listings] + [f"tr:{pk}" for pk in sorted(siblings)],
    )


def _translation_groups():
    """Live post id → ids of its live translations, from one query."""
    groups = defaultdict(set)
    for pk, original in PostPage.objects.live().filter(
        Q(translation_of__isnull=False) | Q(translations__isnull=False)
    ).values_list("pk", "translation_of_id").distinct():
        groups[original or pk].add(pk)
    return {pk: members - {pk} for members in groups.values() for pk in members}


def state_save(post, *, gone, listings, siblings):
    if gone:
        PageState.objects.filter(page_id=post.pk).delete()
    else:
        row = _state_row(post, siblings, listings)
        PageState.objects.update_or_create(
            page_id=row.page_id, defaults={"path": row.path, "blog_id": row.blog_id, "listings": row.listings}
        )


def states_refresh(posts, *, chunk=2000):
    """Rewrite the remembered state of `posts` in bulk (a full bake, a renamed edition)."""
    groups = _translation_groups()
    with batch_memo():
        batch = []
        for post in posts.prefetch_related("post_authors__author", "tags").iterator(chunk_size=chunk):
            batch.append(_state_row(post, groups.get(post.pk, ())))
            if len(batch) >= chunk:
                _states_write(batch)
                batch = []
        _states_write(batch)


def _states_write(rows):
    if rows:
        PageState.objects.filter(page_id__in=[r.page_id for r in rows]).delete()
        PageState.objects.bulk_create(rows)


def states_rebuild():
    """Forget every remembered state and record the live site as it is (full bake)."""
    PageState.objects.all().delete()
    states_refresh(PostPage.objects.live())
    for page in Page.objects.live().type(ServicePage, BlogPage).specific():
        PageState.objects.create(page_id=page.pk, path=reader_path(page) or "/", listings=[])
