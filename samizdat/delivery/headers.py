"""The response headers and cache rules of the reader site, in one table.

The reader server (`server.py`) and the generated nginx configuration
(`samizdat nginx-config`) both read them from here, so the two cannot drift.
"""

import re

from django.conf import settings

from samizdat.core.policy import CONTENT_SECURITY_POLICY, content_security_policy

SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
)

# A theme asset's name carries its content hash (`site.3f2a9c01bd.css`, see
# `samizdat.theme.jinja.asset_name`): only such a name may be cached for ever.
HASHED_ASSET = r"^/assets/[^/]+\.[0-9a-f]{10}\.(?:css|js)$"
# Image renditions likewise (`samizdat.core.rendering.media_site_path`:
# `/assets/media/0a1b2c3d4e5f6789.webp`).
HASHED_RENDITION = r"^/assets/media/[0-9a-f]{16}\.(?:avif|webp|jpg|png|gif)$"

# (what, regular expression on the decoded path, Cache-Control): the first that matches
# wins. The query string never matters: `?fbclid=` on a page must not make it immutable,
# or a correction never reaches the readers who came through a shared link.
CACHE_RULES = (
    ("content-hashed theme assets", HASHED_ASSET, "public, max-age=31536000, immutable"),
    ("content-hashed image renditions", HASHED_RENDITION, "public, max-age=31536000, immutable"),
    ("shared fragments (banner, latest posts)", r"/(?:breaking|latest)\.html$", "public, max-age=10, must-revalidate"),
    ("images", r"\.(?:jpe?g|png|webp|gif|avif|ico)$", "public, max-age=86400"),
    ("pages and everything else", r"", "public, max-age=60, must-revalidate"),
)
_CACHE_RULES = tuple((re.compile(pattern), value) for _, pattern, value in CACHE_RULES)
# Answers that are not a file of the site (404, redirects): short, so a page published a
# minute later is found.
NOT_FOUND_CACHE = CACHE_RULES[-1][2]

# The content type of each kind of file the site holds, by extension; anything else is
# application/octet-stream. One table for both servers (not the machine's /etc/mime.types
# nor nginx's, which differ: .js, .xml, .ico), so a file gets the same type from either.
CONTENT_TYPES = {
    "html": "text/html", "css": "text/css", "js": "text/javascript", "txt": "text/plain",
    "json": "application/json", "xml": "application/xml", "svg": "image/svg+xml",
    "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif",
    "webp": "image/webp", "avif": "image/avif", "ico": "image/x-icon",
    "woff2": "font/woff2", "wasm": "application/wasm", "zip": "application/zip",
}
DEFAULT_CONTENT_TYPE = "application/octet-stream"
# The types sent with "; charset=utf-8".
CHARSET_TYPES = ("text/html", "text/css", "text/javascript", "text/plain")


def content_type(name):
    """The Content-Type of a site file called `name`, charset included."""
    ctype = CONTENT_TYPES.get(name.rpartition(".")[2].lower() if "." in name else "", DEFAULT_CONTENT_TYPE)
    return f"{ctype}; charset=utf-8" if ctype in CHARSET_TYPES else ctype


# Content types compressed on the fly.
COMPRESSIBLE = (
    "text/html", "text/css", "text/javascript", "application/javascript", "image/svg+xml",
    "application/xml", "text/plain",
    "text/xml", "application/json",  # feeds, sitemaps, baked JSON
)


def cache_control(path):
    """Cache-Control for a file of the site, from its path alone."""
    for pattern, value in _CACHE_RULES:
        if pattern.search(path):
            return value
    return NOT_FOUND_CACHE


def strict_transport_security():
    """The HSTS header value Django's SecurityMiddleware would send, or None (settings
    without SECURE_HSTS_SECONDS, as in development)."""
    seconds = getattr(settings, "SECURE_HSTS_SECONDS", 0)
    if not seconds:
        return None
    value = f"max-age={int(seconds)}"
    if getattr(settings, "SECURE_HSTS_INCLUDE_SUBDOMAINS", False):
        value += "; includeSubDomains"
    if getattr(settings, "SECURE_HSTS_PRELOAD", False):
        value += "; preload"
    return value


def security_headers():
    """Headers every reader response carries, whatever its status."""
    hsts = strict_transport_security()
    headers = [(n, content_security_policy() if n == "Content-Security-Policy" else v) for n, v in SECURITY_HEADERS]
    return [*headers, *([("Strict-Transport-Security", hsts)] if hsts else [])]
