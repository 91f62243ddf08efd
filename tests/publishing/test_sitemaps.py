"""Sitemaps and robots.txt: the index, each edition's files by month (in pages of at most
`SITEMAP_PAGE_POSTS` posts), the pages sitemap and a Google News sitemap, baked with the site;
every address in them is a baked page."""

from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote

import pytest
from django.http import Http404
from lxml import etree

from samizdat.newsroom.models import Author, BlogPage, PostAuthor, PostPage, ServicePage
from samizdat.newsroom import sitemaps
from samizdat.newsroom.sitemaps import NEWS_NS, NEWS_WINDOW, SITEMAP_NS, _urlset, month_of
from samizdat.publishing.bake import bake
from tests.conftest import committed

pytestmark = pytest.mark.django_db
NS = {"s": SITEMAP_NS, "news": NEWS_NS}


def xml(site, path):
    return etree.fromstring((Path(site) / path.lstrip("/")).read_bytes())


def baked_file(site, service, address):
    """The baked file an absolute address of `service` names."""
    assert address.startswith(service.base_url), address
    path = service.reader_path + unquote(address[len(service.base_url) :])
    file = Path(site) / path.lstrip("/")
    return file / "index.html" if path.endswith("/") else file


def edition_files(site, service):
    return sorted((Path(site) / service.reader_path.lstrip("/") / "sitemaps").glob("*.xml"))


def test_the_index_names_every_edition_sitemap_and_robots_names_the_index(site_dir):
    index = xml(site_dir, "/sitemap.xml")
    assert index.tag == f"{{{SITEMAP_NS}}}sitemapindex"
    locs = index.xpath("//s:sitemap/s:loc/text()", namespaces=NS)
    services = list(ServicePage.objects.live())
    assert len(locs) == sum(len(edition_files(site_dir, s)) for s in services) > 3 * len(services) - 1
    for service in services:
        for file in edition_files(site_dir, service):
            assert service.base_url + "sitemaps/" + file.name in locs
    robots = (site_dir / "robots.txt").read_text()
    assert "User-agent: *" in robots and "Sitemap: https://samizdat.example/sitemap.xml" in robots


def test_every_listed_post_is_in_its_month_with_lastmod_and_every_address_is_baked(site_dir):
    for service in ServicePage.objects.live():
        seen = []
        for file in edition_files(site_dir, service):
            root = etree.fromstring(file.read_bytes())
            assert root.tag == f"{{{SITEMAP_NS}}}urlset"
            for url in root.xpath("//s:url", namespaces=NS):
                loc = url.findtext(f"{{{SITEMAP_NS}}}loc")
                assert baked_file(site_dir, service, loc).exists(), loc
                assert not loc.endswith("index.html"), "a page's public address is its folder"
                if file.stem[:1].isdigit():
                    assert url.findtext(f"{{{SITEMAP_NS}}}lastmod"), loc
                    seen.append(loc)
        listed = PostPage.objects.live().descendant_of(service).filter(unlisted=False)
        assert len(seen) == len(set(seen)) == listed.count()
        for post in listed:
            month = month_of(post.first_published_at)
            text = (site_dir / service.reader_path.lstrip("/") / "sitemaps" / f"{month}.xml").read_text()
            assert post.slug in unquote(text) or post.slug in text


def test_news_sitemap_has_the_google_news_elements(site_dir):
    for service in ServicePage.objects.live():
        root = xml(site_dir, f"{service.reader_path}sitemaps/news.xml")
        urls = root.xpath("//s:url", namespaces=NS)
        assert urls, service
        newest = max(p.first_published_at for p in PostPage.objects.live().descendant_of(service))
        for url in urls:
            news = url.find("news:news", NS)
            assert news.findtext("news:publication/news:name", namespaces=NS) == service.title
            assert news.findtext("news:publication/news:language", namespaces=NS) == service.language_code
            assert news.findtext("news:title", namespaces=NS)
            assert news.findtext("news:publication_date", namespaces=NS)
            assert baked_file(site_dir, service, url.findtext("s:loc", namespaces=NS)).exists()
        dates = [datetime.fromisoformat(d) for d in root.xpath("//news:publication_date/text()", namespaces=NS)]
        assert min(dates) >= newest - NEWS_WINDOW


def sitemap_bytes(site):
    files = list(Path(site).rglob("sitemaps/*.xml")) + [Path(site) / "sitemap.xml"]
    return {f.relative_to(site).as_posix(): f.read_bytes() for f in files if f.exists()}


