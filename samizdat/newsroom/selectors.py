"""Reads of the newsroom. Pages, the baker and the dependency tracker call these, so they
never disagree about which posts a page lists. Pagination (which positions a page shows)
is `pagination`'s; this module turns positions into posts.

Reads that a batch of pages shares take the batch's `ReadCache` (`samizdat.core.rendering`):
a `Listing` carries it, so one listing's count or ordered ids are read once per batch.
"""

from __future__ import annotations  # models and selectors refer to each other (pages list posts)

from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db.models import Q
from django.utils import timezone
from taggit.models import Tag
from wagtail.images import get_image_model
from wagtail.models import Revision, Site, TaskState, WorkflowState
from wagtail.permissions import page_permission_policy

from samizdat.core.rendering import NO_CACHE, ReadCache

from . import pagination, rows
from . import models

LATEST_POSTS = 5
# A post shows the "Latest posts" box and the breaking-news banner inline (for readers
# without JavaScript) when it is one of its blog's newest LATEST_WINDOW posts; older posts
# get both from shared fragments. Publishing re-renders only this window.
LATEST_WINDOW = LATEST_POSTS + 1
CARD_BLOCK = 20  # archive pages whose posts are fetched together in a full bake
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # where a live post that was never published sorts
# Every listing has feeds of its newest FEED_SIZE posts beside its front page (`feeds`).
FEED_SIZE = 20
FEED_FILES = {"feed.xml": "rss", "atom.xml": "atom", "feed.json": "json"}


def services_live():
    return models.ServicePage.objects.live().order_by("path")


@dataclass(frozen=True)
class Front:
    """What a listing's front page shows: pinned posts first (where pins apply), then the
    newest posts down to the page boundary `pagination.front_start`."""

    posts: list
    pinned_ids: frozenset


@dataclass(frozen=True)
class Listing:
    """A paginated list of posts: an edition's front, a blog, an author's or a tag's page.

    Reads go to the listing index (`models.ListingEntry`, `models.ListingCount`), never to
    the page tree: the count is one row, the newest posts a short range of one index, so a
    listing's front and newest archive pages cost the same in any archive size."""

    kind: str  # "service" | "blog" | "author" | "tag"
    service: models.ServicePage
    blog: models.BlogPage | None = None
    slug: str = ""  # author or tag slug
    cache: ReadCache = field(default=NO_CACHE, compare=False, repr=False)
    ref: int | None = field(default=None, compare=False, repr=False)  # the author's or tag's id, when known

    @property
    def key(self):
        """How the dependency tracker remembers that a post was in this listing."""
        ident = self.blog.pk if self.kind == "blog" else self.slug if self.kind in ("author", "tag") else ""
        return f"{self.kind}:{self.service.pk}:{ident}"

    @property
    def entry_key(self):
        """The listing's key in the index: ids, not slugs."""
        ident = self.blog.pk if self.kind == "blog" else self._ref() if self.kind in ("author", "tag") else None
        return models.ListingEntry.key_of(self.kind, self.service.pk, ident)

    def _ref(self):
        if self.ref is not None:
            return self.ref
        model = models.Author if self.kind == "author" else Tag
        found = self.cache.get(
            (self.kind, "id", self.slug), lambda: model.objects.filter(slug=self.slug).values_list("pk", flat=True).first()
        )
        return "-" if found is None else found  # an unknown slug lists nothing

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

    def entries(self):
        return models.ListingEntry.objects.filter(key=self.entry_key)

    def posts(self):
        """Listed posts, unordered."""
        return models.PostPage.objects.filter(listing_entries__key=self.entry_key)

    def ordered_ids(self):
        """Ids of the listed posts, oldest first: one query per listing and batch, which
        every archive page of the listing then slices (a full bake)."""
        return self.cache.get(
            ("order", self.key),
            lambda: list(self.entries().order_by("published_at", "post_id").values_list("post_id", flat=True)),
        )

    def count(self):
        ids = self.cache.peek(("order", self.key))
        if ids is not None:
            return len(ids)
        return self.cache.get(
            ("count", self.key),
            lambda: models.ListingCount.objects.filter(key=self.entry_key).values_list("count", flat=True).first() or 0,
        )

    def page_count(self):
        return pagination.page_count(self.count())

    def path(self, number=None):
        """The front (None) or archive page `number` (1 = oldest)."""
        return self.base if number is None else f"{self.base}page/{number}/"

    def feed_paths(self):
        """Its feeds (RSS, Atom, JSON Feed), beside its front page."""
        return [f"{self.base}{name}" for name in FEED_FILES]

    def paths(self, count=None):
        count = self.count() if count is None else count
        return [self.path()] + [self.path(n) for n in range(1, pagination.page_count(count) + 1)]

    def _newest(self, start, end, count):
        """Posts at positions start..end-1, newest first, read from the nearer end of the
        index so a page near the newest end costs the same in any archive size."""
        entries = self.entries()
        if start > count // 2:
            ids = entries.order_by("-published_at", "-post_id").values_list("post_id", flat=True)[count - end : count - start]
            return _posts_by_ids(list(ids), self.cache)
        ids = entries.order_by("published_at", "post_id").values_list("post_id", flat=True)[start:end]
        return _posts_by_ids(list(ids)[::-1], self.cache)

    def front(self):
        count = self.count()
        start = pagination.front_start(count)
        if self.cache.bulk:
            posts = self._from_ids(self.ordered_ids()[start:count])
        else:
            posts = self._newest(start, count, count)
        if not self.pins_apply:
            return Front(posts, frozenset())
        pins = (
            self.entries()
            .filter(pinned_until__gt=timezone.now())
            .order_by("-published_at", "-post_id")
            .values_list("post_id", flat=True)[: pagination.PAGE_SIZE]
        )
        pinned = _posts_by_ids(list(pins), self.cache)
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
            return _posts_by_ids(list(reversed(ids)), self.cache)
        all_ids = self.ordered_ids()
        size = CARD_BLOCK * pagination.PAGE_SIZE
        block_ids = all_ids[block * size : (block + 1) * size]
        posts = self.cache.get(
            ("cards", self.key, block),
            lambda: {p.pk: p for p in post_rows(block_ids, self.cache, live_only=False)},
        )
        return [posts[pk] for pk in reversed(ids)]

    def _newer(self, post, *, inclusive):
        """Entries newer than `post` (and `post` itself when `inclusive`): a range of the
        index from the post's time up, short for recent posts."""
        at = listing_time(post)
        tie = Q(post_id__gte=post.pk) if inclusive else Q(post_id__gt=post.pk)
        return self.entries().filter(published_at__gte=at).filter(Q(published_at__gt=at) | tie).count()

    def position(self, post):
        """How many listed posts are older than `post` (its 0-based place, oldest first) —
        counted from the newest end, whether or not `post` itself is listed."""
        return self.count() - self._newer(post, inclusive=True)

    def newer_count(self, post):
        return self._newer(post, inclusive=False)

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


