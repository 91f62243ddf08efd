"""Shared fixtures: the demo newsroom is loaded once per test session into the test
database, and baked once into a session folder. Tests that bake again use their own folder."""

import os
import re
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings

from samizdat.publishing.models import BakeBatch


def under_ci():
    """CI=true (or 1, yes), as GitHub Actions, GitLab CI and .ci/run set it."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def run_async(coroutine):
    """`asyncio.run` on a thread of its own: the browser tests' Playwright keeps an event loop
    running on the main thread for the whole session."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def require(condition, reason):
    """Skip the test unless `condition` holds — but fail it under CI, where a skipped
    browser or accessibility test would let its gate vanish without anyone noticing.
    `reason` says what is missing and how to install it."""
    if condition:
        return
    if under_ci():
        pytest.fail(f"{reason}. CI is set, so a missing test tool fails instead of skipping.", pytrace=False)
    pytest.skip(reason)


def pytest_collection_modifyitems(config, items):
    """Tests of what only PostgreSQL does (workers on several machines sharing one database)
    are deselected — reported, not skipped — when the suite runs on SQLite."""
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        return
    kept = [item for item in items if not item.get_closest_marker("postgresql")]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[item for item in items if item.get_closest_marker("postgresql")])
        items[:] = kept


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from samizdat.demo.loader import demo_content_load, demo_users_ensure
    from samizdat.publishing.services import site_bake_full

    with django_db_blocker.unblock():
        demo_content_load()
        demo_users_ensure()
        _scheduled_out_of_reach()
        site_bake_full(reason="test session")


def _scheduled_out_of_reach():
    """The demo schedules a post ten minutes ahead (for `make run`). On PostgreSQL the test
    database is shared with the `samizdat serve` a test starts with its worker
    (tests/security/test_worker_supervised.py), whose scheduler would publish the post —
    committed — once a session runs longer than ten minutes, while the session's baked site
    knows nothing of it. Thirty days ahead it stays scheduled; tests that need it due move it."""
    from datetime import timedelta

    from django.utils import timezone

    from samizdat.newsroom.models import PostPage

    later = timezone.now() + timedelta(days=30)
    for post in PostPage.objects.filter(live=False, go_live_at__isnull=False):
        PostPage.objects.filter(pk=post.pk).update(go_live_at=later)
        for revision in post.revisions.filter(approved_go_live_at__isnull=False):
            revision.approved_go_live_at = later
            revision.content["go_live_at"] = later.isoformat()
            revision.save(update_fields=["approved_go_live_at", "content"])


@pytest.fixture
def cache_cleared():
    """Django's cache empty before and after the test (rate limits and throttles count there)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def site_dir(db):
    """The demo site baked at session start (read-only for tests)."""
    return Path(settings.SAMIZDAT_SITE_DIR)


@pytest.fixture
def fresh_site(db, settings, tmp_path):
    """A private site folder and data folder for a test that bakes."""
    settings.SAMIZDAT_SITE_DIR = tmp_path / "site"
    settings.DATA_DIR = tmp_path
    return settings.SAMIZDAT_SITE_DIR


@pytest.fixture
def users(db):
    from django.contrib.auth import get_user_model

    User = get_user_model()
    return {u.username: u for u in User.objects.filter(username__in=["admin", "editor", "contributor"])}


def read(site, path):
    file = Path(site) / path.lstrip("/")
    if path.endswith("/"):
        file = file / "index.html"
    return file.read_text(encoding="utf-8")


HREF = re.compile(r'(?:href|src)="([^"#?]+)')


def pytest_sessionfinish(session, exitstatus):
    import shutil

    data_dir = Path(settings.DATA_DIR)
    if data_dir.name.startswith("samizdat-test-"):
        shutil.rmtree(data_dir, ignore_errors=True)


@contextmanager
def committed(django_capture_on_commit_callbacks):
    """Run the block's on-commit callbacks (the bake, in tests) and collect into the yielded
    set the reader paths of every batch it queued."""
    last = max(BakeBatch.objects.values_list("pk", flat=True), default=0)
    paths = set()
    with django_capture_on_commit_callbacks(execute=True):
        yield paths
    paths.update(p for b in BakeBatch.objects.filter(pk__gt=last) for p in b.paths)
