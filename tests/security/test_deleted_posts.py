"""A delete in the admin never destroys a post: it goes to "Deleted posts", off the site and
out of every schedule and review, every step is in the audit log, and an administrator can
restore it. Edition boundaries hold for moves, copies and bulk actions too."""

import pytest
from django.urls import reverse
from wagtail.models import PageLogEntry, WorkflowState

from samizdat.newsroom import services
from samizdat.newsroom.models import BlogPage, PostPage

from .conftest import make_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def dispatches():
    return BlogPage.objects.get(slug="dispatches")


def _actions(page):
    return list(PageLogEntry.objects.filter(page=page).order_by("pk").values_list("action", "user__username"))


def test_administrator_delete_keeps_the_post_and_restore_brings_it_back(client, people, dispatches):
    post = make_post(dispatches, people["colleague"], state="live")
    client.force_login(people["administrator"])

    response = client.post(reverse("wagtailadmin_pages:delete", args=[post.pk]))
    assert response.status_code == 302
    post = PostPage.objects.get(pk=post.pk)
    area = services.deleted_posts_area_ensure()
    assert post.get_parent().pk == area.pk and not post.live
    assert not area.live and not area.get_site(), "the holding area is on no reader site"
    assert post.revisions.count() >= 1, "its revisions are kept"

    response = client.get(reverse("newsroom_post_restore", args=[post.pk]))
    assert "Dispatches" in response.content.decode()
    client.post(reverse("newsroom_post_restore", args=[post.pk]))
    post = PostPage.objects.get(pk=post.pk)
    assert post.get_parent().pk == dispatches.pk
    assert post.slug == "matrix-colleague-live", "it gets its old address back"
    assert post.url_path == f"{dispatches.url_path}matrix-colleague-live/"
    assert not post.live, "it comes back as a draft, to be published again by an editor"


def test_deleted_posts_offer_a_restore_button_to_administrators(client, people, dispatches):
    post = services.post_trash(post=make_post(dispatches, people["colleague"]), user=people["administrator"])
    client.force_login(people["administrator"])
    listing = client.get(reverse("wagtailadmin_explore", args=[services.deleted_posts_area().pk]))
    assert reverse("newsroom_post_restore", args=[post.pk]) in listing.content.decode()


def test_only_administrators_restore(client, people, dispatches):
    post = services.post_trash(post=make_post(dispatches, people["contributor"]), user=people["administrator"])
    for role in ("contributor", "editor"):
        client.force_login(people[role])
        client.post(reverse("newsroom_post_restore", args=[post.pk]))
        assert PostPage.objects.get(pk=post.pk).get_parent().slug == services.DELETED_POSTS_SLUG


def test_every_destructive_step_is_in_the_audit_log(client, people, dispatches):
    live = make_post(dispatches, people["colleague"], state="live")
    client.force_login(people["editor"])
    client.post(reverse("wagtailadmin_pages:unpublish", args=[live.pk]))
    assert ("wagtail.unpublish", "desk-editor") in _actions(live)

    client.force_login(people["administrator"])
    client.post(reverse("wagtailadmin_pages:delete", args=[live.pk]))
    assert _actions(live)[-2:] == [("samizdat.trash", "chief"), ("wagtail.move", "chief")]
    client.post(reverse("newsroom_post_restore", args=[live.pk]))
    assert _actions(live)[-2:] == [("wagtail.move", "chief"), ("samizdat.restore", "chief")]

    # Emptying "Deleted posts" is the one real delete, and it is logged too.
    services.post_trash(post=live, user=people["administrator"])
    client.post(reverse("wagtailadmin_pages:delete", args=[live.pk]))
    assert not PostPage.objects.filter(pk=live.pk).exists()
    assert PageLogEntry.objects.filter(page_id=live.pk, action="wagtail.delete", user=people["administrator"]).exists()


def test_a_deleted_scheduled_post_never_goes_live(people, dispatches):
    from samizdat.publishing.clock import scheduled_publish_run

    post = make_post(dispatches, people["colleague"], state="scheduled")
    services.post_trash(post=post, user=people["administrator"])
    scheduled_publish_run()
    assert not PostPage.objects.get(pk=post.pk).live
    assert not post.revisions.exclude(approved_go_live_at=None).exists()


