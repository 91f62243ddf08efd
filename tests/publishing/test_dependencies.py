"""The incremental engine: each change re-renders a bounded set of pages, and the site it
leaves behind is byte-for-byte the site a fresh full bake makes."""

import html
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from samizdat.bench.synthetic import synthetic_newsroom_create
from samizdat.newsroom.models import Author, BlogPage, BreakingNews, PostAuthor, PostPage
from samizdat.newsroom.pagination import PAGE_SIZE
from samizdat.newsroom.selectors import LATEST_WINDOW, Listing
from samizdat.publishing.bake import bake
from samizdat.publishing.models import BakeBatch
from tests.conftest import read

pytestmark = pytest.mark.django_db
ARCHIVE = 2000  # posts in the synthetic edition


def files(site):
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in Path(site).rglob("*") if p.is_file()}


@pytest.fixture
def change(django_capture_on_commit_callbacks):
    """Commit a change as the admin would (its after-commit bake runs); yields the set of
    paths it re-rendered."""

    @contextmanager
    def committed():
        last = BakeBatch.objects.aggregate(m=Max("pk"))["m"] or 0
        paths = set()
        with django_capture_on_commit_callbacks(execute=True):
            yield paths
        batches = list(BakeBatch.objects.filter(pk__gt=last))
        assert not any(b.full for b in batches), "a change to a post must not re-bake the whole site"
        assert all(b.finished_at for b in batches)
        paths.update(p for b in batches for p in b.paths)

    return committed


def new_post(blog, title, author):
    post = PostPage(title=title, slug=title.lower().replace(" ", "-"), teaser="A new post.", body="<p>Fresh.</p>")
    blog.add_child(instance=post)
    post.post_authors.add(PostAuthor(author=author))
    post.tags.add("big-topic-3")
    post.save_revision().publish()
    return post


@pytest.fixture
def big(fresh_site):
    service = synthetic_newsroom_create(ARCHIVE, slug="big")
    service.base_url = "https://big.example/big/"  # so that it has sitemaps
    service.republish, service.republish_licence = True, "Free to republish."  # and republish pages
    service.save(update_fields=["base_url", "republish", "republish_licence"])
    BakeBatch.objects.all().delete()
    bake(full=True)
    return service


