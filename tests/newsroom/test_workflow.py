"""The review step is enforced through the admin views, not only the models."""

import html
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.models import WorkflowState
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from samizdat.newsroom.models import Author, BlogPage, PostPage

pytestmark = pytest.mark.django_db


def post_form(title, slug, **extra):
    author = Author.objects.get(slug="mira-castell")
    data = {
        "title": title,
        "slug": slug,
        "teaser": "A teaser.",
        "body": rich_text("<p>Body text.</p>"),
        "post_authors": inline_formset([{"author": author.pk}], min=1),
        "corrections": inline_formset([]),
        "tags": "",
        "comments": inline_formset([]),
        "lead_image_alt": "",
        "lead_image_caption": "",
        "lead_image_credit": "",
    }
    data.update(extra)
    return nested_form_data(data)


def add_url(parent):
    return reverse("wagtailadmin_pages:add", args=("newsroom", "postpage", parent.pk))


@pytest.fixture
def blog():
    return BlogPage.objects.get(slug="dispatches")


def test_contributor_cannot_publish_through_the_admin(client, users, blog):
    client.force_login(users["contributor"])
    response = client.post(add_url(blog), post_form("Sneaky", "sneaky", **{"action-publish": "1"}))
    assert response.status_code in (302, 200)
    post = PostPage.objects.get(slug="sneaky")
    assert not post.live, "a contributor's publish must not make the post live"
    edit = client.get(reverse("wagtailadmin_pages:edit", args=(post.pk,)))
    assert b'name="action-publish"' not in edit.content
    assert b'name="action-submit"' in edit.content


def test_contributor_submits_editor_approves_and_post_is_baked(client, users, blog, fresh_site, django_capture_on_commit_callbacks):
    client.force_login(users["contributor"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(add_url(blog), post_form("Reviewed story", "reviewed-story", **{"action-submit": "1"}))
    post = PostPage.objects.get(slug="reviewed-story")
    assert not post.live
    state = WorkflowState.objects.get(object_id=str(post.pk))
    assert state.status == "in_progress"
    assert not (fresh_site / "en/dispatches/reviewed-story/index.html").exists()

    client.force_login(users["editor"])
    task_state = state.current_task_state
    url = reverse("wagtailadmin_pages:workflow_action", args=(post.pk, "approve", task_state.pk))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"comment": "Good to go"})
    assert response.status_code in (200, 302)
    post.refresh_from_db()
    assert post.live
    baked = (fresh_site / "en/dispatches/reviewed-story/index.html").read_text()
    assert "Reviewed story" in baked


def test_edit_of_live_post_waits_for_review(client, users, blog, fresh_site, django_capture_on_commit_callbacks):
    post = PostPage.objects.live().child_of(blog).first()
    PostPage.objects.filter(pk=post.pk).update(owner=users["contributor"])  # contributors edit their own posts only
    live_title = post.title
    client.force_login(users["contributor"])
    data = post_form(
        "Changed headline", post.slug, **{"action-submit": "1"},
        post_authors=inline_formset([{"author": post.post_authors.first().author_id, "id": post.post_authors.first().pk}], initial=1, min=1),
        corrections=inline_formset([{"noted_at": c.noted_at.strftime("%Y-%m-%d %H:%M"), "text": c.text, "id": c.pk} for c in post.corrections.all()], initial=post.corrections.count()),
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("wagtailadmin_pages:edit", args=(post.pk,)), data)
    post.refresh_from_db()
    assert post.title == live_title, "the live copy must not change before approval"
    assert post.has_unpublished_changes
    assert post.get_latest_revision_as_object().title == "Changed headline"


def test_scheduled_post_goes_live_when_the_worker_runs(fresh_site, django_capture_on_commit_callbacks):
    from samizdat.publishing.clock import scheduled_publish_run

    post = PostPage.objects.get(live=False, go_live_at__isnull=False)
    assert not (fresh_site / "en/dispatches" / post.slug / "index.html").exists()
    # Move the clock instead of waiting ten minutes: the approved time is now past.
    revision = post.latest_revision
    past = timezone.now() - timedelta(seconds=1)
    revision.approved_go_live_at = past
    revision.content["go_live_at"] = past.isoformat()
    revision.save()
    with django_capture_on_commit_callbacks(execute=True):
        scheduled_publish_run()
    post.refresh_from_db()
    assert post.live
    assert post.title in html.unescape((fresh_site / "en/dispatches" / post.slug / "index.html").read_text())


def test_admin_refuses_a_schedule_in_the_past(client, users, blog):
    client.force_login(users["editor"])
    past = (timezone.now() - timedelta(days=1)).strftime("%Y-%m-%d %H:%M")
    response = client.post(add_url(blog), post_form("Too late", "too-late", go_live_at=past, **{"action-publish": "1"}))
    assert response.status_code == 200
    assert "in the past" in response.content.decode()
    assert not PostPage.objects.filter(slug="too-late").exists()


def test_admin_refuses_a_post_outside_a_blog(client, users):
    from samizdat.newsroom.models import ServicePage

    client.force_login(users["editor"])
    service = ServicePage.objects.get(language_code="en")
    response = client.post(add_url(service), post_form("Orphan", "orphan", **{"action-publish": "1"}), follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert any("permission" in m for m in messages), messages
    assert not PostPage.objects.filter(slug="orphan").exists()


def test_admin_refuses_a_duplicate_slug(client, users, blog):
    existing = PostPage.objects.child_of(blog).first()
    client.force_login(users["editor"])
    response = client.post(add_url(blog), post_form("Dup", existing.slug, **{"action-publish": "1"}))
    assert response.status_code == 200
    assert "already in use" in response.content.decode()
    assert PostPage.objects.filter(slug=existing.slug).count() == 1


def test_admin_shows_missing_alt_text_and_keeps_the_rest(client, users, blog):
    from wagtail.images import get_image_model

    image = get_image_model().objects.first()
    client.force_login(users["editor"])
    response = client.post(
        add_url(blog),
        post_form("With photo", "with-photo", lead_image=image.pk, lead_image_caption="A caption", **{"action-publish": "1"}),
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Alt text is required" in body
    assert 'value="With photo"' in body  # what the editor typed is still in the form
    assert not PostPage.objects.filter(slug="with-photo").exists()


def test_contributor_cannot_reach_user_management(client, users):
    client.force_login(users["contributor"])
    assert client.get(reverse("wagtailusers_users:index")).status_code in (302, 403)
    post = PostPage.objects.live().first()
    assert post.permissions_for_user(users["contributor"]).can_publish() is False
    assert post.permissions_for_user(users["editor"]).can_publish() is True
