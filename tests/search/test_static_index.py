"""Each edition's static search index (Pagefind): what it holds, how a rebuild touches the
site folder, and that a publish rebuilds it later, on the worker, never inside the publish."""

import gzip
import json
from urllib.parse import unquote
from datetime import timedelta

import pytest
from django.utils import timezone

from samizdat.publishing.services import site_bake_full
from samizdat.publishing.signals import site_files_written
from samizdat.search import services
from samizdat.search.models import IndexState

from tests.publishing.test_crash import samizdat, scratch  # noqa: F401 — the fixture

from .conftest import WORDS, post_publish

pytestmark = pytest.mark.django_db


def fragments(folder):
    """Every record of an index, in all its parts: Pagefind's fragments are gzipped JSON after
    a signature."""
    records = []
    for file in sorted(folder.glob("p*/fragment/*.pf_fragment")):
        data = gzip.decompress(file.read_bytes())
        assert data.startswith(b"pagefind_dcd")
        records.append(json.loads(data[len(b"pagefind_dcd"):]))
    return records


@pytest.fixture
def baked(fresh_site, search_posts):
    site_bake_full(reason="search test")
    return fresh_site


def test_each_edition_gets_an_index_of_its_published_posts(baked, editions, search_posts):
    from samizdat.newsroom import selectors

    for lang, edition in editions.items():
        state = services.index_build(edition=edition)
        folder = baked / lang / "pagefind"
        parts = json.loads((folder / "parts.json").read_text())["parts"]
        assert len(parts) == state.posts // 3 + bool(state.posts % 3) > 1, "parts of 3 posts (test settings)"
        assert sorted(p.name for p in folder.iterdir()) == sorted([*(p.strip("/") for p in parts), "parts.json"])
        for part in parts:
            assert (folder / part / "pagefind.js").exists() and (folder / part / "pagefind-entry.json").exists()
            assert not list((folder / part).glob("pagefind-ui*")) and not list((folder / part).glob("pagefind-component-ui*"))
        records = fragments(folder)
        assert state.posts == len(records) == selectors.searchable_posts(edition).count() > 1
        assert state.bytes == sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
        urls = {r["url"] for r in records}
        post = search_posts[lang]
        relative = "/" + post.reader_path[len(edition.reader_path):] + "index.html"
        assert relative in {unquote(u) for u in urls}, "from the edition's folder: works on any copy"
        mine = next(r for r in records if unquote(r["url"]) == relative)
        assert mine["meta"]["title"] == services.search_normalise(WORDS[lang][0])
        # The article only: no navigation, no footer, no kicker.
        assert "Text size" not in mine["content"] and "All languages" not in mine["content"]
    for record in fragments(baked / "fa" / "pagefind"):
        assert "\u200c" not in record["content"], "indexed in search's normal form, entities too"
    fa = next(r for r in fragments(baked / "fa" / "pagefind") if r["meta"]["title"].startswith("کتابخانهها"))
    assert "میخواهند" in fa["content"]


def test_the_copy_pagefind_reads_is_the_head_and_the_article(baked, search_posts):
    """What Pagefind indexes, no more: the latest posts beside the article change with every
    publish and must not make a part look changed."""
    page = (baked / search_posts["en"].reader_path.lstrip("/") / "index.html").read_text()
    copy = services.indexed_html(page)
    assert 'class="latest"' in page and 'class="latest"' not in copy and "About this blog" not in copy
    assert "data-pagefind-body" in copy and WORDS["en"][1] in copy and copy.startswith(page[:page.index("</head>")])
    assert services.indexed_html("<p>no marker</p>") == "<p>no marker</p>"


def test_character_references_are_folded_too():
    assert services.html_normalise("<p>می&zwnj;خواهم می&#8204;روم می&#x200C;آیم &amp; &#1000000000;</p>") == (
        "<p>میخواهم میروم میآیم &amp; &#1000000000;</p>"
    )


