"""The listing index (`ListingEntry`, `ListingCount`): after every kind of change it equals a
computation from the page tree, its counters are exact, the listings read from it agree with
that computation, and the reads a publish makes cost the same number of queries — each on an
index, never a scan — in a small and a large archive."""

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from samizdat.bench.synthetic import synthetic_newsroom_create
from samizdat.newsroom import pagination, services
from samizdat.newsroom.models import (
    Author,
    BlogPage,
    ListingCount,
    ListingEntry,
    PostAuthor,
    PostPage,
    ServicePage,
)
from samizdat.newsroom.selectors import Listing, latest_posts_for_blog, listing_keys_of_posts, listings_of_post

pytestmark = pytest.mark.django_db
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# --- the oracle: listings computed from the page tree, as they were before the index -------


def expected_entries():
    """{(key, post id, published_at, pinned_until)} from the live page tree."""
    rows = set()
    for service in ServicePage.objects.live():
        for blog in BlogPage.objects.child_of(service).live():
            posts = PostPage.objects.child_of(blog).live().filter(unlisted=False)
            for post in posts.prefetch_related("post_authors", "tagged_items"):
                keys = [f"service:{service.pk}", f"blog:{blog.pk}"]
                keys += [f"author:{service.pk}:{pa.author_id}" for pa in post.post_authors.all()]
                keys += [f"tag:{service.pk}:{item.tag_id}" for item in post.tagged_items.all()]
                rows |= {(key, post.pk, post.first_published_at or EPOCH, post.pinned_until) for key in keys}
    return rows


def assert_index_is_exact():
    entries = set(ListingEntry.objects.values_list("key", "post_id", "published_at", "pinned_until"))
    expected = expected_entries()
    assert entries == expected, {"extra": entries - expected, "missing": expected - entries}
    counts = {key: count for key, count in ListingCount.objects.values_list("key", "count") if count}
    assert counts == dict(Counter(key for key, *_ in expected))
    assert not ListingCount.objects.filter(count__lt=0).exists()
    # What the full bake remembers of every post, read in bulk, is what one post's listings say.
    posts = list(PostPage.objects.all())
    bulk = listing_keys_of_posts([p.pk for p in posts])
    for post in posts:
        assert sorted(bulk.get(post.pk, [])) == sorted(lst.key for lst in listings_of_post(post)), post.slug


def oracle_order(listing):
    """The listing's post ids, oldest first, from the tree."""
    key = listing.entry_key
    rows = sorted((at, pk) for k, pk, at, _pin in expected_entries() if k == key)
    return [pk for _at, pk in rows]


# --- fixtures ------------------------------------------------------------------------------


@pytest.fixture
def editions(fresh_site):
    """Two small editions (two blogs and one), each with its own authors and tags."""
    one = synthetic_newsroom_create(24, slug="one", blogs=2, authors=3, tags=4, images=1)
    two = synthetic_newsroom_create(6, slug="two", blogs=1, authors=2, tags=2, images=1, seed=2)
    return one, two


def blog_of(service, n):
    return BlogPage.objects.get(path__startswith=service.path, slug=f"blog-{n}")


def publish_post(blog, slug, *, authors=(), tags=(), **fields):
    post = PostPage(title=slug.title(), slug=slug, teaser="A post.", body="<p>Text.</p>", **fields)
    blog.add_child(instance=post)
    for author in authors:
        post.post_authors.add(PostAuthor(author=author))
    post.tags.add(*tags)
    post.save_revision().publish()
    return PostPage.objects.get(pk=post.pk)


def republish(post, **fields):
    for name, value in fields.items():
        setattr(post, name, value)
    post.save_revision().publish()
    return PostPage.objects.get(pk=post.pk)


# --- the index follows every change ----------------------------------------------------------


def test_bulk_fill_and_rebuild_equal_the_tree(editions):
    assert_index_is_exact()  # the synthetic editions (bulk path) and the demo (publishes)
    ListingEntry.objects.filter(key__startswith="tag:").delete()
    ListingCount.objects.filter(key__startswith="blog:").update(count=999)
    services.listing_entries_rebuild()
    assert_index_is_exact()


