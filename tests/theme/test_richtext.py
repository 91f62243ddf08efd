import pytest

from samizdat.newsroom.models import PostPage
from samizdat.core.rendering import rendering
from samizdat.theme.jinja import obfuscated_email, richtext

pytestmark = pytest.mark.django_db


def test_embeds_become_plain_links_not_third_party_iframes():
    html = str(richtext('<embed embedtype="media" url="https://video.example.org/watch?v=1"/>'))
    assert "<iframe" not in html
    assert 'href="https://video.example.org/watch?v=1"' in html


def test_stored_markup_outside_the_allow_list_is_removed():
    html = str(richtext(
        '<p onclick="x()">Hi<script>alert(1)</script><a href="javascript:alert(1)">x</a>'
        '<img src="https://tracker.example/p.gif"><iframe src="https://x"></iframe></p>'
    ))
    for bad in ("<script", "onclick", "javascript:", "<iframe", "alert(1)</script"):
        assert bad not in html
    assert "<p>Hi" in html


def test_internal_links_are_relative_while_baking():
    target = PostPage.objects.get(slug="a-border-town-learns-to-live-offline")
    stored = f'<p><a linktype="page" id="{target.pk}">there</a></p>'
    with rendering(here="/en/somewhere/deep/"):
        baked = str(richtext(stored))
    assert 'href="../../dispatches/a-border-town-learns-to-live-offline/index.html"' in baked
    assert f'href="{target.url}"' in str(richtext(stored))  # preview: site-absolute


def test_email_is_readable_but_not_harvestable():
    html = str(obfuscated_email("desk@news.example.org"))
    assert "@" not in html and "mailto" not in html
    assert "desk" in html and "news" in html and "[at]" in html
    assert obfuscated_email("") == ""
