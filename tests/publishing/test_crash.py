"""Crash safety, tested on real processes: a bake killed with SIGKILL at random moments
leaves every file either as it was or as it will be, and the next run finishes the job."""

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
KILLS = 5


def snapshot(site):
    return {
        p.relative_to(site).as_posix(): p.read_bytes()
        for p in Path(site).rglob("*")
        if p.is_file() and not p.name.startswith(".tmp-")
    }


@pytest.fixture
def scratch(tmp_path):
    """Environment for `samizdat` subprocesses: their own data folder, and on PostgreSQL
    their own database (never the test database)."""
    env = {**os.environ, "SAMIZDAT_DATA_DIR": str(tmp_path / "data"), "DJANGO_SETTINGS_MODULE": "samizdat.settings.dev"}
    env.pop("SAMIZDAT_SITE_DIR", None)
    url = os.environ.get("DATABASE_URL")
    if url:
        import psycopg

        parts = urlsplit(url)
        name = "samizdat_crash_test"
        admin = urlunsplit(parts._replace(path="/postgres"))
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name}")
            conn.execute(f"CREATE DATABASE {name}")
        env["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}"))
    yield env
    if url:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def samizdat(env, *args, **kwargs):
    return subprocess.run([sys.executable, "-m", "samizdat.cli", *args], env=env, cwd=ROOT, check=True,
                          capture_output=True, text=True, timeout=300, **kwargs)


def test_sigkill_during_a_bake_leaves_old_or_new_files_and_the_next_run_finishes(scratch, tmp_path):
    samizdat(scratch, "migrate", "-v0")
    samizdat(scratch, "demo")
    site = tmp_path / "data" / "site"
    old = snapshot(site)
    # Change what every page shows (no signals: the site is now stale), and bake the
    # expected result elsewhere.
    samizdat(scratch, "shell", "-c",
             "from samizdat.newsroom.models import ServicePage, BlogPage;"
             "ServicePage.objects.filter(language_code='en').update(title='Samizdat Daily');"
             "BlogPage.objects.update(about='Written in the dark, read in the light.')")
    started = time.monotonic()
    samizdat({**scratch, "SAMIZDAT_SITE_DIR": str(tmp_path / "expected")}, "bake")
    duration = time.monotonic() - started  # start-up, then the bake itself
    new = snapshot(tmp_path / "expected")
    assert old.keys() & new.keys() and any(old[k] != new[k] for k in old.keys() & new.keys())

    rng = random.Random(os.getpid())
    killed_mid_bake = 0
    for _ in range(KILLS):
        shutil.rmtree(site)
        _restore(old, site)
        bake = subprocess.Popen([sys.executable, "-m", "samizdat.cli", "bake"], env=scratch, cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(rng.uniform(0.3, duration))
        finished = bake.poll() is not None
        if not finished:
            os.killpg(bake.pid, signal.SIGKILL)  # the bake and its worker processes
        bake.wait()
        now = snapshot(site)
        torn = [name for name, data in now.items() if data != old.get(name) and data != new.get(name)]
        assert torn == [], "a file is neither the old nor the new version"
        assert now.keys() <= old.keys() | new.keys()
        if not finished and now != new:
            killed_mid_bake += 1
        # The next run finds the open journal entry and finishes the job by itself.
        if "Nothing was queued" in samizdat(scratch, "bake", "--pending").stdout:
            assert snapshot(site) in (old, new), "killed before or after the bake: nothing half-done"
        else:
            assert snapshot(site) == new
        assert not list(site.rglob(".tmp-*")), "temporary files of the killed bake are cleaned up"
    assert killed_mid_bake >= 1, "no kill landed inside a bake; the test proved nothing"


def _restore(files, site):
    for name, data in files.items():
        path = site / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
