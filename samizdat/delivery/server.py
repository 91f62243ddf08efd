"""Serves the baked reader site from files, and hands the admin to Django.

Readers never reach Django: a reader path is a file under the site folder or the baked
404 page. Only /admin/, /static/ (admin assets), /media/ (editors' uploads), /mail/
(subscribing), /api/ and each edition's search page (`DYNAMIC_PATHS`) go to the Django
application behind it. `ReaderFiles` answers a reader path whatever the server in
front (the WSGI `ReaderSite` here, the asynchronous front of `samizdat serve` in
`front.py`); the headers it sends come from `headers.py`, shared with the nginx config.
"""

import gzip
import logging
import os
import re
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from django.conf import settings

from samizdat.core.ways import onion_address

from .headers import COMPRESSIBLE, NOT_FOUND_CACHE, cache_control, content_type, security_headers

logger = logging.getLogger(__name__)

DYNAMIC_PREFIXES = (b"/admin/", b"/static/", b"/media/", b"/mail/", b"/api/")
# Paths of the reader site that Django answers at the origin: each edition's search page
# (`samizdat.search`: the server's results without JavaScript). Every other copy of the site
# serves the baked file of that path. One pattern for `samizdat serve` and nginx.
DYNAMIC_PATHS = r"^/[^/]+/search/(?:index\.html)?$"
_DYNAMIC_PATHS = re.compile(DYNAMIC_PATHS.encode())
# Longer paths or names cannot be files of the site (Linux PATH_MAX and NAME_MAX); the
# file system would refuse them with an error, which must stay a 404, not a 500.
MAX_PATH_BYTES = 4096
MAX_NAME_BYTES = 255


def is_dynamic(path):
    """Whether a (percent-decoded, bytes) path belongs to Django rather than the files."""
    return path == b"/admin" or path.startswith(DYNAMIC_PREFIXES) or _DYNAMIC_PATHS.fullmatch(path) is not None


def accepts_gzip(accept_encoding):
    """Whether an Accept-Encoding header allows gzip, honouring q-values (`gzip;q=0` is a no)."""
    explicit = star = None
    for item in (accept_encoding or "").split(","):
        name, *params = item.split(";")
        name = name.strip().lower()
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = 0.0
        if name in ("gzip", "x-gzip"):
            explicit = max(explicit or 0.0, q)
        elif name == "*":
            star = q
    accepted = explicit if explicit is not None else star
    return accepted is not None and accepted > 0  # NaN is not > 0


@lru_cache(maxsize=512)
def _gzipped(path, mtime_ns, size):
    return gzip.compress(Path(path).read_bytes(), compresslevel=6, mtime=0)


@dataclass
class Answer:
    status: str
    headers: list
    body: bytes


