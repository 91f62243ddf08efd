"""The static search index of each edition (the origin's search is `views.py`).

Every copy of the site — a mirror, a sub-path, a `wget` copy — carries the index Pagefind
builds from the edition's baked post pages (`site/<edition>/pagefind/`): the search page's
script (`theme/static/samizdat/site-search.js`) loads it, so search works wherever the files
are served, with no server. The index is rebuilt a little after a bake (`index_enqueue`, on
`publishing.signals.batch_baked`): a low-priority task on the worker, deferred by
`SAMIZDAT_SEARCH_DEBOUNCE` seconds so that a burst of publishes costs one rebuild, never
inside a publish; the task runs the rebuild in a process of its own at a lower CPU priority
(`samizdat search_index --edition ID --background`, at nice 19), so the worker is free for the next
publish at once and its bakes do not share the interpreter with a rebuild. The index is kept in parts of at most `SAMIZDAT_SEARCH_PART_POSTS`
posts by post id (`parts_split`; `pagefind/p<n>/`, listed in `pagefind/parts.json`), so a
rebuild indexes only the parts whose pages changed — for a new post, the newest — and takes
as long at 100,000 posts as at 5,000. Pagefind names its chunks by their content, so a rebuild writes only the
chunks that changed (`_index_install`), and tells the layers above (`site_files_written`:
signing, mirrors) which files those were.

Pagefind reads the pages from a folder of their folded copies (`_sources_sync`, kept between
rebuilds, so a rebuild folds only the pages that changed) with its own parallel indexer; its
Python API's one-call-per-page path answers ten calls a second, too slow for an archive.

Text is indexed in `core.searchtext`'s normal form (Persian with and without ZWNJ, Arabic and
Persian yeh and kaf, Russian ё), and the page's script normalises the query the same way.
"""

import asyncio
import bisect
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from importlib.metadata import version as package_version
from types import SimpleNamespace

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import default_task_backend, task
from pagefind.index import PagefindIndex

from samizdat.core.files import atomic_write
from samizdat.core.searchtext import SEARCH_FOLDS, search_normalise
from samizdat.newsroom import selectors
from samizdat.newsroom.models import ServicePage, reader_path
from samizdat.publishing.locks import exclusive
from samizdat.publishing.signals import site_files_written

from .models import IndexState

logger = logging.getLogger(__name__)

INDEX_FOLDER = "pagefind"
# The Pagefind that builds the parts: a part built by another (before an upgrade) is rebuilt,
# since the search page merges parts with the first part's script.
PAGEFIND_VERSION = package_version("pagefind")
# Below publishing's own tasks (50) and Wagtail's (0): readers' pages come first.
INDEX_PRIORITY = -20
# What Pagefind writes for its ready-made interfaces; the search page uses its API only.
UNUSED_FILES = ("pagefind-ui.", "pagefind-component-ui.", "pagefind-modular-ui.", "pagefind-highlight.")


def static_search_enabled():
    return getattr(settings, "SAMIZDAT_STATIC_SEARCH", True)


def editions_of(paths, *, full):
    """The live editions a bake touched: every one after a full bake, else those holding a
    baked path."""
    editions = list(ServicePage.objects.live().order_by("path"))
    if full:
        return editions
    return [e for e in editions if any(p.startswith(e.reader_path) for p in paths)]


def index_enqueue(*, full, paths):
    """Queue one rebuild per touched edition, unless one is already waiting (it will index
    this bake's pages too). Quick: two small writes and a task row per edition."""
    if not static_search_enabled():
        return
    indexes_withdraw()
    delay = timedelta(seconds=getattr(settings, "SAMIZDAT_SEARCH_DEBOUNCE", 10))
    for edition in editions_of(paths, full=full):
        with transaction.atomic():
            IndexState.objects.get_or_create(edition=edition)
            if not IndexState.objects.filter(edition=edition, queued=False).update(queued=True):
                continue
            # The task row commits with the flag (the database queue); a queue that cannot
            # defer (the tests' immediate one) builds at once.
            queued = index_update
            if default_task_backend.supports_defer:
                queued = index_update.using(run_after=timezone.now() + delay)
            queued.enqueue(edition_id=edition.pk)


