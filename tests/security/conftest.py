"""The newsroom the security tests run in: a contributor and an editor of the English
edition, a member of the Administrators group (not a superuser, so the groups are what is
tested), another English contributor and a Persian one, and posts in any state."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from samizdat.newsroom import services
from samizdat.newsroom.models import Author, PostAuthor, PostPage, ServicePage


def _user(name, *groups):
    user = get_user_model().objects.create(username=name, email=f"{name}@staff.samizdat.example")
    user.groups.add(*groups)
    return user


@pytest.fixture
def people(db):
    english = ServicePage.objects.get(language_code="en")
    persian = ServicePage.objects.get(language_code="fa")
    desks = services.edition_desks_ensure()
    english_desk, persian_desk = desks[english.pk], desks[persian.pk]
    return {
        "contributor": _user("reporter", english_desk[services.CONTRIBUTOR]),
        "editor": _user("desk-editor", english_desk[services.EDITOR]),
        "administrator": _user("chief", Group.objects.get(name=services.ADMINISTRATOR)),
        "colleague": _user("colleague", english_desk[services.CONTRIBUTOR]),
        "far-reporter": _user("far-reporter", persian_desk[services.CONTRIBUTOR]),
    }


def make_post(blog, owner, *, state="draft", title="Matrix story"):
    """A post created by `owner`: a "draft", "live", "scheduled", or "in review"."""
    post = PostPage(
        title=title, slug=f"matrix-{owner.username}-{state.replace(' ', '-')}", teaser="A teaser.",
        body="<p>Body.</p>", owner=owner, live=False,
    )
    post.post_authors.add(PostAuthor(author=Author.objects.first()))
    if state == "scheduled":
        post.go_live_at = timezone.now() + timedelta(hours=6)
    blog.add_child(instance=post)
    revision = post.save_revision(user=owner)
    if state in ("live", "scheduled"):
        revision.publish()  # as an editor would have
    if state == "in review":
        post.get_workflow().start(post, owner)
    return PostPage.objects.get(pk=post.pk)
