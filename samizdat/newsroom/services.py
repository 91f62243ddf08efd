"""Writes to the newsroom: roles, workflow, site set-up. Admin views, commands and the demo
call these; nothing else re-implements them."""

import logging

from django.contrib.auth.models import Group, Permission
from django.db import transaction
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

from .models import NewsroomHome

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
    from .models import BlogPage, ServicePage

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
    from .models import BlogPage

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
