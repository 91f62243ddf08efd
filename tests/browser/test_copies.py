"""The copies readers really make work: the baked folder opened from `file://`, a
`wget --mirror` copy of the served site, the site under a sub-path — styled, images shown,
links landing on pages — and the 404 page under a sub-path."""

import shutil
import subprocess
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings

from samizdat.delivery.server import ReaderSite
from samizdat.newsroom.models import PostPage
from samizdat.publishing.renderer import Renderer
from tests.conftest import require

from .conftest import SubPath, screenshot, wsgi_served
from .test_reader_pages import POST, fa_post_path

pytestmark = [pytest.mark.browser, pytest.mark.django_db]
ARCHIVE = "/en/dispatches/page/1/"  # baked, though the front still shows all its posts


def _watch(page):
    """Console errors and failed requests of `page`, collected as it is used."""
    problems = []
    page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
    # (ERR_ABORTED: a lazy image still loading when the test clicks on to the next page)
    page.on("requestfailed", lambda r: "ERR_ABORTED" not in (r.failure or "") and problems.append(f"failed: {r.url} {r.failure}"))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"{r.status}: {r.url}"))
    return problems


def _assert_works(page, url, name):
    """`url` opens styled, with every image shown, and its first internal links land on
    pages (not folder listings)."""
    problems = _watch(page)
    page.goto(url)
    screenshot(page, name)
    # site.css sets the page's layout: a stylesheet that did not load leaves the default.
    assert page.evaluate("document.styleSheets.length") == 1
    assert page.eval_on_selector(".page", "el => getComputedStyle(el).maxWidth") != "none", url
    broken = page.evaluate(
        "Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)"
    )
    assert broken == [], url
    hrefs = page.eval_on_selector_all(
        "main a[href], header a[href]",
        "els => els.map(a => a.href).filter(h => !h.startsWith('http') || h.startsWith(location.origin))",
    )
    assert hrefs, url
    for href in hrefs[:6]:
        assert href.split("#")[0].endswith(".html"), href
        page.goto(href)
        assert page.locator("main#content").count() == 1, href
    assert problems == []


def test_the_folder_opened_from_file_navigates(page, site_dir):
    fa = fa_post_path()
    for name, path in [("home", "/"), ("front-en", "/en/"), ("post-en", POST), ("post-fa", fa),
                       ("archive-en", ARCHIVE)]:
        url = (site_dir / path.lstrip("/") / "index.html").as_uri() if path.startswith("/") else None
        if "%" in path:  # fa_post_path() is already percent-encoded, as a link
            url = site_dir.as_uri() + path + "index.html"
        _assert_works(page, url, f"file-{name}")


def test_a_wget_mirror_copy_navigates_from_file(page, site_dir, tmp_path):
    wget = shutil.which("wget")
    require(wget is not None, "wget is not installed (Debian package 'wget')")
    with wsgi_served(ReaderSite(django_app=None, site_dir=site_dir)) as port:
        subprocess.run(
            [wget, "--mirror", "--page-requisites", "--adjust-extension", "--no-host-directories",
             "--quiet", "-e", "robots=off", f"http://127.0.0.1:{port}/"],
            cwd=tmp_path, check=False, timeout=600,
        )
    copy = tmp_path
    # Every post is reached by following links. (The demo's fronts show all their posts, so
    # no link leads to an archive page yet: the file:// test opens one.)
    posts = [p.reader_path for p in PostPage.objects.live()]
    assert posts and [p for p in posts if not (copy / p.lstrip("/") / "index.html").exists()] == []
    for name, path in [("home", "/"), ("front-en", "/en/"), ("post-en", POST), ("front-ru", "/ru/"),
                       ("post-fa", fa_post_path())]:
        _assert_works(page, copy.as_uri() + quote(path, safe="/%") + "index.html", f"wget-{name}")


def test_the_site_and_its_404_page_work_under_a_sub_path(page, site_dir, tmp_path, settings):
    copy = tmp_path / "site"
    shutil.copytree(site_dir, copy)
    settings.SAMIZDAT_SITE_PATH = "/news/"
    (copy / "404.html").write_bytes(Renderer().render_not_found())
    with wsgi_served(SubPath(copy)) as port:
        base = f"http://127.0.0.1:{port}/news"
        _assert_works(page, base + "/en/", "subpath-front-en")
        _assert_works(page, base + quote(fa_post_path(), safe="/%"), "subpath-post-fa")
        problems = _watch(page)
        response = page.goto(base + "/en/no/such/page/")
        assert response.status == 404
        assert page.eval_on_selector(".page", "el => getComputedStyle(el).maxWidth") != "none"
        page.click("main a")
        assert page.url == base + "/index.html"
        # Only the missing page itself answered 404 (Chromium logs it on the console too).
        assert [p for p in problems if p.startswith(("404", "failed"))] == [f"404: {base}/en/no/such/page/"]


def test_the_default_404_page_links_from_the_root(site_dir):
    html = (Path(settings.SAMIZDAT_SITE_DIR) / "404.html").read_text()
    assert 'href="/assets/site.' in html and 'href="/index.html"' in html


def test_an_unzipped_offline_bundle_navigates_from_file(page, site_dir, tmp_path, settings):
    import zipfile

    from samizdat.reach.bundle import bundle_build

    settings.SAMIZDAT_SIGNING_KEY = ""  # signing is tested in tests/reach; here: navigation
    report = bundle_build(language="fa", days=7, out=tmp_path / "fa.zip")
    with zipfile.ZipFile(report.path) as z:
        z.extractall(tmp_path / "unzipped")
    (folder,) = (tmp_path / "unzipped").iterdir()
    fa_post = next(p for p in (folder / "fa").glob("*/*/index.html"))
    for name, file in [("home", folder / "index.html"), ("front-fa", folder / "fa/index.html"),
                       ("post-fa", fa_post), ("offline", folder / "offline.html")]:
        _assert_works(page, file.as_uri(), f"bundle-{name}")
    page.goto((folder / "offline.html").as_uri())
    assert page.locator("html").get_attribute("dir") == "rtl"
