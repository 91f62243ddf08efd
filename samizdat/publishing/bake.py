"""The bake, in explicit stages: collect paths, render each, write atomically, prune."""

import fcntl
import json
import logging
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from wagtail.models import Page, Site

from samizdat.theme.jinja import STATIC_DIR, asset_name

from samizdat.newsroom.selectors import BULK

from .context import assets_path, batch_memo, memoized
from .renderer import Renderer, redirect_paths
from .writer import SiteWriter

logger = logging.getLogger(__name__)
# Site path → theme file. Theme assets carry their content hash in their name (cached for
# ever); favicon.ico sits at the root because browsers ask for it there by themselves
# (answering with the baked 404 page would cost more).
STATIC_FILES = {
    assets_path(asset_name("site.css")): "site.css",
    assets_path(asset_name("site.js")): "site.js",
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


def collect_paths(root=None):
    """Every reader path of the live site (or of the subtree at `root`), as the pages
    themselves declare them, then the redirect pages of moved addresses."""
    site = Site.objects.get(is_default_site=True)
    root = root or site.root_page
    paths = []
    with batch_memo():
        for page in Page.objects.descendant_of(root, inclusive=True).live().specific().iterator():
            if hasattr(page, "get_baked_paths"):
                paths.extend(page.get_baked_paths())
    if root.pk == site.root_page_id:
        live = set(paths)
        paths += [p for p in redirect_paths(site) if p not in live]
    return paths


def _clock_file():
    return settings.DATA_DIR / "baked-clock.json"


def baked_clock_state():
    """The per-service clock state (`dependencies.clock_state`) the site last showed."""
    try:
        return json.loads(_clock_file().read_text())
    except (FileNotFoundError, ValueError):
        return {}


def baked_clock_state_save(state):
    _clock_file().write_text(json.dumps(state, sort_keys=True))


# A job is a slice of the work one process renders: reader paths, or ids of posts that are
# fetched in bulk with everything their pages show.
JOB_SIZE = 200


def full_plan():
    """The whole site as jobs: each listing page's paths, redirects, then posts by id."""
    from samizdat.newsroom.models import PostPage

    site = Site.objects.get(is_default_site=True)
    jobs, taken = [], set()
    with batch_memo():
        others = Page.objects.descendant_of(site.root_page, inclusive=True).live().not_type(PostPage)
        for page in others.specific().iterator():
            if hasattr(page, "get_baked_paths"):
                paths = page.get_baked_paths()
                taken.update(paths)
                jobs += [("page", (page.pk, paths[i : i + JOB_SIZE])) for i in range(0, len(paths), JOB_SIZE)]
    redirects = [p for p in redirect_paths(site) if p not in taken]
    jobs += [("paths", redirects[i : i + JOB_SIZE]) for i in range(0, len(redirects), JOB_SIZE)]
    post_ids = list(PostPage.objects.live().order_by("path").values_list("pk", flat=True))
    jobs += [("posts", post_ids[i : i + JOB_SIZE]) for i in range(0, len(post_ids), JOB_SIZE)]
    return jobs


def _posts_for_job(ids):
    from samizdat.newsroom.models import PostPage

    return (
        PostPage.objects.live()
        .filter(pk__in=ids)
        .select_related("lead_image")
        .prefetch_related("post_authors__author", "tags", "corrections", "lead_image__renditions")
        .order_by("path")
    )


def _render_job(renderer, kind, items):
    if kind == "posts":  # fetched in bulk with everything their pages show
        for post in _posts_for_job(items):
            yield renderer.render_page(post, post.reader_path)
    elif kind == "page":  # one page's own paths (a listing's archive pages), routed below it
        page_id, paths = items
        page = Page.objects.get(pk=page_id).specific
        for path in paths:
            yield renderer.render_below(page, path)
    else:
        for path in dict.fromkeys(items):
            yield renderer.render_path(path)


def run_job(job):
    """Render and write one job; returns what it wrote, for the full bake's prune."""
    kind, items = job
    renderer = Renderer()
    writer = SiteWriter(Path(settings.SAMIZDAT_SITE_DIR))
    rendered = 0
    with batch_memo():
        if kind != "paths":
            memoized(BULK, lambda: True)  # whole listings in a row: read them in bulk
        for result in _render_job(renderer, kind, items):
            rendered += 1
            if result.content is None:
                writer.remove(result.path)
                continue
            writer.write_bytes(result.path, result.content)
            for media_path, source in result.media.items():
                writer.copy_file(media_path, source)
    return [str(p) for p in writer.written], rendered, writer.changed


def _run_jobs(jobs, workers):
    """Run jobs here, or in `workers` forked processes (each opens its own connection)."""
    if workers <= 1 or len(jobs) <= 1:
        yield from map(run_job, jobs)
        return
    import multiprocessing

    from django.db import connections

    connections.close_all()  # a forked child must not share the parent's socket
    with multiprocessing.get_context("fork").Pool(workers, initializer=connections.close_all) as pool:
        yield from pool.imap_unordered(run_job, jobs)


def bake(paths=None, *, full=False, workers=1):
    """Render `paths` (or the whole site when `full`) into the site folder.

    Callers hold `bake_lock()`; the journal (`services.batch_run_pending`) does.
    """
    from . import dependencies

    started = time.monotonic()
    site_dir = Path(settings.SAMIZDAT_SITE_DIR)
    site_dir.mkdir(parents=True, exist_ok=True)
    if full:
        clock = dependencies.clock_state()
        dependencies.states_rebuild()
        jobs = full_plan()
    else:
        jobs = [("paths", list(paths or []))]
    report = BakeReport(full=full)
    writer = SiteWriter(site_dir)
    for site_path, name in STATIC_FILES.items():
        writer.write_bytes(site_path, (STATIC_DIR / name).read_bytes())
    for written, rendered, changed in _run_jobs(jobs, workers):
        writer.claim_all(Path(p) for p in written)
        report.rendered += rendered
        writer.changed += changed
    writer.write_bytes("/404.html", Renderer().render_not_found())
    if full:
        report.removed = writer.prune()
        baked_clock_state_save(clock)
    report.changed = writer.changed
    report.seconds = round(time.monotonic() - started, 3)
    logger.info("baked %s", report.as_dict())
    return report