@task(priority=INDEX_PRIORITY)
def index_update(edition_id):
    """The task: rebuild one edition's index. The rebuild runs in a process of its own at a
    lower CPU priority (`SAMIZDAT_SEARCH_BACKGROUND`, on outside the tests), so the worker
    goes straight back to the queue and a publish's bake neither waits behind a rebuild nor
    shares the worker's interpreter lock or a core with it. If the worker stops meanwhile, the
    live index is untouched (each part is installed only once built) and the next bake
    queues another rebuild."""
    IndexState.objects.filter(edition_id=edition_id).update(queued=False)
    if getattr(settings, "SAMIZDAT_SEARCH_BACKGROUND", True):
        _index_update_spawn(edition_id)
    else:
        index_update_run(edition_id)


def _index_update_spawn(edition_id):
    """`samizdat search_index --edition ID --background` in a child process (same settings
    and data folder, from the environment), reaped by a thread that only waits."""
    command = [sys.executable, "-m", "samizdat.cli", "search_index", "--edition", str(edition_id), "--background"]
    child = subprocess.Popen(command, stdin=subprocess.DEVNULL, env=os.environ.copy())

    def reap():
        if child.wait():
            logger.error("the search index rebuild of edition %s exited with %s", edition_id, child.returncode)

    threading.Thread(target=reap, name=f"search-{edition_id}", daemon=True).start()


def index_update_run(edition_id):
    """Rebuild one edition's index; a failure is logged and kept on `IndexState` (the next
    bake queues another try)."""
    edition = ServicePage.objects.live().filter(pk=edition_id).first()
    if edition is None:
        return
    try:
        index_build(edition=edition)
    except Exception as error:
        IndexState.objects.filter(edition_id=edition_id).update(last_error=f"{type(error).__name__}: {error}")
        logger.exception("the search index of %s could not be rebuilt", edition.reader_path)


def indexes_withdraw():
    """Remove the index of every folder that is no longer a live edition's (unpublished,
    deleted or renamed): its fragments hold the full text of the edition's posts, and a full
    bake's prune keeps index folders (`SAMIZDAT_SITE_KEEP`). Answers the files removed, which
    are announced like a rebuild's so mirrors drop them too."""
    site_dir = Path(settings.SAMIZDAT_SITE_DIR)
    live = {edition_folder(e) for e in ServicePage.objects.live()}
    removed = []
    for folder in site_dir.glob(f"*/{INDEX_FOLDER}"):
        if folder.parent in live or not folder.is_dir():
            continue
        files = sorted(_files(folder).values())
        for file in files:
            file.unlink(missing_ok=True)
        shutil.rmtree(folder, ignore_errors=True)
        removed += [f.relative_to(site_dir).as_posix() for f in files]
        logger.info("removed the search index of %s, no longer a live edition", folder.parent.name)
    if removed:
        site_files_written.send_robust(sender=IndexState, files=removed)
    return removed


def edition_folder(edition):
    return Path(settings.SAMIZDAT_SITE_DIR) / edition.reader_path.strip("/")


def _post_files(edition):
    """(post id, path relative to the edition's folder, baked file) of each searchable post,
    by id."""
    site_dir = Path(settings.SAMIZDAT_SITE_DIR)
    base = edition.reader_path
    rows = selectors.searchable_posts(edition).order_by("pk").values_list("pk", "url_path")
    for pk, url_path in rows.iterator(chunk_size=2000):
        path = reader_path(SimpleNamespace(url_path=url_path))
        if path and path.startswith(base):
            yield pk, path[len(base):] + "index.html", site_dir / path.lstrip("/") / "index.html"


def part_size():
    return max(1, int(getattr(settings, "SAMIZDAT_SEARCH_PART_POSTS", 5000)))


def parts_split(boundaries, pks, size):
    """The parts' boundaries after `boundaries` (the first post id of each part after the
    first, ascending) for the posts `pks` (ascending): while the last part holds more than
    `size` posts, a new part starts after its first `size`. Boundaries are only ever added,
    so a post stays in its part and an edit rebuilds that part alone; new posts fill the last."""
    boundaries = list(boundaries)
    while True:
        first = bisect.bisect_left(pks, boundaries[-1]) if boundaries else 0
        if len(pks) - first <= size:
            return boundaries
        boundaries.append(pks[first + size])


def part_of(boundaries, pk):
    return bisect.bisect_right(boundaries, pk)


