"""Measures mirror lag and signing overhead per backend (docs/benchmarks.md, "Reaching
readers"). Not part of the suite (the name does not start with test_); run it by name:

    .venv/bin/python -m pytest -q -s -p no:cacheprovider tests/reach/measure_mirror_lag.py

Each backend gets 12 edits of one post in the demo newsroom, baked right after commit as the
tests do; printed: the push lag recorded on the mirror (site version made → push done), the
publish call to the mirror holding it (bake included), and hash + sign per batch."""

import getpass
import subprocess
import time

import pytest
from samizdat.newsroom.models import PostPage
from samizdat.publishing.services import site_bake_full
from samizdat.reach import services
from samizdat.reach.models import MirrorState
from .test_mirrors import s3_server, sshd  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

def pct(xs, p):
    xs = sorted(xs); return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]

def run(backend, settings, capture, n=12):
    site_bake_full(reason="m")
    post = PostPage.objects.get(slug="a-border-town-learns-to-live-offline")
    lags, totals, reach = [], [], []
    orig = services.site_files_update
    def timed(**kw):
        t = time.monotonic(); r = orig(**kw); reach.append(time.monotonic() - t); return r
    services.site_files_update = timed
    try:
        for i in range(n):
            post.title = f"Edit {backend} {i}"
            t = time.monotonic()
            with capture(execute=True):
                post.save_revision().publish()
            totals.append(time.monotonic() - t)
            lags.append(MirrorState.objects.get().lag_seconds)
    finally:
        services.site_files_update = orig
    print(f"MEASURE {backend}: push lag p50 {pct(lags,50):.3f}s p95 {pct(lags,95):.3f}s; publish->mirror p50 {pct(totals,50):.3f}s p95 {pct(totals,95):.3f}s; hash+sign per batch p50 {pct(reach,50)*1000:.0f}ms p95 {pct(reach,95)*1000:.0f}ms")

def test_folder(fresh_site, settings, tmp_path, signing_key, django_capture_on_commit_callbacks):
    (tmp_path / "m").mkdir()
    settings.SAMIZDAT_MIRRORS = {"m": {"BACKEND": "folder", "PATH": str(tmp_path / "m")}}
    run("folder", settings, django_capture_on_commit_callbacks)

def test_git(fresh_site, settings, tmp_path, signing_key, django_capture_on_commit_callbacks):
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(tmp_path / "b.git")], check=True)
    settings.SAMIZDAT_MIRRORS = {"m": {"BACKEND": "git", "URL": str(tmp_path / "b.git")}}
    run("git", settings, django_capture_on_commit_callbacks)

def test_s3(fresh_site, settings, s3_server,  # noqa: F811
            signing_key, django_capture_on_commit_callbacks, monkeypatch):
    import boto3
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "a"); monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "b")
    boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1").create_bucket(Bucket="news")
    settings.SAMIZDAT_MIRRORS = {"m": {"BACKEND": "s3", "BUCKET": "news", "ENDPOINT_URL": s3_server}}
    run("s3", settings, django_capture_on_commit_callbacks)

def test_sftp(fresh_site, settings, sshd,  # noqa: F811
              tmp_path, signing_key, django_capture_on_commit_callbacks):
    (tmp_path / "r").mkdir()
    settings.SAMIZDAT_MIRRORS = {"m": {"BACKEND": "sftp", "HOST": "127.0.0.1", "PORT": sshd["port"], "USERNAME": getpass.getuser(),
        "KEY_FILE": str(sshd["key"]), "KNOWN_HOSTS": str(sshd["known_hosts"]), "PATH": str(tmp_path / "r")}}
    with sshd["up"]():
        run("sftp", settings, django_capture_on_commit_callbacks)

def test_nosign(fresh_site, settings, django_capture_on_commit_callbacks):
    site_bake_full(reason="m")
    post = PostPage.objects.get(slug="a-border-town-learns-to-live-offline")
    totals = []
    for i in range(12):
        post.title = f"Edit {i}"
        t = time.monotonic()
        with django_capture_on_commit_callbacks(execute=True):
            post.save_revision().publish()
        totals.append(time.monotonic() - t)
    print(f"MEASURE none: publish+bake p50 {pct(totals,50):.3f}s p95 {pct(totals,95):.3f}s")
