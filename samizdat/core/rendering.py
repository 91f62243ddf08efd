"""What every layer needs to know about a render, and nothing about models.

The same templates serve the Wagtail preview (absolute links into the running server) and
the bake (links relative to the baked file, so the folder works from any host, a USB stick
or an onion service). Templates and rich-text handlers ask `link()` and `media_url()`; the
renderer opens `rendering(here=path)`.

`ReadCache` is the explicit per-batch cache: the renderer makes one per batch and hands it
to pages on the request (`cache_of(request)`); listing reads take it as an argument. Nothing
here imports a model, so the newsroom, the theme and the bake can all sit on top of it.
"""

import hashlib
import posixpath
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from django.conf import settings
from django.utils import timezone, translation


@dataclass
class RenderState:
    here: str | None  # the reader path being baked ("/en/blog/post/"); None when previewing
    root: str | None = None  # where the site's "/" is served: absolute file links (the 404 page)
    media: dict[str, Path] = field(default_factory=dict)  # site path → file to copy beside it
    cache: "ReadCache | None" = None  # the batch's, when a renderer opened the render
    start: tuple | None = field(default=None, init=False, repr=False)  # (here, its folder split): `link`

    @property
    def baking(self):
        return self.here is not None


_state: ContextVar[RenderState | None] = ContextVar("samizdat_render_state", default=None)


@contextmanager
def rendering(here, *, root=None, cache=None):
    state = RenderState(here=here, root=root, cache=cache)
    token = _state.set(state)
    try:
        yield state
    finally:
        _state.reset(token)


def current():
    return _state.get()


def relative(target, here):
    """The link from reader path `here` to reader path `target`, both starting with "/".

    A link to a folder ends in `index.html` ("../blog/index.html", never "../blog/"), so
    the same files navigate at the origin, under any sub-path, in a `wget --mirror` copy
    and opened from `file://` (where a folder link shows a directory listing). This is the
    one place that decides the link style; servers answer `/blog/index.html` like `/blog/`.
    """
    if target.startswith(("http://", "https://", "#", "mailto:")):
        return target
    target, hash_, fragment = target.partition("#")
    rel = _relpath(target, _folder_of(here))
    if target.endswith("/"):
        rel = _folder_link(rel)
    return rel + hash_ + fragment


def _relpath(target, base):
    """`posixpath.relpath(target, base)` for two absolute paths; a page has dozens of links,
    so the common case (clean paths, no "." or "..") is done by splitting, not normalising."""
    if "/." in target or "//" in target or "/." in base or "//" in base or not target.startswith("/"):
        return posixpath.relpath(target, base)
    to = _segments(target)
    return _walk(to, _segments(base), to)


def _folder_of(here):
    """The folder a link from reader path `here` starts in."""
    return here if here.endswith("/") else posixpath.dirname(here) + "/"


def _segments(path):
    """A clean absolute path's segments: "/en/blog/" → ["en", "blog"], "/" → []."""
    stripped = path.strip("/")
    return stripped.split("/") if stripped else []


def _walk(to, start, written):
    """The relative path from folder `start` to `to` (both segment lists), each step down
    written as `written` has it (the segments themselves, or percent-encoded)."""
    common = 0
    for a, b in zip(to, start, strict=False):
        if a != b:
            break
        common += 1
    return "/".join([".."] * (len(start) - common) + list(written[common:])) or "."


def _folder_link(rel):
    return "index.html" if rel == "." else rel + "/index.html"


LINK_SAFE = "/:#?=&%~"  # what `link` leaves unencoded


def link(target):
    """A reader path as the current render should write it, percent-encoded so Persian or
    Cyrillic slugs survive every static host: relative and ending in `index.html` while
    baking (see `relative`), the absolute path in the Wagtail preview."""
    state = current()
    if state is not None and state.baking:
        return _baked_link(target, state)
    if state is not None and state.root is not None and target.startswith("/"):
        target = state.root.rstrip("/") + target + ("index.html" if target.endswith("/") else "")
    return quote(target, safe=LINK_SAFE)


def _baked_link(target, state):
    """`quote(relative(target, state.here))`, from parts remembered per target and per page: a
    page writes some forty links, mostly to the same few dozen places (sections, feeds, tags),
    and splitting, relating and encoding each one anew was about 6 % of a page's render."""
    parts = _target_parts(target)
    here = state.here
    if state.start is None or state.start[0] != here:  # a feed's body is expanded as its post's page
        base = _folder_of(here)
        state.start = (here, None if "/." in base or "//" in base else _segments(base))
    start = state.start[1]
    if parts is None or start is None:  # an address elsewhere, or a path to normalise
        return quote(relative(target, state.here), safe=LINK_SAFE)
    to, quoted, folder, fragment = parts
    rel = _walk(to, start, quoted)
    return (_folder_link(rel) if folder else rel) + fragment


