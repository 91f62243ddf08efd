"""The bake, in explicit stages: plan the paths, render each, write atomically, prune.

A page that fails to render fails alone: its live file stays as it was, the failure is
reported (`BakeReport.failures`) for the journal to retry with back-off, and every other
page of the batch goes live. Only a page that no longer exists is removed.
"""

import errno
import gc
import logging
import multiprocessing
import os
import time
from contextlib import contextmanager, nullcontext
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path

from django.conf import settings
from django.db import connection, connections, transaction
from wagtail.models import Page

from samizdat.core.rendering import ReadCache, assets_path
from samizdat.newsroom import selectors
from samizdat.newsroom.models import post_baked_paths
from samizdat.theme.jinja import STATIC_DIR, asset_name

from . import clock
from .plan import full_plan
from .renderer import Renderer
from .state import states_rebuild
from .locks import exclusive
from .writer import SiteWriter, site_file

logger = logging.getLogger(__name__)
# Site path → theme file. Theme assets carry their content hash in their name (cached for
# ever); favicon.ico sits at the root because browsers ask for it there by themselves
# (answering with the baked 404 page would cost more).
STATIC_FILES = {
    assets_path(asset_name("site.css")): "site.css",
    assets_path(asset_name("site.js")): "site.js",
    assets_path(asset_name("site-search.js")): "site-search.js",  # the search page's only
    "/favicon.ico": "favicon.ico",
}


@dataclass
class BakeReport:
    full: bool
    rendered: int = 0
    changed: int = 0
    removed: int = 0
    seconds: float = 0.0
    failures: dict = field(default_factory=dict)  # reader path → why it could not be baked
    files: list = field(default_factory=list)  # incremental: site files written or kept (relative)

    def as_dict(self):
        return {k: v for k, v in asdict(self).items() if k != "files"}


@contextmanager
def bake_lock(*, blocking=True):
    """One incremental bake at a time per data folder and database, across processes and
    machines (web, workers, CLI): two bakes of one path must not race to write it. Yields
    whether it is held (always, when `blocking`)."""
    with exclusive("bake", blocking=blocking) as mine:
        yield mine


def _render_calls(renderer, kind, items):
    """(path, render) for each page of a job; `render()` gives a `Rendered`."""
    if kind == "posts":  # read in bulk as rows, with everything their pages show
        posts = selectors.post_rows(items, renderer.cache)
        translations = selectors.translations_of_rows(posts, renderer.cache)
        for post in posts:
            yield post.reader_path, lambda post=post: renderer.render_post(post, translations[post.pk])
            for path in post_baked_paths(post.reader_path, post.service)[1:]:  # its republish page
                yield path, lambda path=path: renderer.render_path(path)
    elif kind == "page":  # one page's own paths (a listing's archive pages), routed below it
        page_id, paths = items
        page = Page.objects.get(pk=page_id).specific
        for path in paths:
            yield path, lambda path=path: renderer.render_below(page, path)
    else:
        for path in dict.fromkeys(items):
            yield path, lambda path=path: renderer.render_path(path)


def _isolated():
    """A savepoint around one page when the caller holds a transaction, so one page's
    failed query cannot spoil the rest of the batch."""
    return transaction.atomic() if connection.in_atomic_block else nullcontext()


def _remove(writer, path):
    try:
        writer.remove(path)
    except OSError as exc:
        if exc.errno != errno.ENAMETOOLONG:  # a name too long was never on disk
            raise


def _exists(file):
    try:
        return file.exists()
    except OSError:  # e.g. a name too long to have been written
        return False


def run_job(job, *, sync=True):
    """Render and write one job; returns what it wrote (for the full bake's prune), how
    many pages it rendered and changed, and the pages that failed. Its files are on disk
    when it returns, unless `sync` is false: the caller then syncs once for all its jobs."""
    kind, items = job
    # Whole listings in a row (a full bake's jobs): read each listing's ids once.
    renderer = Renderer(cache=ReadCache(bulk=kind != "paths"))
    writer = SiteWriter(Path(settings.SAMIZDAT_SITE_DIR), sync_each=kind == "paths")
    rendered, failures = 0, {}
    for path, render in _render_calls(renderer, kind, items):
        rendered += 1
        try:
            with _isolated():
                result = render()
            if result.content is None:
                _remove(writer, result.path)
                continue
            writer.write_bytes(result.path, result.content)
            for media_path, source in result.media.items():
                writer.copy_file(media_path, source)
        except Exception as exc:
            logger.exception("could not bake %s; its live file is kept and it will be retried", path)
            failures[path] = f"{type(exc).__name__}: {exc}"[:500]
    if sync:
        writer.sync()
    return [str(p) for p in writer.written], rendered, writer.changed, failures


