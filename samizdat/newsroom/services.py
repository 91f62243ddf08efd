"""Writes to the newsroom: roles, workflow, site set-up, the listing index. Admin views,
commands, signal handlers and the demo call these; nothing else re-implements them."""

import logging
from types import SimpleNamespace

from django.contrib.auth.models import Group, Permission
from django.db import IntegrityError, transaction
from django.db.models import F
from wagtail.models import (
    Collection,
    GroupApprovalTask,
    GroupCollectionPermission,
    GroupPagePermission,
    Page,
    Site,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from . import models
from .selectors import EPOCH
from .models import NewsroomHome

logger = logging.getLogger(__name__)

CONTRIBUTOR, EDITOR, ADMINISTRATOR = "Contributor", "Editor", "Administrator"
WORKFLOW_NAME = "Editorial review"

# Page permissions per group, on the whole tree. Only editors may publish.
PAGE_PERMISSIONS = {
    CONTRIBUTOR: ["add_page", "change_page"],
    EDITOR: ["add_page", "change_page", "publish_page", "lock_page", "unlock_page", "bulk_delete_page"],
    ADMINISTRATOR: ["add_page", "change_page", "publish_page", "lock_page", "unlock_page", "bulk_delete_page"],
}
IMAGE_PERMISSIONS = {
    CONTRIBUTOR: ["add_image", "choose_image"],
    EDITOR: ["add_image", "change_image", "delete_image", "choose_image"],
    ADMINISTRATOR: ["add_image", "change_image", "delete_image", "choose_image"],
}
MODEL_PERMISSIONS = {
    CONTRIBUTOR: ["wagtailadmin.access_admin", "newsroom.view_author"],
    EDITOR: [
        "wagtailadmin.access_admin",
        "newsroom.add_author", "newsroom.change_author", "newsroom.view_author",
        "newsroom.add_breakingnews", "newsroom.change_breakingnews",
        "newsroom.delete_breakingnews", "newsroom.view_breakingnews",
    ],
    ADMINISTRATOR: [
        "wagtailadmin.access_admin",
        "newsroom.add_author", "newsroom.change_author", "newsroom.delete_author", "newsroom.view_author",
        "newsroom.add_breakingnews", "newsroom.change_breakingnews",
        "newsroom.delete_breakingnews", "newsroom.view_breakingnews",
        "auth.add_user", "auth.change_user", "auth.delete_user", "auth.view_user",
        "wagtailcore.view_workflow", "wagtailcore.change_workflow",
    ],
}


def _permission(dotted):
    app_label, codename = dotted.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


@transaction.atomic
def editorial_roles_ensure():
    """Create (or repair) the three groups and the enforced review workflow. Idempotent."""
    root = Page.get_first_root_node()
    root_collection = Collection.get_first_root_node()
    groups = {}
    for name in (CONTRIBUTOR, EDITOR, ADMINISTRATOR):
        group, _ = Group.objects.get_or_create(name=name)
        groups[name] = group
        for dotted in MODEL_PERMISSIONS[name]:
            group.permissions.add(_permission(dotted))
        for codename in PAGE_PERMISSIONS[name]:
            GroupPagePermission.objects.get_or_create(
                group=group, page=root, permission=_permission(f"wagtailcore.{codename}")
            )
        for codename in IMAGE_PERMISSIONS[name]:
            GroupCollectionPermission.objects.get_or_create(
                group=group, collection=root_collection, permission=_permission(f"wagtailimages.{codename}")
            )

    task, _ = GroupApprovalTask.objects.get_or_create(name="Editor approval")
    task.groups.set([groups[EDITOR], groups[ADMINISTRATOR]])
    workflow, _ = Workflow.objects.get_or_create(name=WORKFLOW_NAME, defaults={"active": True})
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    WorkflowPage.objects.update_or_create(page=root, defaults={"workflow": workflow})
    # Wagtail's stock "Moderators approval" workflow is replaced by ours.
    Workflow.objects.exclude(pk=workflow.pk).filter(workflow_pages__isnull=True).update(active=False)
    # Wagtail's stock groups would confuse editors next to ours; drop them while unused.
    Group.objects.filter(name__in=["Moderators", "Editors"], user__isnull=True).delete()
    return groups


def editorial_roles_on_migrate(sender, using="default", **kwargs):
    # Runs after every migrate, so a fresh database always has the enforced workflow.
    editorial_roles_ensure()


@transaction.atomic
def newsroom_home_ensure(*, title="Samizdat"):
    """Make a NewsroomHome the root of the default site, replacing Wagtail's welcome page."""
    home = NewsroomHome.objects.first()
    if home is None:
        root = Page.get_first_root_node()
        home = root.add_child(instance=NewsroomHome(title=title, slug="samizdat"))
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        site = Site.objects.create(hostname="localhost", port=80, root_page=home, is_default_site=True)
    elif site.root_page_id != home.pk:
        old_root = site.root_page
        site.root_page = home
        site.site_name = title
        site.save()
        if old_root.specific_class is Page and not old_root.get_children().exists():
            old_root.delete()
    return home


# --- the listing index -------------------------------------------------------------------
#
# `ListingEntry` holds one row per (listing, post) and `ListingCount` each listing's size, so
# listing reads never walk the page tree. Every write goes through `_entries_refresh`, which
# computes what a set of posts' rows should be from the tree as it now stands, writes only the
# difference and moves the counters by it — in the caller's transaction.

SERVICE_PATH = Page.steplen * 3  # tree path length of an edition (Root → home → edition)
BLOG_PATH = Page.steplen * 4
CHUNK = 2000


def _live_models():
    return SimpleNamespace(
        PostPage=models.PostPage, BlogPage=models.BlogPage, ServicePage=models.ServicePage,
        PostAuthor=models.PostAuthor, PostTag=models.PostTag,
        ListingEntry=models.ListingEntry, ListingCount=models.ListingCount,
    )


def _listing_keys(*, service_id, blog_id, author_ids=(), tag_ids=()):
    """The index keys of the listings a post of this edition and blog is in."""
    key = models.ListingEntry.key_of
    return (
        [key("service", service_id), key("blog", service_id, blog_id)]
        + [key("author", service_id, pk) for pk in author_ids]
        + [key("tag", service_id, pk) for pk in tag_ids]
    )


def _entries_wanted(m, post_ids):
    """{(key, post id): (published_at, pinned_until)}: the rows `post_ids` should have now."""
    posts = list(
        m.PostPage.objects.filter(pk__in=post_ids, live=True, unlisted=False).values_list(
            "pk", "path", "first_published_at", "pinned_until"
        )
    )
    if not posts:
        return {}
    blogs = dict(
        (path, pk)
        for path, pk in m.BlogPage.objects.filter(path__in={p[1][:BLOG_PATH] for p in posts}, live=True).values_list(
            "path", "pk"
        )
    )
    services = dict(
        m.ServicePage.objects.filter(path__in={p[1][:SERVICE_PATH] for p in posts}, live=True).values_list(
            "path", "pk"
        )
    )
    ids = [p[0] for p in posts]
    authors, tags = {}, {}
    for post_id, author_id in m.PostAuthor.objects.filter(post_id__in=ids).values_list("post_id", "author_id"):
        authors.setdefault(post_id, set()).add(author_id)
    for post_id, tag_id in m.PostTag.objects.filter(content_object_id__in=ids).values_list("content_object_id", "tag_id"):
        tags.setdefault(post_id, set()).add(tag_id)
    wanted = {}
    for pk, path, first_published_at, pinned_until in posts:
        blog_id, service_id = blogs.get(path[:BLOG_PATH]), services.get(path[:SERVICE_PATH])
        if blog_id is None or service_id is None or len(path) != BLOG_PATH + Page.steplen:
            continue
        keys = _listing_keys(service_id=service_id, blog_id=blog_id, author_ids=authors.get(pk, ()), tag_ids=tags.get(pk, ()))
        for key in keys:
            wanted[(key, pk)] = (first_published_at or EPOCH, pinned_until)
    return wanted


def _entries_refresh(m, post_ids, *, gone=False):
    """Make the rows of `post_ids` what the tree says (none when `gone`) and move the counters
    by the difference. Returns how many rows were written or removed."""
    post_ids = list(post_ids)
    changed = 0
    for start in range(0, len(post_ids), CHUNK):
        chunk = post_ids[start : start + CHUNK]
        wanted = {} if gone else _entries_wanted(m, chunk)
        have = {
            (key, post_id): (pk, (published_at, pinned_until))
            for pk, key, post_id, published_at, pinned_until in m.ListingEntry.objects.filter(
                post_id__in=chunk
            ).values_list("pk", "key", "post_id", "published_at", "pinned_until")
        }
        stale = [pk for entry, (pk, values) in have.items() if wanted.get(entry) != values]
        new = [
            m.ListingEntry(key=key, post_id=post_id, published_at=values[0], pinned_until=values[1])
            for (key, post_id), values in wanted.items()
            if _entry_values(have, (key, post_id)) != values
        ]
        deltas = {}
        for key, _post_id in have.keys() - wanted.keys():
            deltas[key] = deltas.get(key, 0) - 1
        for key, _post_id in wanted.keys() - have.keys():
            deltas[key] = deltas.get(key, 0) + 1
        if stale:
            m.ListingEntry.objects.filter(pk__in=stale).delete()
        if new:
            m.ListingEntry.objects.bulk_create(new, batch_size=CHUNK)
        _counts_add(m, deltas)
        changed += len(stale) + len(new)
    return changed


def _entry_values(have, entry):
    found = have.get(entry)
    return found[1] if found else None


def _counts_add(m, deltas):
    # In key order, so two transactions moving the same counters cannot deadlock.
    for key, delta in sorted(deltas.items()):
        if not delta:
            continue
        if m.ListingCount.objects.filter(key=key).update(count=F("count") + delta):
            continue
        try:
            with transaction.atomic():
                m.ListingCount.objects.create(key=key, count=delta)
        except IntegrityError:  # another transaction created it first
            m.ListingCount.objects.filter(key=key).update(count=F("count") + delta)


@transaction.atomic
def listing_entries_sync(*, post):
    """Replace one post's listing rows with what it now is (published, unpublished, moved,
    retagged, made unlisted) and adjust the counters by the difference."""
    return _entries_refresh(_live_models(), [post.pk])


@transaction.atomic
def listing_entries_remove(*, post):
    """A post is being deleted: take it out of every listing."""
    return _entries_refresh(_live_models(), [post.pk], gone=True)


@transaction.atomic
def listing_entries_sync_under(*, page, gone=False):
    """Re-sync every post at or below `page` (a blog or edition published, unpublished or
    moved; the bulk-inserted posts of a synthetic newsroom); `gone`: take them all out.
    Costs as many posts as it holds."""
    m = _live_models()
    post_ids = m.PostPage.objects.filter(path__startswith=page.path).values_list("pk", flat=True)
    return _entries_refresh(m, post_ids, gone=gone)


def listing_entries_page_changed(*, page, moved=False):
    """A page was published, unpublished or moved: re-sync what it holds (a page no longer
    live holds nothing listed)."""
    kind = page.specific_class or type(page)  # a move sends the plain Page
    if kind is models.PostPage:
        return listing_entries_sync(post=page) if page.live else listing_entries_remove(post=page)
    if kind not in (models.BlogPage, models.ServicePage):
        return 0
    if page.live and not moved:
        # A live blog or edition's posts are all in the index or, after it was unpublished,
        # none are: an edited blog that still lists posts needs no re-sync of its archive.
        key = models.ListingEntry.key_of("blog" if kind is models.BlogPage else "service", page.pk, page.pk)
        if models.ListingEntry.objects.filter(key=key).exists():
            return 0
    return listing_entries_sync_under(page=page, gone=not page.live)


def listing_entries_rebuild(*, m=None):
    """Forget the listing index and compute it again from the page tree. `m` holds the models
    (a data migration passes its historical ones)."""
    m = m or _live_models()
    with transaction.atomic():
        m.ListingEntry.objects.all().delete()
        m.ListingCount.objects.all().delete()
        return _entries_refresh(m, m.PostPage.objects.order_by("pk").values_list("pk", flat=True))
