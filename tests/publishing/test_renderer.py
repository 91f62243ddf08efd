import re

import pytest
from django.test import RequestFactory

from samizdat.newsroom.models import PostPage
from samizdat.core.rendering import link, relative, rendering
from samizdat.publishing.renderer import Renderer
from tests.conftest import read

pytestmark = pytest.mark.django_db


def _text(html):
    """The page without its links, asset versions and image addresses: what readers read."""
    html = re.sub(r'(href|src|data-[a-z]+)="[^"]*"', r'\1=""', html)
    return html


def test_preview_and_bake_render_the_same_page(site_dir, users):
    post = PostPage.objects.get(slug="a-border-town-learns-to-live-offline")
    request = RequestFactory().get("/")
    request.user = users["editor"]
    preview = post.make_preview_request(request).content.decode()
    baked = read(site_dir, post.reader_path)
    assert _text(preview) == _text(baked)
    # …and the preview links into the running server, the bake relative to the file.
    assert 'href="/en/dispatches/"' in preview and 'href="../index.html"' in baked


def test_preview_of_a_persian_post_is_in_persian(users):
    post = PostPage.objects.filter(slug__contains="بازار").first() or PostPage.objects.get(title__startswith="بازار")
    request = RequestFactory().get("/")
    request.user = users["editor"]
    assert '<html lang="fa" dir="rtl">' in post.make_preview_request(request).content.decode()


def test_renderer_reports_missing_paths_as_gone():
    renderer = Renderer()
    assert renderer.render_path("/en/no-such-blog/").content is None
    assert renderer.render_path("/en/page/999/").content is None
    assert renderer.render_path("/en/tags/no-such-tag/").content is None
    assert renderer.render_path("/en/dispatches/").content.startswith(b"<!doctype html>")


@pytest.mark.parametrize(
    "target, here, expected",
    [
        ("/en/blog/", "/en/blog/post/", "../index.html"),
        ("/en/blog/post/", "/en/blog/post/", "index.html"),
        ("/", "/en/blog/post/", "../../../index.html"),
        ("/assets/site.css", "/en/", "../assets/site.css"),
        ("/fa/tags/x/", "/en/", "../fa/tags/x/index.html"),
        ("/en/blog/#latest", "/en/", "blog/index.html#latest"),
        ("/en/breaking.html", "/en/blog/post/", "../../breaking.html"),
        ("https://example.org/a", "/en/", "https://example.org/a"),
    ],
)
def test_relative_links(target, here, expected):
    assert relative(target, here) == expected


def test_links_are_percent_encoded_only_once():
    with rendering(here="/fa/"):
        assert link("/fa/tags/حمل-و-نقل/") == "tags/%D8%AD%D9%85%D9%84-%D9%88-%D9%86%D9%82%D9%84/index.html"
    assert link("/ru/tags/суды/") == "/ru/tags/%D1%81%D1%83%D0%B4%D1%8B/"
