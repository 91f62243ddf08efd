"""What a baked page tells machines: canonical, description, Open Graph, Twitter card,
JSON-LD, icons — in every edition's language, and nothing absolute without a base URL."""

import html
import json
from html.parser import HTMLParser

import pytest

from samizdat.newsroom.models import PostPage, ServicePage
from samizdat.publishing.bake import bake
from samizdat.theme.metadata import og_locale, summary
from tests.conftest import read

pytestmark = pytest.mark.django_db


class Head(HTMLParser):
    """The <meta>, <link> and JSON-LD of a page."""

    def __init__(self, text):
        super().__init__()
        self.meta, self.links, self.json_ld, self._script = {}, [], [], None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "meta" and ("property" in a or "name" in a):
            self.meta.setdefault(a.get("property") or a["name"], []).append(a.get("content"))
        elif tag == "link":
            self.links.append(a)
        elif tag == "script" and a.get("type") == "application/ld+json":
            self._script = []

    def handle_data(self, data):
        if self._script is not None:
            self._script.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self.json_ld.append(json.loads("".join(self._script)))
            self._script = None

    def one(self, name):
        values = self.meta.get(name) or [None]
        return values[0]

    def link(self, rel):
        return next((a for a in self.links if a.get("rel") == rel), None)


def test_og_locale_follows_the_edition_language():
    assert (og_locale("fa"), og_locale("ru"), og_locale("en")) == ("fa_IR", "ru_RU", "en_US")


def test_summary_cuts_at_a_word():
    assert summary("one two three", 9) == "one two…"
    assert summary("  short\n text ") == "short text"


def test_every_post_carries_open_graph_json_ld_and_a_canonical(site_dir):
    posts = list(PostPage.objects.live().specific())
    assert posts
    for post in posts:
        service = post.get_service()
        head = Head(read(site_dir, post.reader_path))
        assert head.one("og:type") == "article"
        assert head.one("og:title") == post.title, "no mojibake: the title as the editor wrote it"
        assert head.one("og:locale") == {"fa": "fa_IR", "ru": "ru_RU", "en": "en_US"}[service.language_code]
        assert head.one("og:site_name") == service.title
        assert head.one("description") == summary(post.teaser)
        assert head.one("og:description") == summary(post.teaser)
        assert head.one("twitter:card") in ("summary", "summary_large_image")
        assert head.one("article:published_time").startswith(str(post.first_published_at.year))
        assert head.meta["article:author"] == [a.name for a in post.ordered_authors]
        canonical = head.link("canonical")["href"]
        assert canonical.startswith(service.base_url) and head.one("og:url") == canonical
        if post.lead_image_id:
            assert head.one("og:image").startswith("https://") and head.one("og:image:alt") == post.lead_image_alt
            assert head.one("twitter:card") == "summary_large_image"

        article, crumbs = head.json_ld
        assert article["@type"] == "NewsArticle" and article["@context"] == "https://schema.org"
        for required in ("headline", "datePublished", "dateModified", "author", "publisher", "inLanguage"):
            assert article[required], required
        assert article["headline"] == summary(post.title, 110)
        assert article["inLanguage"] == service.language_code and article["isAccessibleForFree"] is True
        assert article["mainEntityOfPage"] == canonical
        assert [a["name"] for a in article["author"]] == [a.name for a in post.ordered_authors]
        assert article["publisher"]["name"] == service.title
        if post.lead_image_id:
            assert article["image"][0] == head.one("og:image")
        assert crumbs["@type"] == "BreadcrumbList"
        assert [i["position"] for i in crumbs["itemListElement"]] == [1, 2, 3]
        assert crumbs["itemListElement"][-1]["item"] == canonical


def test_persian_metadata_is_readable_text(site_dir):
    post = PostPage.objects.live().filter(path__startswith=ServicePage.objects.get(language_code="fa").path).first()
    text = read(site_dir, post.reader_path)
    head = Head(text)
    assert head.one("og:title") == post.title
    assert post.title in json.dumps(head.json_ld, ensure_ascii=False)
    assert "\\u06" not in text, "Persian is written as UTF-8, not escaped"


def test_every_page_has_an_icon_and_theme_colour_that_work_under_a_sub_path(site_dir):
    for path in ("/", "/en/", "/fa/", PostPage.objects.live().first().reader_path):
        head = Head(read(site_dir, path))
        icon = head.link("icon")["href"]
        assert not icon.startswith("/") and icon.endswith("favicon.ico"), icon
        assert head.meta["theme-color"]


def test_listing_pages_describe_themselves(site_dir):
    service = ServicePage.objects.get(language_code="en")
    head = Head(read(site_dir, service.reader_path))
    assert head.one("og:type") == "website"
    assert head.link("canonical")["href"] == service.base_url
    assert head.one("description")
    archive = Head(read(site_dir, f"{service.reader_path}page/1/"))
    assert archive.link("canonical")["href"] == service.base_url + "page/1/"


def test_json_ld_cannot_be_broken_out_of(fresh_site):
    post = PostPage.objects.live().first()
    post.title = "Tom </script><script>alert(1)</script> & Jerry"
    post.save_revision().publish()
    bake([post.reader_path])
    text = read(fresh_site, post.reader_path)
    assert "<script>alert(1)" not in text
    assert Head(text).json_ld[0]["headline"] == post.title


def test_without_a_base_url_nothing_absolute_is_invented(fresh_site):
    service = ServicePage.objects.get(language_code="ru")
    ServicePage.objects.filter(pk=service.pk).update(base_url="")
    post = PostPage.objects.live().filter(path__startswith=service.path).exclude(lead_image=None).first()
    bake([post.reader_path])
    text = read(fresh_site, post.reader_path)
    head = Head(text)
    assert head.link("canonical") is None and head.one("og:url") is None and head.one("og:image") is None
    head_text = html.unescape(text.split("</head>")[0])
    assert "samizdat.example/ru" not in head_text, "an address of its own edition was invented"
    article = head.json_ld[0]
    assert not article["mainEntityOfPage"].startswith(("http:", "https:", "/"))
    assert not article["image"][0].startswith(("http:", "https:", "/"))
    assert head.one("og:title") == post.title


def test_pages_announce_their_feeds(site_dir):
    post = PostPage.objects.get(slug="a-border-town-learns-to-live-offline")
    blog = post.get_blog()
    head = Head(read(site_dir, post.reader_path))
    feeds = {(a["type"], a["href"]) for a in head.links if a.get("rel") == "alternate" and a.get("type")}
    assert ("application/rss+xml", "../../feed.xml") in feeds and ("application/atom+xml", "../atom.xml") in feeds
    assert ("application/feed+json", "../feed.json") in feeds and len(feeds) == 6
    author = post.ordered_authors[0]
    head = Head(read(site_dir, f"/en/authors/{author.slug}/"))
    assert any(a.get("href") == "feed.xml" and author.name in a["title"] for a in head.links)
    assert blog.title
