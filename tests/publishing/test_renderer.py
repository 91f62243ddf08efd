import hashlib
import posixpath
import re
from pathlib import Path
from urllib.parse import quote, unquote, urljoin, urlsplit

import pytest
from django.conf import settings
from django.test import RequestFactory
from django.utils import translation

from samizdat.newsroom import selectors
from samizdat.newsroom.models import PostPage, ServicePage
from samizdat.core.rendering import link, relative, rendering
from samizdat.publishing.renderer import Renderer
from tests.conftest import read

pytestmark = pytest.mark.django_db


PREVIEW_MARK = re.compile(r'<p class="preview-mark" role="note">[^<]*</p>\n')
LINK_ATTRIBUTE = re.compile(r'(href|src|srcset|data-[a-z]+)="([^"]*)"')


def _image_bytes(address, site_dir):
    """The picture an image address shows: the rendition file under MEDIA_ROOT for the
    preview's /media/…, the baked file under its content-hashed name for the bake's
    /assets/media/…; None for any other address."""
    path = unquote(urlsplit(address).path)
    if path.startswith("/media/"):
        return (Path(settings.MEDIA_ROOT) / path.removeprefix("/media/")).read_bytes()
    if path.startswith("/assets/media/"):
        return (Path(site_dir) / path.lstrip("/")).read_bytes()
    return None


def _resolved(html, base, site_dir):
    """The page with every link written as the address it leads to from `base`, a folder's
    `index.html` (which baked links name, so that a copy opened from disk navigates) as the
    folder, and an image (in `src` or in each candidate of a `srcset`) as a digest of its
    bytes: the preview shows the rendition Wagtail stored (/media/…), the bake a copy under a
    content-hashed name (/assets/media/…). These are the only bytes a preview may write
    differently, since it is shown inside the admin, not at the page's address."""

    def address(value):
        value = re.sub(r"/index\.html(?=$|#)", "/", urljoin(base, value))
        data = _image_bytes(value, site_dir)
        return value if data is None else "image:" + hashlib.sha256(data).hexdigest()

    def resolve(match):
        name, value = match.groups()
        if value.startswith("#"):
            return match.group(0)
        if name == "srcset":
            candidates = (c.strip().split(" ", 1) for c in value.split(","))
            return f'{name}="' + ", ".join(" ".join([address(url), *rest]) for url, *rest in candidates) + '"'
        return f'{name}="{address(value)}"'

    return LINK_ATTRIBUTE.sub(resolve, html)


def _preview(post, user):
    request = RequestFactory().get("/")
    request.user = user
    return post.make_preview_request(request).content.decode()


@pytest.mark.parametrize("language", ["en", "fa", "ru"])
def test_preview_is_the_baked_page_with_a_not_published_mark(site_dir, users, language):
    """Interface language, calendar, digits and direction of the preview are the edition's,
    as in the bake: same bytes, but for the mark and the form of the links."""
    edition = ServicePage.objects.get(language_code=language)
    post = PostPage.objects.live().descendant_of(edition).order_by("-first_published_at").first()
    preview, baked = _preview(post, users["editor"]), read(site_dir, post.reader_path)

    marks = PREVIEW_MARK.findall(preview)
    assert len(marks) == 1 and not PREVIEW_MARK.search(baked)
    with translation.override(language):
        assert translation.gettext("Preview: not published. Readers cannot see this version.") in marks[0]
    unmarked = PREVIEW_MARK.sub("", preview)
    resolved = _resolved(baked, "http://reader" + quote(post.reader_path), site_dir)
    assert _resolved(unmarked, "http://reader/", site_dir) == resolved
    assert "srcset=\"image:" in resolved  # the pictures were compared by their bytes
    assert f'<html lang="{language}" dir="{edition.direction}">' in unmarked
    # …and the preview links into the running server, the bake relative to the file.
    blog = quote(post.get_parent().specific.reader_path)
    assert f'href="{blog}"' in preview and 'href="../index.html"' in baked