def listing_time(post):
    """Where a post sorts in its listings (as `services` writes it into the index)."""
    return post.first_published_at or EPOCH


def _posts_by_ids(ids, cache):
    """Posts with what a listing card shows (`rows.PostRow`), in the order of `ids`."""
    if not ids:
        return []
    posts = {p.pk: p for p in post_rows(ids, cache, live_only=False)}
    return [posts[pk] for pk in ids if pk in posts]


def listings_of_post(post, *, assume_live=False, cache=None):
    """Every listing a live, listed post appears in (none under an unpublished blog or
    edition, as in the index)."""
    if (not post.live and not assume_live) or post.unlisted:
        return []
    cache = cache or NO_CACHE
    service, blog = post.get_service(cache), post.get_blog(cache)
    if service is None or blog is None or not (service.live and blog.live):
        return []
    listings = [Listing("service", service, cache=cache), Listing("blog", service, blog=blog, cache=cache)]
    listings += [Listing("author", service, slug=a.slug, ref=a.pk, cache=cache) for a in post.ordered_authors]
    listings += [Listing("tag", service, slug=t.slug, ref=t.pk, cache=cache) for t in post.ordered_tags]
    return listings


def listing_keys_of_posts(ids):
    """For many posts at once, the keys of the listings each is in (`Listing.key`, in no set
    order): what `listings_of_post` answers for one post, read from the listing index, whose
    rows exist exactly for the listings a post is in. A full bake remembers them for every
    post; building each post's listings one by one cost a third of a millisecond a post."""
    entries = [
        (post_id, key.split(":"))
        for post_id, key in models.ListingEntry.objects.filter(post_id__in=ids).values_list("post_id", "key")
    ]
    idents = {"author": set(), "tag": set()}
    editions = {}  # post id → its edition's id (every listed post is in its edition's listing)
    for post_id, parts in entries:
        if parts[0] in idents:
            idents[parts[0]].add(int(parts[2]))
        elif parts[0] == "service":
            editions[post_id] = parts[1]
    slugs = {
        "author": dict(models.Author.objects.filter(pk__in=idents["author"]).values_list("pk", "slug")),
        "tag": dict(Tag.objects.filter(pk__in=idents["tag"]).values_list("pk", "slug")),
    }
    keys = {}
    for post_id, parts in entries:
        kind = parts[0]
        if kind == "service":
            key = f"service:{parts[1]}:"
        elif kind == "blog":
            if post_id not in editions:  # an index missing rows: a full bake must not stop here
                continue
            key = f"blog:{editions[post_id]}:{parts[1]}"
        else:
            key = f"{kind}:{parts[1]}:{slugs[kind][int(parts[2])]}"
        keys.setdefault(post_id, []).append(key)
    return keys


