import re
from urllib.parse import unquote, urljoin

import pytest

from samizdat.newsroom import pagination, selectors
from samizdat.newsroom.models import ServicePage
from tests.conftest import read

P = pagination.PAGE_SIZE


@pytest.mark.parametrize(
    "count, front_start, older_from_front",
    [
        (0, 0, None),
        (1, 0, None),
        (P - 1, 0, None),
        (P, 0, None),
        (2 * P - 1, 0, None),  # the front shows up to 19 posts before an archive page is needed
        (2 * P, P, 1),
        (2 * P + 5, P, 1),
        (3 * P, 2 * P, 2),
        (1000, 990, 99),
    ],
)
def test_front_shows_down_to_a_page_boundary(count, front_start, older_from_front):
    assert pagination.front_start(count) == front_start
    assert pagination.older_page(None, count) == older_from_front
    shown = count - front_start
    assert shown == count if count < 2 * P else P <= shown < 2 * P


@pytest.mark.parametrize(
    "number, count, expected",
    [(1, 0, None), (1, 5, (0, 5)), (1, 25, (0, 10)), (3, 25, (20, 25)), (4, 25, None), (0, 25, None)],
)
def test_archive_pages_count_from_the_oldest(number, count, expected):
    assert pagination.archive_range(number, count) == expected


@pytest.mark.parametrize("count", range(0, 64))
def test_walking_front_then_older_shows_every_position_once_in_order(count):
    seen = list(range(pagination.front_start(count), count))[::-1]
    number = pagination.older_page(None, count)
    while number:
        start, end = pagination.archive_range(number, count)
        seen += list(range(start, end))[::-1]
        newer = pagination.newer_page(number, count)
        assert newer is None or newer == number + 1  # "Newer posts" leads back up the same walk
        number = pagination.older_page(number, count)
    assert seen == list(range(count))[::-1]


CARD = re.compile(r'<h[23] class="card-title"><a href="([^"]+)"|<article class="lead-story">.*?<h2><a href="([^"]+)"', re.S)
OLDER = re.compile(r'<a rel="next" href="([^"]+)"')


def test_front_to_older_walk_on_the_baked_site_sees_each_post_once(site_dir):
    service = ServicePage.objects.get(language_code="en")
    listing = selectors.Listing("service", service)
    pinned = {p.reader_path for p in listing.front().posts if p.pk in listing.front().pinned_ids}
    path, seen = service.reader_path, []
    while path:
        html = read(site_dir, path)
        # Baked links name the file (`../post/index.html`): the reader path is its folder.
        seen += [unquote(urljoin(path, card or lead)).removesuffix("index.html") for card, lead in CARD.findall(html)]
        older = OLDER.search(html)
        path = unquote(urljoin(path, older.group(1))).removesuffix("index.html") if older else None
    repeated = {p for p in seen if seen.count(p) > 1} - pinned  # a pinned post also stays in its place
    assert not repeated
    assert set(seen) == {p.reader_path for p in listing.posts()}
