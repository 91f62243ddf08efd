import gzip
import io

import pytest

from samizdat.delivery.server import ReaderSite


def call(app, path, **environ):
    status = {}

    def start_response(s, headers):
        status["status"], status["headers"] = s, dict(headers)

    env = {"PATH_INFO": path.encode("utf-8").decode("latin-1"), "REQUEST_METHOD": "GET", "wsgi.input": io.BytesIO()}
    env.update(environ)
    body = b"".join(app(env, start_response))
    return status["status"], status["headers"], body


@pytest.fixture
def site(tmp_path):
    (tmp_path / "en").mkdir()
    (tmp_path / "en/index.html").write_text("<p>front</p>" * 50)
    (tmp_path / "fa/یادداشت").mkdir(parents=True)
    (tmp_path / "fa/یادداشت/index.html").write_text("<p>persian</p>")
    (tmp_path / "404.html").write_text("<h1>Page not found</h1>")
    (tmp_path / ".secret").write_text("nope")
    calls = []

    def django_app(environ, start_response):
        calls.append(environ["PATH_INFO"])
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"django"]

    app = ReaderSite(django_app, site_dir=tmp_path)
    app.calls = calls
    return app


def test_serves_index_files_with_safe_headers(site):
    status, headers, body = call(site, "/en/")
    assert status == "200 OK" and body.startswith(b"<p>front</p>")
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_non_latin_paths(site):
    status, _, body = call(site, "/fa/یادداشت/")
    assert status == "200 OK" and b"persian" in body


def test_directory_without_slash_redirects(site):
    status, headers, _ = call(site, "/en")
    assert status.startswith("301") and headers["Location"] == "/en/"


def test_missing_paths_get_the_baked_404_page(site):
    status, _, body = call(site, "/nowhere/")
    assert status == "404 Not Found" and b"Page not found" in body


@pytest.mark.parametrize("path", ["/../../etc/passwd", "/en/../../etc/passwd", "/.secret", "/en/%00"])
def test_refuses_to_leave_the_site_or_show_hidden_files(site, path):
    status, _, body = call(site, path)
    assert status == "404 Not Found" and b"nope" not in body and b"root:" not in body


def test_compresses_for_clients_that_accept_gzip(site):
    status, headers, body = call(site, "/en/", HTTP_ACCEPT_ENCODING="gzip, br")
    assert headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(body).startswith(b"<p>front</p>")
    assert int(headers["Content-Length"]) == len(body)


def test_conditional_requests(site):
    _, headers, _ = call(site, "/en/")
    status, _, body = call(site, "/en/", HTTP_IF_NONE_MATCH=headers["ETag"])
    assert status.startswith("304") and body == b""


def test_admin_goes_to_django_and_readers_never_do(site):
    assert call(site, "/admin/pages/")[2] == b"django"
    call(site, "/en/")
    call(site, "/nowhere/")
    assert site.calls == ["/admin/pages/"]


def test_only_reads_are_allowed_on_reader_paths(site):
    status, _, _ = call(site, "/en/", REQUEST_METHOD="POST")
    assert status.startswith("405")