def test_persian_preview_speaks_persian_with_a_persian_calendar(users):
    edition = ServicePage.objects.get(language_code="fa")
    post = PostPage.objects.live().descendant_of(edition).order_by("-first_published_at").first()
    preview = _preview(post, users["editor"])
    for english in ("All languages", "Text size", "By ", "Breaking news", "Skip to content"):
        assert english not in preview
    assert re.search(r'<time datetime="[^"]+">[۰-۹]+ [^<]*[۰-۹]{4}', preview), "Solar Hijri date, Persian digits"


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


HERES = ["/", "/en/", "/en/blog/post/", "/fa/tags/x/page/2/", "/en/feed.xml", "/feed.xml", "/a/./b/", "/a//b/",
         "/fa/یادداشت/پست/", "/ru/tags/суды/"]
TARGETS = ["/", "/en/", "/en/blog/", "/en/blog/post/", "/en/blog/post/#latest", "/assets/site.css", "/fa/",
           "/en/../x/", "/.well-known/x", "/fa/tags/حمل-و-نقل/", "/fa/یادداشت/", "/ru/tags/суды/#a b",
           "/en/a b/?q=1", "https://example.org/a b", "#top", "mailto:x@example.org", "relative/path", "/a//b/"]


@pytest.mark.parametrize("here", HERES)
def test_a_baked_link_is_the_encoded_relative_path(here):
    """`link` remembers parts of its targets and of the page (a page writes forty links): what
    it writes is still `relative` percent-encoded, for every kind of target, on every page."""
    with rendering(here=here):
        for _ in range(2):  # the second time from what it remembered
            for target in TARGETS:
                assert link(target) == quote(relative(target, here), safe="/:#?=&%~"), target


def test_a_baked_link_follows_the_page_it_is_written_for():
    """A feed expands a post's body as the post's page (`theme.jinja.feed_body` sets `here`
    for a moment): links written then are relative to the post, not to the feed."""
    with rendering(here="/en/feed.xml") as state:
        assert link("/en/blog/post/") == "blog/post/index.html"
        state.here = "/en/blog/other/"
        assert link("/en/blog/post/") == "../post/index.html"
        state.here = "/en/feed.xml"
        assert link("/en/blog/post/") == "blog/post/index.html"


def test_a_post_rendered_from_its_row_is_the_page_wagtail_serves():
    """A full bake renders posts from rows (`selectors.post_rows`); a publish and the preview
    go through the page's own `serve`. Both give the same bytes and collect the same images,
    for every post of the demo: translations, bylines, tags, lead images, the latest box."""
    renderer = Renderer()
    posts = selectors.post_rows(list(PostPage.objects.live().values_list("pk", flat=True)), renderer.cache)
    translations = selectors.translations_of_rows(posts, renderer.cache)
    assert any(translations.values()) and any(p.lead_image for p in posts) and any(p.ordered_tags for p in posts)
    for post in posts:
        from_row, served = renderer.render_post(post, translations[post.pk]), Renderer().render_path(post.reader_path)
        assert from_row.content == served.content, post.reader_path
        assert from_row.media == served.media


@pytest.mark.parametrize("here", ["/", "/en/", "/en/blog/post/", "/fa/tags/x/page/2/", "/en/feed.xml", "/a/./b/", "/a//b/"])
@pytest.mark.parametrize("target", ["/", "/en/", "/en/blog/", "/en/blog/post/", "/assets/site.css", "/fa/", "/en/../x/", "/.well-known/x"])
def test_relative_links_agree_with_posixpath(target, here):
    base = here if here.endswith("/") else here.rsplit("/", 1)[0] + "/"
    expected = posixpath.relpath(target, base)
    if target.endswith("/"):
        expected = "index.html" if expected == "." else expected + "/index.html"
    assert relative(target, here) == expected