def test_a_deleted_post_in_review_leaves_the_review_queue(people, dispatches):
    post = make_post(dispatches, people["colleague"], state="in review")
    services.post_trash(post=post, user=people["administrator"])
    assert WorkflowState.objects.get(object_id=str(post.pk)).status == WorkflowState.STATUS_CANCELLED


def test_contributors_cannot_delete_anyones_post_in_review(client, people, dispatches):
    for owner in ("contributor", "colleague"):
        post = make_post(dispatches, people[owner], state="in review", title=f"{owner} in review")
        client.force_login(people["contributor"])
        client.post(reverse("wagtailadmin_pages:delete", args=[post.pk]))
        assert PostPage.objects.get(pk=post.pk).get_parent().pk == dispatches.pk


def test_a_blog_with_posts_cannot_be_deleted(client, people, dispatches):
    client.force_login(people["administrator"])
    client.post(reverse("wagtailadmin_pages:delete", args=[dispatches.pk]))
    assert BlogPage.objects.filter(pk=dispatches.pk).exists()
    assert PostPage.objects.child_of(dispatches).live().exists()


def _bulk(client, action, pages, **data):
    url = reverse("wagtail_bulk_action", args=("wagtailcore", "page", action))
    query = "&".join(f"id={page.pk}" for page in pages)
    return client.post(f"{url}?{query}&next=/admin/", data)


def test_bulk_delete_refused_to_contributors_and_kept_for_administrators(client, people, dispatches):
    draft = make_post(dispatches, people["contributor"])
    client.force_login(people["contributor"])
    _bulk(client, "delete", [draft])
    assert PostPage.objects.get(pk=draft.pk).get_parent().pk == dispatches.pk

    client.force_login(people["administrator"])
    _bulk(client, "delete", [draft])
    assert PostPage.objects.get(pk=draft.pk).get_parent().slug == services.DELETED_POSTS_SLUG


def test_bulk_move_refused_to_contributors_and_allowed_to_editors(client, people, dispatches):
    draft = make_post(dispatches, people["contributor"])
    other_blog = BlogPage.objects.get(slug="signal-and-noise")
    client.force_login(people["contributor"])
    _bulk(client, "move", [draft], chooser=other_blog.pk)
    assert PostPage.objects.get(pk=draft.pk).get_parent().pk == dispatches.pk

    client.force_login(people["editor"])
    _bulk(client, "move", [draft], chooser=other_blog.pk)
    assert PostPage.objects.get(pk=draft.pk).get_parent().pk == other_blog.pk


@pytest.mark.parametrize("how", ["move", "copy"])
def test_an_editor_cannot_take_a_post_into_an_edition_they_do_not_edit(client, people, dispatches, how):
    post = make_post(dispatches, people["colleague"], state="scheduled")
    persian_blog = BlogPage.objects.get(slug="yaddasht")
    client.force_login(people["editor"])
    if how == "move":
        client.post(reverse("wagtailadmin_pages:move_confirm", args=[post.pk, persian_blog.pk]))
    else:
        client.post(reverse("wagtailadmin_pages:copy", args=[post.pk]),
                    {"new_title": "Copy", "new_slug": "smuggled", "new_parent_page": persian_blog.pk})
    assert not PostPage.objects.child_of(persian_blog).filter(title__in=[post.title, "Copy"]).exists()
    assert PostPage.objects.get(pk=post.pk).get_parent().pk == dispatches.pk


def test_a_translation_of_a_deleted_post_can_still_be_edited(people, dispatches):
    original = make_post(dispatches, people["colleague"], state="live")
    persian = make_post(BlogPage.objects.get(slug="yaddasht"), people["far-reporter"], title="ترجمه")
    PostPage.objects.filter(pk=persian.pk).update(translation_of=original)
    services.post_trash(post=original, user=people["administrator"])
    persian = PostPage.objects.get(pk=persian.pk)
    persian.full_clean()  # the deleted original is in no edition: no error, no crash
    assert persian.translation_group() == []
