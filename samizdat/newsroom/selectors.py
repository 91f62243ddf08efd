"""Reads of the newsroom. Pages, the baker and the dependency tracker call these, so they
never disagree about which posts a page lists. Pagination (which positions a page shows)
is `pagination`'s; this module turns positions into posts.

Reads that a batch of pages shares take the batch's `ReadCache` (`samizdat.core.rendering`):
a `Listing` carries it, so one listing's count or ordered ids are read once per batch.
"""

from __future__ import annotations  # models and selectors refer to each other (pages list posts)

from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone
from taggit.models import Tag
from wagtail.permissions import page_permission_policy

from samizdat.core.rendering import NO_CACHE, ReadCache

from . import pagination
from . import models

LATEST_POSTS = 5
# A post shows the "Latest posts" box and the breaking-news banner inline (for readers
# without JavaScript) when it is one of its blog's newest LATEST_WINDOW posts; older posts
# get both from shared fragments. Publishing re-renders only this window.
LATEST_WINDOW = LATEST_POSTS + 1
CARD_BLOCK = 20  # archive pages whose posts are fetched together in a full bake


def services_live():
    return models.ServicePage.objects.live().order_by("path")


def _listed(queryset):
    return queryset.live().filter(unlisted=False)


def _with_cards(queryset):
    return queryset.select_related("lead_image").prefetch_related("post_authors__author", "lead_image__renditions")


@dataclass(frozen=True)
class Front:
    """What a listing's front page shows: pinned posts first (where pins apply), then the
    newest posts down to the page boundary `pagination.front_start`."""

    posts: list
    pinned_ids: frozenset


