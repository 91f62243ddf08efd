"""Several workers share one full bake: two `samizdat worker` processes against one
PostgreSQL database take its jobs, each job is rendered exactly once, and the site equals a
bake by one process. PostgreSQL only: SQLite serialises writers, so it runs one worker."""

import filecmp
import os
import subprocess
import sys
import time

import psycopg
import pytest
from django.conf import settings

POSTS = 2000

pytestmark = pytest.mark.postgresql  # deselected on SQLite (see tests/conftest.py); CI's PostgreSQL pass runs it


def _samizdat(env, *args, **kwargs):
    return subprocess.run([sys.executable, "-m", "samizdat.cli", *args], env=env, check=True,
                          capture_output=True, text=True, timeout=600, **kwargs)


@pytest.fixture
def database():
    """A database of its own (the test database is inside the test's transaction)."""
    db = settings.DATABASES["default"]
    name = f"samizdat_shared_bake_{os.getpid()}"
    admin = dict(host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"], dbname="postgres",
                 autocommit=True)
    with psycopg.connect(**admin) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"postgres://{db['USER']}@{admin['host']}:{admin['port']}/{name}"
    with psycopg.connect(**admin) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _query(url, sql):
    with psycopg.connect(url) as conn:
        return conn.execute(sql).fetchall()


def test_two_workers_share_a_full_bake_and_equal_one_process(database, tmp_path):
    env = {**os.environ, "DATABASE_URL": database, "SAMIZDAT_DATA_DIR": str(tmp_path / "data"),
           "DJANGO_SETTINGS_MODULE": "samizdat.settings.dev", "SAMIZDAT_WORKER_INTERVAL": "1"}
    env.pop("SAMIZDAT_SITE_DIR", None)
    _samizdat(env, "migrate", "--verbosity=0")
    _samizdat(env, "shell", "-c", (
        "from samizdat.newsroom.services import newsroom_home_ensure\n"
        "from samizdat.bench.synthetic import synthetic_newsroom_create\n"
        f"newsroom_home_ensure(); synthetic_newsroom_create({POSTS}, slug='shared')"
    ))
    _samizdat(env, "bake", "--queue")
    workers = [subprocess.Popen([sys.executable, "-m", "samizdat.cli", "worker"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    try:
        deadline = time.monotonic() + 480
        while time.monotonic() < deadline:
            open_ = _query(database, "SELECT count(*) FROM publishing_bakebatch WHERE finished_at IS NULL")[0][0]
            jobs = _query(database, "SELECT count(*) FROM publishing_bakejob")[0][0]
            if jobs and not open_:
                break
            assert all(w.poll() is None for w in workers), "a worker died"
            time.sleep(0.5)
        else:
            pytest.fail("the workers did not finish the full bake in time")
    finally:
        for w in workers:
            w.terminate()
        errors = [w.communicate(timeout=30)[1] for w in workers]
    jobs = _query(database, "SELECT runs, worker, finished_at IS NOT NULL FROM publishing_bakejob")
    assert len(jobs) > 5
    assert all(runs == 1 and done for runs, _, done in jobs), "every job rendered exactly once"
    assert len({worker for _, worker, _ in jobs}) == 2, f"both workers took jobs: {errors}"

    shared = tmp_path / "data" / "site"
    env["SAMIZDAT_SITE_DIR"] = str(tmp_path / "one")
    _samizdat(env, "bake", "--workers", "1")
    one = tmp_path / "one"
    shared_files = {p.relative_to(shared) for p in shared.rglob("*") if p.is_file()}
    one_files = {p.relative_to(one) for p in one.rglob("*") if p.is_file()}
    assert shared_files == one_files
    assert len(one_files) > POSTS
    _, mismatch, errors = filecmp.cmpfiles(shared, one, [str(p) for p in one_files], shallow=False)
    assert not mismatch and not errors, mismatch[:10]