def test_changes_in_a_large_archive_touch_few_pages_and_equal_a_full_bake(big, fresh_site, tmp_path, change):
    blog = BlogPage.objects.get(path__startswith=big.path, slug="blog-1")
    author = Author.objects.get(slug="big-author-1")
    listing = Listing("blog", big, blog=blog)
    pages_before = listing.page_count()

    # 1. A new post: itself, the fronts and newest archive pages of its five listings
    #    (service, blog, author, tag), the blog's newest posts and its fragment; and the
    #    three feeds (RSS, Atom, JSON Feed) of each of its four listings.
    with change() as paths:
        post = new_post(blog, "Harbour lights back on", author)
    feeds = {p for p in paths if p.endswith(("/feed.xml", "/atom.xml", "/feed.json"))}
    maps = {p for p in paths if "sitemap" in p}
    # its month, the news sitemap, the index; the pages sitemap when a topic or author page
    # appears (here: the post's tag is new)
    assert len(maps) <= 4, sorted(maps)
    assert post.republish_path in paths
    assert len(paths - feeds - maps - {post.republish_path}) <= 18, sorted(paths)  # the README's figure
    assert len(feeds) == 3 * 4, sorted(feeds)  # 3 per listing the post is in: 30 files in all
    assert f"{blog.reader_path}feed.xml" in feeds and f"{big.reader_path}feed.json" in feeds
    assert {post.reader_path, blog.reader_path, big.reader_path, blog.latest_fragment_path} <= paths
    assert listing.path(listing.page_count()) in paths
    assert listing.path(1) not in paths, "old archive pages never shift"
    assert listing.page_count() in (pages_before, pages_before + 1)
    assert "Harbour lights back on" in read(fresh_site, blog.reader_path)
    latest = read(fresh_site, listing.posts().order_by("-first_published_at")[1].reader_path)
    assert "Harbour lights back on" in latest, "the newest posts carry the new one inline"

    # 2. An old post is edited: its page and the archive pages that show it.
    old = listing.posts().order_by("first_published_at")[3]
    with change() as paths:
        old.title = "An old story, corrected"
        old.save_revision().publish()
    assert old.republish_path in paths
    assert len(paths) <= 2 + 5 * 2 + 2 + 2  # the post and its republish page; + its month's sitemap and the news sitemap
    assert listing.path(1) in paths and blog.latest_fragment_path not in paths
    assert not any(p.endswith(("/feed.xml", "/atom.xml", "/feed.json")) for p in paths), "an old post is in no feed"
    # its month's sitemap (and the news sitemap when it is recent: the synthetic archive is dense)
    assert {p for p in paths if "sitemap" in p} <= {f"/big/sitemaps/{old.first_published_at:%Y-%m}.xml", "/big/sitemaps/news.xml"}
    assert "An old story, corrected" in html.unescape(read(fresh_site, listing.path(1)))

    # 3. A slug change leaves a static redirect at the old address.
    moved = listing.posts().order_by("first_published_at")[5]
    old_path = moved.reader_path
    with change():
        moved.slug = "renamed-story"
        moved.save_revision().publish()
    redirect = read(fresh_site, old_path)
    assert 'http-equiv="refresh"' in redirect and "renamed-story/" in redirect
    assert (fresh_site / moved.reader_path.lstrip("/") / "index.html").exists()

    # 4. Unpublishing an old post removes it and shifts the archive pages after it.
    gone = listing.posts().order_by("first_published_at")[15]
    gone_path = gone.reader_path
    with change():
        gone.unpublish()
    assert not (fresh_site / gone_path.lstrip("/") / "index.html").exists()
    assert gone.title not in html.unescape(read(fresh_site, listing.path(2)))

    # 5. A banner starts: the fragment, the fronts and the newest posts — not the archive.
    with change() as paths:
        BreakingNews.objects.create(
            service=big, text="Power cut in the capital", expires_at=timezone.now() + timedelta(hours=1)
        )
    blogs = BlogPage.objects.child_of(big).count()
    assert len(paths) <= 3 + blogs * (1 + LATEST_WINDOW)  # fragment, breaking.json, front; each blog
    assert "Power cut in the capital" in read(fresh_site, big.breaking_fragment_path)
    assert "Power cut in the capital" in read(fresh_site, blog.reader_path)
    assert "Power cut in the capital" not in read(fresh_site, old.reader_path), "old posts load it from the fragment"

    # The incremental site equals a fresh full bake, file for file, byte for byte.
    incremental = files(fresh_site)
    settings.SAMIZDAT_SITE_DIR = tmp_path / "full"
    bake(full=True)
    full = files(settings.SAMIZDAT_SITE_DIR)
    assert incremental.keys() == full.keys()
    differing = [name for name in full if full[name] != incremental[name]]
    if differing:
        import difflib

        first = differing[0]
        diff = "".join(difflib.unified_diff(
            incremental[first].decode().splitlines(True), full[first].decode().splitlines(True), "incremental", "full", n=1))
        pytest.fail(f"{len(differing)} files differ from a full bake: {differing}\n{first}:\n{diff[:3000]}")
    assert len(full) > ARCHIVE + ARCHIVE // PAGE_SIZE


def test_a_post_leaving_a_tag_leaves_the_tag_page(fresh_site, change):
    bake(full=True)
    post = PostPage.objects.live().filter(tags__isnull=False).first()
    tag = post.tags.first()
    tag_path = f"{post.get_service().reader_path}tags/{tag.slug}/"
    assert post.title in html.unescape(read(fresh_site, tag_path))
    with change() as paths:
        post.tags.set([t.name for t in post.tags.all() if t.pk != tag.pk])
        post.save_revision().publish()
    assert tag_path in paths
    page = fresh_site / tag_path.lstrip("/") / "index.html"
    assert not page.exists() or post.title not in html.unescape(page.read_text())


def test_an_author_rename_reaches_their_posts_and_moves_their_page(fresh_site, change):
    bake(full=True)
    author = Author.objects.get(slug="mira-castell")
    post = PostPage.objects.live().filter(post_authors__author=author).first()
    with change() as paths:
        author.name, author.slug = "Mira C.", "mira-c"
        author.save()
    assert post.reader_path in paths
    assert "Mira C." in read(fresh_site, post.reader_path)
    assert (fresh_site / "en/authors/mira-c/index.html").exists()
    assert not (fresh_site / "en/authors/mira-castell/index.html").exists()


