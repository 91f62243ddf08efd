"""Post bodies are expanded once per version, and expanded again when what they link to moves."""

import pytest

from samizdat.newsroom.models import PostPage
from samizdat.publishing.bake import bake
from tests.conftest import read

pytestmark = pytest.mark.django_db


@pytest.fixture
def expansions(monkeypatch):
    from samizdat.theme import jinja

    calls = []
    real = jinja.richtext
    monkeypatch.setattr(jinja, "richtext", lambda html: calls.append(html) or real(html))
    return calls


def test_a_second_bake_reuses_every_expanded_body(fresh_site, expansions):
    first = bake(full=True)
    assert len(expansions) == PostPage.objects.live().count()
    expansions.clear()
    second = bake(full=True)
    assert expansions == [] and second.changed == 0 and first.rendered == second.rendered


def test_an_edited_body_is_expanded_again(fresh_site, expansions, django_capture_on_commit_callbacks):
    bake(full=True)
    expansions.clear()
    post = PostPage.objects.live().first()
    with django_capture_on_commit_callbacks(execute=True):
        post.body += "<p>A late paragraph.</p>"
        post.save_revision().publish()
    assert len(expansions) == 1
    assert "A late paragraph." in read(fresh_site, post.reader_path)


def test_a_moved_link_target_reaches_the_bodies_linking_to_it(fresh_site, django_capture_on_commit_callbacks):
    bake(full=True)
    linking = PostPage.objects.get(slug="a-border-town-learns-to-live-offline")
    guide = PostPage.objects.get(slug__startswith="a-guide-to-reading")
    with django_capture_on_commit_callbacks(execute=True):
        guide.slug = "reading-us-when-blocked"
        guide.save_revision().publish()
    page = read(fresh_site, linking.reader_path)
    assert "reading-us-when-blocked/" in page and "a-guide-to-reading" not in page.split('class="body"')[1].split("</div>")[0]