def test_publish_unpublish_and_unlisted(editions):
    one, _ = editions
    author = Author.objects.get(slug="one-author-0")
    post = publish_post(blog_of(one, 0), "fresh", authors=[author], tags=["one topic 1", "brand-new"])
    assert ListingEntry.objects.filter(post=post).count() == 5  # edition, blog, author, two tags
    assert_index_is_exact()
    post = republish(post, unlisted=True)
    assert not ListingEntry.objects.filter(post=post).exists()
    assert_index_is_exact()
    post = republish(post, unlisted=False)
    assert_index_is_exact()
    post.unpublish()
    assert not ListingEntry.objects.filter(post=post).exists()
    assert_index_is_exact()


def test_tags_and_authors_changed(editions):
    one, _ = editions
    a0, a1 = Author.objects.get(slug="one-author-0"), Author.objects.get(slug="one-author-1")
    post = publish_post(blog_of(one, 1), "retagged", authors=[a0], tags=["one topic 0"])
    post.tags.set(["one topic 2", "one topic 3"])  # existing tags, by name
    post.post_authors.clear()
    post.post_authors.add(PostAuthor(author=a1))
    post = republish(post)
    keys = set(ListingEntry.objects.filter(post=post).values_list("key", flat=True))
    assert f"author:{one.pk}:{a1.pk}" in keys and f"author:{one.pk}:{a0.pk}" not in keys
    assert_index_is_exact()


def test_renaming_an_author_rewrites_no_row(editions):
    one, _ = editions
    author = Author.objects.get(slug="one-author-0")
    before = set(ListingEntry.objects.values_list("pk", "key"))
    author.slug = "renamed-author"
    author.save()
    assert set(ListingEntry.objects.values_list("pk", "key")) == before
    assert Listing("author", one, slug="renamed-author").count() == Listing("author", one, slug="x", ref=author.pk).count() > 0


def test_moves_within_and_across_editions(editions):
    one, two = editions
    post = PostPage.objects.child_of(blog_of(one, 0)).live().order_by("pk").last()  # post-22: no twin in two
    post.move(blog_of(one, 1), pos="last-child")
    assert ListingEntry.objects.filter(post=post, key=f"blog:{blog_of(one, 1).pk}").exists()
    assert_index_is_exact()
    post.move(blog_of(two, 0), pos="last-child")
    assert set(ListingEntry.objects.filter(post=post).values_list("key", flat=True)) >= {
        f"service:{two.pk}", f"blog:{blog_of(two, 0).pk}"
    }
    assert not ListingEntry.objects.filter(post=post, key=f"service:{one.pk}").exists()
    assert_index_is_exact()
    blog = blog_of(one, 1)  # a whole blog moves to the other edition
    blog.move(two, pos="last-child")
    assert_index_is_exact()
    assert ListingCount.objects.get(key=f"service:{one.pk}").count == Listing("service", one).posts().count()


def test_delete_a_post_and_a_blog(editions):
    one, _ = editions
    post = PostPage.objects.child_of(blog_of(one, 0)).live().order_by("pk").first()
    post.delete()
    assert_index_is_exact()
    blog_of(one, 1).delete()
    assert_index_is_exact()
    assert Listing("service", one).count() == PostPage.objects.child_of(blog_of(one, 0)).live().count()


def test_blog_and_edition_unpublished_and_back(editions):
    one, two = editions
    blog = blog_of(one, 0)
    blog.unpublish()  # its posts stay live at their addresses but are listed nowhere
    assert not ListingEntry.objects.filter(key=f"blog:{blog.pk}").exists()
    assert_index_is_exact()
    BlogPage.objects.get(pk=blog.pk).save_revision().publish()
    assert ListingEntry.objects.filter(key=f"blog:{blog.pk}").exists()
    assert_index_is_exact()
    edited = BlogPage.objects.get(pk=blog.pk)  # an edit of a live blog re-reads none of its posts
    with CaptureQueriesContext(connection) as queries:
        services.listing_entries_page_changed(page=edited)
    assert len(queries.captured_queries) == 1
    two.unpublish()
    assert not ListingEntry.objects.filter(key=f"service:{two.pk}").exists()
    assert_index_is_exact()
    ServicePage.objects.get(pk=two.pk).save_revision().publish()
    assert_index_is_exact()


# --- listings read from the index agree with the tree ----------------------------------------


