"""Writes to the newsroom: roles, workflow, site set-up, the listing index. Admin views,
commands, signal handlers and the demo call these; nothing else re-implements them."""

import logging
from types import SimpleNamespace

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.text import slugify
from wagtail.actions.move_page import MovePageAction
from wagtail.actions.unpublish_page import UnpublishPageAction
from wagtail.log_actions import log
from wagtail.models import (
    Collection,
    GroupApprovalTask,
    GroupCollectionPermission,
    GroupPagePermission,
    Page,
    PageLogEntry,
    Site,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from samizdat.core.errors import NewsroomError

from . import models, selectors
from .validation import SLUG_MAX_BYTES, slug_truncate
from .selectors import EPOCH
from .models import BlogPage, NewsroomHome, ServicePage

logger = logging.getLogger(__name__)

CONTRIBUTOR, EDITOR, ADMINISTRATOR = "Contributor", "Editor", "Administrator"
WORKFLOW_NAME = "Editorial review"
DELETED_POSTS_SLUG = "deleted-posts"

# Page permissions per role. Administrators hold theirs on the whole tree; contributors and
# editors hold theirs on the blogs of their editions only (one group per edition and role,
# `edition_desks_ensure`), so they cannot touch an edition's settings or another edition.
# `add` alone lets a contributor edit the posts they created and nobody else's.
PAGE_PERMISSIONS = {
    CONTRIBUTOR: ["add_page"],
    EDITOR: ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"],
    ADMINISTRATOR: ["add_page", "change_page", "publish_page", "lock_page", "unlock_page", "bulk_delete_page"],
}
# `add` lets a contributor edit the images they uploaded; `choose` lets them pick any image
# for a post (its renditions, not the edit page with the original).
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
DESK_ROLES = {CONTRIBUTOR: "contributors", EDITOR: "editors"}


def _permission(dotted):
    app_label, codename = dotted.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def _role_group(name, role):
    """A group with the model and image permissions of `role` (page permissions apart)."""
    group, _ = Group.objects.get_or_create(name=name)
    group.permissions.add(*[_permission(dotted) for dotted in MODEL_PERMISSIONS[role]])
    root_collection = Collection.get_first_root_node()
    for codename in IMAGE_PERMISSIONS[role]:
        GroupCollectionPermission.objects.get_or_create(
            group=group, collection=root_collection, permission=_permission(f"wagtailimages.{codename}")
        )
    return group


def _page_permissions_set(group, pages, codenames):
    """Make `group`'s page permissions exactly `codenames` on each of `pages`."""
    permissions = [_permission(f"wagtailcore.{codename}") for codename in codenames]
    wanted = {(page.pk, permission.pk) for page in pages for permission in permissions}
    held = GroupPagePermission.objects.filter(group=group)
    for grant in held:
        if (grant.page_id, grant.permission_id) not in wanted:
            grant.delete()
    have = {(grant.page_id, grant.permission_id) for grant in held}
    GroupPagePermission.objects.bulk_create(
        [
            GroupPagePermission(group=group, page_id=page_id, permission_id=permission_id)
            for page_id, permission_id in sorted(wanted - have)
        ]
    )


def _approval_workflow(page, name, task_name, groups):
    """`page`'s review: one approval task for `groups`. A workflow already on the page is
    kept (and renamed), so reviews in progress carry on."""
    link = WorkflowPage.objects.filter(page=page).select_related("workflow").first()
    workflow = link.workflow if link else Workflow.objects.filter(name=name).first()
    if workflow is None:
        workflow = Workflow.objects.create(name=name, active=True)
    task = GroupApprovalTask.objects.filter(workflow_tasks__workflow=workflow).first()
    task = task or GroupApprovalTask.objects.filter(name=task_name).first() or GroupApprovalTask.objects.create(name=task_name)
    Workflow.objects.filter(pk=workflow.pk).update(name=name, active=True)
    GroupApprovalTask.objects.filter(pk=task.pk).update(name=task_name)
    task.groups.set(groups)
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    WorkflowPage.objects.update_or_create(page=page, defaults={"workflow": workflow})
    return workflow


@transaction.atomic
def editorial_roles_ensure():
    """Create (or repair) the Administrator group, the enforced review workflow and every
    edition's desk groups. Idempotent."""
    root = Page.get_first_root_node()
    administrators = _role_group(ADMINISTRATOR, ADMINISTRATOR)
    _page_permissions_set(administrators, [root], PAGE_PERMISSIONS[ADMINISTRATOR])

    # Pages outside an edition (the newsroom home, new editions) are reviewed by administrators.
    workflow = _approval_workflow(root, WORKFLOW_NAME, "Editor approval", [administrators])
    _legacy_role_groups_retire()
    edition_desks_ensure()
    # Wagtail's stock "Moderators approval" workflow is replaced by ours.
    Workflow.objects.exclude(pk=workflow.pk).filter(workflow_pages__isnull=True).update(active=False)
    # Wagtail's stock groups would confuse editors next to ours; drop them while unused.
    Group.objects.filter(name__in=["Moderators", "Editors"], user__isnull=True).delete()
    return administrators


def _legacy_role_groups_retire():
    """The site-wide "Contributor" and "Editor" groups once held page permissions on the
    whole tree. Take those away; their members belong in the desk groups of their editions."""
    for group in Group.objects.filter(name__in=[CONTRIBUTOR, EDITOR]):
        GroupPagePermission.objects.filter(group=group).delete()
        if group.user_set.exists():
            logger.warning(
                "Members of the group “%s” lost their page permissions: add them to the desk "
                "groups of their editions (e.g. “<edition> %s”).", group.name, DESK_ROLES[group.name],
            )
        else:
            group.delete()


def desk_group_name(edition, role):
    return f"{edition.title} {DESK_ROLES[role]}"


def _desk_group_name_keep(edition, role, blogs):
    """The desk group's name; when the edition was renamed, its old desk group (found by
    its grants on the edition's blogs) is renamed too, so it keeps its members."""
    name = desk_group_name(edition, role)
    if blogs and not Group.objects.filter(name=name).exists():
        old = (
            Group.objects.filter(name__endswith=f" {DESK_ROLES[role]}", page_permissions__page__in=blogs)
            .distinct()
            .first()
        )
        if old is not None:
            old.name = name
            old.save(update_fields=["name"])
    return name


@transaction.atomic
def edition_desks_ensure(edition=None):
    """Give `edition` (or every edition) its contributor and editor groups, with page
    permissions on the edition's blogs only, and its own review workflow, approved by its
    editors and the administrators. Idempotent; run after migrate and when an edition or a
    blog is saved or moved."""
    if not Group.objects.filter(name=ADMINISTRATOR).exists():
        return {}  # before the first migrate finished: editorial_roles_ensure comes back here
    administrators = Group.objects.get(name=ADMINISTRATOR)
    editions = [edition] if edition is not None else ServicePage.objects.all()
    desks = {}
    for edition in editions:
        blogs = list(BlogPage.objects.child_of(edition))
        groups = {}
        for role in DESK_ROLES:
            groups[role] = _role_group(_desk_group_name_keep(edition, role, blogs), role)
            _page_permissions_set(groups[role], blogs, PAGE_PERMISSIONS[role])
        _approval_workflow(
            edition, f"{WORKFLOW_NAME}: {edition.title}", f"Editor approval: {edition.title}",
            [groups[EDITOR], administrators],
        )
        desks[edition.pk] = groups
    return desks


def editorial_roles_on_migrate(sender, using="default", **kwargs):
    # Runs after every migrate, so a fresh database always has the enforced workflow.
    editorial_roles_ensure()


def deleted_posts_area():
    """The hidden, never-published page deleted posts are kept under (outside every reader
    site), or None before the first delete."""
    return Page.get_first_root_node().get_children().filter(slug=DELETED_POSTS_SLUG).first()


def deleted_posts_area_ensure():
    area = deleted_posts_area()
    if area is None:
        area = Page.get_first_root_node().add_child(
            instance=Page(title="Deleted posts", slug=DELETED_POSTS_SLUG, live=False)
        )
    return area


def is_deleted_post(page):
    area = deleted_posts_area()
    return area is not None and page.is_descendant_of(area)


@transaction.atomic
def post_trash(*, post, user):
    """Take a post off the site and keep it, with its revisions, in "Deleted posts":
    unpublished, unscheduled, out of review. Logged as `samizdat.trash` (and Wagtail's own
    unpublish and move entries)."""
    post = post.specific
    blog = post.get_parent().specific
    if post.live:
        UnpublishPageAction(post, user=user).execute(skip_permission_checks=True)
        post.refresh_from_db()
    post.revisions.exclude(approved_go_live_at=None).update(approved_go_live_at=None)
    if post.workflow_in_progress:
        post.current_workflow_state.cancel(user=user)
    log(
        instance=post,
        action="samizdat.trash",
        user=user,
        data={"blog": {"id": blog.pk, "title": blog.title}, "slug": post.slug},
    )
    area = deleted_posts_area_ensure()
    post.slug = f"{post.pk}-{post.slug}"[:255]  # two deleted posts may share a slug
    post.save(update_fields=["slug"], clean=False)
    MovePageAction(post, area, pos="last-child", user=user).execute(skip_permission_checks=True)
    return Page.objects.get(pk=post.pk).specific


def post_trashed_from(post):
    """The blog a deleted post was taken from (None when that blog is gone), and its old slug."""
    entry = PageLogEntry.objects.filter(page=post, action="samizdat.trash").order_by("-timestamp", "-pk").first()
    if entry is None:
        raise NewsroomError(f"“{post.title}” was not deleted, so there is nothing to restore.")
    return BlogPage.objects.filter(pk=entry.data["blog"]["id"]).first(), entry.data["slug"]


@transaction.atomic
def post_restore(*, post, user, blog=None):
    """Move a deleted post back into its blog (or `blog`) as a draft, under its old address
    when that is still free. An editor then publishes it as usual."""
    old_blog, slug = post_trashed_from(post)
    blog = blog or old_blog
    if blog is None:
        raise NewsroomError("The post's blog is gone: choose a blog to restore it to.")
    post = post.specific
    if Page._slug_is_available(slug, blog, post):
        post.slug = slug
        post.save(update_fields=["slug"], clean=False)
    MovePageAction(post, blog, pos="last-child", user=user).execute(skip_permission_checks=True)
    log(instance=post, action="samizdat.restore", user=user, data={"blog": {"id": blog.pk, "title": blog.title}})
    return Page.objects.get(pk=post.pk).specific


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


@transaction.atomic
def banner_save(*, banner, replace=False):
    """Save a breaking-news banner. With `replace`, the banners it would overlap end when it
    starts (those not yet started never start), so an edition shows one banner at a time
    and a replaced banner does not come back when the new one expires."""
    if replace:
        in_the_way = selectors.banners_in_the_way(
            service=banner.service, starts_at=banner.starts_at, expires_at=banner.expires_at, exclude_pk=banner.pk
        )
        for old in in_the_way:
            old.expires_at = max(old.starts_at, banner.starts_at)
            old.save(update_fields=["expires_at"])
    banner.save()
    return banner


@transaction.atomic
def byline_create(*, user, name, is_pen_name=False):
    """A writer's own byline, made on their first visit to the home screen (an editor may
    instead assign them one in the author list). Raises NewsroomError with the form's words."""
    name = name.strip()
    base = slug_truncate(slugify(name, allow_unicode=True)) or "author"
    slug, n = base, 1
    while models.Author.objects.filter(slug__iexact=slug).exists():  # a namesake keeps theirs
        n += 1
        slug = f"{slug_truncate(base, SLUG_MAX_BYTES - len(str(n)) - 1)}-{n}"
    author = models.Author(name=name, slug=slug, is_pen_name=is_pen_name, account=user)
    try:
        author.full_clean()
    except ValidationError as exc:
        raise NewsroomError(" ".join(message for messages in exc.message_dict.values() for message in messages)) from exc
    author.save()
    return author