class ReaderFiles:
    """Answers reader paths from the baked site folder."""

    def __init__(self, site_dir=None):
        self.site_dir = Path(site_dir or settings.SAMIZDAT_SITE_DIR).resolve()

    def answer(self, *, method, path, script_name="", accept_encoding="", if_none_match=None,
               if_modified_since=None):
        """The response to a reader request. `path` is the percent-decoded path in bytes."""
        if method not in ("GET", "HEAD"):
            return Answer("405 Method Not Allowed", [("Allow", "GET, HEAD"), ("Content-Length", "0"),
                                                     *security_headers()], b"")
        request = dict(method=method, accept_encoding=accept_encoding, if_none_match=if_none_match,
                       if_modified_since=if_modified_since)
        parts = self._parts(path)
        if parts is None:
            return self._not_found(**request)
        try:
            file = self._resolve(parts, directory=path.endswith(b"/"))
            if file is None:
                return self._not_found(**request)
            if file.is_dir():
                # Always one leading slash, percent-encoded: never `//host/`, which browsers
                # read as another site (an open redirect).
                location = quote(script_name.rstrip("/") + "/" + "/".join(parts) + "/", safe="/")
                return Answer("301 Moved Permanently", [("Location", location), ("Content-Length", "0"),
                                                        ("Cache-Control", NOT_FOUND_CACHE), *security_headers()], b"")
            site_path = "/" + "/".join(parts)
            answer = self._file(file, "200 OK", cache_control(site_path), **request)
            onion = onion_address()
            if onion and file.suffix == ".html":
                # Tor Browser offers the onion service to readers who arrive over the clearnet.
                location = quote(script_name.rstrip("/") + site_path + ("/" if path.endswith(b"/") else ""), safe="/")
                answer.headers.append(("Onion-Location", f"http://{onion}{location}"))
            return answer
        except (OSError, ValueError) as exc:
            # A path the file system refuses (too long, a loop, a name it cannot hold) is
            # simply not a page of the site. One line, no traceback: a flood of them must not
            # fill the disk with logs.
            logger.info("reader path refused by the file system: %s", exc.__class__.__name__)
            return self._not_found(**request)

    @staticmethod
    def _parts(path):
        if len(path) > MAX_PATH_BYTES or b"\x00" in path or b"\\" in path:
            return None
        try:
            text = path.decode("utf-8")
        except UnicodeDecodeError:
            return None
        parts = [p for p in text.split("/") if p]
        for part in parts:
            if part.startswith(".") or len(part.encode("utf-8")) > MAX_NAME_BYTES:
                return None
        return parts

    def _resolve(self, parts, *, directory):
        candidate = self.site_dir.joinpath(*parts)
        if directory:
            candidate = candidate / "index.html"
        resolved = candidate.resolve()
        if not resolved.is_relative_to(self.site_dir) or not resolved.exists():
            return None
        return resolved

    def _not_found(self, **request):
        page = self.site_dir / "404.html"
        if page.is_file():
            return self._file(page, "404 Not Found", NOT_FOUND_CACHE, **request)
        body = b"Not found. The reader site has not been baked yet: run `samizdat bake`.\n"
        return Answer("404 Not Found", [("Content-Type", "text/plain; charset=utf-8"), ("Cache-Control", "no-cache"),
                                        ("Content-Length", str(len(body))), *security_headers()],
                      b"" if request["method"] == "HEAD" else body)

    def _file(self, file, status, cache, *, method, accept_encoding, if_none_match, if_modified_since):
        stat = file.stat()
        full_type = content_type(file.name)
        ctype = full_type.partition(";")[0]
        etag = f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"'
        headers = [("ETag", etag), ("Last-Modified", formatdate(stat.st_mtime, usegmt=True)),
                   ("Cache-Control", cache), *security_headers(), ("Content-Type", full_type)]
        if ctype in COMPRESSIBLE:
            headers.append(("Vary", "Accept-Encoding"))
        if status.startswith("200") and self._not_modified(if_none_match, if_modified_since, etag, stat.st_mtime):
            return Answer("304 Not Modified", headers, b"")
        body = None
        if ctype in COMPRESSIBLE and accepts_gzip(accept_encoding):
            body = _gzipped(os.fspath(file), stat.st_mtime_ns, stat.st_size)
            headers.append(("Content-Encoding", "gzip"))
        if body is None:
            body = file.read_bytes()
        headers.append(("Content-Length", str(len(body))))
        return Answer(status, headers, b"" if method == "HEAD" else body)

    @staticmethod
    def _not_modified(if_none_match, if_modified_since, etag, mtime):
        if if_none_match is not None:
            return etag in [t.strip() for t in if_none_match.split(",")]
        if if_modified_since:
            try:
                return int(mtime) <= parsedate_to_datetime(if_modified_since).timestamp()
            except (TypeError, ValueError, OverflowError):
                return False
        return False


class ReaderSite:
    """The WSGI application: reader files in front, Django behind for the admin."""

    def __init__(self, django_app, site_dir=None):
        self.django_app = django_app
        self.files = ReaderFiles(site_dir)
        self.site_dir = self.files.site_dir

    def __call__(self, environ, start_response):
        raw = environ.get("PATH_INFO", "/") or "/"
        try:
            path = raw.encode("latin-1")  # WSGI carries the decoded bytes as latin-1
        except UnicodeError:
            path = b"\x00"  # not a path any file can have: the 404 page
        if self.django_app is not None and is_dynamic(path):  # without Django: files only (a copy)
            return self.django_app(environ, start_response)
        answer = self.files.answer(
            method=environ.get("REQUEST_METHOD", "GET"),
            path=path,
            script_name=environ.get("SCRIPT_NAME", ""),
            accept_encoding=environ.get("HTTP_ACCEPT_ENCODING", ""),
            if_none_match=environ.get("HTTP_IF_NONE_MATCH"),
            if_modified_since=environ.get("HTTP_IF_MODIFIED_SINCE"),
        )
        start_response(answer.status, answer.headers)
        return [answer.body]
