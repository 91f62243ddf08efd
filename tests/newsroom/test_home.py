"""Each desk's home screen: where to write, what came back and why, what waits for review
(by edition, compared with what was last submitted), what goes out when, which banners are
up — dates in the edition's time zone."""

import html
import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone
from wagtail.test.utils.form_data import inline_formset

from samizdat.core.dates import datetime
from samizdat.newsroom import services
from samizdat.newsroom.models import Author, BlogPage, BreakingNews, NewsroomHome, PostPage, ServicePage

from .test_workflow import add_url, post_form

pytestmark = pytest.mark.django_db


def home(client, user):
    client.force_login(user)
    response = client.get(reverse("wagtailadmin_home"))
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def test_a_contributor_sees_where_to_write(client, users):
    page = home(client, users["contributor"])
    for blog in BlogPage.objects.live():
        assert f"Write a post in “{blog.title}”" in page
        assert add_url(blog) in page


def test_a_returned_draft_shows_the_reviewers_comment_and_the_editor_compares_with_the_last_submission(client, users):
    blog = BlogPage.objects.get(slug="dispatches")
    client.force_login(users["contributor"])
    client.post(add_url(blog), post_form("Home screen story", "home-screen-story", **{"action-submit": "1"}))
    post = PostPage.objects.get(slug="home-screen-story")
    first = post.current_workflow_task_state.revision

    editor = home(client, users["editor"])
    queue = editor[editor.index("Waiting for your review"):]
    assert ServicePage.objects.get(language_code="en").title in queue.split("Home screen story")[0]
    assert "Home screen story" in queue and "New post" in queue

    post.current_workflow_task_state.reject(user=users["editor"], comment="Name the second source, please.")
    contributor = home(client, users["contributor"])
    drafts = contributor[contributor.index("My drafts"):]
    assert "Changes requested" in drafts and "Name the second source, please." in drafts
    assert "Returned to you" in drafts

    # The contributor edits and resubmits: the editor compares with the first submission.
    client.post(
        reverse("wagtailadmin_pages:edit", args=(post.pk,)),
        post_form("Home screen story", "home-screen-story", teaser="Now with two sources.", **{"action-submit": "1"}),
    )
    post.refresh_from_db()
    second = post.current_workflow_task_state.revision
    assert second.pk != first.pk
    editor = home(client, users["editor"])
    compare = reverse("wagtailadmin_pages:revisions_compare", args=(post.pk, first.pk, second.pk))
    assert compare in editor and "Compare with the version last submitted" in editor
    assert "Changes requested" not in home(client, users["contributor"])


def test_scheduled_posts_and_live_banners_show_their_times_in_the_editions_zone(client, users):
    edition = ServicePage.objects.get(language_code="fa")
    blog = BlogPage.objects.child_of(edition).first()
    go_live = (timezone.now() + timedelta(days=2)).replace(microsecond=0)
    client.force_login(users["editor"])
    client.post(
        add_url(blog),
        post_form("خبر زمان‌بندی‌شده", "scheduled-home", go_live_at=timezone.localtime(go_live).strftime("%Y-%m-%d %H:%M"),
                  **{"action-publish": "1"}),
    )
    post = PostPage.objects.get(slug="scheduled-home")
    assert not post.live
    banner = BreakingNews.objects.create(service=edition, text="Banner for the home screen", expires_at=go_live)

    page = home(client, users["editor"])
    scheduled = page[page.index("Scheduled posts"):]
    assert "خبر زمان‌بندی‌شده" in scheduled
    assert datetime(go_live, edition.zone) in scheduled and "Tehran time" in scheduled
    assert "Banner for the home screen" in page and datetime(banner.expires_at, edition.zone) in page
    assert "scheduled-home" not in page[page.index("My drafts"):] if "My drafts" in page else True
    # The blog's page list says when, not just "scheduled".
    listing = html.unescape(client.get(reverse("wagtailadmin_explore", args=(blog.pk,))).content.decode())
    assert f"scheduled: {datetime(go_live, edition.zone)}" in listing


