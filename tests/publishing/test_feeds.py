"""Feeds: RSS 2.0, Atom 1.0 and JSON Feed 1.1 of every edition, blog, author and tag, baked
by the same bake as the pages; a publish rewrites the feeds it touches and no others."""

import json
from pathlib import Path
from urllib.parse import unquote, urljoin

import feedparser
import pytest

from samizdat.newsroom.feeds import post_guid
from samizdat.newsroom.models import Author, BlogPage, PostAuthor, PostPage, ServicePage
from samizdat.newsroom.selectors import FEED_SIZE, Listing
from samizdat.publishing.bake import bake
from tests.conftest import committed
from samizdat.publishing.dependencies import feed_is_stale
from samizdat.publishing.plan import collect_paths
from samizdat.publishing.writer import site_file

pytestmark = pytest.mark.django_db
FEEDS = ("feed.xml", "atom.xml", "feed.json")


def feed_files(site):
    return sorted(p for name in FEEDS for p in Path(site).rglob(name))


def parse(file):
    """A baked feed as feedparser reads it from its public address (relative links resolve
    against it, as in a feed reader)."""
    base = "https://mirror.example/copy/" + file.relative_to(file.parents[len(file.parents) - 1]).as_posix()
    return feedparser.parse(file.read_bytes(), response_headers={"content-location": base})


def site_path_of(site, file):
    return "/" + file.relative_to(site).as_posix()


def resolves(site, feed_path, href):
    target = unquote(urljoin(feed_path, href))
    dest = Path(site) / target.lstrip("/")
    return (dest / "index.html").exists() if target.endswith("/") else dest.exists()


def test_every_listing_has_three_feeds_in_the_inventory(site_dir):
    paths = set(collect_paths())
    for service in ServicePage.objects.live():
        for listing in [Listing("service", service)] + [Listing("blog", service, blog=b) for b in BlogPage.objects.live().child_of(service)]:
            assert set(listing.feed_paths()) <= paths
    author = Author.objects.get(slug="mira-castell")
    assert "/en/authors/mira-castell/atom.xml" in paths, author
    assert any(p.startswith("/en/tags/") and p.endswith("/feed.json") for p in paths)


def test_baked_xml_feeds_parse_cleanly_in_their_language_in_date_order(site_dir):
    checked = 0
    for file in feed_files(site_dir):
        path = site_path_of(site_dir, file)
        service = ServicePage.objects.get(slug=path.split("/")[1])
        if file.name == "feed.json":
            continue
        feed = feedparser.parse(file.read_bytes())
        assert feed.bozo == 0, (path, feed.get("bozo_exception"))
        assert feed.version == ("rss20" if file.name == "feed.xml" else "atom10"), path
        assert feed.feed.get("language", service.language_code).startswith(service.language_code), path
        assert 0 < len(feed.entries) <= FEED_SIZE or path.count("/") == 2, path
        dates = [e.published_parsed for e in feed.entries]
        assert dates == sorted(dates, reverse=True), f"{path}: newest first"
        for entry in feed.entries:
            assert entry.id.startswith("urn:uuid:")
            assert resolves(site_dir, path, entry.link), f"{path}: {entry.link}"
            assert entry.content[0].value if file.name == "atom.xml" else entry.content[0].value
            for enclosure in entry.get("enclosures", []):
                assert resolves(site_dir, path, enclosure.href), enclosure.href
        checked += 1
    assert checked >= 12


def test_json_feeds_are_json_feed_1_1(site_dir):
    for file in Path(site_dir).rglob("feed.json"):
        path = site_path_of(site_dir, file)
        data = json.loads(file.read_text(encoding="utf-8"))
        assert data["version"] == "https://jsonfeed.org/version/1.1"
        assert data["title"] and "items" in data
        published = [i["date_published"] for i in data["items"]]
        assert published == sorted(published, reverse=True)
        for item in data["items"]:
            assert item["id"].startswith("urn:uuid:") and item["content_html"]
            assert resolves(site_dir, path, item["url"])
            if "image" in item:
                assert resolves(site_dir, path, item["image"])


def test_feed_items_are_the_posts_full_text_with_pen_names_and_tags(site_dir, users):
    post = PostPage.objects.get(slug="a-border-town-learns-to-live-offline")
    feed = feedparser.parse((site_dir / "en/feed.xml").read_bytes())
    entry = next(e for e in feed.entries if e.id == post_guid(post))
    assert entry.title == post.title
    assert entry.summary == post.teaser
    assert "<p>" in entry.content[0].value and "<script" not in entry.content[0].value
    assert entry.author == ", ".join(a.name for a in post.ordered_authors)
    assert {t.term for t in entry.tags} == {t.name for t in post.tags.all()}
    assert entry.enclosures and entry.enclosures[0].type.startswith("image/")
    everything = "".join(f.read_text(encoding="utf-8") for f in feed_files(site_dir))
    for user in users.values():
        assert user.get_full_name() not in everything and user.email not in everything