@dataclass(frozen=True)
class Listing:
    """A paginated list of posts: an edition's front, a blog, an author's or a tag's page."""

    kind: str  # "service" | "blog" | "author" | "tag"
    service: models.ServicePage
    blog: models.BlogPage | None = None
    slug: str = ""  # author or tag slug
    cache: ReadCache = field(default=NO_CACHE, compare=False, repr=False)

    @property
    def key(self):
        """How the dependency tracker remembers that a post was in this listing."""
        ident = self.blog.pk if self.kind == "blog" else self.slug if self.kind in ("author", "tag") else ""
        return f"{self.kind}:{self.service.pk}:{ident}"

    @property
    def base(self):
        root = self.service.reader_path
        if self.kind == "blog":
            return self.blog.reader_path
        if self.kind == "author":
            return f"{root}authors/{self.slug}/"
        if self.kind == "tag":
            return f"{root}tags/{self.slug}/"
        return root

    @property
    def pins_apply(self):
        return self.kind in ("service", "blog")

    def posts(self):
        """Listed posts, unordered."""
        if self.kind == "blog":
            qs = models.PostPage.objects.child_of(self.blog)
        else:
            qs = models.PostPage.objects.descendant_of(self.service)
        qs = _listed(qs)
        if self.kind == "author":
            qs = qs.filter(post_authors__author__slug=self.slug)
        elif self.kind == "tag":
            qs = qs.filter(tags__slug=self.slug)
        return qs

    def ordered_ids(self):
        """Ids of the listed posts, oldest first: one query per listing and batch, which
        every archive page of the listing then slices (a full bake)."""
        return self.cache.get(
            ("order", self.key),
            lambda: list(self.posts().order_by("first_published_at", "pk").values_list("pk", flat=True)),
        )

    def count(self):
        ids = self.cache.peek(("order", self.key))
        if ids is not None:
            return len(ids)
        return self.cache.get(("count", self.key), lambda: self.posts().count())

    def page_count(self):
        return pagination.page_count(self.count())

    def path(self, number=None):
        """The front (None) or archive page `number` (1 = oldest)."""
        return self.base if number is None else f"{self.base}page/{number}/"

    def paths(self, count=None):
        count = self.count() if count is None else count
        return [self.path()] + [self.path(n) for n in range(1, pagination.page_count(count) + 1)]

    def _newest(self, start, end, count):
        """Posts at positions start..end-1, newest first, fetched from the nearer end so a
        page near the newest end costs the same in any archive size."""
        qs = _with_cards(self.posts())
        if start > count // 2:
            return list(qs.order_by("-first_published_at", "-pk")[count - end : count - start])
        return list(qs.order_by("first_published_at", "pk")[start:end])[::-1]

    def front(self):
        count = self.count()
        start = pagination.front_start(count)
        if self.cache.bulk:
            posts = self._from_ids(self.ordered_ids()[start:count])
        else:
            posts = self._newest(start, count, count)
        if not self.pins_apply:
            return Front(posts, frozenset())
        pinned = list(
            _with_cards(self.posts().filter(pinned_until__gt=timezone.now())).order_by("-first_published_at", "-pk")[
                : pagination.PAGE_SIZE
            ]
        )
        pinned_ids = frozenset(p.pk for p in pinned)
        return Front(pinned + [p for p in posts if p.pk not in pinned_ids], pinned_ids)

    def archive_page(self, number):
        """Posts of archive page `number`, newest first; None when there is no such page."""
        count = self.count()
        span = pagination.archive_range(number, count)
        if span is None:
            return None
        if not self.cache.bulk:
            return self._newest(*span, count)
        start, end = span
        return self._from_ids(self.ordered_ids()[start:end], block=(number - 1) // CARD_BLOCK)

    def _from_ids(self, ids, block=None):
        """Posts by id, newest first. A full bake renders a listing's pages one after another,
        so it fetches a block of pages' posts at once."""
        if block is None:
            posts = {p.pk: p for p in _with_cards(models.PostPage.objects.filter(pk__in=ids))}
        else:
            all_ids = self.ordered_ids()
            size = CARD_BLOCK * pagination.PAGE_SIZE
            block_ids = all_ids[block * size : (block + 1) * size]
            posts = self.cache.get(
                ("cards", self.key, block),
                lambda: {p.pk: p for p in _with_cards(models.PostPage.objects.filter(pk__in=block_ids))},
            )
        return [posts[pk] for pk in reversed(ids)]

    def position(self, post):
        """How many listed posts are older than `post` (its 0-based place, oldest first)."""
        if post.first_published_at is None:  # never published: it would be the newest
            return self.posts().exclude(pk=post.pk).count()
        older = Q(first_published_at__lt=post.first_published_at) | Q(
            first_published_at=post.first_published_at, pk__lt=post.pk
        )
        return self.posts().filter(older).exclude(pk=post.pk).count()

    def newer_count(self, post):
        if post.first_published_at is None:
            return 0
        newer = Q(first_published_at__gt=post.first_published_at) | Q(
            first_published_at=post.first_published_at, pk__gt=post.pk
        )
        return self.posts().filter(newer).exclude(pk=post.pk).count()

    @classmethod
    def from_key(cls, key, cache=None):
        """The listing a remembered key names, or None when its edition or blog is gone."""
        kind, service_id, ident = key.split(":", 2)
        service = models.ServicePage.objects.live().filter(pk=service_id).first()
        if service is None:
            return None
        cache = cache or NO_CACHE
        if kind == "blog":
            blog = models.BlogPage.objects.live().filter(pk=ident).first()
            return cls(kind, service, blog=blog, cache=cache) if blog else None
        return cls(kind, service, slug=ident, cache=cache)


def listings_of_post(post, *, assume_live=False, cache=None):
    """Every listing a live, listed post appears in."""
    if (not post.live and not assume_live) or post.unlisted:
        return []
    cache = cache or NO_CACHE
    service, blog = post.get_service(cache), post.get_blog(cache)
    if service is None or blog is None:
        return []
    listings = [Listing("service", service, cache=cache), Listing("blog", service, blog=blog, cache=cache)]
    listings += [Listing("author", service, slug=a.slug, cache=cache) for a in post.ordered_authors]
    listings += [Listing("tag", service, slug=t.slug, cache=cache) for t in post.ordered_tags]
    return listings


def latest_posts_for_blog(blog, *, limit=LATEST_WINDOW):
    """The blog's newest listed posts by publication time (pins do not apply here)."""
    return list(_listed(models.PostPage.objects.child_of(blog)).order_by("-first_published_at", "-pk")[:limit])


def _with_listed_counts(model, link, service):
    """`model` rows (authors, tags) with listed posts in the service, each with how many;
    `link` is the relation from the row to its post ("post_links__post")."""
    post_ids = _listed(models.PostPage.objects.descendant_of(service)).values("pk")
    through = link.split("__")[0]
    return (
        model.objects.filter(**{f"{link}__in": post_ids})
        .annotate(listed=Count(through, distinct=True))
        .order_by("slug")
    )


def authors_for_service(service):
    return _with_listed_counts(models.Author, "post_links__post", service)


def tags_for_service(service):
    return _with_listed_counts(Tag, "newsroom_posttag_items__content_object", service)


def blogs_for_service(service):
    return models.BlogPage.objects.child_of(service).live().order_by("path")


def breaking_news_active(service, *, at=None):
    at = at or timezone.now()
    return (
        models.BreakingNews.objects.filter(service=service, starts_at__lte=at, expires_at__gt=at)
        .order_by("-starts_at")
        .first()
    )


def editions_for_user(user, action="publish"):
    """The editions in which `user` may `action` ("publish", "change", "add") pages: those
    whose blogs one of their desks holds the permission on, every edition for administrators
    (who hold it at the root). Admin views that are not pages (the banners) scope by this."""
    if not user.is_active:
        return models.ServicePage.objects.none()
    if user.is_superuser:
        return models.ServicePage.objects.all()
    codename = f"{action}_page"
    paths = [
        grant.page.path
        for grant in page_permission_policy.get_cached_permissions_for_user(user)
        if grant.permission.codename == codename
    ]
    if not paths:
        return models.ServicePage.objects.none()
    steplen = models.ServicePage.steplen
    # An edition holding the grant, above it (a blog's grant) or below it (the root's).
    above = {path[:end] for path in paths for end in range(steplen, len(path) + 1, steplen)}
    where = Q(path__in=above)
    for path in paths:
        where |= Q(path__startswith=path)
    return models.ServicePage.objects.filter(where)


def banners_for_user(user):
    """The breaking-news banners `user` may see and change in the admin: those of the
    editions they may publish in."""
    return models.BreakingNews.objects.filter(service__in=editions_for_user(user))