def latest_posts_for_blog(blog, *, limit=LATEST_WINDOW):
    """The blog's newest listed posts by publication time (pins do not apply here)."""
    ids = (
        models.ListingEntry.objects.filter(key=models.ListingEntry.key_of("blog", None, blog.pk))
        .order_by("-published_at", "-post_id")
        .values_list("post_id", flat=True)[:limit]
    )
    ids = list(ids)
    posts = {p.pk: p for p in models.PostPage.objects.filter(pk__in=ids)}
    return [posts[pk] for pk in ids if pk in posts]


def _with_listed_counts(model, kind, service):
    """`model` rows (authors, tags) with listed posts in the edition, by slug, each with how
    many (`listed`) — from the index's counters."""
    prefix = f"{kind}:{service.pk}:"
    counts = {
        int(key[len(prefix) :]): count
        for key, count in models.ListingCount.objects.filter(key__startswith=prefix, count__gt=0).values_list("key", "count")
    }
    rows = list(model.objects.filter(pk__in=counts).order_by("slug"))
    for row in rows:
        row.listed = counts[row.pk]
    return rows


def authors_for_service(service):
    return _with_listed_counts(models.Author, "author", service)


def tags_for_service(service):
    return _with_listed_counts(Tag, "tag", service)


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


# The staff home screen (`wagtail_hooks`: one dashboard panel per question a desk asks).

POST_DEPTH = 5  # Root → NewsroomHome → edition → blog → post; deleted posts sit elsewhere


def blogs_for_writer(user):
    """The live blogs `user` may write a post in, edition by edition."""
    blogs = models.BlogPage.objects.live().filter(depth=POST_DEPTH - 1).order_by("path")
    return [blog for blog in blogs if blog.permissions_for_user(user).can_add_subpage()]


def bylines_of(user):
    """The bylines `user` writes under (an editor may assign several), by name: the first
    signs their new posts."""
    return models.Author.objects.filter(account=user).order_by("name", "pk") if user.is_authenticated else models.Author.objects.none()


@dataclass
class Draft:
    post: object
    edition: object
    returned: bool  # an editor asked for changes
    in_review: bool
    comment: str  # the reviewer's comment when returned


def _scheduled_ids():
    return {
        int(object_id)
        for object_id in Revision.page_revisions.filter(approved_go_live_at__isnull=False).values_list("object_id", flat=True)
    }


def returned_comment(page):
    """The comment of the review that last asked for changes to `page` ("" if none)."""
    state = (
        TaskState.objects.filter(workflow_state__object_id=str(page.pk), status=TaskState.STATUS_REJECTED)
        .exclude(workflow_state__base_content_type__isnull=True)
        .order_by("-finished_at")
        .first()
    )
    return state.comment if state else ""


def drafts_of_user(user, *, limit=20):
    """`user`'s posts not yet live (or with unpublished changes), newest first; those an
    editor returned first, with the reviewer's comment. Scheduled posts are listed apart."""
    posts = (
        models.PostPage.objects.filter(owner=user, depth=POST_DEPTH)
        .filter(Q(live=False) | Q(has_unpublished_changes=True))
        .exclude(pk__in=_scheduled_ids())
        .order_by("-latest_revision_created_at")[:limit]
    )
    drafts = []
    for post in posts:
        state = post.current_workflow_state
        returned = state is not None and state.status == WorkflowState.STATUS_NEEDS_CHANGES
        drafts.append(
            Draft(
                post=post, edition=post.get_service(), returned=returned,
                in_review=state is not None and state.status == WorkflowState.STATUS_IN_PROGRESS,
                comment=returned_comment(post) if returned else "",
            )
        )
    return sorted(drafts, key=lambda d: not d.returned)


@dataclass
class EditionQueue:
    edition: object
    items: list = field(default_factory=list)  # ReviewItem


