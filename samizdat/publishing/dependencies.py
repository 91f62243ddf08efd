"""Which reader paths a change makes stale — decided here and nowhere else.

Every answer is a set of reader paths to re-render (a path that no longer resolves is
removed, or becomes a redirect page). The work is bounded by what the change touches, not
by the size of the archive:

* a post's own page (and its republish page), and its old address when it moved
  (`PageState` remembers it);
* in every listing it is or was in (service, blog, author, tag): the front page, and the
  archive page that holds it. Archives count from the oldest post, so a new post only
  ever lands on the newest archive page (and opening a new page relinks the one before);
* the blog's newest posts, which carry "Latest posts" and the banner inline, and the
  blog's shared fragment that every older post loads;
* in its edition's sitemap, its month's page and, when it entered or left the edition, that
  month's later pages (`stale_sitemap_pages`), the news sitemap and the index;
* a breaking-news item or a pin that starts or ends: the service's fragment, its front
  pages and the newest posts of each blog (`banner_paths`).

Changes to an edition's structure (a service or blog renamed, moved or removed) re-render
that edition: its name is in the navigation of all of its pages. Its republish pages go with
it, and with its republish switch and licence line.

Nothing here writes: each entry point answers a `Stale` — the paths, and what the
remembered state (`state`) should now say — and `changes.change_record` saves and enqueues it.
"""

from collections import defaultdict
from datetime import datetime

from django.db.models import Q
from wagtail.images import get_image_model
from wagtail.models import Page, ReferenceIndex

from samizdat.core.rendering import ReadCache
from samizdat.newsroom import pagination, selectors, sitemaps
from samizdat.newsroom.models import (
    Author,
    BlogPage,
    BreakingNews,
    NewsroomHome,
    PostPage,
    ServicePage,
    reader_path,
    republish_path,
)
from samizdat.newsroom.selectors import FEED_SIZE, LATEST_WINDOW, Listing, listings_of_post

from . import state
from .plan import collect_paths
from .state import Stale


# --- events --------------------------------------------------------------------------------
# A change is recorded as an event (plain JSON, stored with its bake batch in the change's own
# transaction); the worker asks `paths_for_event` later. A deleted object is described by the
# fields the answer needs, since it can no longer be read.

PAGE_SNAPSHOT = ("path", "depth", "url_path", "first_published_at", "unlisted", "translation_of_id", "title")
MODELS = {"author": Author, "breaking": BreakingNews}
# What a changed object's previous state must keep: an author's old slug (its old pages go),
# a banner's old edition (its pages lose the banner).
REMEMBERED = {"author": ("slug",), "breaking": ("service_id",), "image": ()}


def page_event(page, *, gone, deleted=False):
    event = {"type": "page", "id": page.pk, "gone": gone}
    if deleted:
        page = page.specific
        event["model"] = type(page).__name__
        event["snapshot"] = {f: _jsonable(getattr(page, f, None)) for f in PAGE_SNAPSHOT}
    return event


def slug_event(page, page_before):
    return {"type": "slug", "id": page.pk, "old_path": reader_path(page_before)}


def object_event(obj, *, old=None):
    kind = next((k for k, model in MODELS.items() if isinstance(obj, model)), "image")
    source = old if old is not None else obj
    return {"type": "object", "model": kind, "id": obj.pk, "old": {f: getattr(source, f) for f in REMEMBERED[kind]}}


def clock_event(service_ids):
    return {"type": "clock", "services": list(service_ids)}


