"""The restore drill, as an operator runs it: `samizdat demo` fills data folder A, `samizdat
backup` writes one archive, `samizdat restore` brings it into an empty data folder B and bakes,
and B's reader site equals A's byte for byte. Real subprocesses, the real SQLite online backup,
real pg_dump and pg_restore.

The SQLite copy is taken while another process keeps committing. Then what must be refused
without touching B: a restore over a newsroom without --force, an archive with one byte changed
in a member, an archive cut short, a restore while a worker is alive."""

import hashlib
import io
import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import tarfile
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

from tests.conftest import require

ROOT = Path(__file__).resolve().parents[2]
ARCHIVE = "backup.tar.gz"


def samizdat(data_dir, *args, database_url=None, check=True, path=None):
    """Run `python -m samizdat.cli …` on a data folder with the development settings."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SAMIZDAT_SITE_DIR")}
    env.update(DJANGO_SETTINGS_MODULE="samizdat.settings.dev", SAMIZDAT_DATA_DIR=str(data_dir))
    if path is not None:
        env["PATH"] = path
    if database_url:
        env["DATABASE_URL"] = database_url
    done = subprocess.run(
        [sys.executable, "-m", "samizdat.cli", *map(str, args)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
    )
    if check:
        assert done.returncode == 0, f"samizdat {' '.join(map(str, args))} failed:\n{done.stdout}\n{done.stderr}"
    return done


def tree(folder, *, leave_out=()):
    """{relative path: SHA-256} of every file under `folder`."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.name.endswith(leave_out)
    }


def members(archive):
    """{name: bytes} of every file in the archive, in order."""
    with tarfile.open(archive) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar if m.isfile()}


def write_archive(path, files):
    with tarfile.open(path, "w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


WRITER = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], timeout=60, isolation_level=None)
db.execute("CREATE TABLE IF NOT EXISTS drill_writes (n INTEGER)")
while True:
    db.execute("BEGIN IMMEDIATE")
    db.executemany("INSERT INTO drill_writes VALUES (?)", [(i,) for i in range(100)])
    db.execute("COMMIT")
    print("committed", flush=True)
