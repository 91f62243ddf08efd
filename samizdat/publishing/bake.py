"""The bake, in explicit stages: collect paths, render each, write atomically, prune."""

import fcntl
import hashlib
import json
import logging
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from wagtail.models import Page, Site

from samizdat.theme.jinja import STATIC_DIR

from .context import assets_path
from .renderer import Renderer
from .writer import SiteWriter

logger = logging.getLogger(__name__)
# Site path → theme file. favicon.ico sits at the root because browsers ask for it there
# by themselves (answering with the baked 404 page would cost more).
STATIC_FILES = {
    assets_path("site.css"): "site.css",
    assets_path("textsize.js"): "textsize.js",
    "/favicon.ico": "favicon.ico",
}


@dataclass
class BakeReport:
    full: bool
    rendered: int = 0
    changed: int = 0
    removed: int = 0
    seconds: float = 0.0

    def as_dict(self):
        return asdict(self)


@contextmanager
def bake_lock():
    """One bake at a time per data folder, across processes (web, worker, CLI)."""
    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    with open(settings.DATA_DIR / "bake.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def collect_paths():
    """Every reader path of the live site, as the pages themselves declare them."""
    site = Site.objects.get(is_default_site=True)
    paths = []
    for page in Page.objects.descendant_of(site.root_page, inclusive=True).live().specific():
        if hasattr(page, "get_baked_paths"):
            paths.extend(page.get_baked_paths())
    return paths


def clock_signature():
    """What time-triggered state the site shows now: active banners and pins."""
    from samizdat.newsroom.models import BreakingNews, PostPage

    now = timezone.now()
    banners = list(
        BreakingNews.objects.filter(starts_at__lte=now, expires_at__gt=now).order_by("pk").values_list("pk", flat=True)
    )
    pins = list(PostPage.objects.live().filter(pinned_until__gt=now).order_by("pk").values_list("pk", flat=True))
    return hashlib.sha256(json.dumps([banners, pins]).encode()).hexdigest()[:16]


def _clock_file():
    return settings.DATA_DIR / "baked-clock"


def baked_clock_signature():
    try:
        return _clock_file().read_text().strip()
    except FileNotFoundError:
        return ""


def bake(paths=None, *, full=False):
    """Render `paths` (or the whole site when `full`) into the site folder.

    Callers hold `bake_lock()`; the journal (`services.batch_run_pending`) does.
    """
    started = time.monotonic()
    site_dir = Path(settings.SAMIZDAT_SITE_DIR)
    site_dir.mkdir(parents=True, exist_ok=True)
    signature = clock_signature()
    if full:
        paths = collect_paths()
    report = BakeReport(full=full)
    renderer = Renderer()
    writer = SiteWriter(site_dir)

    for site_path, name in STATIC_FILES.items():
        writer.write_bytes(site_path, (STATIC_DIR / name).read_bytes())
    for path in dict.fromkeys(paths or []):
        rendered = renderer.render_path(path)
        report.rendered += 1
        if rendered.content is None:
            writer.remove(path)
            continue
        writer.write_bytes(path, rendered.content)
        for media_path, source in rendered.media.items():
            writer.copy_file(media_path, source)
    writer.write_bytes("/404.html", renderer.render_not_found())
    if full:
        report.removed = writer.prune()
    report.changed = writer.changed
    report.seconds = round(time.monotonic() - started, 3)
    _clock_file().write_text(signature)
    logger.info("baked %s", report.as_dict())
    return report
