"""Reads of the newsroom. Pages, the baker and the dependency tracker call these, so they
never disagree about which posts a page lists.

Listings paginate from the oldest post ("stable pagination"): archive page 1 holds the
ten oldest posts and a new post only ever lands on the newest page, so publishing never
shifts old pages. The listing's front page shows the newest posts (pinned ones first on
service and blog fronts) and links into the archive.
"""

from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone
from taggit.models import Tag

from samizdat.publishing.context import memo_peek, memoized

from .models import PAGE_SIZE, Author, BlogPage, BreakingNews, PostPage, ServicePage

LATEST_POSTS = 5
# A post shows the "Latest posts" box and the breaking-news banner inline (for readers
# without JavaScript) when it is one of its blog's newest LATEST_WINDOW posts; older posts
# get both from shared fragments. Publishing re-renders only this window.
LATEST_WINDOW = LATEST_POSTS + 1
CARD_BLOCK = 20  # archive pages whose posts are fetched together in a full bake
BULK = ("bulk",)  # set in the batch memo by a full bake's jobs


def services_live():
    return ServicePage.objects.live().order_by("path")


def _listed(queryset):
    return queryset.live().filter(unlisted=False)


def _with_cards(queryset):
    return queryset.select_related("lead_image").prefetch_related("post_authors__author", "lead_image__renditions")


@dataclass(frozen=True)
class Listing:
    """A paginated list of posts: a service front, a blog, an author's or a tag's page."""

    kind: str  # "service" | "blog" | "author" | "tag"
    service: ServicePage
    blog: BlogPage | None = None
    slug: str = ""  # author or tag slug

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
            qs = PostPage.objects.child_of(self.blog)
        else:
            qs = PostPage.objects.descendant_of(self.service)
        qs = _listed(qs)
        if self.kind == "author":
            qs = qs.filter(post_authors__author__slug=self.slug)
        elif self.kind == "tag":
            qs = qs.filter(tags__slug=self.slug)
        return qs

    def ordered_ids(self):
        """Ids of the listed posts, oldest first: one query per listing and bake batch,
        which every archive page of the listing then slices."""
        return memoized(
            ("order", self.key),
            lambda: list(self.posts().order_by("first_published_at", "pk").values_list("pk", flat=True)),
        )

    def count(self):
        ids = memo_peek(("order", self.key))
        if ids is not None:
            return len(ids)
        return memoized(("count", self.key), lambda: self.posts().count())

    def page_count(self, count=None):
        count = self.count() if count is None else count
        return -(-count // PAGE_SIZE)

    def path(self, number=None):
        """The front (None) or archive page `number` (1 = oldest)."""
        return self.base if number is None else f"{self.base}page/{number}/"

    def paths(self):
        return [self.path()] + [self.path(n) for n in range(1, self.page_count() + 1)]

    def front(self):
        """The newest posts, pinned first where pins apply. Two small queries that walk the
        publication-time index (sorting the whole listing by "pinned" would read it all)."""
        newest = _with_cards(self.posts().order_by("-first_published_at", "-pk"))
        if not self.pins_apply:
            return list(newest[:PAGE_SIZE])
        pinned = list(_with_cards(self.posts().filter(pinned_until__gt=timezone.now()))
                      .order_by("-first_published_at", "-pk")[:PAGE_SIZE])
        for post in pinned:
            post.pinned = 1
        pinned_ids = {p.pk for p in pinned}
        rest = [p for p in newest[: PAGE_SIZE + len(pinned)] if p.pk not in pinned_ids]
        return (pinned + rest)[:PAGE_SIZE]

    def archive_page(self, number, count=None):
        """Posts of archive page `number`, newest first; None when there is no such page.

        A full bake renders every page of a listing in a row: it reads the listing's ids
        once and fetches posts a block of pages at a time. A publish renders one or two
        pages near the newest end: it asks the database for just those, counting from
        the nearer end, so the work does not grow with the archive."""
        if not memo_peek(BULK):
            count = self.count() if count is None else count
            start, end = (number - 1) * PAGE_SIZE, min(number * PAGE_SIZE, count)
            if number < 1 or start >= count:
                return None
            qs = _with_cards(self.posts())
            if start > count // 2:
                return list(qs.order_by("-first_published_at", "-pk")[count - end : count - start])
            return list(qs.order_by("first_published_at", "pk")[start:end])[::-1]
        ids = self.ordered_ids()
        start = (number - 1) * PAGE_SIZE
        if number < 1 or start >= len(ids):
            return None
        # Posts are fetched for a block of pages at once: a bake renders them one after another.
        block = (number - 1) // CARD_BLOCK
        block_ids = ids[block * CARD_BLOCK * PAGE_SIZE : (block + 1) * CARD_BLOCK * PAGE_SIZE]
        posts = memoized(
            ("cards", self.key, block),
            lambda: {p.pk: p for p in _with_cards(PostPage.objects.filter(pk__in=block_ids))},
        )
        return [posts[pk] for pk in reversed(ids[start : start + PAGE_SIZE])]

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
    def from_key(cls, key):
        """The listing a remembered key names, or None when its service or blog is gone."""
        kind, service_id, ident = key.split(":", 2)
        service = ServicePage.objects.live().filter(pk=service_id).first()
        if service is None:
            return None
        if kind == "blog":
            blog = BlogPage.objects.live().filter(pk=ident).first()
            return cls(kind, service, blog=blog) if blog else None
        return cls(kind, service, slug=ident)


def listings_of_post(post, *, assume_live=False):
    """Every listing a live, listed post appears in."""
    if (not post.live and not assume_live) or post.unlisted:
        return []
    service, blog = post.get_service(), post.get_blog()
    if service is None or blog is None:
        return []
    listings = [Listing("service", service), Listing("blog", service, blog=blog)]
    listings += [Listing("author", service, slug=a.slug) for a in post.ordered_authors]
    listings += [Listing("tag", service, slug=t.slug) for t in post.tags.all()]
    return listings


def latest_posts_for_blog(blog, *, limit=LATEST_WINDOW):
    """The blog's newest listed posts by publication time (pins do not apply here)."""
    return list(_listed(PostPage.objects.child_of(blog)).order_by("-first_published_at", "-pk")[:limit])


def _with_listed_counts(model, link, service):
    """`model` rows (authors, tags) with listed posts in the service, each with how many;
    `link` is the relation from the row to its post ("post_links__post")."""
    post_ids = _listed(PostPage.objects.descendant_of(service)).values("pk")
    through = link.split("__")[0]
    return (
        model.objects.filter(**{f"{link}__in": post_ids})
        .annotate(listed=Count(through, distinct=True))
        .order_by("slug")
    )


def authors_for_service(service):
    return _with_listed_counts(Author, "post_links__post", service)


def tags_for_service(service):
    return _with_listed_counts(Tag, "newsroom_posttag_items__content_object", service)


def blogs_for_service(service):
    return BlogPage.objects.child_of(service).live().order_by("path")


def breaking_news_active(service, *, at=None):
    at = at or timezone.now()
    return (
        BreakingNews.objects.filter(service=service, starts_at__lte=at, expires_at__gt=at)
        .order_by("-starts_at")
        .first()
    )