def test_uploading_an_unused_image_bakes_nothing(fresh_site, change):
    from django.core.files.images import ImageFile
    from wagtail.images import get_image_model

    from samizdat.demo.images import render_jpeg

    import io

    with change() as paths:
        get_image_model().objects.create(title="unused", file=ImageFile(io.BytesIO(render_jpeg("fields", 3)), name="u.jpg"))
    assert paths == set()


def test_unpublishing_a_stale_copy_still_bakes_the_right_pages(fresh_site, change):
    """Wagtail publishes a copy made from the revision: the caller's object keeps no
    publication time. Unpublishing through it must still find the pages it was on."""
    bake(full=True)
    blog = BlogPage.objects.get(slug="dispatches")
    post = PostPage(title="Stale copy", slug="stale-copy", teaser="t", body="<p>b</p>")
    blog.add_child(instance=post)
    post.post_authors.add(PostAuthor(author=Author.objects.get(slug="mira-castell")))
    with change():
        post.save_revision().publish()
    assert post.first_published_at is None  # the caller's copy
    assert "Stale copy" in read(fresh_site, blog.reader_path)
    with change() as paths:
        post.unpublish()
    assert blog.reader_path in paths
    assert "Stale copy" not in read(fresh_site, blog.reader_path)


def test_a_failing_dependency_lookup_falls_back_to_a_full_bake(fresh_site, monkeypatch, django_capture_on_commit_callbacks):
    from samizdat.publishing import dependencies

    def broken(*args, **kwargs):
        raise RuntimeError("bug in the tracker")

    monkeypatch.setattr(dependencies, "post_paths", broken)
    post = PostPage.objects.live().first()
    with django_capture_on_commit_callbacks(execute=True):
        post.title = "Still published"
        post.save_revision().publish()  # the editor's publish goes through
    assert BakeBatch.objects.filter(reason__contains=f"page {post.pk}", full=True).exists()
    assert "Still published" in html.unescape(read(fresh_site, post.reader_path))


@pytest.mark.parametrize(
    "position, count, was_in, is_in, pins, expected",
    [
        # A new post in a listing of 25: the front and the newest page (3) only.
        (24, 25, False, True, False, {None, 3}),
        # The 30th post lands on page 3; the front's floor moves from 1 to 2, so page 1's
        # "Newer posts" now leads to page 2 instead of the front.
        (29, 30, False, True, False, {None, 1, 3}),
        # The 31st opens page 4.
        (30, 31, False, True, False, {None, 4}),
        # An edit of an old post: its own archive page only (no pins, not on the front).
        (3, 500, True, True, False, {1}),
        # ... and the front too where pins apply (a pin may have changed).
        (3, 500, True, True, True, {None, 1}),
        # An edit of a post the front shows: its archive page and the front.
        (495, 500, True, True, False, {None, 50}),
        # An old post leaves: every page from its own to the newest shifts, and the floor
        # falls back to 1, so page 1's "Newer posts" leads to the front again.
        (15, 29, True, False, False, {None, 1, 2, 3}),
        # A post leaves a listing of 21 (now 20): the floor stays at 1.
        (20, 20, True, False, False, {None, 3}),
    ],
)
def test_stale_listing_pages(position, count, was_in, is_in, pins, expected):
    from samizdat.publishing.dependencies import stale_listing_pages

    assert stale_listing_pages(position=position, count=count, was_in=was_in, is_in=is_in, pins=pins) == expected


@pytest.mark.parametrize(
    "position, count, was_in, is_in, size, expected",
    [
        # A post appended to a month of 43,000 (1,000 a page): its last page only.
        (42999, 43000, False, True, 1000, {43}),
        # ... and the one that opens a new page: that page only (the index lists it).
        (43000, 43001, False, True, 1000, {44}),
        # An edit in place: its own page.
        (1500, 43000, True, True, 1000, {2}),
        # A post entering in the middle: its page and every later one shift.
        (15, 31, False, True, 10, {2, 3, 4}),
        # A post leaving in the middle, 31 -> 30: page 4 no longer exists (rendered, a 404
        # removes it).
        (15, 30, True, False, 10, {2, 3, 4}),
        # The month's last post leaves: its only page goes.
        (0, 0, True, False, 10, {1}),
    ],
)
def test_stale_sitemap_pages(position, count, was_in, is_in, size, expected):
    from samizdat.publishing.dependencies import stale_sitemap_pages

    assert stale_sitemap_pages(position=position, count=count, was_in=was_in, is_in=is_in, size=size) == expected