def test_persian_feed_is_right_to_left_text_not_escapes(site_dir):
    service = ServicePage.objects.get(language_code="fa")
    text = (site_dir / service.reader_path.lstrip("/") / "atom.xml").read_text(encoding="utf-8")
    assert 'xml:lang="fa"' in text and '&lt;div lang="fa" dir="rtl"&gt;' in text
    post = PostPage.objects.live().filter(path__startswith=service.path).first()
    assert post.title in text


@pytest.mark.parametrize(
    "position, count, was_in, is_in, stale",
    [
        (99, 100, False, True, True),  # a new post: the newest
        (99, 100, True, True, True),  # the newest post edited
        (100 - FEED_SIZE, 100, True, True, True),  # the oldest in the feed
        (99 - FEED_SIZE, 100, True, True, False),  # just below it
        (3, 100, True, True, False),  # an old post edited
        (3, 100, False, True, False),  # an old post republished where it always sat
        (99, 99, True, False, True),  # the newest unpublished: one more comes into the feed
        (99 - FEED_SIZE, 99, True, False, False),  # an old one leaves: the feed keeps its posts
        (5, 10, False, False, False),  # never in it
    ],
)
def test_which_changes_make_a_listing_feed_stale(position, count, was_in, is_in, stale):
    assert feed_is_stale(position=position, count=count, was_in=was_in, is_in=is_in) is stale


def snapshot(site):
    return {f: f.read_bytes() for f in feed_files(site)}


def test_publish_and_unpublish_change_the_feeds_they_should_and_no_others(fresh_site, django_capture_on_commit_callbacks):
    bake(full=True)
    blog = BlogPage.objects.get(slug="dispatches")
    service = blog.get_service()
    author = Author.objects.get(slug="mira-castell")
    before = snapshot(fresh_site)
    with committed(django_capture_on_commit_callbacks):
        post = PostPage(title="Night trains run again", slug="night-trains", teaser="Rails hum.", body="<p>Rails.</p>")
        blog.add_child(instance=post)
        post.post_authors.add(PostAuthor(author=author))
        post.tags.add("transport-feeds")
        post.save_revision().publish()
    after = snapshot(fresh_site)
    changed = {site_path_of(fresh_site, f) for f in after if before.get(f) != after[f]}
    expected = set()
    for listing in (
        Listing("service", service),
        Listing("blog", service, blog=blog),
        Listing("author", service, slug=author.slug),
        Listing("tag", service, slug="transport-feeds"),
    ):
        expected |= set(listing.feed_paths())
    assert changed == expected
    guid = post_guid(PostPage.objects.get(pk=post.pk))
    assert feedparser.parse((fresh_site / "en/dispatches/feed.xml").read_bytes()).entries[0].id == guid

    # A slug change keeps the item's id; only the feeds showing it change.
    before = snapshot(fresh_site)
    with committed(django_capture_on_commit_callbacks):
        post = PostPage.objects.get(pk=post.pk)
        post.slug = "night-trains-return"
        post.save_revision().publish()
    entry = feedparser.parse((fresh_site / "en/dispatches/feed.xml").read_bytes()).entries[0]
    assert entry.id == guid and entry.link.endswith("night-trains-return/index.html")
    after = snapshot(fresh_site)
    assert {site_path_of(fresh_site, f) for f in after if before.get(f) != after[f]} == expected

    # Unpublished: out of every feed it was in (the tag's feeds go with its last post).
    with committed(django_capture_on_commit_callbacks):
        PostPage.objects.get(pk=post.pk).unpublish()
    for path in expected:
        file = site_file(fresh_site, path)
        assert not file.exists() or guid not in file.read_text(encoding="utf-8"), path
    assert not (fresh_site / "en/tags/transport-feeds/feed.xml").exists()


def test_an_old_post_edited_leaves_the_feeds_alone(fresh_site, django_capture_on_commit_callbacks):
    bake(full=True)
    service = ServicePage.objects.get(language_code="en")
    listing = Listing("service", service)
    old = listing.posts().order_by("first_published_at").first()
    assert listing.count() - listing.position(old) > 0
    with committed(django_capture_on_commit_callbacks) as paths:
        old.teaser = "A quieter summary."
        old.save_revision().publish()
    if listing.count() - listing.position(old) > FEED_SIZE:
        assert not any(p.endswith(FEEDS) for p in paths)
    else:
        assert set(listing.feed_paths()) <= paths


def test_breaking_news_is_baked_as_json_beside_the_feeds(fresh_site, django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.utils import timezone

    from samizdat.newsroom.models import BreakingNews

    bake(full=True)
    service = ServicePage.objects.get(language_code="fa")
    BreakingNews.objects.filter(service=service).delete()
    with committed(django_capture_on_commit_callbacks) as paths:
        BreakingNews.objects.create(service=service, text="قطع برق در پایتخت", link_url=service.reader_path, expires_at=timezone.now() + timedelta(hours=1))
    assert service.breaking_json_path in paths
    data = json.loads((fresh_site / "fa/breaking.json").read_text(encoding="utf-8"))
    assert data["breaking"]["text"] == "قطع برق در پایتخت" and data["breaking"]["url"] == "index.html"
    assert data["language"] == "fa"
