"""A real headless Chromium (Debian's package) driven by Playwright, against the baked
site served by a plain static file server — the way a mirror would serve it."""

import functools
import os
import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.conf import settings
from PIL import Image as PILImage

from samizdat.bench.weight import wsgi_served  # noqa: F401 — the browser tests' server
from samizdat.delivery.server import ReaderSite
from tests.conftest import require

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    require(
        Path(CHROMIUM).exists(),
        "Chromium is not installed: install Debian's 'chromium' package (make test does as root)",
    )
    try:
        from playwright import sync_api
    except ImportError:
        sync_api = None
    require(sync_api is not None, "playwright is not installed: pip install -e '.[test]' (make test does)")
    # Playwright's sync API keeps an event loop on this thread; the ORM calls the tests
    # make around it are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def static_site(django_db_setup):
    """The session's baked site on a plain static HTTP server on loopback."""
    handler = functools.partial(_QuietHandler, directory=str(settings.SAMIZDAT_SITE_DIR))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def axe_source():
    require(AXE.exists(), "axe-core is not installed: run `npm ci` (make test does)")
    return AXE.read_text()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1024, "height": 800})
    page = context.new_page()
    yield page
    context.close()


def screenshot(page, name):
    """A full-page screenshot in test-artifacts/; with SAMIZDAT_SCREENSHOTS set (`make
    screenshots`: docs/screenshots) also there, so the docs' pictures are made, not drawn."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if os.environ.get("SAMIZDAT_SCREENSHOTS"):
        docs = Path(os.environ["SAMIZDAT_SCREENSHOTS"])
        docs.mkdir(parents=True, exist_ok=True)
        # 256 colours keep text and photos legible at a quarter of the bytes in the repository.
        with PILImage.open(path) as image:
            image.convert("RGB").quantize(colors=256).save(docs / path.name, optimize=True)


class SubPath:
    """The baked site served below /news/ and nothing else, files only (no Django), as a
    shared host or a code host's pages would serve a copy."""

    def __init__(self, site_dir):
        self.site = ReaderSite(django_app=None, site_dir=site_dir)

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "/")
        if path.startswith("/news/"):
            environ = {**environ, "SCRIPT_NAME": "/news", "PATH_INFO": path[len("/news"):]}
        else:
            environ = {**environ, "PATH_INFO": "/\x00"}  # nothing outside /news/: the 404 page
        return self.site(environ, start_response)


def in_own_connection(fn):
    """Run `fn` in a thread with its own autocommit connection, outside the test's transaction."""
    from django.db import connection

    result = {}

    def run():
        try:
            result["value"] = fn()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return result.get("value")
