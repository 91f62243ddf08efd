"""Desks: each edition has its own contributor and editor groups, holding page permissions
on that edition's blogs only, and its own review; only administrators hold anything on the
whole tree, including after an upgrade from the old site-wide roles."""

import pytest
from django.contrib.auth.models import Group, Permission
from wagtail.models import GroupPagePermission, Page

from samizdat.newsroom import services
from samizdat.newsroom.models import BlogPage, ServicePage

pytestmark = pytest.mark.django_db


def test_a_new_edition_gets_its_own_desks_and_review(people):
    home = ServicePage.objects.first().get_parent()
    edition = home.add_child(instance=ServicePage(title="Türkçe", slug="tr", language_code="en"))
    blog = edition.add_child(instance=BlogPage(title="Haberler", slug="haberler", about="News."))
    # Saving the edition and the blog set the desks up; nothing else was called.
    contributors, editors = Group.objects.get(name="Türkçe contributors"), Group.objects.get(name="Türkçe editors")
    grants = {(g.page_id, g.permission.codename) for g in contributors.page_permissions.all()}
    assert grants == {(blog.pk, "add_page")}, "contributors add posts in the edition's blogs, nothing more"
    assert {g.page_id for g in editors.page_permissions.all()} == {blog.pk}, "editors never hold the edition page"
    task = edition.get_workflow().tasks.get().specific
    assert set(task.groups.values_list("name", flat=True)) == {"Türkçe editors", services.ADMINISTRATOR}
    assert BlogPage.objects.get(slug="dispatches").get_workflow() != edition.get_workflow()


def test_no_one_but_administrators_holds_a_permission_on_the_whole_tree():
    root_groups = GroupPagePermission.objects.filter(page=Page.get_first_root_node()).values_list("group__name", flat=True)
    assert set(root_groups) == {services.ADMINISTRATOR}


def test_the_old_site_wide_roles_lose_their_page_permissions(people):
    old = Group.objects.create(name=services.CONTRIBUTOR)
    old.user_set.add(people["colleague"])
    GroupPagePermission.objects.create(group=old, page=Page.get_first_root_node(), permission=Permission.objects.get(codename="change_page"))
    services.editorial_roles_ensure()
    assert not GroupPagePermission.objects.filter(group=old).exists()



def test_renaming_an_edition_renames_its_desks_and_keeps_their_members(people):
    english = ServicePage.objects.get(language_code="en")
    workflow = english.get_workflow()
    english.title = "Samizdat International"
    english.save_revision().publish()
    group = Group.objects.get(name="Samizdat International contributors")
    assert people["contributor"] in group.user_set.all()
    assert not Group.objects.filter(name="Samizdat English contributors").exists()
    assert english.get_workflow().pk == workflow.pk, "reviews in progress carry on"
    assert type(workflow).objects.get(pk=workflow.pk).name == "Editorial review: Samizdat International"
