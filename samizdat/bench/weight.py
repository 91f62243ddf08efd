"""Page weight: every byte a phone downloads for a page of the baked site, measured in a real
Chromium (Debian's, through Playwright) against the reader server `samizdat serve` runs (gzip
and all), with an empty cache — a reader's first visit.

Used by `samizdat page-weight` (the table in docs/benchmarks.md) and by the low-data budget
test (`tests/browser/test_page_weight.py`), so the two measure the same thing."""

import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from playwright.sync_api import sync_playwright

from samizdat.delivery.server import ReaderSite

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE = {"width": 390, "height": 844}  # the width of a common phone, in CSS pixels


@dataclass
class Weight:
    path: str
    bytes: int = 0  # headers and (compressed) bodies of every response
    by_type: dict = field(default_factory=dict)  # Chromium's resource type → bytes
    responses: int = 0


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


@contextmanager
def wsgi_served(app):
    """`app` on a free loopback port, in server threads (each with its own database
    connections); yields the port."""
    server = make_server("127.0.0.1", 0, app, server_class=_Server, handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()


@contextmanager
def site_served(site_dir):
    """The baked site behind the reader server (no Django) on a free loopback port; yields
    its address."""
    with wsgi_served(ReaderSite(django_app=None, site_dir=site_dir)) as port:
        yield f"http://127.0.0.1:{port}"


def weigh(browser, base, path, *, scale=1, read_to_end=True):
    """What loading `path` costs in a fresh browser context at phone width and
    `scale` device pixels per CSS pixel; `read_to_end` scrolls down a screen at a time, as a
    reader does, so pictures loaded lazily are counted too."""
    context = browser.new_context(viewport=PHONE, device_scale_factor=scale)
    try:
        page = context.new_page()
        finished = []
        page.on("requestfinished", lambda request: finished.append(request))
        page.goto(base + path, wait_until="load")
        if read_to_end:
            while page.evaluate("window.scrollY + window.innerHeight < document.documentElement.scrollHeight"):
                page.evaluate("window.scrollBy(0, window.innerHeight)")
                page.wait_for_timeout(50)
        page.wait_for_load_state("networkidle")
        weight = Weight(path)
        for request in finished:
            sizes = request.sizes()
            size = sizes["responseBodySize"] + sizes["responseHeadersSize"]
            weight.bytes += size
            weight.by_type[request.resource_type] = weight.by_type.get(request.resource_type, 0) + size
            weight.responses += 1
        return weight
    finally:
        context.close()


@contextmanager
def chromium(executable=CHROMIUM):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