def test_listing_reads_agree_with_the_tree(editions):
    one, _ = editions
    # 24 posts in two blogs, three authors, four tags (two each): sizes either side of a page.
    for _ in range(3):
        publish_post(blog_of(one, 0), f"extra-{_}", authors=[Author.objects.get(slug="one-author-2")])
    blog = blog_of(one, 0)
    listings = [Listing("service", one), Listing("blog", one, blog=blog)]
    listings += [Listing("author", one, slug=f"one-author-{n}") for n in range(3)]
    listings += [Listing("tag", one, slug=f"one-topic-{n}") for n in range(4)]
    for listing in listings:
        order = oracle_order(listing)
        count = len(order)
        assert count > 0 and listing.count() == count and listing.ordered_ids() == order
        front = [p.pk for p in listing.front().posts]
        assert front == order[pagination.front_start(count) :][::-1]
        for number in range(1, pagination.page_count(count) + 2):
            page = listing.archive_page(number)
            span = pagination.archive_range(number, count)
            assert (page is None) if span is None else [p.pk for p in page] == order[span[0] : span[1]][::-1]
        for place, pk in enumerate(order):
            post = PostPage.objects.get(pk=pk)
            assert listing.position(post) == place
            assert listing.newer_count(post) == count - place - 1
    latest = [p.pk for p in latest_posts_for_blog(blog, limit=4)]
    assert latest == oracle_order(Listing("blog", one, blog=blog))[::-1][:4]


def test_position_of_a_post_that_left_the_listing(editions):
    one, _ = editions
    listing = Listing("service", one)
    order = oracle_order(listing)
    post = PostPage.objects.get(pk=order[5])
    post.unpublish()
    assert listing.position(post) == 5  # five listed posts are still older than it
    assert listing.newer_count(post) == len(order) - 6


def test_pins_come_first_on_edition_and_blog_fronts(editions):
    one, _ = editions
    blog = blog_of(one, 0)
    old = PostPage.objects.get(pk=oracle_order(Listing("blog", one, blog=blog))[0])
    old = republish(old, pinned_until=timezone.now() + timedelta(hours=2))
    for listing in (Listing("service", one), Listing("blog", one, blog=blog)):
        front = listing.front()
        assert front.posts[0].pk == old.pk and front.pinned_ids == {old.pk}
    author = listings_of_post(old)[2]
    assert author.kind == "author" and author.front().pinned_ids == frozenset()
    assert_index_is_exact()


# --- flat: the same queries, each on the index, at 100 and 3,000 posts -----------------------

SMALL, LARGE = 100, 3000
GROWING = ("newsroom_listingentry", "newsroom_postpage", "wagtailcore_page", "newsroom_postauthor", "newsroom_posttag")


def publish_path_reads(listing, post):
    """What publishing a new post asks of one listing (dependencies and the pages it re-renders):
    each read's queries, with a listing that remembers nothing between reads."""
    reads = {
        "count": listing.count,
        "front": listing.front,
        "newest page": lambda: listing.archive_page(listing.page_count()),
        "newer_count": lambda: listing.newer_count(post),
        "position": lambda: listing.position(post),
    }
    if listing.kind == "blog":
        reads["latest"] = lambda: latest_posts_for_blog(listing.blog)
    captured = {}
    for name, read in reads.items():
        with CaptureQueriesContext(connection) as queries:
            read()
        captured[name] = [q["sql"] for q in queries.captured_queries]
    return captured


def edition_with_new_post(size, slug):
    service = synthetic_newsroom_create(size, slug=slug, blogs=4, authors=6, tags=8, images=2)
    post = publish_post(
        blog_of(service, 1), f"{slug}-news", authors=[Author.objects.get(slug=f"{slug}-author-1")], tags=[f"{slug} topic 3"]
    )
    return service, post