def _sources_sync(posts, sources, boundaries):
    """Bring `sources` — the folders Pagefind reads, one per part, kept between rebuilds — to
    `posts` (`_post_files`) in search's normal form. A page is folded again only
    when its baked file changed (the copy carries the baked file's mtime); pages no longer
    searchable, or now in another part, go. Answers (the parts' post counts, the parts whose
    pages changed)."""
    wanted, counts, changed = set(), {}, set()
    for pk, relative, file in posts:
        try:
            stat = file.stat()
        except FileNotFoundError:
            continue  # not baked (yet): the rebuild after its bake finds it
        part = part_of(boundaries, pk)
        counts[part] = counts.get(part, 0) + 1
        target = sources / f"p{part}" / relative
        wanted.add(target)
        try:
            if target.stat().st_mtime_ns == stat.st_mtime_ns:
                continue
        except FileNotFoundError:
            pass
        data = html_normalise(indexed_html(file.read_text("utf-8"))).encode()
        try:
            same = target.read_bytes() == data  # rewritten by a full bake, not changed
        except FileNotFoundError:
            same = False
        if not same:
            _pending(sources, part).touch()  # until the part is rebuilt, even if this run fails
            atomic_write(target, lambda f, data=data: f.write(data), sync=False)
            changed.add(part)
        os.utime(target, ns=(stat.st_mtime_ns, stat.st_mtime_ns))
    for file in list(sources.rglob("index.html")):
        if file not in wanted:
            top = file.relative_to(sources).parts[0]
            if re.fullmatch(r"p\d+", top):
                _pending(sources, int(top[1:])).touch()
                file.unlink()
                changed.add(int(top[1:]))
            else:
                file.unlink()
    # A part whose copies changed in a run that failed before rebuilding it.
    changed |= {int(m.name[1:].partition(".")[0]) for m in sources.glob("p*.pending")}
    return counts, changed


def _pending(sources, part):
    """The marker of a part whose folded pages changed and whose index is not yet rebuilt."""
    return sources / f"p{part}.pending"


async def _index_write(language, sources, output):
    config = {"force_language": language, "output_path": str(output), "keep_index_url": True}
    async with PagefindIndex(config=config) as index:
        await index.add_directory(str(sources))


_ARTICLE = re.compile(r"<article\b[^>]*\bdata-pagefind-body\b.*?</article>", re.S)


def indexed_html(html):
    """What Pagefind reads of a post page: its head and its article (`data-pagefind-body`; the
    rest of the page is not indexed). The copy leaves out the rest — the latest posts beside
    the article change with every publish — so a part is rebuilt only when what it indexes
    changed. A page without the marker is kept whole."""
    head_end, article = html.find("</head>"), _ARTICLE.search(html)
    if head_end < 0 or article is None:
        return html
    return f"{html[:head_end]}</head><body>{article[0]}</body></html>"


_ENTITY = re.compile(r"&(?:#[xX]([0-9a-fA-F]{1,6})|#([0-9]{1,7})|(zwnj|zwj|shy));")
_NAMED = {"zwnj": "\u200c", "zwj": "\u200d", "shy": "\u00ad"}


def html_normalise(html):
    """A page's HTML in search's normal form: the text, and the folded characters written as
    character references too (the body's cleaner may write ZWNJ as `&zwnj;`)."""

    def character(match):
        hexadecimal, decimal, name = match.groups()
        char = _NAMED[name] if name else chr(min(int(hexadecimal, 16) if hexadecimal else int(decimal), 0x10FFFF))
        return char if char in SEARCH_FOLDS else match[0]

    return search_normalise(_ENTITY.sub(character, html))