def test_a_publish_rewrites_its_month_and_the_news_sitemap_only(fresh_site, django_capture_on_commit_callbacks):
    bake(full=True)
    blog = BlogPage.objects.get(slug="dispatches")
    before = sitemap_bytes(fresh_site)
    with committed(django_capture_on_commit_callbacks) as paths:
        post = PostPage(title="Ferry timetable restored", slug="ferry-timetable", teaser="Boats.", body="<p>Boats.</p>")
        blog.add_child(instance=post)
        post.post_authors.add(PostAuthor(author=Author.objects.get(slug="mira-castell")))
        post.save_revision().publish()
    post = PostPage.objects.get(pk=post.pk)
    month = month_of(post.first_published_at)
    after = sitemap_bytes(fresh_site)
    changed = {name for name in after if before.get(name) != after[name]}
    assert changed == {f"en/sitemaps/{month}.xml", "en/sitemaps/news.xml"}
    assert {p for p in paths if "sitemap" in p} <= {f"/en/sitemaps/{month}.xml", "/en/sitemaps/news.xml", "/sitemap.xml"}
    assert "ferry-timetable" in after[f"en/sitemaps/{month}.xml"].decode()

    with committed(django_capture_on_commit_callbacks):
        post.unpublish()
    assert "ferry-timetable" not in sitemap_bytes(fresh_site)[f"en/sitemaps/{month}.xml"].decode()


def test_an_edition_without_a_public_address_gets_no_sitemap_and_the_dashboard_says_so(
    fresh_site, client, users, django_capture_on_commit_callbacks
):
    bake(full=True)
    service = ServicePage.objects.get(language_code="ru")
    assert edition_files(fresh_site, service)
    with committed(django_capture_on_commit_callbacks):
        service.base_url = ""
        service.save_revision().publish()
    assert not edition_files(fresh_site, service)
    index = (fresh_site / "sitemap.xml").read_text()
    assert "/ru/" not in index and "/en/" in index
    client.force_login(users["admin"])
    dashboard = client.get("/admin/").content.decode()
    assert "no sitemap is baked for them" in dashboard and service.title in dashboard


def test_markup_characters_in_a_headline_keep_the_news_sitemap_well_formed():
    at = datetime(2026, 11, 1, tzinfo=UTC)
    title = "Bread & salt <at> the border «نان و نمک»\x01"
    body = _urlset([("https://news.example.org/en/a/?x=1&y=2", at, {"date": at, "title": title})],
                   news={"name": "News & Views", "language": "en"}).content
    root = etree.fromstring(body)
    assert root.findtext("s:url/s:loc", namespaces=NS) == "https://news.example.org/en/a/?x=1&y=2"
    assert root.findtext("s:url/news:news/news:title", namespaces=NS) == title[:-1], "text kept, control character dropped"
    assert root.findtext("s:url/news:news/news:publication/news:name", namespaces=NS) == "News & Views"


def month_files(site, service, month):
    """The baked pages of `month`'s sitemap, in page order."""
    found = [f for f in edition_files(site, service) if sitemaps.parse_page_name(f.stem)]
    found = [(sitemaps.parse_page_name(f.stem), f) for f in found]
    return [f for (m, _), f in sorted(found, key=lambda x: x[0][1]) if m == month]


def test_a_month_is_split_into_pages_of_the_page_size(fresh_site, settings):
    settings.SAMIZDAT_SITEMAP_PAGE_POSTS = size = 3
    bake(full=True)
    index = xml(fresh_site, "/sitemap.xml").xpath("//s:sitemap/s:loc/text()", namespaces=NS)
    split = False
    for service in ServicePage.objects.live():
        for month, count in sitemaps.month_counts(service):
            files = month_files(fresh_site, service, month)
            assert [f.stem for f in files] == [month] + [f"{month}-{n}" for n in range(2, -(-count // size) + 1)]
            split |= len(files) > 1
            locs = []
            for file in files:
                root = etree.fromstring(file.read_bytes())
                assert root.tag == f"{{{SITEMAP_NS}}}urlset"
                page = root.xpath("//s:url/s:loc/text()", namespaces=NS)
                assert 0 < len(page) <= size
                assert len(page) == size or file == files[-1], "only the last page is short"
                for loc in page:
                    assert baked_file(fresh_site, service, loc).exists(), loc
                assert service.base_url + "sitemaps/" + file.name in index
                locs += page
            order = list(sitemaps.month_entries(service, month).values_list("post_id", flat=True))
            posts = {p.pk: p for p in PostPage.objects.filter(pk__in=order)}
            assert [unquote(loc)[len(service.base_url):] for loc in locs] == [
                posts[pk].reader_path[len(service.reader_path):] for pk in order
            ], "the pages hold the month's posts in its order, each once"
            past = sitemaps.page_name(month, len(files) + 1)
            with pytest.raises(Http404):
                sitemaps.edition_sitemap(service, past)
            assert not (fresh_site / sitemaps.sitemap_path(service, past).lstrip("/")).exists()
    assert split, "the demo has a month of more than 3 posts"


def test_sitemap_names_a_route_accepts_and_pages_that_do_not_exist(site_dir):
    import re

    route = re.compile(sitemaps.SITEMAP_ROUTE)
    for name in ["pages", "news", "2026-11", "2026-11-2", "2026-11-13"]:
        assert route.match(f"sitemaps/{name}.xml/"), name
    for name in ["2026-11-1", "2026-11-02", "2026-11-", "2026-1"]:
        assert not route.match(f"sitemaps/{name}.xml/"), name
    service = ServicePage.objects.live().first()
    for name in ["2026-13", "1999-01", "1999-01-2"]:
        with pytest.raises(Http404):
            sitemaps.edition_sitemap(service, name)
