"""Serves the baked reader site from files, and hands the admin to Django.

Readers never reach Django: a reader path is a file under the site folder or the baked
404 page. Only /admin/, /static/ (admin assets) and /media/ (editors' uploads) go to the
Django application behind it.
"""

import gzip
import mimetypes
from email.utils import formatdate, parsedate_to_datetime
from functools import lru_cache
from pathlib import Path

from django.conf import settings

DYNAMIC_PREFIXES = ("/admin/", "/static/", "/media/")
COMPRESSIBLE = {"text/html", "text/css", "text/javascript", "application/javascript", "image/svg+xml", "application/xml", "text/plain"}
SECURITY_HEADERS = [
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("Content-Security-Policy", "default-src 'none'; img-src 'self'; style-src 'self'; script-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"),
]
mimetypes.add_type("text/javascript", ".js")


@lru_cache(maxsize=512)
def _gzipped(path, mtime_ns, size):
    return gzip.compress(Path(path).read_bytes(), compresslevel=6, mtime=0)


class ReaderSite:
    def __init__(self, django_app, site_dir=None):
        self.django_app = django_app
        self.site_dir = Path(site_dir or settings.SAMIZDAT_SITE_DIR).resolve()

    def __call__(self, environ, start_response):
        raw = environ.get("PATH_INFO", "/") or "/"
        if raw == "/admin" or raw.startswith(DYNAMIC_PREFIXES):
            return self.django_app(environ, start_response)
        try:
            path = raw.encode("latin-1").decode("utf-8")
        except UnicodeError:
            return self._not_found(environ, start_response)
        if environ.get("REQUEST_METHOD", "GET") not in ("GET", "HEAD"):
            start_response("405 Method Not Allowed", [("Allow", "GET, HEAD"), ("Content-Length", "0")])
            return [b""]
        file = self._resolve(path)
        if file is None:
            return self._not_found(environ, start_response)
        if file.is_dir():
            location = environ.get("SCRIPT_NAME", "") + raw + "/"
            start_response("301 Moved Permanently", [("Location", location), ("Content-Length", "0")])
            return [b""]
        return self._file(environ, start_response, file, "200 OK")

    def _resolve(self, path):
        if "\x00" in path or "\\" in path:
            return None
        parts = [p for p in path.split("/") if p]
        if any(p in (".", "..") or p.startswith(".") for p in parts):
            return None
        candidate = self.site_dir.joinpath(*parts)
        if path.endswith("/"):
            candidate = candidate / "index.html"
        try:
            resolved = candidate.resolve()
        except OSError:
            return None
        if not resolved.is_relative_to(self.site_dir) or not resolved.exists():
            return None
        return resolved

    def _not_found(self, environ, start_response):
        page = self.site_dir / "404.html"
        if page.exists():
            return self._file(environ, start_response, page, "404 Not Found")
        start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")])
        return [b"Not found. The reader site has not been baked yet: run `samizdat bake`.\n"]

    def _file(self, environ, start_response, file, status):
        stat = file.stat()
        ctype = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        etag = f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"'
        headers = [("ETag", etag), ("Last-Modified", formatdate(stat.st_mtime, usegmt=True)), *SECURITY_HEADERS]
        if ctype.startswith("text/") or ctype.endswith("javascript"):
            headers.append(("Content-Type", f"{ctype}; charset=utf-8"))
        else:
            headers.append(("Content-Type", ctype))
        if status.startswith("200") and environ.get("QUERY_STRING"):
            cache = "public, max-age=31536000, immutable"  # theme assets carry ?v=<content hash>
        elif ctype.startswith("image/"):
            cache = "public, max-age=86400"
        else:
            cache = "public, max-age=60"  # pages change on publish
        headers.append(("Cache-Control", cache))
        if status.startswith("200") and self._not_modified(environ, etag, stat.st_mtime):
            start_response("304 Not Modified", headers)
            return [b""]
        body = None
        if ctype in COMPRESSIBLE:
            headers.append(("Vary", "Accept-Encoding"))
            if "gzip" in environ.get("HTTP_ACCEPT_ENCODING", ""):
                body = _gzipped(str(file), stat.st_mtime_ns, stat.st_size)
                headers.append(("Content-Encoding", "gzip"))
        if body is None:
            body = file.read_bytes()
        headers.append(("Content-Length", str(len(body))))
        start_response(status, headers)
        return [b"" if environ.get("REQUEST_METHOD") == "HEAD" else body]

    @staticmethod
    def _not_modified(environ, etag, mtime):
        inm = environ.get("HTTP_IF_NONE_MATCH")
        if inm is not None:
            return etag in [t.strip() for t in inm.split(",")]
        ims = environ.get("HTTP_IF_MODIFIED_SINCE")
        if ims:
            try:
                return int(mtime) <= parsedate_to_datetime(ims).timestamp()
            except (TypeError, ValueError):
                return False
        return False
