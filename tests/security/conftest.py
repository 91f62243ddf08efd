"""A private copy of the test newsroom (database and baked site) that `samizdat serve` can
run on as a real subprocess, and a helper that starts it on a free loopback port.

And the people the permission tests act as: a contributor and an editor of the English
edition, a member of the Administrators group (not a superuser, so the groups are what is
tested), another English contributor and a Persian one; and posts in any state."""

import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from samizdat.newsroom import services
from samizdat.newsroom.models import Author, PostAuthor, PostPage, ServicePage

ROOT = Path(__file__).resolve().parents[2]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, process, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"samizdat serve exited with status {process.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"samizdat serve did not listen on {port} within {timeout}s")


def _database_url(tmp):
    """The test database as a DATABASE_URL: a copy for SQLite (the subprocess may write),
    the test database itself for PostgreSQL."""
    from django.db import connection

    params = connection.settings_dict
    if connection.vendor == "sqlite":
        copy = tmp / "serve.sqlite3"
        with sqlite3.connect(params["NAME"]) as source, sqlite3.connect(copy) as target:
            source.backup(target)
        return f"sqlite:///{copy}"
    user = quote(params.get("USER") or "")
    password = quote(params.get("PASSWORD") or "")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    return f"postgres://{auth}{params.get('HOST') or 'localhost'}:{params.get('PORT') or 5432}/{params['NAME']}"


@pytest.fixture(scope="session")
def serve_env(django_db_setup, django_db_blocker, tmp_path_factory):
    """Environment for a `samizdat serve` subprocess: development settings (real password
    hashing), its own data folder with a copy of the baked demo site."""
    tmp = tmp_path_factory.mktemp("serve")
    with django_db_blocker.unblock():
        url = _database_url(tmp)
    shutil.copytree(settings.SAMIZDAT_SITE_DIR, tmp / "site")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "samizdat.settings.dev",
        "SAMIZDAT_DATA_DIR": str(tmp),
        "SAMIZDAT_SITE_DIR": str(tmp / "site"),
        "DATABASE_URL": url,
        "SAMIZDAT_WORKER_INTERVAL": "3600",  # the worker idles: these tests are about serving
        "PYTHONUNBUFFERED": "1",
    }
    return env


@contextmanager
def serving(env, *args):
    """`samizdat serve` on a free loopback port; yields (base URL, process, log file)."""
    port = free_port()
    data = Path(env["SAMIZDAT_DATA_DIR"])
    log = data / f"serve-{port}.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "samizdat.cli", "serve", "--port", str(port), *args],
            env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        wait_for_port(port, process)
        yield f"http://127.0.0.1:{port}", process, log
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def a_post_path(site_dir):
    """The address of one baked post page (the first in file order)."""
    for index in sorted(Path(site_dir).glob("en/*/*/index.html")):
        if not re.search(r"/(page|tag|author)s?/", str(index)):
            return quote("/" + str(index.parent.relative_to(site_dir)) + "/")
    raise AssertionError("no baked post page")


def _user(name, *groups):
    user = get_user_model().objects.create(username=name, email=f"{name}@staff.samizdat.example")
    user.groups.add(*groups)
    return user


@pytest.fixture
def people(db):
    english = ServicePage.objects.get(language_code="en")
    persian = ServicePage.objects.get(language_code="fa")
    desks = services.edition_desks_ensure()
    english_desk, persian_desk = desks[english.pk], desks[persian.pk]
    return {
        "contributor": _user("reporter", english_desk[services.CONTRIBUTOR]),
        "editor": _user("desk-editor", english_desk[services.EDITOR]),
        "administrator": _user("chief", Group.objects.get(name=services.ADMINISTRATOR)),
        "colleague": _user("colleague", english_desk[services.CONTRIBUTOR]),
        "far-reporter": _user("far-reporter", persian_desk[services.CONTRIBUTOR]),
    }


def make_post(blog, owner, *, state="draft", title="Matrix story"):
    """A post created by `owner`: a "draft", "live", "scheduled", or "in review"."""
    post = PostPage(
        title=title, slug=f"matrix-{owner.username}-{state.replace(' ', '-')}", teaser="A teaser.",
        body="<p>Body.</p>", owner=owner, live=False,
    )
    post.post_authors.add(PostAuthor(author=Author.objects.first()))
    if state == "scheduled":
        post.go_live_at = timezone.now() + timedelta(hours=6)
    blog.add_child(instance=post)
    revision = post.save_revision(user=owner)
    if state in ("live", "scheduled"):
        revision.publish()  # as an editor would have
    if state == "in review":
        post.get_workflow().start(post, owner)
    return PostPage.objects.get(pk=post.pk)


def matrix_cases(matrix, roles, targets):
    """Test parameters from an authorisation table: {action: (one cell per role)}, each cell
    "Y"/"N"/"-" per target separated by spaces ("-": does not apply)."""
    return [
        pytest.param(action, role, target, allowed == "Y", id=f"{action}|{role}|{target}")
        for action, cells in matrix.items()
        for role, cell in zip(roles, cells, strict=True)
        for target, allowed in zip(targets, cell.split(), strict=True)
        if allowed != "-"
    ]
