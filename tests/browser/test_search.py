"""The search page on a copy of the site: Chromium runs the page's script against the
edition's static index (Pagefind), with the site served below /news/ by a server that knows
nothing of Django — as a mirror would serve it."""

import shutil
from urllib.parse import quote

import pytest

from samizdat.core.searchtext import SEARCH_FOLDS, search_normalise
from samizdat.newsroom.models import ServicePage
from samizdat.publishing.services import site_bake_full
from samizdat.search.services import index_build
from tests.search.conftest import WORDS, post_publish

from .conftest import SubPath, screenshot, wsgi_served

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


@pytest.fixture
def indexed_copy(browser, fresh_site, tmp_path):
    editions = {s.language_code: s for s in ServicePage.objects.live()}
    posts = {
        lang: post_publish(editions[lang], title, teaser, slug=f"search-test-{lang}")
        for lang, (title, teaser, _) in WORDS.items()
    }
    site_bake_full(reason="search test")
    for edition in editions.values():
        index_build(edition=edition)
    copy = tmp_path / "copy"
    shutil.copytree(fresh_site, copy)
    return copy, posts


def _problems(page):
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    return problems


def _search(page, url):
    page.goto(url)
    page.wait_for_selector("#search-results a", timeout=15000)
    return page.eval_on_selector_all("#search-results a", "links => links.map(a => [a.textContent, a.href])")


QUERIES = [
    ("en", "quokkas"),
    ("ru", "выдры"),
    ("ru", "все было"),  # ё written as е
    ("fa", "کتابخانه‌ها"),  # with ZWNJ
    ("fa", "کتابخانهها"),  # without
    ("fa", "می‌خواهند"),
    ("fa", "میخواهند"),
    ("fa", "کتابخانه ها"),  # a space where the ZWNJ goes, as on a keyboard without it
    ("fa", "می خواهند"),
]

# Spellings the script must fold as core/searchtext.py does (its joins as well as its folds).
JOINED = ["می خواهند", "نمی خواهم", "کتابخانه ها", "خانه هایشان", "کتاب های شهر", "the می خواهند",
          "می", "ها", "hello ها", "كتاب ها", "مي خواهند"]


def test_the_static_search_finds_posts_on_a_copy_under_a_sub_path(page, indexed_copy):
    copy, posts = indexed_copy
    problems = _problems(page)
    with wsgi_served(SubPath(copy)) as port:
        base = f"http://127.0.0.1:{port}/news"
        for lang, query in QUERIES:
            found = _search(page, f"{base}/{lang}/search/index.html?q={quote(query)}")
            target = base + quote(posts[lang].reader_path, safe="/") + "index.html"
            assert target in [href for _, href in found], (lang, query, found)
            assert page.text_content("#search-status") == page.get_attribute("form.search", "data-copy")
            assert page.get_attribute("html", "dir") == ("rtl" if lang == "fa" else "ltr")
        screenshot(page, "search-fa")
        # A result leads to the post on this copy.
        page.click(f"#search-results a[href='{target}']")
        page.wait_for_load_state()
        assert page.url == target and WORDS["fa"][0] in page.text_content("h1")
    assert problems == [], problems


def test_the_search_form_searches_again_without_leaving_the_page(page, indexed_copy):
    copy, _ = indexed_copy
    with wsgi_served(SubPath(copy)) as port:
        page.goto(f"http://127.0.0.1:{port}/news/en/search/index.html")
        assert page.text_content("#search-results").strip() == ""
        page.fill("#q", "quokkas")
        page.click("form.search button")
        page.wait_for_selector("#search-results a", timeout=15000)
        assert page.url.endswith("/news/en/search/index.html?q=quokkas")
        page.fill("#q", "xylophonequartz")
        page.click("form.search button")
        page.wait_for_selector("#search-status:has-text('No posts found')", timeout=15000)
        assert page.eval_on_selector_all("#search-results a", "links => links.length") == 0


def test_the_script_folds_queries_as_the_index_does(page, indexed_copy):
    copy, _ = indexed_copy
    with wsgi_served(SubPath(copy)) as port:
        page.goto(f"http://127.0.0.1:{port}/news/fa/search/index.html")
        for char, folded in SEARCH_FOLDS.items():
            assert page.evaluate("c => window.samizdatSearchNormalise('a' + c + 'b')", char) == f"a{folded}b", hex(ord(char))
        for text in JOINED:
            assert page.evaluate("t => window.samizdatSearchNormalise(t)", text) == search_normalise(text), text


def test_from_a_file_the_page_says_the_browser_refuses(page, indexed_copy):
    """Browsers do not let a page opened from a file load the index; the page says so."""
    copy, _ = indexed_copy
    page.goto((copy / "en" / "search" / "index.html").as_uri() + "?q=quokkas")
    page.wait_for_selector("#search-status:has-text('opened from a file')", timeout=15000)