def test_the_sign_in_page_and_the_post_editor_speak_the_newsrooms_words(client, users):
    login = client.get(reverse("wagtailadmin_login")).content.decode()
    assert f"Sign in to {NewsroomHome.objects.get().title}" in login and "Sign in to Wagtail" not in login
    client.force_login(users["contributor"])
    editor = client.get(add_url(BlogPage.objects.get(slug="dispatches"))).content.decode()
    assert ">Headline" in editor and "Page title" not in editor
    # Submitting is the contributor's main button, not hidden in a menu.
    main = editor[editor.index('<footer'):]
    assert main.index('name="action-submit"') < main.index('name="action-draft"') if 'name="action-draft"' in main else True


def _new_writer(edition_code="en"):
    edition = ServicePage.objects.get(language_code=edition_code)
    user = get_user_model().objects.create_user("newcomer", password="x" * 16, first_name="Real", last_name="Name")
    user.groups.add(Group.objects.get(name=services.desk_group_name(edition, services.CONTRIBUTOR)))
    return user


def _prefilled_author(client, blog):
    editor = html.unescape(client.get(add_url(blog)).content.decode())
    field = re.search(r'<input[^>]*name="post_authors-0-author"[^>]*>', editor)
    value = re.search(r'value="(\d+)"', field.group(0)) if field else None
    return int(value.group(1)) if value else None


def test_a_writer_without_a_byline_makes_one_on_first_visit_and_new_posts_are_signed_with_it(client):
    user = _new_writer()
    page = home(client, user)
    assert "Your byline" in page and "pen name" in page and "Write a post in" not in page
    blog = BlogPage.objects.get(slug="dispatches")
    assert _prefilled_author(client, blog) is None

    form = page[page.index("samizdat-byline-form"):page.index("Use this byline")]
    assert 'name="csrfmiddlewaretoken" value="' in form  # the test client skips the check; browsers do not
    refused = client.post(reverse("newsroom_byline_create"), {"name": "   "}, follow=True)
    assert not Author.objects.filter(account=user).exists() and "Your byline" in refused.content.decode()
    client.post(reverse("newsroom_byline_create"), {"name": "Quiet Reporter", "is_pen_name": "1"})
    byline = Author.objects.get(account=user)
    assert (byline.name, byline.is_pen_name, byline.slug) == ("Quiet Reporter", True, "quiet-reporter")
    page = home(client, user)
    assert "Your posts are signed “Quiet Reporter”" in page and "Write a post in “Dispatches”" in page
    assert _prefilled_author(client, blog) == byline.pk
    # A second one is not made behind the editor's back; the submitted post carries the byline.
    client.post(reverse("newsroom_byline_create"), {"name": "Another Name"})
    assert Author.objects.filter(account=user).count() == 1
    client.post(add_url(blog), post_form("Signed story", "signed-story", **{
        "post_authors": inline_formset([{"author": byline.pk}], min=1), "action-submit": "1",
    }))
    assert PostPage.objects.get(slug="signed-story").ordered_authors == [byline]


def test_an_editor_assigned_byline_signs_the_writers_posts_and_only_writers_make_one(client, users):
    assigned = Author.objects.get(account=users["contributor"])  # the demo assigns one
    client.force_login(users["contributor"])
    assert _prefilled_author(client, BlogPage.objects.get(slug="dispatches")) == assigned.pk
    assert f"Your posts are signed “{assigned.name}”" in home(client, users["contributor"])
    # Someone who writes for no blog makes no byline.
    nobody = get_user_model().objects.create_user("reader-staff", password="x" * 16)
    nobody.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(nobody)
    refused = client.post(reverse("newsroom_byline_create"), {"name": "Not a writer"}, follow=True)
    assert "permission" in refused.content.decode()  # Wagtail's admin answers a refusal so
    assert not Author.objects.filter(name="Not a writer").exists()
