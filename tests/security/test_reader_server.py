"""The reader server under attack: caching that corrections can get through, no 500 from any
path, no open redirect, honest content negotiation, HSTS in production — from the Python
applications (WSGI and the ASGI front of `samizdat serve`), from a real `samizdat serve` with
production settings, and from the generated nginx configuration."""

import gzip
import http.client
import io
import random
import re
import secrets
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import quote, unquote, unquote_to_bytes, urljoin, urlsplit

import pytest
from django.core.management import call_command

from samizdat.delivery.front import ReaderFront
from tests.conftest import require, run_async
from samizdat.delivery.headers import CACHE_RULES, SECURITY_HEADERS, security_headers
from samizdat.delivery.nginx import nginx_binary, nginx_main_config
from samizdat.delivery.server import ReaderSite
from samizdat.theme.jinja import asset_name

from .conftest import a_post_path, free_port, serving, wait_for_port

IMMUTABLE = "public, max-age=31536000, immutable"
HASHED_CSS = "/assets/site.0123456789.css"
HASHED_RENDITION = "/assets/media/0123456789abcdef.webp"


def wsgi_get(app, raw_path, method="GET", query="", headers=None):
    """Call the WSGI application as Granian's WSGI mode would (decoded path as latin-1)."""
    result = {}
    environ = {"REQUEST_METHOD": method, "PATH_INFO": unquote_to_bytes(raw_path).decode("latin-1"),
               "QUERY_STRING": query, "SCRIPT_NAME": "", "wsgi.input": io.BytesIO()}
    for name, value in (headers or {}).items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value

    def start_response(status, response_headers, exc_info=None):
        result["status"], result["headers"] = int(status[:3]), {k.lower(): v for k, v in response_headers}

    body = b"".join(app(environ, start_response))
    return result["status"], result["headers"], body