def test_a_rebuild_writes_only_what_changed_and_tells_signing_and_mirrors(baked, editions):
    en = editions["en"]
    told = []

    def receiver(sender, files, **kwargs):
        told.append(files)

    site_files_written.connect(receiver)
    try:
        services.index_build(edition=en)
        first = told.pop()
        assert "en/pagefind/parts.json" in first and all(f.startswith("en/pagefind/") for f in first)
        parts = json.loads((baked / "en" / "pagefind" / "parts.json").read_text())["parts"]
        assert all(f"en/pagefind/{part}pagefind-entry.json" in first for part in parts)
        before = {f: f.stat().st_mtime_ns for f in (baked / "en" / "pagefind").rglob("*") if f.is_file()}
        services.index_build(edition=en)
        assert told == [], "nothing changed, nothing written, nobody told"
        after = {f: f.stat().st_mtime_ns for f in (baked / "en" / "pagefind").rglob("*") if f.is_file()}
        assert after == before

        post = post_publish(en, "Pangolins at the Station", "Pangolins waited.", slug="pangolins")
        site_bake_full(reason="search test")
        services.index_build(edition=en)
        changed = told.pop()
        newest = json.loads((baked / "en" / "pagefind" / "parts.json").read_text())["parts"][-1]
        assert f"en/pagefind/{newest}pagefind-entry.json" in changed
        assert {f.split("/")[2] for f in changed} <= {newest.strip("/"), "parts.json"}, (
            "a new post rebuilds the newest part only, not the archive")
        assert any(r["meta"]["title"] == post.title for r in fragments(baked / "en" / "pagefind"))
        # Into the same part again (now that it exists): its unchanged script stays as it is.
        post_publish(en, "Pangolins Return", "Pangolins came back.", slug="pangolins-return")
        site_bake_full(reason="search test")
        services.index_build(edition=en)
        changed = told.pop()
        assert json.loads((baked / "en" / "pagefind" / "parts.json").read_text())["parts"][-1] == newest
        assert f"en/pagefind/{newest}pagefind-entry.json" in changed
        assert f"en/pagefind/{newest}pagefind.js" not in changed, "the unchanged script is kept"
        # Files the new index does not use are gone (they are in `changed` as removals).
        live = {f.relative_to(baked).as_posix() for f in (baked / "en" / "pagefind").rglob("*") if f.is_file()}
        assert all(f in live or not (baked / f).exists() for f in changed)
    finally:
        site_files_written.disconnect(receiver)


@pytest.mark.parametrize("boundaries, pks, size, expected", [
    ([], [], 3, []),
    ([], [1, 2, 3], 3, []),  # one part while it holds no more than the size
    ([], [1, 2, 3, 4], 3, [4]),
    ([], [1, 2, 5, 6, 7, 9, 10], 3, [6, 10]),  # the first build of an archive: parts of 3
    ([6, 10], [1, 6, 7, 9, 10, 11, 12], 3, [6, 10]),  # deletions never move a boundary
    ([6, 10], [1, 6, 10, 11, 12, 14], 3, [6, 10, 14]),  # new posts fill the last part, then a new one
    ([6], [20, 21], 3, [6]),  # an emptied first part stays empty (numbers stay put)
])
def test_parts_split(boundaries, pks, size, expected):
    assert services.parts_split(boundaries, pks, size) == expected
    for pk in pks:
        part = services.part_of(expected, pk)
        assert part == 0 or expected[part - 1] <= pk


def test_editing_an_old_post_rebuilds_its_part_only(baked, editions):
    from samizdat.newsroom import selectors

    en = editions["en"]
    services.index_build(edition=en)
    told = []

    def receiver(sender, files, **kwargs):
        told.append(files)

    oldest = selectors.searchable_posts(en).order_by("pk").first().specific
    oldest.title = "Wombats in the Old Archive"
    oldest.save_revision().publish()
    site_bake_full(reason="search test")
    site_files_written.connect(receiver)
    try:
        services.index_build(edition=en)
    finally:
        site_files_written.disconnect(receiver)
    assert told, "the edit was indexed"
    assert {f.split("/")[2] for f in told[0]} == {"p0"}, "only the first part, where the oldest post is"
    assert any(r["meta"]["title"] == "Wombats in the Old Archive" for r in fragments(baked / "en" / "pagefind"))


def test_a_rebuild_that_fails_is_finished_by_the_next(baked, editions, monkeypatch):
    """The folded copies are updated before Pagefind runs: if it fails, the part must still
    count as changed next time, or the index would stay without the new post for good."""
    from samizdat.newsroom import selectors

    en = editions["en"]
    services.index_build(edition=en)
    post = selectors.searchable_posts(en).order_by("pk").first().specific  # in the first part, built
    post.title = "Axolotls in the Canal"
    post.save_revision().publish()
    site_bake_full(reason="search test")
    real_run = services._run

    def failing(coroutine):
        coroutine.close()
        raise OSError("No space left on device")

    monkeypatch.setattr(services, "_run", failing)
    with pytest.raises(OSError):
        services.index_build(edition=en)
    monkeypatch.setattr(services, "_run", real_run)
    services.index_build(edition=en)
    assert any(r["meta"]["title"] == post.title for r in fragments(baked / "en" / "pagefind"))
    assert not list((services.Path(services.settings.DATA_DIR) / "search").glob("pages-*/p*.pending"))


def test_a_full_bake_keeps_the_index(baked, editions):
    services.index_build(edition=editions["ru"])
    site_bake_full(reason="search test")
    assert (baked / "ru" / "pagefind" / "parts.json").exists()
    assert (baked / "ru" / "pagefind" / "p0" / "pagefind-entry.json").exists()