@dataclass
class ReviewItem:
    post: object
    state: object  # the TaskState waiting for review
    previous: object  # the revision submitted for review before this one, or None


def revision_submitted_before(page, state):
    """The revision `page` was last submitted for review with before `state` began: what the
    reviewer saw then. Comparing with it shows what the writer changed since, not the
    autosaves in between."""
    earlier = (
        TaskState.objects.filter(
            workflow_state__object_id=str(page.pk),
            workflow_state__base_content_type_id=state.workflow_state.base_content_type_id,
            started_at__lt=state.started_at,
        )
        .exclude(revision_id=state.revision_id)
        .select_related("revision")
        .order_by("-started_at")
        .first()
    )
    return earlier.revision if earlier else None


def review_queue_by_edition(user):
    """The posts waiting for `user`'s review, grouped by edition, oldest request first."""
    states = (
        TaskState.objects.reviewable_by(user)
        .select_related("revision", "revision__user", "workflow_state")
        .order_by("started_at")
    )
    queues = {}
    for state in states:
        page = state.revision.content_object
        if page is None:
            continue
        page = page.specific
        edition = page.get_service() if hasattr(page, "get_service") else None
        key = edition.path if edition else ""
        queues.setdefault(key, EditionQueue(edition=edition)).items.append(
            ReviewItem(post=page, state=state, previous=revision_submitted_before(page, state))
        )
    return [queues[key] for key in sorted(queues)]


@dataclass
class Scheduled:
    post: object
    edition: object
    go_live_at: object


def scheduled_posts(user):
    """Posts with an approved go-live time in the editions `user` works in, soonest first."""
    editions = {edition.pk: edition for edition in editions_for_user(user, "add")}
    revisions = Revision.page_revisions.filter(approved_go_live_at__isnull=False).order_by("approved_go_live_at")
    scheduled = []
    for revision in revisions:
        page = revision.content_object
        page = page.specific if page is not None else None
        edition = page.get_service() if hasattr(page, "get_service") else None
        if edition is not None and edition.pk in editions:
            scheduled.append(Scheduled(post=page, edition=edition, go_live_at=revision.approved_go_live_at))
    return scheduled


def banners_live_for_user(user, *, at=None):
    """The banners readers see now in the editions `user` works in."""
    at = at or timezone.now()
    return (
        models.BreakingNews.objects.filter(service__in=editions_for_user(user, "add"), starts_at__lte=at, expires_at__gt=at)
        .select_related("service")
        .order_by("service__path", "-starts_at")
    )


def banners_in_the_way(*, service, starts_at, expires_at, exclude_pk=None, at=None):
    """The banners of `service` that readers would see during [starts_at, expires_at)
    beside a new one — live or scheduled, not expired. Readers see one banner at a time."""
    at = at or timezone.now()
    return (
        models.BreakingNews.objects.filter(service=service, starts_at__lt=expires_at, expires_at__gt=max(starts_at, at))
        .exclude(pk=exclude_pk)
        .order_by("starts_at")
    )


def posts_published_since(service, since):
    """An edition's listed posts first published at or after `since`, newest first (the
    offline bundle of the last days): as its fronts list them — no unlisted post, none under
    an unpublished blog (`models.ListingEntry`)."""
    listed = models.ListingEntry.objects.filter(key=models.ListingEntry.key_of("service", service.pk, None))
    return (
        models.PostPage.objects.live().public().filter(pk__in=listed.values("post_id"))
        .filter(first_published_at__gte=since).order_by("-first_published_at")
    )


# Rows for the bake (`rows`): exactly the columns a post page shows, a few wide queries per
# job of posts instead of a Wagtail instance per post.

POST_ROW_COLUMNS = (
    "pk", "title", "seo_title", "search_description", "teaser", "body", "path", "url_path", "translation_key",
    "translation_of_id", "first_published_at", "go_live_at", "latest_revision_created_at", "updated_at",
    "lead_image_id", "lead_image_alt", "lead_image_caption", "lead_image_credit",
)


def _grouped(pairs):
    grouped = {}
    for key, value in pairs:
        grouped.setdefault(key, []).append(value)
    return grouped


def images_by_id(ids, cache):
    """Wagtail images with their renditions, each read once per batch."""
    wanted = {pk for pk in ids if pk is not None}
    images = {pk: cache.peek(("image", pk)) for pk in wanted}
    missing = [pk for pk, image in images.items() if image is None]
    if missing:
        for image in get_image_model().objects.filter(pk__in=missing).prefetch_related("renditions"):
            images[image.pk] = cache.get(("image", image.pk), lambda image=image: image)
    return images