def asgi_get(app, raw_path, method="GET", query="", headers=None):
    """Call the ASGI front as Granian's ASGI mode does (raw path bytes, decoded path)."""
    raw = raw_path.encode("latin-1") if isinstance(raw_path, str) else raw_path
    scope = {"type": "http", "method": method, "http_version": "1.1", "scheme": "http", "root_path": "",
             "path": unquote(raw.decode("latin-1"), errors="replace"), "raw_path": raw,
             "query_string": query.encode(), "server": ("127.0.0.1", 80), "client": ("127.0.0.1", 5000),
             "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]}
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    run_async(app(scope, receive, send))
    start = sent[0]
    headers = {k.decode(): v.decode() for k, v in start["headers"]}
    return start["status"], headers, b"".join(m.get("body", b"") for m in sent[1:])


@pytest.fixture
def small_site(tmp_path):
    site = tmp_path / "site"
    (site / "en/news").mkdir(parents=True)
    (site / "en/index.html").write_text("<p>front</p>" * 40)
    (site / "en/breaking.html").write_text("<p>banner</p>")
    (site / "en/news/index.html").write_text("<p>news</p>")
    (site / "evil.example").mkdir()
    (site / "evil.example/index.html").write_text("<p>a folder with a dot</p>")
    (site / "assets").mkdir()
    (site / "assets/site.0123456789.css").write_text("body{color:#000}" * 20)
    (site / "assets/site.css").write_text("body{color:#000}")  # an unhashed name
    (site / "assets/media/images").mkdir(parents=True)
    (site / HASHED_RENDITION.lstrip("/")).write_bytes(b"RIFF\x00\x00\x00\x00WEBPVP8 ")
    (site / "assets/media/images/abc.width-800.jpg").write_bytes(b"\xff\xd8\xff")  # the names of old bakes
    (site / ("n" * 255)).mkdir()  # the longest name a file system holds
    (site / ("n" * 255) / "index.html").write_text("<p>long but real</p>")
    (site / "404.html").write_text("<h1>Page not found</h1>")
    return site


def _django(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"django"]


@pytest.fixture(params=["wsgi", "asgi"])
def get(request, small_site):
    """A GET against the reader site, through the WSGI app and through the ASGI front."""
    if request.param == "wsgi":
        app = ReaderSite(_django, site_dir=small_site)
        return lambda path, **kw: wsgi_get(app, path, **kw)
    app = ReaderFront(_django, site_dir=small_site, admin_threads=1)
    return lambda path, **kw: asgi_get(app, path, **kw)


# --- caching: only a content-hashed name is cached for ever -------------------------------

@pytest.mark.parametrize("query", ["", "fbclid=IwAR3xyz", "utm_source=telegram&utm_medium=share", "v=1"])
def test_a_query_string_never_makes_a_page_immutable(get, query):
    status, headers, _ = get("/en/", query=query)
    assert status == 200
    assert headers["cache-control"] == "public, max-age=60, must-revalidate"
    status, headers, _ = get("/en/breaking.html", query=query)
    assert headers["cache-control"] == "public, max-age=10, must-revalidate"


def test_only_content_hashed_asset_names_are_immutable(get):
    assert get(HASHED_CSS)[1]["cache-control"] == IMMUTABLE
    assert get(HASHED_CSS, query="fbclid=1")[1]["cache-control"] == IMMUTABLE
    for path, query in [("/assets/site.css", "v=0123456789"), ("/assets/site.css", ""),
                        ("/assets/site.9999999999.css", "")]:  # the last one is not there: 404
        assert get(path, query=query)[1]["cache-control"] != IMMUTABLE, path


def test_a_content_hashed_rendition_is_cached_for_a_year_and_other_pictures_for_a_day(get):
    status, headers, _ = get(HASHED_RENDITION, query="fbclid=1")
    assert status == 200 and headers["cache-control"] == IMMUTABLE
    assert headers["content-type"] == "image/webp"
    assert get("/assets/media/images/abc.width-800.jpg")[1]["cache-control"] == "public, max-age=86400"
    assert get("/assets/media/0123456789abcdee.webp")[0] == 404


def picture_renditions(site):
    """Addresses of the renditions of the first picture of the English front: the narrowest
    of each format offered."""
    html = (site / "en/index.html").read_text()
    picture = re.search(r"<picture>(.*?)</picture>", html, re.S).group(1)
    return [urljoin("/en/", s.split(",")[0].split(" ")[0]) for s in re.findall(r'srcset="([^"]*)"', picture)]


def test_the_baked_site_links_hashed_asset_names_without_query_strings(site_dir):
    css, js = asset_name("site.css"), asset_name("site.js")
    assert re.fullmatch(r"site\.[0-9a-f]{10}\.css", css) and re.fullmatch(r"site\.[0-9a-f]{10}\.js", js)
    assert (site_dir / "assets" / css).exists() and (site_dir / "assets" / js).exists()
    front = (site_dir / "en/index.html").read_text()
    assert f'href="../assets/{css}"' in front and f'src="../assets/{js}"' in front
    for page in list(site_dir.rglob("index.html"))[:200]:
        assert not re.search(r'(?:href|src)="[^"]*\?v=', page.read_text()), page


# --- no 500 from any path -----------------------------------------------------------------

@pytest.mark.parametrize("path", [
    "/" + "a" * 256, "/en/" + "a" * 256 + "/", "/" + "é" * 128 + "/", "/" + "x" * 300 + "/index.html",
    "/" + "/".join(["abc"] * 2000), "/%00", "/en%00/", "/%ff%fe/", "/en/%c0%af../", "/../../etc/passwd",
])
def test_odd_paths_get_the_baked_404_page(get, path):
    status, headers, body = get(path)
    assert status == 404 and b"Page not found" in body
    assert headers["content-security-policy"]


def test_the_longest_real_name_is_still_served(get):
    assert get("/" + "n" * 255 + "/")[0] == 200


def fuzz_paths(count=300, seed=9):
    """Odd reader paths: NUL bytes, overlong names, dot segments, doubled slashes, broken
    UTF-8 escapes, control characters, traversal, very long."""
    rng = random.Random(seed)
    pieces = ["en", "news", "..", ".", "", "%00", "\x00", "%2e%2e", "%2f", "%5c", "\\", "%ff", "%c3",
              "%c0%ae", "%e2%80%ae", "a" * 255, "a" * 256, "é" * 200, "index.html", "404.html", "assets",
              "site.0123456789.css", "~", "%", "%zz", "\r\n", "\t", "evil.example", "//", "?", "#", ";",
              "%ef%bf%bf", "\udcff".encode("utf-8", "surrogatepass").decode("latin-1"), " ", "+", ".hidden"]
    paths = ["//en", "///en", "//evil.example", "/%2F%2Fevil.example", "/\\evil.example", "/" * 5000]
    while len(paths) < count:
        parts = [rng.choice(pieces) for _ in range(rng.randint(1, 12))]
        paths.append("/" + "/".join(parts) + rng.choice(["", "/"]))
    return paths


def test_fuzzed_paths_never_answer_500_nor_redirect_elsewhere(get):
    for path in fuzz_paths():
        for method in ("GET", "HEAD"):
            status, headers, body = get(path, method=method, headers={"Accept-Encoding": "gzip"})
            assert status in (200, 301, 404), (path, status)
            assert b"Traceback" not in body
            location = headers.get("location", "")
            assert not location.startswith("//") and "\\" not in location and ":" not in location, (path, location)


# --- redirects ----------------------------------------------------------------------------

@pytest.mark.parametrize("path,location", [
    ("/en", "/en/"), ("//en", "/en/"), ("///en", "/en/"), ("/%2F%2Fen", "/en/"), ("//en//news", "/en/news/"),
    ("//evil.example", "/evil.example/"),
])
def test_redirects_are_never_protocol_relative(get, path, location):
    status, headers, _ = get(path)
    assert status == 301 and headers["location"] == location


# --- content negotiation ------------------------------------------------------------------

@pytest.mark.parametrize("accept,gzipped", [
    ("gzip", True), ("gzip, br", True), ("br;q=1, gzip;q=0.5", True), ("*", True), ("x-gzip", True),
    ("gzip;q=0", False), ("gzip; q=0.000", False), ("br, gzip;q=0", False), ("*;q=0", False),
    ("identity", False), ("", False), ("gzip;q=0, *", False), ("gzip;q=nan", False), ("GZIP;Q=0", False),
])
def test_gzip_honours_q_values(get, accept, gzipped):
    status, headers, body = get("/en/", headers={"Accept-Encoding": accept})
    assert status == 200 and ("content-encoding" in headers) is gzipped
    assert (gzip.decompress(body) if gzipped else body).startswith(b"<p>front</p>")
    assert headers["vary"] == "Accept-Encoding"


# --- security headers and HSTS ------------------------------------------------------------

def test_every_answer_carries_the_security_headers(get):
    for path, method in [("/en/", "GET"), ("/nowhere/", "GET"), ("/en", "GET"), ("/en/", "POST"),
                         (HASHED_CSS, "GET")]:
        _, headers, _ = get(path, method=method)
        for name, value in SECURITY_HEADERS:
            assert headers[name.lower()] == value, (path, method, name)
        assert "strict-transport-security" not in headers  # development settings: no HSTS


def test_hsts_on_every_answer_when_the_settings_ask_for_it(get, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    for path, method in [("/en/", "GET"), ("/nowhere/", "GET"), ("/en", "GET"), ("/en/", "POST")]:
        headers = get(path, method=method)[1]
        assert headers["strict-transport-security"] == "max-age=31536000; includeSubDomains", path


def test_conditional_requests_still_work(get):
    etag = get("/en/")[1]["etag"]
    status, headers, body = get("/en/", headers={"If-None-Match": etag})
    assert status == 304 and body == b"" and headers["cache-control"] and headers["content-security-policy"]


# --- a real `samizdat serve` with production settings -------------------------------------

def production_env(serve_env):
    return {**serve_env, "DJANGO_SETTINGS_MODULE": "samizdat.settings.production",
            "SAMIZDAT_SECRET_KEY": secrets.token_urlsafe(50), "SAMIZDAT_ALLOWED_HOSTS": "admin.example.org",
            "SAMIZDAT_ADMIN_BASE_URL": "https://admin.example.org"}


def raw_request(port, target):
    """One request with the target exactly as given (bytes), as an attacker would send it."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: news.example.org\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    status = int(head.split(" ", 2)[1])
    headers = dict(line.split(": ", 1) for line in head.split("\r\n")[1:])
    return status, {k.lower(): v for k, v in headers.items()}


@pytest.mark.django_db
def test_samizdat_serve_in_production_settings(serve_env):
    site = Path(serve_env["SAMIZDAT_SITE_DIR"])
    post = a_post_path(site)
    css = f"/assets/{asset_name('site.css')}"
    rendition = picture_renditions(site)[0]
    with serving(production_env(serve_env), "--no-worker") as (base, _, log):
        port = urlsplit(base).port
        expected = dict(SECURITY_HEADERS, **{"Strict-Transport-Security": "max-age=31536000; includeSubDomains"})
        for target, status, cache in [
            (f"{post}?fbclid=IwAR3xyz".encode(), 200, "public, max-age=60, must-revalidate"),
            (b"/en/", 200, "public, max-age=60, must-revalidate"),
            (css.encode(), 200, IMMUTABLE),
            (f"{css}?utm_source=x".encode(), 200, IMMUTABLE),
            (rendition.encode(), 200, IMMUTABLE),
            (b"/en/breaking.html?utm_source=x", 200, "public, max-age=10, must-revalidate"),
            (b"/" + b"a" * 256 + b"/", 404, "public, max-age=60, must-revalidate"),
            (b"//en", 301, "public, max-age=60, must-revalidate"),
        ]:
            got_status, headers = raw_request(port, target)
            assert got_status == status, target
            assert headers["cache-control"] == cache, target
            for name, value in expected.items():
                assert headers[name.lower()] == value, (target, name)
            if status == 301:
                assert headers["location"] == "/en/"

        for path in fuzz_paths(120, seed=3):
            target = quote(path, safe="/%;~+").encode("latin-1")
            got_status, headers = raw_request(port, target)
            assert got_status < 500, (target, got_status)
            assert not headers.get("location", "").startswith("//"), target
        assert "Traceback" not in log.read_text()

        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/en/", headers={"Accept-Encoding": "gzip;q=0"})
        response = conn.getresponse()
        response.read()
        assert response.getheader("Content-Encoding") is None
        conn.request("GET", "/en/", headers={"If-None-Match": response.getheader("ETag")})
        response = conn.getresponse()
        response.read()
        assert response.status == 304


# --- the generated nginx configuration ----------------------------------------------------

def nginx_text(settings, **options):
    out = io.StringIO()
    call_command("nginx-config", stdout=out, **options)
    return out.getvalue()


def test_nginx_config_carries_the_same_headers_and_cache_rules(settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    text = nginx_text(settings, root="/srv/samizdat/site", server_name="news.example.org")
    locations = text.count("location ")
    for name, value in security_headers():
        assert text.count(f'add_header {name} "{value}" always;') == locations - 1, name  # all but /\.
    for _, pattern, cache in CACHE_RULES:
        assert f'add_header Cache-Control "{cache}" always;' in text
        if pattern:
            assert 'location ~ "' + pattern.replace("\\", "\\\\") + '"' in text
    assert "absolute_redirect off;" in text and "root /srv/samizdat/site;" in text


@pytest.mark.django_db
def test_nginx_answers_like_samizdat_serve(serve_env, settings, tmp_path):
    """nginx -t accepts the generated block, and nginx running it — as an operator would, and
    as `samizdat serve --front nginx` does — answers reader paths with the same status, cache
    and security headers as the Python front (`samizdat serve --front python`)."""
    require(nginx_binary() is not None, "nginx is not installed: install Debian's nginx-light (make test does as root)")
    port = free_port()
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    server = nginx_text(settings, root=serve_env["SAMIZDAT_SITE_DIR"], listen=f"127.0.0.1:{port}")
    (tmp_path / "nginx.conf").write_text(nginx_main_config(server, workdir=tmp_path, root=serve_env["SAMIZDAT_SITE_DIR"]))
    command = [nginx_binary(), "-c", str(tmp_path / "nginx.conf"), "-p", str(tmp_path)]
    check = subprocess.run([*command, "-t"], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    site = Path(serve_env["SAMIZDAT_SITE_DIR"])
    post = a_post_path(site)
    # A page by its folder URL and by its index.html, the folder without its final slash (a
    # redirect), a file with one, and a folder without index.html: nginx answers them
    # without try_files (`location /`), with the same status and headers as the Python front.
    no_index = next(f for f in sorted(site.glob("en/*/")) if f.is_dir() and not (f / "index.html").exists())
    targets = [post + "?fbclid=1", post + "index.html", post.rstrip("/"), post + "index.html/",
               "/en/", "/en", "//en", "/en/index.html", "/en/breaking.html?utm_source=x",
               f"/assets/{asset_name('site.css')}?v=1", f"/assets/{asset_name('site-search.js')}",
               "/en/feed.xml", "/en/feed.json", "/robots.txt", "/favicon.ico", "/nowhere/", "/nowhere", "/.hidden",
               "/" + "a" * 256 + "/", "/assets/", f"/{no_index.relative_to(site).as_posix()}/",
               *picture_renditions(site)]
    nginx = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    env = production_env(serve_env)
    try:
        wait_for_port(port, nginx)
        with serving(env, "--no-worker", "--front", "python") as (base, _, _), \
                serving(env, "--no-worker", "--front", "nginx") as (nginx_base, _, log):
            ours, served = urlsplit(base).port, urlsplit(nginx_base).port
            for other in (port, served):  # listening is not yet answering: wait for a page
                answering(other, f"nginx on {other} (see {tmp_path / 'error.log'} or {log})")
            for target in targets:
                our_status, us = raw_request(ours, target.encode())
                for other in (port, served):
                    theirs_status, theirs = raw_request(other, target.encode())
                    assert theirs_status == our_status, (other, target)
                    for name in ["cache-control", "strict-transport-security",
                                 *(n.lower() for n, _ in SECURITY_HEADERS)]:
                        assert theirs.get(name) == us.get(name), (other, target, name, theirs.get(name), us.get(name))
                    assert theirs.get("location") == us.get("location"), (other, target)
                    if our_status == 200:  # one table of types for both (delivery.headers.CONTENT_TYPES)
                        assert theirs.get("content-type") == us.get("content-type"), (other, target)
                if "/assets/media/" in target:
                    assert our_status == 200 and us["cache-control"] == IMMUTABLE, (target, us)
                    assert us["content-type"] == "image/" + target.rpartition(".")[2].replace("jpg", "jpeg"), us
            # the types readers' browsers and feed readers act on, whichever server answers
            assert raw_request(ours, f"/assets/{asset_name('site-search.js')}".encode())[1]["content-type"] == (
                "text/javascript; charset=utf-8")
            assert raw_request(ours, b"/en/feed.xml")[1]["content-type"] == "application/xml"
            assert "(nginx)" in log.read_text()
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)


def answering(port, who, timeout=30):
    """Wait until `port` answers a page; say who did not."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if raw_request(port, b"/en/")[0] == 200:
                return
        except OSError as exc:
            if time.monotonic() > deadline:
                raise AssertionError(f"{who} does not answer: {exc!r}") from exc
        if time.monotonic() > deadline:
            raise AssertionError(f"{who} does not answer /en/ with 200")
        time.sleep(0.2)


@pytest.mark.django_db
def test_serve_with_nginx_hands_django_its_paths(serve_env):
    """Under `--front nginx` the admin and its static files reach Django (the admin server on
    its socket); while that server is still starting, nginx says so with a 503 and Retry-After
    rather than a bare 502."""
    require(nginx_binary() is not None, "nginx is not installed: install Debian's nginx-light (make test does as root)")

    def get(port, path):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            conn.close()

    with serving(serve_env, "--no-worker", "--front", "nginx") as (base, _, log):
        port = urlsplit(base).port
        deadline = time.monotonic() + 60
        while True:
            status, headers, body = get(port, "/admin/login/")
            if status == 200 or time.monotonic() > deadline:
                break
            assert status == 503 and headers.get("retry-after") == "5", (status, headers, body[:200])
            time.sleep(0.3)
        assert status == 200 and b'name="password"' in body, log.read_text()
        assert headers["server"] == "nginx"
        assert get(port, "/admin")[0] == 301
        status, headers, body = get(port, "/static/wagtailadmin/images/transparency.svg")
        assert status == 200 and b"<svg" in body, (status, body[:100])
        assert "(nginx)" in log.read_text()


@pytest.mark.django_db
@pytest.mark.parametrize("front", ["python", "nginx"])
def test_both_fronts_hand_the_search_page_to_django(serve_env, front):
    """Each edition's search page is the one reader path Django answers at the origin (the
    server's results, without JavaScript); the pages beside it stay files."""
    from samizdat.newsroom import selectors
    from samizdat.newsroom.models import ServicePage

    if front == "nginx":
        require(nginx_binary() is not None, "nginx is not installed: install Debian's nginx-light (make test does as root)")
    en = ServicePage.objects.live().get(language_code="en")
    post = selectors.searchable_posts(en).order_by("path").first()
    word = max(post.title.split(), key=len)

    def get(port, path):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read().decode()
        finally:
            conn.close()

    with serving(serve_env, "--no-worker", "--front", front) as (base, _, log):
        port = urlsplit(base).port
        deadline = time.monotonic() + 60
        while True:
            status, headers, body = get(port, f"/en/search/?q={quote(word)}")
            if status == 200 or time.monotonic() > deadline:
                break
            assert status == 503, (status, body[:300])  # the admin server is still starting
            time.sleep(0.3)
        assert status == 200, (status, body[:300], log.read_text()[-2000:])
        assert "data-origin" in body and post.title in body.split('id="search-results"')[1], body[:500]
        assert "'wasm-unsafe-eval'" in headers["content-security-policy"]
        status, headers, body = get(port, "/en/search/index.html?q=" + quote(word))
        assert status == 200 and post.title in body
        # The baked search page is a file beside it, for copies; the origin never sends it.
        status, headers, body = get(port, "/en/")
        assert status == 200 and "data-origin" not in body
        if front == "nginx":
            assert headers["server"] == "nginx"