def _run_jobs(jobs, workers, *, sync=True, meanwhile=None):
    """Run jobs here, or in `workers` forked processes (each opens its own connection).
    `meanwhile()` runs here once the jobs are handed out — beside them, on a core the
    workers would otherwise leave idle while it runs (before them, without workers)."""
    run = partial(run_job, sync=sync)
    if workers <= 1 or len(jobs) <= 1:
        if meanwhile is not None:
            meanwhile()
        yield from map(run, jobs)
        return
    connections.close_all()  # a forked child must not share the parent's socket
    with multiprocessing.get_context("fork").Pool(workers, initializer=_child_start) as pool:
        results = pool.imap_unordered(run, jobs)
        if meanwhile is not None:
            meanwhile()
        yield from results


def _child_start():
    """A forked bake process: its own connections, and a garbage collector that leaves alone
    what it inherited (Django, the templates) and runs less often — rendering makes short-lived
    objects by the million, and collecting every 700 allocations cost 6–8 % of the render
    time (user CPU of all jobs of a 10,000-post site, one process: 21.1 → 19.8 s)."""
    connections.close_all()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


def _static_files(writer):
    for site_path, name in STATIC_FILES.items():
        writer.write_bytes(site_path, (STATIC_DIR / name).read_bytes())
    writer.write_bytes("/404.html", Renderer().render_not_found())


def full_prepare(*, rebuild=True):
    """The start of a full bake: the clock state it bakes (read first: a banner that starts
    during the bake is caught by the next clock check), the remembered state rebuilt (unless
    the caller rebuilds it while the jobs run: rendering never reads it), and the jobs."""
    clock_now = clock.clock_state()
    if rebuild:
        states_rebuild()
    return clock_now, full_plan()


def full_finish(report, *, written, clock_now, rerender=(), prune=True):
    """The end of a full bake: re-render `rerender` (paths incremental bakes wrote while the
    jobs ran, which a job may have overwritten with an older rendering), write the theme
    files, prune every file no job wrote (unless the caller knows there is none: it baked
    into an empty folder, holding the bake lock), and remember the clock state baked."""
    site_dir = Path(settings.SAMIZDAT_SITE_DIR)
    writer = SiteWriter(site_dir)
    writer.claim_all(Path(p) for p in written)
    if rerender:
        more, rendered, changed, failures = run_job(("paths", sorted(rerender)))
        writer.claim_all((Path(p) for p in more), again=True)
        report.rendered += rendered
        report.changed += changed
        report.failures.update(failures)
    _static_files(writer)
    # A page that failed keeps its live file: the prune must not take it either.
    writer.claim_all(f for f in (site_file(site_dir, p) for p in report.failures) if _exists(f))
    report.removed = writer.prune() if prune else 0
    report.changed += writer.changed
    clock.baked_clock_state_save(clock_now)
    return report


def bake(paths=None, *, full=False, workers=1):
    """Render `paths` (or the whole site when `full`) into the site folder, here (a full
    bake in `workers` forked processes). The worker runs a full bake as tasks instead
    (`services.full_bake_start`), sharing the same stages.

    Callers hold the bake lock; the journal (`services.batch_run_pending`) does.
    """
    started = time.monotonic()
    site_dir = Path(settings.SAMIZDAT_SITE_DIR)
    site_dir.mkdir(parents=True, exist_ok=True)
    fresh = full and not any(site_dir.iterdir())  # a first bake: nothing to prune after it
    report = BakeReport(full=full)
    if full:
        clock_now, jobs = full_prepare(rebuild=False)
    else:
        jobs = [("paths", list(paths or []))]
    written = []
    # A full bake here is finished (and its batch marked so) only when it returns: one sync
    # of the disk at the end instead of one per job, each of which stopped a process while
    # the whole machine's writes went out. The remembered state is rebuilt while the jobs
    # run (the bake lock keeps every other bake out until it is done).
    runs = _run_jobs(jobs, workers if full else 1, sync=not full, meanwhile=states_rebuild if full else None)
    for job_written, rendered, changed, failures in runs:
        written += job_written
        report.rendered += rendered
        report.changed += changed
        report.failures.update(failures)
    if full:
        full_finish(report, written=written, clock_now=clock_now, prune=not fresh)
        os.sync()
    else:
        writer = SiteWriter(site_dir)
        writer.claim_all(Path(p) for p in written)
        _static_files(writer)
        report.changed += writer.changed
        report.files = sorted(Path(p).relative_to(site_dir).as_posix() for p in writer.written)
    report.seconds = round(time.monotonic() - started, 3)
    logger.info("baked %s", report.as_dict())
    return report