def post_rows(ids, cache, *, live_only=True):
    """The posts among `ids` (live ones only when `live_only`) as `rows.PostRow`, in tree
    order, with their authors, tags, corrections, lead image and edition: five queries for
    any number of posts."""
    found = models.PostPage.objects.filter(pk__in=ids)
    found = list((found.live() if live_only else found).order_by("path").values(*POST_ROW_COLUMNS))
    ids = [r["pk"] for r in found]
    authors = _grouped(
        (post_id, rows.NamedRow(pk, name, slug))
        for post_id, pk, name, slug in models.PostAuthor.objects.filter(post_id__in=ids, author__isnull=False)
        .order_by("sort_order", "pk").values_list("post_id", "author_id", "author__name", "author__slug")
    )
    tags = _grouped(
        (post_id, rows.NamedRow(pk, name, slug))
        for post_id, pk, name, slug in models.PostTag.objects.filter(content_object_id__in=ids)
        .values_list("content_object_id", "tag_id", "tag__name", "tag__slug")
    )
    corrections = _grouped(
        (post_id, rows.CorrectionRow(noted_at, text))
        for post_id, noted_at, text in models.PostCorrection.objects.filter(post_id__in=ids)
        .order_by("sort_order", "pk").values_list("post_id", "noted_at", "text")
    )
    images = images_by_id([r["lead_image_id"] for r in found], cache)
    roots = Site.get_site_root_paths()
    services = {}  # by the edition's tree path: looked up once here even without a batch cache
    result = []
    for r in found:
        prefix = r["path"][: models.ServicePage.steplen * models.SERVICE_DEPTH]
        if prefix not in services:
            services[prefix] = models.ancestor_at(models.ServicePage, prefix, models.SERVICE_DEPTH, cache)
        result.append(rows.PostRow(
            **r,
            reader_path=models.reader_path_of(r["url_path"], roots),
            lead_image=images.get(r["lead_image_id"]),
            ordered_authors=tuple(authors.get(r["pk"], ())),
            ordered_tags=tuple(rows.tags_ordered(tags.get(r["pk"], ()))),
            corrections=rows.Rows(corrections.get(r["pk"], ())),
            service=services[prefix],
        ))
    return result


def translations_of_rows(posts, cache):
    """For each post row, the live versions of its story in other editions, in edition
    order (`PostPage.translation_group`), as `rows.PostLink`: one query for a job."""
    originals = {p.translation_of_id or p.pk for p in posts}
    group = (
        models.PostPage.objects.live()
        .filter(Q(pk__in=originals) | Q(translation_of_id__in=originals))
        .order_by("path")
        .values_list("pk", "translation_of_id", "title", "path", "url_path")
    )
    roots = Site.get_site_root_paths()
    members = _grouped(
        (original or pk, rows.PostLink(pk, title, path, models.reader_path_of(url_path, roots),
                                       models.ancestor_at(models.ServicePage, path, models.SERVICE_DEPTH, cache)))
        for pk, original, title, path, url_path in group
    )
    return {p.pk: [m for m in members.get(p.translation_of_id or p.pk, ()) if m.pk != p.pk] for p in posts}


def searchable_posts(service):
    """The posts an edition's search finds — the posts of its listings (live, listed, under a
    live blog of a live edition: `models.ListingEntry`), never a draft or an unpublished one."""
    listed = models.ListingEntry.objects.filter(key=models.ListingEntry.key_of("service", service.pk, None))
    return models.PostPage.objects.live().public().filter(pk__in=listed.values("post_id"))


SEARCH_RESULTS = 20


def posts_search(service, query, *, limit=SEARCH_RESULTS):
    """An edition's posts matching `query` (already normalised), best first, with what a
    result shows — Wagtail's database search backend: SQLite FTS5 on SQLite, PostgreSQL's
    full-text search on PostgreSQL. The index holds the live version of each page (a draft
    is a revision and is never indexed); the listing filter leaves out the rest."""
    if not query.strip():
        return []
    found = list(
        models.PostPage.objects.live().public().descendant_of(service)
        .search(query, operator="and")[: limit * 3]
    )
    listed = set(
        models.ListingEntry.objects.filter(
            key=models.ListingEntry.key_of("service", service.pk, None), post_id__in=[p.pk for p in found]
        ).values_list("post_id", flat=True)
    )
    ids = [p.pk for p in found if p.pk in listed][:limit]
    return _posts_by_ids(ids, ReadCache())
