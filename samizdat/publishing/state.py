"""What the reader site last showed of each page (`PageState`) — read and written here only.

The dependency tracker compares a page with its remembered state to find old addresses,
old listings and old translations; it answers a `Stale`, and `state_apply` records the new
state in the same transaction as the change.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q
from wagtail.models import Page, Site

from samizdat.core.rendering import ReadCache
from samizdat.newsroom.models import SERVICE_DEPTH, BlogPage, PostPage, ServicePage, reader_path, reader_path_of
from samizdat.newsroom.selectors import listing_keys_of_posts, listings_of_post

from .models import PageState


@dataclass
class Stale:
    """The answer of the dependency tracker for one change: the reader paths to re-render,
    and how the remembered state changes (rows to save, page ids to forget, a path whose
    states are all forgotten, posts whose states are recomputed), and which expanded
    bodies to forget once the change is committed."""

    paths: set
    save: list = field(default_factory=list)
    forget: list = field(default_factory=list)
    forget_under: str | None = None
    refresh: object = None  # a queryset of posts
    bodies: set = field(default_factory=set)
    all_bodies: bool = False


def state_get(page_id):
    return PageState.objects.filter(page_id=page_id).first()


def paths_under(path):
    """Remembered paths at or below `path` (an edition or blog that moved or went)."""
    return set(PageState.objects.filter(path__startswith=path).values_list("path", flat=True))


def post_paths_under(path):
    """Remembered paths of posts at or below `path` (only posts belong to a blog)."""
    return set(PageState.objects.filter(path__startswith=path, blog_id__isnull=False).values_list("path", flat=True))


def state_row(post, siblings, listings=None, cache=None):
    """What the site shows of `post` now: its path, the listings it is in (looked up unless
    given) and `siblings`, the ids of its live translations (remembered as "tr:<id>")."""
    cache = cache or ReadCache()
    listings = listings_of_post(post, cache=cache) if listings is None else listings
    return PageState(
        page_id=post.pk,
        path=post.reader_path,
        blog_id=post.get_blog(cache).pk,
        listings=[lst.key for lst in listings] + [f"tr:{pk}" for pk in sorted(siblings)],
    )


def state_apply(stale):
    """Record what `stale` says the site now shows (in the caller's transaction)."""
    if stale.forget_under:
        PageState.objects.filter(path__startswith=stale.forget_under).delete()
    if stale.forget:
        PageState.objects.filter(page_id__in=stale.forget).delete()
    for row in stale.save:
        PageState.objects.update_or_create(
            page_id=row.page_id, defaults={"path": row.path, "blog_id": row.blog_id, "listings": row.listings}
        )
    if stale.refresh is not None:
        states_refresh(stale.refresh)


def _translation_groups():
    """Live post id → ids of its live translations, from one query."""
    groups = defaultdict(set)
    for pk, original in PostPage.objects.live().filter(
        Q(translation_of__isnull=False) | Q(translations__isnull=False)
    ).values_list("pk", "translation_of_id").distinct():
        groups[original or pk].add(pk)
    return {pk: members - {pk} for members in groups.values() for pk in members}


def states_refresh(posts, *, chunk=2000, replace=True):
    """Rewrite the remembered state of `posts` in bulk (a full bake, a renamed edition): the
    rows `state_row` gives one post at a time, read as a few queries per `chunk` posts.
    Not `replace`: the caller has forgotten every state already."""
    groups = _translation_groups()
    blogs = dict(BlogPage.objects.values_list("path", "pk"))  # a post's blog: by its tree path
    blog_prefix = BlogPage.steplen * (SERVICE_DEPTH + 1)
    roots = Site.get_site_root_paths()
    live = [
        (pk, path, reader_path_of(url_path, roots))
        for pk, path, url_path in posts.order_by().values_list("pk", "path", "url_path")
    ]
    live = [row for row in live if row[2] is not None]  # not on the reader site
    for start in range(0, len(live), chunk):
        part = live[start : start + chunk]
        keys = listing_keys_of_posts([pk for pk, _, _ in part])
        _states_write(replace, [
            PageState(
                page_id=pk,
                path=site_path,
                blog_id=blogs.get(path[:blog_prefix]),
                listings=keys.get(pk, []) + [f"tr:{other}" for other in sorted(groups.get(pk, ()))],
            )
            for pk, path, site_path in part
        ])


def _states_write(replace, rows):
    if rows:
        if replace:
            PageState.objects.filter(page_id__in=[r.page_id for r in rows]).delete()
        PageState.objects.bulk_create(rows)


def states_rebuild():
    """Forget every remembered state and record the live site as it is (full bake)."""
    PageState.objects.all().delete()
    states_refresh(PostPage.objects.live(), replace=False)
    for page in Page.objects.live().type(ServicePage, BlogPage).specific():
        PageState.objects.create(page_id=page.pk, path=reader_path(page) or "/", listings=[])