def plan_of(sql):
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            return "\n".join(row[-1] for row in cursor.fetchall())
        cursor.execute("EXPLAIN " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def full_scans(plan):
    """Lines of a plan that read a whole table whose size grows with the archive."""
    if connection.vendor == "sqlite":
        # "SCAN t" reads every row (also "SCAN t USING INDEX i": the whole index); a lookup is "SEARCH".
        return [line for line in plan.splitlines() if line.strip().startswith("SCAN") and any(t in line for t in GROWING)]
    # PostgreSQL: a sequential scan, or an index walked from one end with no condition on it.
    lines, found = plan.splitlines(), []
    for i, line in enumerate(lines):
        if "Scan" not in line or not any(f" on {t}" in line for t in GROWING):
            continue
        node = []
        for detail in lines[i + 1 :]:
            if "->" in detail:
                break
            node.append(detail)
        if "Seq Scan" in line or not any("Index Cond" in d or "Recheck Cond" in d for d in node):
            found.append(line)
    return found


@pytest.fixture
def two_sizes(fresh_site):
    small = edition_with_new_post(SMALL, "small")
    large = edition_with_new_post(LARGE, "large")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # statistics for the planner, as autovacuum keeps them
            for table in GROWING + ("newsroom_listingcount",):
                cursor.execute(f"ANALYZE {table}")
    return small, large


def test_publish_path_reads_cost_the_same_at_100_and_3000_posts(two_sizes):
    (small, small_post), (large, large_post) = two_sizes
    assert Listing("service", large).count() == LARGE + 1 and Listing("service", small).count() == SMALL + 1
    costs = {}
    for size, post in ((SMALL, small_post), (LARGE, large_post)):
        listings = listings_of_post(post)
        assert [lst.kind for lst in listings] == ["service", "blog", "author", "tag"]
        assert listings[3].count() > size // 10  # an existing tag with many posts, not a new one
        costs[size] = {}
        for lst in listings:
            for name, sqls in publish_path_reads(lst, post).items():
                # Whether the cards' photos are fetched (one query for images, one for their
                # renditions) depends on whether a shown post has one, not on the archive size.
                photos = [sql for sql in sqls if "wagtailimages_" in sql.split(" WHERE ")[0]]
                assert len(photos) <= 2, photos
                costs[size][(lst.kind, name)] = len(sqls) - len(photos)
    assert costs[SMALL] == costs[LARGE]
    assert costs[LARGE][("service", "count")] == 1
    assert costs[LARGE][("blog", "newer_count")] == 1


def test_a_whole_publish_runs_as_many_queries_at_100_as_at_3000_posts(fresh_site):
    """Everything a publish does — Wagtail's revision, the index, the dependency tracker,
    the remembered state and the bake's journal — in the same number of queries."""
    counts = {}
    for size, slug in ((SMALL, "small"), (LARGE, "large")):
        service = synthetic_newsroom_create(size, slug=slug, blogs=4, authors=6, tags=8, images=2)
        blog, author = blog_of(service, 1), Author.objects.get(slug=f"{slug}-author-1")
        with CaptureQueriesContext(connection) as queries:
            publish_post(blog, f"{slug}-news", authors=[author], tags=[f"{slug} topic 3"])
        counts[size] = len(queries.captured_queries)
    assert counts[SMALL] == counts[LARGE]


def test_publish_path_reads_use_the_index_not_the_tree(two_sizes):
    _small, (large, post) = two_sizes
    for listing in listings_of_post(post):
        for name, sqls in publish_path_reads(listing, post).items():
            for sql in sqls:
                assert "LIKE" not in sql.upper(), (listing.kind, name, sql)  # no walk of the page tree
                plan = plan_of(sql)
                assert not full_scans(plan), (listing.kind, name, sql, plan)
                if "newsroom_listingentry" in sql:
                    assert "newsroom_listing_order" in plan or "newsroom_listing_pins" in plan, (listing.kind, name, plan)
                if "newsroom_listing_order" in plan:  # read in index order: nothing sorted
                    assert "TEMP B-TREE" not in plan and "Sort" not in plan, (listing.kind, name, plan)


def test_the_scan_detector_sees_a_tree_walk(two_sizes):
    """The check above can fail: the old way of listing an edition's newest posts (the tree's
    `path LIKE`, ordered by first publication) reads the whole edition."""
    _small, (large, _post) = two_sizes
    old_way = PostPage.objects.descendant_of(large).live().filter(unlisted=False)
    with CaptureQueriesContext(connection) as queries:
        list(old_way.order_by("-first_published_at", "-pk").values_list("pk", flat=True)[:10])
    sql = queries.captured_queries[0]["sql"]
    assert "LIKE" in sql.upper()
    assert full_scans(plan_of(sql)), plan_of(sql)