def _jsonable(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def _page_for(event):
    page = Page.objects.filter(pk=event["id"]).first()
    if page is not None:
        return page.specific
    model = {m.__name__: m for m in (PostPage, BlogPage, ServicePage, NewsroomHome)}.get(event.get("model"))
    if model is None:
        return None
    fields = dict(event.get("snapshot") or {})
    if fields.get("first_published_at"):
        fields["first_published_at"] = datetime.fromisoformat(fields["first_published_at"])
    if model is not PostPage:
        fields.pop("unlisted", None), fields.pop("translation_of_id", None), fields.pop("first_published_at", None)
    return model(pk=event["id"], live=False, **fields)  # what the deleted page was, never saved


def paths_for_event(event):
    """What the recorded `event` makes stale, as the site stands now."""
    kind = event["type"]
    if kind == "page":
        page = _page_for(event)
        return paths_for_page(page, gone=event["gone"]) if page is not None else Stale(set())
    if kind == "slug":
        page = _page_for(event)
        if page is None or not page.live:
            return Stale(set())
        return paths_for_slug_change(page, event["old_path"])
    if kind == "object":
        model = MODELS.get(event["model"]) or get_image_model()
        old = model(pk=event["id"], **event["old"])  # as it was (or, deleted, as it last was)
        return paths_for_object(model.objects.filter(pk=event["id"]).first() or old, old=old)
    if kind == "clock":
        return paths_for_clock(event["services"])
    raise ValueError(f"unknown change event {event!r}")


# --- pages -------------------------------------------------------------------------------


def paths_for_page(page, *, gone=False):
    """A page was published, unpublished, moved or deleted (`gone`: no longer on the site)."""
    gone = gone or not page.live
    if isinstance(page, PostPage):
        return post_paths(page, gone=gone, cache=ReadCache())
    if isinstance(page, (ServicePage, BlogPage)):
        return edition_paths(page, gone=gone)
    if isinstance(page, NewsroomHome):
        return Stale({"/", *sitemaps.root_paths()})
    return Stale(set())


def post_paths(post, *, gone, cache):
    before = state.state_get(post.pk)
    paths, referencing = set(), set()
    after_path = None if gone else reader_path(post)
    if after_path:
        paths |= set(post.get_baked_paths(cache))
    if before:
        paths.add(before.path)
        if before.path != after_path:  # its republish page goes with it
            paths.add(republish_path(before.path))
        if after_path and after_path != before.path:
            referencing = _referencing_page_ids(post)  # their links to it changed
            paths |= _live_paths(referencing)
    # The other versions of the story show a link to this one ("also in"); remembered as "tr:<id>".
    group = [] if gone else [p.pk for p in post.translation_group()]
    siblings = {int(k[3:]) for k in (before.listings if before else []) if k.startswith("tr:")} | set(group)
    paths |= {p.reader_path for p in PostPage.objects.live().filter(pk__in=siblings)}
    listings = [] if gone else listings_of_post(post, cache=cache)
    after = {lst.key: lst for lst in listings}
    if before:
        before_keys = {k for k in before.listings if not k.startswith("tr:")}
    elif gone and post.first_published_at:
        # Nothing remembered (a site baked before states were kept): assume it was listed.
        before_keys = {lst.key for lst in listings_of_post(post, assume_live=True, cache=cache)}
    else:
        before_keys = set()
    for key in sorted(before_keys | after.keys()):
        listing = after.get(key) or Listing.from_key(key, cache)
        if listing is not None:
            paths |= _listing_paths(listing, post, was_in=key in before_keys, is_in=key in after)
            paths |= _sitemap_paths(listing, post, was_in=key in before_keys, is_in=key in after)
    blog_ids = {before.blog_id if before else None, None if gone else post.get_blog(cache).pk}
    for blog_id in blog_ids - {None}:
        paths |= _window_paths(blog_id, post, cache)
    if gone:
        return Stale(paths, forget=[post.pk], bodies=referencing)
    return Stale(paths, save=[state.state_row(post, group, listings, cache)], bodies=referencing)


def paths_for_slug_change(page, old_root):
    """The old addresses (below `old_root`) of a page whose slug changed and of everything below it."""
    new_root = reader_path(page)
    if old_root is None or new_root is None:
        return Stale(set())
    return Stale({old_root + p[len(new_root) :] for p in collect_paths(root=page) if p.startswith(new_root)})


def _listing_paths(listing, post, *, was_in, is_in):
    """The pages of one listing that change when `post` enters, leaves or changes in it."""
    position, count = listing.position(post), listing.count()
    pages = stale_listing_pages(position=position, count=count, was_in=was_in, is_in=is_in, pins=listing.pins_apply)
    paths = {listing.path(number) for number in pages}
    if feed_is_stale(position=position, count=count, was_in=was_in, is_in=is_in):
        paths |= set(listing.feed_paths())
    return paths


def _sitemap_paths(listing, post, *, was_in, is_in):
    """The sitemap files a change of `post` in `listing` rewrites (editions with a base URL
    only): the pages of its month's sitemap that hold or held it and any after them whose
    posts shift (`stale_sitemap_pages`) and, within the news window, the news sitemap; the
    index when that opened or closed a page of its month (`sitemap_index_is_stale`); the
    pages sitemap when an author's or topic's page appeared or went."""
    service = listing.service
    if not service.base_url:
        return set()
    if listing.kind == "service":
        at = selectors.listing_time(post)
        month = sitemaps.month_of(at)
        position, count = _month_place(service, month, post, is_in=is_in)
        pages = stale_sitemap_pages(position=position, count=count, was_in=was_in, is_in=is_in, size=sitemaps.page_posts())
        paths = {sitemaps.sitemap_path(service, sitemaps.page_name(month, n)) for n in pages}
        if sitemaps.news_is_stale(post_time=at, newest_time=sitemaps.newest_time(service)):
            paths.add(sitemaps.sitemap_path(service, "news"))
        if sitemap_index_is_stale(count=count, was_in=was_in, is_in=is_in, size=sitemaps.page_posts()):
            paths.add(sitemaps.INDEX_PATH)
        return paths
    if listing.kind in ("author", "tag") and was_in != is_in and listing.count() <= 1:
        return {sitemaps.sitemap_path(service, "pages")}
    return set()


def _month_place(service, month, post, *, is_in):
    """(`post`'s 0-based place in its month's sitemap, the month's posts after the change):
    two counts of a range of the listing index, older and newer than the post."""
    entries = sitemaps.month_entries(service, month).exclude(post_id=post.pk)
    at = selectors.listing_time(post)
    older = entries.filter(Q(published_at__lt=at) | Q(published_at=at, post_id__lt=post.pk)).count()
    newer = entries.filter(Q(published_at__gt=at) | Q(published_at=at, post_id__gt=post.pk)).count()
    return older, older + newer + (1 if is_in else 0)


def stale_sitemap_pages(*, position, count, was_in, is_in, size):
    """Which pages (1 = oldest) of a month's sitemap, `size` posts a page, change when the
    post at `position` (0-based; the month's posts older than it) stayed in the month
    (`was_in` and `is_in`), entered or left it; `count` is the month's posts after the
    change. Its own page, and when it entered or left every later page: their posts shift by
    one, and a page past the new last one is gone (it renders a 404, so the bake removes it).
    A post appended to the month rewrites its last page only. Pure, table-tested like
    `stale_listing_pages`."""
    number = sitemaps.page_of(position, size)
    if was_in == is_in:  # changed in place (or was never listed: nothing moves)
        return {number} if is_in else set()
    count_before = count - 1 if is_in else count + 1
    last = max(sitemaps.page_count(count_before, size), sitemaps.page_count(count, size))
    return set(range(number, last + 1))


def sitemap_index_is_stale(*, count, was_in, is_in, size):
    """Whether the sitemap index (which names every page of every month, nothing else)
    changes when a post entered or left a month that holds `count` posts after the change:
    only when the month's number of pages changed — one publish in `size`, not every one."""
    if was_in == is_in:
        return False
    count_before = count - 1 if is_in else count + 1
    return sitemaps.page_count(count_before, size) != sitemaps.page_count(count, size)


def feed_is_stale(*, position, count, was_in, is_in):
    """Whether a listing's feeds (its newest FEED_SIZE posts) change when the post at
    `position` (0 = oldest; `count` posts after the change) stayed, entered or left: only
    when it is, or was, one of the newest. Pure, table-tested like `stale_listing_pages`."""
    newer = count - position - (1 if is_in else 0)  # listed posts newer than it
    return (was_in or is_in) and newer < FEED_SIZE


def stale_listing_pages(*, position, count, was_in, is_in, pins):
    """Which pages of a listing of `count` posts (after the change) change when the post at
    `position` (0 = oldest) stayed in it (`was_in` and `is_in`), entered or left it: archive
    page numbers, and None for the front. A pure function of numbers, so a table tests it
    (`tests/publishing/test_dependencies.py`)."""
    number = pagination.page_of(position)
    if was_in and is_in:  # changed in place: its archive page, and the front if it shows there
        return {number} | ({None} if pins or pagination.on_front(position, count) else set())
    # It entered or left: pages from its own to the newest shift by one post; when the
    # front's floor moved, the pages whose "Newer posts" link now leads elsewhere change.
    count_before = count - 1 if is_in else count + 1
    last = max(pagination.page_count(count_before), pagination.page_count(count))
    low, high = sorted((pagination.front_floor(count_before), pagination.front_floor(count)))
    return {None} | set(range(number, last + 1)) | set(range(max(low, 1), high))


def _window_paths(blog_id, post, cache):
    """When `post` is (or was) one of the blog's newest, the posts showing "Latest posts"
    inline and the blog's fragment change."""
    blog = BlogPage.objects.live().filter(pk=blog_id).first()
    if blog is None:
        return set()
    if Listing("blog", blog.get_service(cache), blog=blog, cache=cache).newer_count(post) >= LATEST_WINDOW:
        return set()
    # One more than the window: the post that just dropped out loses its inline box.
    window = selectors.latest_posts_for_blog(blog, limit=LATEST_WINDOW + 1)
    return {p.reader_path for p in window} | {blog.latest_fragment_path}


def _referencing_page_ids(obj):
    """Ids of pages whose content refers to `obj` (Wagtail's reference index)."""
    refs = ReferenceIndex.get_references_to(obj).filter(base_content_type=ReferenceIndex._get_base_content_type(Page))
    return {int(r.object_id) for r in refs}


def _live_paths(post_ids):
    return _post_paths(PostPage.objects.live().filter(pk__in=post_ids))


def _post_paths(posts):
    """The pages of `posts` themselves: each post's page and its republish page (which shows
    its byline and body too), as `PostPage.get_baked_paths` declares them."""
    cache = ReadCache()
    return {path for post in posts for path in post.get_baked_paths(cache)}


def edition_paths(page, *, gone):
    """A service or blog changed: every page of its edition, and its old addresses."""
    paths = set()
    before = state.state_get(page.pk)
    if before:
        paths |= state.paths_under(before.path)
        # republish pages of its posts: gone with the edition or blog, or switched off
        paths |= {republish_path(p) for p in state.post_paths_under(before.path)}
    result = Stale(paths, all_bodies=True)  # any post may link into the edition
    service = page.get_service()
    if service is not None and service.live:
        paths |= set(collect_paths(root=service))
        result.refresh = PostPage.objects.live().descendant_of(service)
    if isinstance(page, ServicePage):
        paths.add("/")  # the newsroom home lists the editions
        # its base URL may have come or gone: the site's sitemap index and robots.txt, and
        # every sitemap file it may have had
        paths |= {sitemaps.INDEX_PATH, sitemaps.ROBOTS_PATH} | set(sitemaps.edition_sitemap_paths(page, every=True))
    if gone:
        result.forget = [page.pk]
        result.forget_under = before.path if before else None
    elif page.live:
        result.save = [state.PageState(page_id=page.pk, path=reader_path(page), listings=[])]
    return result


# --- things pages show -------------------------------------------------------------------


def paths_for_object(obj, *, old=None):
    """An author, breaking-news item or image was saved or deleted. `old` is its previous
    state when it had one."""
    if isinstance(obj, Author):
        return _author_paths(obj, old)
    if isinstance(obj, BreakingNews):
        services = {obj.service_id, getattr(old, "service_id", None)} - {None}
        paths = set()
        for service in ServicePage.objects.live().filter(pk__in=services):
            paths |= banner_paths(service)
        return Stale(paths)
    return _image_paths(obj)


def _author_paths(author, old):
    posts = PostPage.objects.live().filter(post_authors__author_id=author.pk).distinct()
    paths = pages_showing(posts)
    slugs = {author.slug, getattr(old, "slug", author.slug)}
    for service in ServicePage.objects.live().filter(pk__in=_service_ids(posts)):
        count = Listing("author", service, slug=author.slug).count()
        for slug in slugs:  # an old slug's pages resolve no more and are removed
            listing = Listing("author", service, slug=slug)
            paths |= set(listing.paths(count=count)) | set(listing.feed_paths())
        if service.base_url:  # the authors' pages are in the pages sitemap
            paths.add(sitemaps.sitemap_path(service, "pages"))
    if old is not None and old.slug != author.slug:
        return Stale(paths, refresh=posts)
    return Stale(paths)


def _image_paths(image):
    lead = Q(lead_image_id=image.pk)
    embedded_ids = _referencing_page_ids(image)  # their expanded bodies hold the old rendition
    return Stale(pages_showing(PostPage.objects.live().filter(lead | Q(pk__in=embedded_ids))), bodies=embedded_ids)


def _service_ids(posts):
    prefixes = {p[: Page.steplen * 3] for p in posts.values_list("path", flat=True)}
    return ServicePage.objects.filter(path__in=prefixes).values_list("pk", flat=True)


def pages_showing(posts):
    """Every page that shows any of `posts` as they stand: their own pages, the listing
    pages that hold them, the newest posts of their blogs. One ordered id list per
    listing, however many posts."""
    posts = list(posts.prefetch_related("post_authors__author", "tags"))
    paths = _post_paths(posts)
    members = defaultdict(set)
    listings = {}
    cache = ReadCache()
    for post in posts:
        for listing in listings_of_post(post, cache=cache):
            listings[listing.key] = listing
            members[listing.key].add(post.pk)
    for key, listing in listings.items():
        order = listing.ordered_ids()  # the listing index, not the posts table
        places = [i for i, pk in enumerate(order) if pk in members[key]]
        paths |= {listing.path(pagination.page_of(i)) for i in places}
        if listing.pins_apply or any(pagination.on_front(i, len(order)) for i in places):
            paths.add(listing.path())
        if any(i >= len(order) - FEED_SIZE for i in places):
            paths |= set(listing.feed_paths())
        if listing.kind == "blog" and any(i >= len(order) - LATEST_WINDOW for i in places):
            window = order[-LATEST_WINDOW:]
            paths |= {p.reader_path for p in PostPage.objects.filter(pk__in=window)}
            paths.add(listing.blog.latest_fragment_path)
    return paths


# --- the clock ---------------------------------------------------------------------------


def banner_paths(service):
    """Pages that carry the service's banner inline, and the fragment all others load."""
    paths = {service.breaking_fragment_path, service.breaking_json_path, service.reader_path}
    for blog in selectors.blogs_for_service(service):  # their fronts and newest posts carry it inline
        paths.add(blog.reader_path)
        paths |= {p.reader_path for p in selectors.latest_posts_for_blog(blog)}
    return paths


def paths_for_clock(service_ids):
    """Time passed: the banner or pins of these editions changed (`clock.clock_changed`)."""
    paths = set()
    for service in ServicePage.objects.live().filter(pk__in=service_ids):
        paths |= banner_paths(service)
    return Stale(paths)
