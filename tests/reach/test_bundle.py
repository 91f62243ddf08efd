"""Offline bundles: a signed zip of an edition's last days, within the size budget, whose
links stay inside the bundle (the Chromium test in tests/browser/test_copies.py opens it)."""

import json
import re
import zipfile
from posixpath import dirname, join, normpath
from urllib.parse import unquote

import pytest
from django.core.management import call_command

from samizdat.reach.bundle import bundle_build
from samizdat.reach.verify import verify_copy

pytestmark = pytest.mark.django_db
BUDGET = 5_000_000  # bytes, for a week of the demo newsroom (issue 11)


@pytest.mark.parametrize("language", ["fa", "en", "ru"])
def test_a_week_of_an_edition_is_a_signed_bundle_within_budget(site_dir, signing_key, tmp_path, language):
    report = bundle_build(language=language, days=7, out=tmp_path / f"{language}.zip")
    assert report.signed and report.pages > 3 and report.bytes <= BUDGET
    assert verify_copy(report.path).ok
    with zipfile.ZipFile(report.path) as z:
        names = {n.split("/", 1)[1]: n for n in z.namelist()}
        assert f"{language}/index.html" in names and "offline.html" in names and "minisign.pub" in names
        assert f"{language}/reach-us/index.html" in names  # how to reach us, and how to verify
        # Every local link and image lands on a file in the bundle; a picture is its one
        # downscaled fallback, not the widths and formats the site offers.
        for rel, name in names.items():
            if not rel.endswith(".html"):
                continue
            html = z.read(name).decode()
            assert "srcset=" not in html and "<source" not in html, rel
            for url in re.findall(r'(?:href|src)="([^"#]+)', html):
                if url.startswith(("http:", "https:", "mailto:")):
                    continue
                target = normpath(join(dirname(rel), unquote(url)))
                assert target in names, f"{rel}: {url}"


def test_a_changed_bundle_fails_verification(site_dir, signing_key, tmp_path):
    report = bundle_build(language="fa", days=7, out=tmp_path / "fa.zip")
    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(report.path) as src, zipfile.ZipFile(forged, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename.endswith("/fa/index.html"):
                data = data.replace(b"</main>", b"<p>fake news</p></main>")
            dst.writestr(item, data)
    result = verify_copy(forged)
    assert not result.ok and [c for c in result.changed] == ["fa/index.html"]


def test_the_command(site_dir, tmp_path, capsys):
    call_command("bundle", edition="ru", days=7, out=str(tmp_path / "ru.zip"))
    out = capsys.readouterr().out
    assert "ru.zip" in out and "NOT signed" in out  # no key configured here


def test_bundles_are_baked_into_the_site_and_signed_with_it(fresh_site, signing_key, settings):
    from samizdat.publishing.services import site_bake_full

    settings.SAMIZDAT_BUNDLES = ["fa"]
    site_bake_full(reason="test")
    bundle = fresh_site / "bundles/fa.zip"
    assert bundle.exists() and verify_copy(bundle).ok
    assert "  bundles/fa.zip\n" in (fresh_site / "manifest.txt").read_text()
    assert verify_copy(fresh_site).ok
    before = bundle.stat().st_mtime_ns
    site_bake_full(reason="test again")  # a day has not passed: the bundle stays as it is
    assert bundle.stat().st_mtime_ns == before and verify_copy(fresh_site).ok


def test_the_bundle_searches_its_own_posts(fresh_site, signing_key, tmp_path):
    """The bundle's search page (the site's needs Pagefind, which a file cannot load) lists
    the bundle's posts as escaped text, with their words and search's fold table as JSON; the
    pages' "Search" link leads to it, and the bundle still verifies. (Chromium searches it in
    tests/browser/test_bundle_search.py.)"""
    from samizdat.core.searchtext import SEARCH_FOLDS
    from samizdat.newsroom.models import ServicePage
    from samizdat.publishing.services import site_bake_full
    from tests.search.conftest import WORDS, post_publish

    fa = ServicePage.objects.live().get(language_code="fa")
    title, teaser, _ = WORDS["fa"]
    post_publish(fa, title, teaser, slug="bundle-search-fa")
    post_publish(fa, "Tags <b>stay</b> text", "a </script> teaser", slug="bundle-search-markup")
    hidden = post_publish(fa, "An unlisted note", "only for those with the link", slug="bundle-unlisted")
    hidden.unlisted = True
    hidden.save_revision().publish()
    site_bake_full(reason="test")
    report = bundle_build(language="fa", days=7, out=tmp_path / "fa.zip")
    assert verify_copy(report.path).ok
    with zipfile.ZipFile(report.path) as z:
        names = {n.split("/", 1)[1]: n for n in z.namelist()}
        page = z.read(names["fa/search/index.html"]).decode()
        front = z.read(names["fa/index.html"]).decode()
        assert "assets/bundle-search.js" in names
    assert 'href="search/index.html"' in front  # not offline.html
    assert f">{title}</a>" in page
    assert "An unlisted note" not in page and not any("bundle-unlisted" in n for n in names), "as the fronts list"
    assert "Tags &lt;b&gt;stay&lt;/b&gt; text" in page and "<b>" not in page and "</script> teaser" not in page
    words = json.loads(re.search(r'<script id="search-words" type="application/json">(.*?)</script>', page, re.S)[1])
    assert words["folds"] == SEARCH_FOLDS
    assert any(teaser in text for text in words["posts"])
    assert len(words["posts"]) == page.count('<li class="card">') >= 2
    assert 'lang="fa" dir="rtl"' in page and "همهٔ نوشته‌های این نسخهٔ آفلاین:" in page  # in the edition's language
    assert "{#" not in page and "{%" not in page
