"""The offline bundle's search, as a reader uses it: the bundle unzipped and opened from
`file://` in Chromium (where Pagefind cannot load), searched in Persian with and without ZWNJ
and in English; the results open the posts inside the bundle; without JavaScript the page
lists every post."""

import zipfile

import pytest

from samizdat.newsroom.models import ServicePage
from samizdat.publishing.services import site_bake_full
from samizdat.reach.bundle import bundle_build
from samizdat.reach.signing import SecretKey
from samizdat.reach.verify import verify_copy
from tests.search.conftest import WORDS, post_publish

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


@pytest.fixture
def bundles(browser, fresh_site, settings, tmp_path):
    """The fa and en bundles, signed and unzipped, with a post of WORDS in each: {lang: folder}."""
    key = tmp_path / "keys" / "signing.key"
    SecretKey.generate().save(key)
    settings.SAMIZDAT_SIGNING_KEY = str(key)
    editions = {s.language_code: s for s in ServicePage.objects.live()}
    for lang in ("fa", "en"):
        title, teaser, _ = WORDS[lang]
        post_publish(editions[lang], title, teaser, slug=f"bundle-search-{lang}")
    site_bake_full(reason="bundle search test")
    folders = {}
    for lang in ("fa", "en"):
        report = bundle_build(language=lang, days=7, out=tmp_path / f"{lang}.zip")
        assert report.signed and verify_copy(report.path).ok
        with zipfile.ZipFile(report.path) as z:
            z.extractall(tmp_path / lang)
        (folders[lang],) = (tmp_path / lang).iterdir()
    return folders


def _watch(page):
    problems = []
    page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url} {r.failure}"))
    return problems


def _search(page, query):
    page.fill("#q", query)
    page.click("form.search button")
    return page.eval_on_selector_all(
        "#search-results li", "lis => lis.filter(li => li.offsetParent !== null).map(li => li.querySelector('a').textContent)")


@pytest.mark.parametrize("query", ["کتابخانه‌ها", "کتابخانهها", "میخواهند باز"])
def test_the_persian_bundle_searches_from_file(page, bundles, query):
    folder = bundles["fa"]
    title = WORDS["fa"][0]
    problems = _watch(page)
    page.goto((folder / "fa/index.html").as_uri())
    page.click("#nav a[href$='search/index.html']")  # the pages' "Search" link
    assert page.url.endswith("/fa/search/index.html")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.evaluate("document.styleSheets.length") == 1
    assert _search(page, query) == [title]
    assert page.text_content("#search-status") != ""
    screenshot(page, "bundle-search-fa")
    page.click(f"#search-results a:text-is('{title}')")
    assert page.url.startswith(folder.as_uri()) and page.url.endswith("/index.html")
    assert page.text_content("main h1").strip() == title
    assert problems == []


def test_the_english_bundle_searches_and_says_when_nothing_matches(page, bundles):
    folder = bundles["en"]
    title = WORDS["en"][0]
    problems = _watch(page)
    page.goto((folder / "en/search/index.html").as_uri())
    assert _search(page, "QUOKKAS harbour") == [title]
    assert _search(page, "کتابخانه") == []
    assert page.text_content("#search-status") == "No posts found."
    page.goto((folder / "en/search/index.html").as_uri() + "?q=quokkas")  # a query in the address
    assert page.eval_on_selector_all(
        "#search-results li", "lis => lis.filter(li => li.offsetParent !== null).length") == 1
    page.click(f"#search-results a:text-is('{title}')")
    assert page.text_content("main h1").strip() == title
    assert problems == []


def test_without_javascript_the_bundle_search_lists_every_post(browser, bundles):
    folder = bundles["fa"]
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto((folder / "fa/search/index.html").as_uri())
        titles = page.eval_on_selector_all("#search-results li a", "as => as.map(a => a.textContent)")
        posts = list((folder / "fa").glob("*/*/index.html"))
        assert WORDS["fa"][0] in titles and len(titles) == len(posts) >= 2
    finally:
        context.close()
