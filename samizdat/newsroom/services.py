"""Writes to the newsroom: roles, workflow, site set-up. Admin views, commands and the demo
call these; nothing else re-implements them."""

import logging

from django.contrib.auth.models import Group, Permission
from django.db import transaction
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