@lru_cache(maxsize=65536)
def _target_parts(target):
    """A clean absolute path's parts, the same parts percent-encoded, whether it names a
    folder, and its encoded "#fragment"; None for anything `relative` must work harder on."""
    if target.startswith(("http://", "https://", "#", "mailto:")):
        return None
    path, hash_, fragment = target.partition("#")
    if "/." in path or "//" in path or not path.startswith("/"):
        return None
    to = _segments(path)
    return to, tuple(quote(p, safe=LINK_SAFE) for p in to), path.endswith("/"), quote(hash_ + fragment, safe=LINK_SAFE)


def assets_path(name):
    return f"/{settings.SAMIZDAT_ASSETS_PREFIX}/{name}"


@lru_cache(maxsize=8192)
def _content_hash(file, size, mtime_ns):
    # Keyed by size and time too: a rendition file made again (after a restore) is read again.
    with open(file, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()[:16]


def media_site_path(rendition):
    """Where a rendition sits in the baked site: `/assets/media/<hash>.<ext>`, named after its
    bytes, so the name alone may be cached for a year (`delivery.headers`) and a new rendition
    — another quality, a new crop, a replaced file — gets a new name. Sixteen hex digits: no
    two of a million renditions share one."""
    source = Path(rendition.file.path)
    stat = source.stat()
    digest = _content_hash(str(source), stat.st_size, stat.st_mtime_ns)
    return assets_path(f"media/{digest}{PurePosixPath(rendition.file.name).suffix.lower()}")


def media_url(rendition):
    """URL of an image rendition; while baking, the file is collected to sit in the site
    under its content-hashed name (`media_site_path`)."""
    state = current()
    if state is None or not state.baking:
        return rendition.url
    # Once per batch: a listing page shows a dozen renditions, each naming its file from the
    # storage's path and a stat() — a millisecond a page when asked each time.
    cache = state.cache if state.cache is not None else NO_CACHE
    site_path, source = cache.get(
        ("media", rendition.file.name), lambda: (media_site_path(rendition), Path(rendition.file.path))
    )
    state.media[site_path] = source
    return _baked_link(site_path, state)


def renditions_of(image, *specs):
    """`image.get_renditions(*specs)` ({spec: rendition}), looked up once per batch: a post's
    lead picture is asked for by its page three times (the picture, Open Graph, JSON-LD) and
    by every listing card of a job, and Wagtail parses the specs and queries each time."""
    state = current()
    cache = state.cache if state is not None and state.cache is not None else NO_CACHE
    key = ("renditions", image.pk, image.file.name, specs)
    return cache.get(key, lambda: image.get_renditions(*specs))


# The language and time zone a render is in, as Django has them active (`render_in_language`).
_locale: ContextVar[tuple | None] = ContextVar("samizdat_render_locale", default=None)


def render_language():
    """`translation.get_language()`, read from the render's own record inside
    `render_in_language`: Django keeps the active language in an asgiref `Local`, some
    microseconds a look, and a listing page looks a hundred times (each interface string,
    date and number) — about a tenth of its render."""
    locale = _locale.get()
    return locale[0] if locale is not None else translation.get_language()


def render_zone():
    """`timezone.get_current_timezone()`, likewise."""
    locale = _locale.get()
    return locale[1] if locale is not None else timezone.get_current_timezone()


def render_in_language(language, call, zone=None):
    """Call `call()` (a page's serve or preview) in `language` — and the edition's time zone
    `zone` (a tzinfo), which dates are shown in — and render the response now."""
    zone = zone or timezone.get_default_timezone()
    with translation.override(language), timezone.override(zone):
        token = _locale.set((translation.get_language(), zone))
        try:
            response = call()
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()
        finally:
            _locale.reset(token)
    return response


class ReadCache:
    """Lookups shared by the pages of one batch (a page's edition, a blog's newest posts, a
    listing's ordered ids). Passed explicitly: made by whoever starts the batch.

    `bulk` says the batch renders whole listings in a row (a full bake's job), so listing
    reads fetch a listing's ids once and slice them, instead of asking per page."""

    def __init__(self, *, bulk=False):
        self.bulk = bulk
        self._values = {}

    def get(self, key, compute):
        if key not in self._values:
            self._values[key] = compute()
        return self._values[key]

    def peek(self, key):
        return self._values.get(key)


class NoCache(ReadCache):
    """Computes every time: for reads outside a batch, where nothing may be remembered."""

    def get(self, key, compute):
        return compute()


NO_CACHE = NoCache()


def cache_of(request):
    """The batch's cache the renderer put on `request`; a preview or an admin request gets
    one of its own, kept for that request."""
    cache = getattr(request, "samizdat_cache", None) if request is not None else None
    if cache is None:
        cache = ReadCache()
        if request is not None:
            request.samizdat_cache = cache
    return cache
