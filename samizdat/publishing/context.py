"""What the renderer knows about the page being rendered right now.

The same templates serve the Wagtail preview (absolute links into the running server)
and the bake (links relative to the baked file, so the folder works from any host, a
USB stick or an onion service). Templates and rich-text handlers ask `link()` and
`media_url()`; the renderer sets the state.
"""

import posixpath
from urllib.parse import quote
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings


@dataclass
class RenderState:
    here: str | None  # the reader path being baked ("/en/blog/post/"); None when previewing
    media: dict[str, Path] = field(default_factory=dict)  # site path → file to copy beside it

    @property
    def baking(self):
        return self.here is not None


_state: ContextVar[RenderState | None] = ContextVar("samizdat_render_state", default=None)
# Lookups shared by every page of one bake batch (a page's service, the blog's latest
# posts, the active banner): the renderer opens a memo, pages ask `memoized()`.
_memo: ContextVar[dict | None] = ContextVar("samizdat_render_memo", default=None)


@contextmanager
def batch_memo():
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def in_batch():
    return _memo.get() is not None


def memo_peek(key):
    """What the batch already remembers under `key`, or None."""
    memo = _memo.get()
    return memo.get(key) if memo is not None else None


def memoized(key, compute):
    """`compute()`, remembered for the rest of the bake batch (computed afresh outside one)."""
    memo = _memo.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


@contextmanager
def rendering(here):
    state = RenderState(here=here)
    token = _state.set(state)
    try:
        yield state
    finally:
        _state.reset(token)


def current():
    return _state.get()


def relative(target, here):
    """The link from reader path `here` to reader path `target`, both starting with "/"."""
    if target.startswith(("http://", "https://", "#")):
        return target
    base = here if here.endswith("/") else posixpath.dirname(here) + "/"
    rel = posixpath.relpath(target, base)
    if target.endswith("/"):
        rel = "./" if rel == "." else rel + "/"
    return rel


def link(target):
    """A reader path as the current render should write it, percent-encoded so Persian or
    Cyrillic slugs survive every static host."""
    state = current()
    if state is not None and state.baking:
        target = relative(target, state.here)
    return quote(target, safe="/:#?=&%~")


def assets_path(name):
    return f"/{settings.SAMIZDAT_ASSETS_PREFIX}/{name}"


def media_url(rendition):
    """URL of an image rendition; while baking, the file is collected to sit in the site."""
    state = current()
    if state is None or not state.baking:
        return rendition.url
    name = rendition.file.name  # e.g. "images/photo.width-800.jpg"
    site_path = assets_path(f"media/{name}")
    state.media[site_path] = Path(rendition.file.path)
    return relative(site_path, state.here)