"""


@contextmanager
def writing_to(database):
    """Another process committing 100 rows per transaction, as fast as it can, meanwhile."""
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(database)], stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline() == "committed\n"
        yield
    finally:
        writer.kill()
        writer.wait()


def drill(tmp_path, *, url_a=None, url_b=None, database_fingerprint=lambda: None):
    a, b = tmp_path / "A", tmp_path / "B"
    b.mkdir()
    archive = tmp_path / ARCHIVE
    samizdat(a, "demo", database_url=url_a)
    (a / "keys").mkdir(mode=0o700)  # signing keys, once the mirrors sign (issue 11)
    (a / "keys" / "mirror.key").write_bytes(os.urandom(32))
    if url_a:
        backup = samizdat(a, "backup", "--output", archive, database_url=url_a)
    else:
        # SQLite's online backup: a consistent copy while another process keeps committing.
        with writing_to(a / "samizdat.sqlite3"):
            backup = samizdat(a, "backup", "--output", archive)
    assert "encrypt it and keep it off this machine" in backup.stdout

    # What the archive holds: the database, originals, the dev secret key, the manifest last.
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600  # it holds password hashes
    files = members(archive)
    manifest = json.loads(files[list(files)[-1]])
    assert list(files)[-1] == "manifest.json"
    vendor = "postgresql" if url_a else "sqlite"
    assert manifest["database"]["vendor"] == vendor
    assert manifest["samizdat"] and manifest["created"]
    uploads = {f"media/{name}" for name in tree(a / "media") if name.startswith("original_images/")}
    assert uploads and uploads <= set(files)
    assert files["secret_key"] == (a / "secret_key").read_bytes()
    assert files["keys/mirror.key"] == (a / "keys" / "mirror.key").read_bytes()
    if not url_a:
        copy = tmp_path / "copy.sqlite3"
        copy.write_bytes(files["database/samizdat.sqlite3"])
        with sqlite3.connect(copy) as db:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            written = db.execute("SELECT COUNT(*) FROM drill_writes").fetchone()[0]
        db.close()
        assert written > 0 and written % 100 == 0  # whole transactions only
    assert not [n for n in files if n.startswith(("site/", "cache/", "media/images/"))]  # rebuilt, never backed up
    assert manifest["files"] == {
        name: {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
        for name, data in files.items() if name != "manifest.json"
    }

    # Never overwritten without --force.
    before = archive.read_bytes()
    again = samizdat(a, "backup", "--output", archive, database_url=url_a, check=False)
    assert again.returncode != 0 and "already exists" in again.stderr and "--force" in again.stderr
    assert archive.read_bytes() == before

    # Restore into an empty data folder (and an empty database): the restore migrates and bakes.
    restored = samizdat(b, "restore", archive, database_url=url_b)
    assert f"Restored the {vendor} database" in restored.stdout
    site_a, site_b = tree(a / "site"), tree(b / "site")
    assert len(site_a) > 100
    assert site_b == site_a
    # Originals come from the archive; renditions were made again with the same bytes. (Two bake
    # processes may race to write one rendition, leaving a copy under a suffixed name, in A or B:
    # so renditions are compared by content.)
    media_a, media_b = tree(a / "media"), tree(b / "media")
    originals = {n: h for n, h in media_a.items() if n.startswith("original_images/")}
    assert {n: h for n, h in media_b.items() if n.startswith("original_images/")} == originals
    renditions_a = {h for n, h in media_a.items() if n.startswith("images/")}
    assert renditions_a and {h for n, h in media_b.items() if n.startswith("images/")} == renditions_a
    assert (b / "secret_key").read_bytes() == (a / "secret_key").read_bytes()
    assert (b / "keys" / "mirror.key").read_bytes() == (a / "keys" / "mirror.key").read_bytes()
    assert stat.S_IMODE((b / "keys" / "mirror.key").stat().st_mode) == 0o600

    def untouched():
        # A SQLite connection may leave its -wal/-shm files behind; their content is not the data.
        return tree(b, leave_out=("-wal", "-shm", ".lock")), database_fingerprint()

    snapshot = untouched()

    # Over a database that holds a newsroom: refused without --force.
    over = samizdat(b, "restore", archive, database_url=url_b, check=False)
    assert over.returncode != 0
    assert "already holds a newsroom" in over.stderr and "--force" in over.stderr
    assert untouched() == snapshot

    # One byte changed in the database member: refused, even with --force, before anything is touched.
    tampered = dict(files)
    database = manifest["database"]["member"]
    data = bytearray(tampered[database])
    data[len(data) // 2] ^= 0x01
    tampered[database] = bytes(data)
    write_archive(tmp_path / "tampered.tar.gz", tampered)
    refused = samizdat(b, "restore", tmp_path / "tampered.tar.gz", "--force", database_url=url_b, check=False)
    assert refused.returncode != 0
    assert "does not match its manifest" in refused.stderr and database in refused.stderr
    assert "Nothing was restored" in refused.stderr
    assert untouched() == snapshot

    # A worker alive in B (its heartbeat is fresh): the database must not be replaced under it.
    (b / "worker.heartbeat").touch()
    busy = samizdat(b, "restore", archive, "--force", database_url=url_b, check=False)
    (b / "worker.heartbeat").unlink()
    assert busy.returncode != 0 and "stop `samizdat serve`" in busy.stderr
    assert untouched() == snapshot

    # Cut short (a copy that did not finish): refused, B untouched.
    (tmp_path / "truncated.tar.gz").write_bytes(before[: len(before) // 2])
    cut = samizdat(b, "restore", tmp_path / "truncated.tar.gz", "--force", database_url=url_b, check=False)
    assert cut.returncode != 0 and "damaged or truncated" in cut.stderr
    assert untouched() == snapshot
    assert not [p for p in b.iterdir() if p.name.startswith(".restore-")]  # the unpacking folder is gone


def test_backup_wipe_restore_bake_equals_the_site_before_on_sqlite(tmp_path):
    drill(tmp_path)


@contextmanager
def postgresql_databases(*names):
    """Fresh databases on the server the PostgreSQL test pass uses, dropped afterwards."""
    db = settings.DATABASES["default"]
    params = {"host": db.get("HOST") or "127.0.0.1", "port": db.get("PORT") or 5432, "user": db.get("USER") or "postgres"}
    if db.get("PASSWORD"):
        params["password"] = db["PASSWORD"]
    auth = params["user"] + (f":{params['password']}" if "password" in params else "")
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        for name in names:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield {
                "urls": [f"postgres://{auth}@{params['host']}:{params['port']}/{name}" for name in names],
                "params": params,
            }
        finally:
            for name in names:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgresql
def test_backup_wipe_restore_bake_equals_the_site_before_on_postgresql(tmp_path):
    require(shutil.which("pg_dump") and shutil.which("pg_restore"),
            "pg_dump and pg_restore are not installed (Debian package postgresql-client)")
    names = [f"samizdat_backup_a_{os.getpid()}", f"samizdat_backup_b_{os.getpid()}"]
    with postgresql_databases(*names) as databases:
        url_a, url_b = databases["urls"]

        def fingerprint():
            with psycopg.connect(dbname=names[1], **databases["params"]) as conn:
                return conn.execute(
                    "SELECT (SELECT md5(string_agg(id || ':' || title || ':' || url_path, ',' ORDER BY id))"
                    " FROM wagtailcore_page),"
                    " (SELECT md5(string_agg(username || ':' || password, ',' ORDER BY id)) FROM auth_user)"
                ).fetchone()

        drill(tmp_path, url_a=url_a, url_b=url_b, database_fingerprint=fingerprint)

        # Without PostgreSQL's client tools the error says which Debian package to install.
        with psycopg.connect(dbname=names[0], **databases["params"]) as conn:
            server = conn.info.server_version // 10000
        bare = samizdat(tmp_path / "A", "backup", "--output", tmp_path / "again.tar.gz", database_url=url_a,
                        check=False, path=str(Path(sys.executable).parent))
        assert bare.returncode != 0
        assert f"pg_dump was not found on PATH: install Debian's postgresql-client-{server}" in bare.stderr
        assert not (tmp_path / "again.tar.gz").exists()