def _run(coroutine):
    """Pagefind's API is asynchronous: run it on a thread of its own, whatever the caller's
    thread already runs (a worker, a test driving a browser)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _files(folder):
    return {
        p.relative_to(folder).as_posix(): p
        for p in folder.rglob("*")
        if p.is_file() and not p.name.startswith((".", *UNUSED_FILES))
    }


def _index_install(new, live):
    """Bring `live` (the edition's index folder) to `new`'s contents: new and changed files
    first, the entry file last (it names the chunks), then remove what the new index does not
    use. Answers the paths written and removed."""
    written, removed = [], []
    new_files, live_files = _files(new), (_files(live) if live.exists() else {})
    for name in sorted(new_files, key=lambda n: n == ENTRY_FILE):
        data = new_files[name].read_bytes()
        target = live / name
        if name in live_files and live_files[name].read_bytes() == data:
            continue
        atomic_write(target, lambda f, data=data: f.write(data))
        written.append(target)
    for name, file in live_files.items():
        if name not in new_files:
            file.unlink(missing_ok=True)
            removed.append(file)
    return written, removed


def index_build(*, edition):
    """Rebuild `edition`'s static search index from its baked post pages; answers the
    `IndexState`. Files that changed are announced to the layers above (signing, mirrors)."""
    with exclusive(f"search-{edition.pk}"):  # one rebuild of an edition at a time, across workers
        return _index_build(edition)


PARTS_FILE = "parts.json"
ENTRY_FILE = "pagefind-entry.json"


def _part_version(folder):
    try:
        return json.loads((folder / ENTRY_FILE).read_text("utf-8")).get("version")
    except (OSError, ValueError):
        return None


def _index_build(edition):
    """Sync the folded pages, rebuild the parts whose pages changed (and any part a different
    Pagefind built), install each beside the live ones, then name the parts in `parts.json`
    (the search page's script reads it, loads the first part and merges the others) and
    remove what no part uses any more."""
    started, clock = timezone.now(), time.monotonic()
    site_dir = Path(settings.SAMIZDAT_SITE_DIR)
    live = edition_folder(edition) / INDEX_FOLDER
    work = Path(settings.DATA_DIR) / "search"
    sources = work / f"pages-{edition.pk}"
    sources.mkdir(parents=True, exist_ok=True)
    state, _ = IndexState.objects.get_or_create(edition=edition)
    posts = list(_post_files(edition))
    boundaries = parts_split(state.boundaries, [pk for pk, _, _ in posts], part_size())
    if boundaries != state.boundaries:
        IndexState.objects.filter(pk=state.pk).update(boundaries=boundaries)
    counts, changed = _sources_sync(posts, sources, boundaries)
    parts = sorted(counts)
    language = edition.language_code.split("-")[0].lower()
    written, removed, rebuilt = [], [], []
    for part in parts:
        folder = live / f"p{part}"
        if part not in changed and _part_version(folder) == PAGEFIND_VERSION:
            continue
        rebuilt.append(part)
        with tempfile.TemporaryDirectory(dir=work) as tmp:
            output = Path(tmp) / INDEX_FOLDER
            _run(_index_write(language, sources / f"p{part}", output))
            more_written, more_removed = _index_install(output, folder)
        _pending(sources, part).unlink(missing_ok=True)
        written += more_written
        removed += more_removed
    listing = json.dumps({"parts": [f"p{part}/" for part in parts]}).encode()
    parts_file = live / PARTS_FILE
    if not parts_file.exists() or parts_file.read_bytes() != listing:
        atomic_write(parts_file, lambda f: f.write(listing))
        written.append(parts_file)
    keep = {PARTS_FILE, *(f"p{part}" for part in parts)}
    for entry in list(live.iterdir()):
        if entry.name in keep:
            continue
        gone = [entry] if entry.is_file() else sorted(_files(entry).values())
        for file in gone:
            file.unlink(missing_ok=True)
        if entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        removed += gone
    size = sum(f.stat().st_size for f in _files(live).values())
    IndexState.objects.filter(pk=state.pk).update(
        built_at=started, posts=sum(counts.values()), bytes=size, seconds=time.monotonic() - clock, last_error=""
    )
    state.refresh_from_db()
    logger.info("search index of %s: %d posts in %d parts, rebuilt %s in %.1f s", edition.reader_path,
                state.posts, len(parts), [f"p{part}" for part in rebuilt], state.seconds)
    changed_files = [f.relative_to(site_dir).as_posix() for f in written + removed]
    if changed_files:
        site_files_written.send_robust(sender=IndexState, files=changed_files)
    return state


def index_build_all(edition_id=None):
    """Rebuild every live edition's index now, or only edition `edition_id`'s (`samizdat
    search_index`)."""
    editions = ServicePage.objects.live().order_by("path")
    if edition_id is not None:
        editions = editions.filter(pk=edition_id)
    return [index_build(edition=e) for e in editions]