def test_a_publish_queues_one_deferred_low_priority_rebuild_the_worker_runs_later(fresh_site, editions, settings):
    """As in production: the bake's task comes first and does not build the index; the index
    task waits for the debounce, and a second publish meanwhile adds no second task."""
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    settings.SAMIZDAT_BAKE_EAGER = False
    settings.SAMIZDAT_STATIC_SEARCH = True
    settings.SAMIZDAT_SEARCH_DEBOUNCE = 30
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    site_bake_full(reason="search test")
    DBTaskResult.objects.all().delete()  # the full bake's own rebuild request: not this test's
    IndexState.objects.all().delete()
    runner = Worker(queue_names=["*"], excluded_queue_names=[], interval=0, batch=True, backend_name="default",
                    startup_delay=False, max_tasks=None, worker_id="test")

    def run_ready():
        while (task := DBTaskResult.objects.ready().first()) is not None:
            task.claim("test")
            runner.run_task(task)

    en = editions["en"]
    post = post_publish(en, "Capybaras Cross the Bridge", "Capybaras crossed.", slug="capybaras")
    run_ready()
    assert (fresh_site / post.reader_path.lstrip("/") / "index.html").exists(), "the publish went live"
    assert not (fresh_site / "en" / "pagefind").exists(), "not built inside the publish"
    waiting = DBTaskResult.objects.filter(task_path__endswith="index_update")
    assert waiting.count() == 1
    task = waiting.get()
    assert task.priority == services.INDEX_PRIORITY < 0
    assert task.run_after > timezone.now() + timedelta(seconds=20)
    assert IndexState.objects.get(edition=en).queued

    post_publish(en, "Capybaras Again", "More capybaras.", slug="capybaras-again")
    run_ready()
    assert waiting.count() == 1, "debounced: one rebuild for both publishes"

    waiting.update(run_after=timezone.now())  # the debounce has passed
    run_ready()
    state = IndexState.objects.get(edition=en)
    assert not state.queued and state.built_at and state.last_error == ""
    titles = {r["meta"]["title"] for r in fragments(fresh_site / "en" / "pagefind")}
    assert {"Capybaras Cross the Bridge", "Capybaras Again"} <= titles
    assert not DBTaskResult.objects.failed().exists()


def test_the_index_of_an_edition_taken_offline_goes_with_it(baked, editions, settings):
    """Its fragments hold the full text of the edition's posts: a withdrawn edition's index
    must not stay on the site (nor on mirrors: the removal is announced)."""
    settings.SAMIZDAT_STATIC_SEARCH = True
    services.index_build(edition=editions["ru"])
    services.index_build(edition=editions["en"])
    told = []

    def receiver(sender, files, **kwargs):
        told.append(files)

    site_files_written.connect(receiver)
    try:
        editions["ru"].unpublish()
        services.index_enqueue(full=False, paths=[])
    finally:
        site_files_written.disconnect(receiver)
    assert not (baked / "ru" / "pagefind").exists()
    assert (baked / "en" / "pagefind" / "parts.json").exists(), "a live edition keeps its index"
    assert told and "ru/pagefind/parts.json" in told[0] and "ru/pagefind/p0/pagefind-entry.json" in told[0]



# In its own process on a file database, as the worker runs the task.
NOT_WAITING = """
import json, threading
from samizdat.newsroom.models import ServicePage
from samizdat.search import services
from samizdat.search.models import IndexState
en = ServicePage.objects.get(language_code="en")
listing = services.edition_folder(en) / "pagefind" / "parts.json"
services.index_update.func(en.pk)
built_on_return = listing.exists()
import os, pathlib, time
def children():  # (pid, niceness) of this process's children, from /proc
    found = []
    for stat in pathlib.Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == os.getpid():
            found.append(int(fields[16]))
    return found
niceness = children()
deadline = time.monotonic() + 30
while niceness and niceness[0] < 10 and time.monotonic() < deadline:  # until the command has lowered it
    time.sleep(0.05)
    niceness = children() or niceness
reapers = [t for t in threading.enumerate() if t.name.startswith("search-")]
[t.join(300) for t in reapers]
state = IndexState.objects.get(edition=en)
print(json.dumps({"built_on_return": built_on_return, "reapers": len(reapers), "built": listing.exists(),
                  "niceness": niceness,
                  "posts": state.posts, "error": state.last_error}))
"""


def test_the_worker_does_not_wait_for_a_rebuild(scratch):  # noqa: F811
    """The task hands the rebuild to a process of its own and returns at once: a publish
    queued behind it is not held up for the seconds or minutes a rebuild takes, nor shares
    the worker's interpreter with it."""
    env = {k: v for k, v in scratch.items() if k != "DATABASE_URL"}
    samizdat(env, "migrate", "-v0")
    samizdat(env, "demo")
    result = json.loads(samizdat(env, "shell", "-c", NOT_WAITING).stdout.strip().splitlines()[-1])
    assert not result["built_on_return"], "the task returned before the rebuild finished"
    assert result["reapers"] == 1, "one child process, waited for by one thread"
    assert result["niceness"] and result["niceness"][0] >= 10, "at a lower CPU priority than the worker"
    assert result["built"] and result["posts"] > 0 and result["error"] == "", result