@pytest.mark.parametrize("count, was_in, is_in, size, expected", [
    (1, False, True, 1000, True),  # a month's first post: its first page, a new file
    (2, False, True, 1000, False),  # appended to a page with room: the index names the same files
    (1001, False, True, 1000, True),  # opens a second page
    (43_000, False, True, 1000, False),
    (1000, True, False, 1000, True),  # leaves: the month's second page goes
    (0, True, False, 1000, True),  # the month's last post leaves: its file goes
    (500, True, True, 1000, False),  # edited in place
])
def test_sitemap_index_is_stale_only_when_a_page_opens_or_closes(count, was_in, is_in, size, expected):
    from samizdat.publishing.dependencies import sitemap_index_is_stale

    assert sitemap_index_is_stale(count=count, was_in=was_in, is_in=is_in, size=size) is expected


def test_sitemap_pages_shift_in_the_middle_of_a_month_and_equal_a_full_bake(fresh_site, settings, tmp_path, change):
    from samizdat.newsroom import sitemaps
    from samizdat.newsroom.models import ListingEntry, ServicePage

    service = ServicePage.objects.live().get(language_code="en")
    month, count = max(sitemaps.month_counts(service), key=lambda mc: mc[1])
    size = next((count // p for p in range(2, count) if count % p == 0), 1)  # count fills its pages
    assert count // size >= 2 and size >= 2, (count, size)
    settings.SAMIZDAT_SITEMAP_PAGE_POSTS = size
    bake(full=True)
    page = lambda n: sitemaps.sitemap_path(service, sitemaps.page_name(month, n))  # noqa: E731
    maps = lambda paths: {p for p in paths if p.startswith(f"{service.reader_path}sitemaps/2")}  # noqa: E731
    site = lambda path: fresh_site / path.lstrip("/")  # noqa: E731
    last = count // size
    assert site(page(last)).exists() and not site(page(last + 1)).exists()

    # 1. A post enters on page 2 of a full month: pages 2.. shift, and a new last page opens.
    entries = list(sitemaps.month_entries(service, month))
    between = entries[size].published_at + (entries[size + 1].published_at - entries[size].published_at) / 2
    blog = BlogPage.objects.live().descendant_of(service).first()
    with change() as paths:
        post = PostPage(title="Back-dated dispatch", slug="back-dated-dispatch", teaser="t", body="<p>b</p>")
        post.first_published_at = between
        blog.add_child(instance=post)
        post.post_authors.add(PostAuthor(author=Author.objects.first()))
        post.save_revision().publish()
    assert ListingEntry.objects.get(key=f"service:{service.pk}", post=post).published_at == between
    assert maps(paths) == {page(n) for n in range(2, last + 2)}, "page 1 keeps its posts"
    assert site(page(last + 1)).exists()
    assert "back-dated-dispatch" in site(page(2)).read_text()

    # 2. A post leaves page 2: the pages after it shift back, and the new last page goes.
    gone = PostPage.objects.get(pk=sitemaps.month_entries(service, month)[size + 2].post_id)
    with change() as paths:
        gone.unpublish()
    assert maps(paths) == {page(n) for n in range(2, last + 2)}
    assert not site(page(last + 1)).exists(), "a page past the end is removed"
    assert gone.slug not in site(page(2)).read_text()

    # Image files apart: the unpublished post's pictures stay in the incremental site, linked
    # from no page, until a full bake prunes them; a full bake makes no picture the other lacks.
    media = lambda files: {k for k in files if k.startswith("assets/media/")}  # noqa: E731
    pages = lambda site: {k: v for k, v in files(site).items() if not k.startswith("assets/media/")}  # noqa: E731
    incremental, incremental_media = pages(fresh_site), media(files(fresh_site))
    settings.SAMIZDAT_SITE_DIR = tmp_path / "full"
    bake(full=True)
    full = pages(settings.SAMIZDAT_SITE_DIR)
    assert media(files(settings.SAMIZDAT_SITE_DIR)) <= incremental_media
    linked = "".join(v.decode("utf-8", "replace") for v in incremental.values())  # what the pages name
    assert not [m for m in incremental_media - media(files(settings.SAMIZDAT_SITE_DIR)) if m.rpartition("/")[2] in linked]
    assert sorted(set(incremental) ^ set(full)) == []
    assert [name for name in full if full[name] != incremental[name]] == []
