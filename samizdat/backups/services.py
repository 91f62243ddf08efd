"""Backups: one archive (tar.gz) holding what the reader site cannot be rebuilt without — the
database, the uploaded originals, the signing keys and the local secret key — and a manifest
with a SHA-256 of every member.

Nothing that can be made again goes in: the baked site, the caches and image renditions are
rebuilt by the restore's full bake. A restore unpacks into a private folder and checks every
checksum before it touches the database or the data folder; only then does it replace the
database, media and keys, migrate (an older backup into newer code) and bake the whole site.
"""

import gzip
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections
from wagtail.images import get_image_model

from samizdat.publishing.services import site_bake_full
from samizdat.publishing.worker import heartbeat_age
from samizdat.theme.bodycache import bodies_forget_all

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database/samizdat.sqlite3"
PGDUMP_MEMBER = "database/samizdat.pgdump"
# Wagtail writes renditions under MEDIA_ROOT/images/: they are made again from the originals
# (same names, same bytes) when the restore bakes, so a backup leaves them out.
RENDITIONS = "images"
SECRET_KEY_FILE = "secret_key"  # written by samizdat.settings.dev into the data folder
PREFIXES = ("database/", "media/", "keys/")
CHUNK = 1 << 20


class BackupError(Exception):
    """A backup or restore cannot go on; the message says why and how to fix it."""


@dataclass
class BackupReport:
    path: Path
    size: int
    vendor: str
    files: int
    media_files: int
    keys: bool
    secret_key: bool
    seconds: float


@dataclass
class RestoreReport:
    created: str
    samizdat: str
    vendor: str
    media_files: int
    renditions_forgotten: int
    pages: int
    seconds: float


def _data_dir():
    return Path(settings.DATA_DIR)


def _keys_dir():
    return _data_dir() / "keys"


def _version():
    try:
        return metadata.version("samizdat")
    except metadata.PackageNotFoundError:
        return "unknown"


# --- backup -------------------------------------------------------------------------------


def backup_create(*, output, force=False) -> BackupReport:
    """Write the archive to `output` atomically (a temporary file renamed into place), mode 0600."""
    started = time.monotonic()
    output = Path(output).resolve()
    if output.exists() and not force:
        raise BackupError(f"{output} already exists: give another --output, or add --force to replace it.")
    if not output.parent.is_dir():
        raise BackupError(f"The folder {output.parent} does not exist: create it or give another --output.")
    for folder in (Path(settings.MEDIA_ROOT).resolve(), _keys_dir().resolve()):
        if output.is_relative_to(folder):
            raise BackupError(f"Write the backup outside {folder}: it would end up inside the next backup.")

    files = {}
    # mkstemp creates the file 0600: it will hold password hashes.
    fd, tmp = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.", suffix=".partial")
    try:
        with tempfile.TemporaryDirectory(dir=output.parent, prefix=".samizdat-backup-") as work:
            with os.fdopen(fd, "wb") as raw:
                # Photos are compressed already: a middling level is as small and much faster.
                with tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6, format=tarfile.PAX_FORMAT) as tar:
                    database = _database_dump(Path(work))
                    _add(tar, files, database["member"], Path(work) / "database")
                    Path(work, "database").unlink()
                    media = 0
                    for name, path in _folder_files(Path(settings.MEDIA_ROOT), skip_top=RENDITIONS):
                        _add(tar, files, f"media/{name}", path)
                        media += 1
                    keys = _keys_dir().is_dir()
                    for name, path in _folder_files(_keys_dir()) if keys else ():
                        _add(tar, files, f"keys/{name}", path)
                    secret = _data_dir() / SECRET_KEY_FILE
                    if secret.is_file():
                        _add(tar, files, SECRET_KEY_FILE, secret)
                    manifest = {
                        "format": FORMAT,
                        "samizdat": _version(),
                        "created": datetime.now(UTC).isoformat(timespec="seconds"),
                        "database": database,
                        "renditions": "left out: the restore's bake makes them again from the originals",
                        "files": files,
                    }
                    data = json.dumps(manifest, indent=2, sort_keys=True).encode()
                    tar.addfile(_tarinfo(MANIFEST, len(data)), io.BytesIO(data))
                raw.flush()
                os.fsync(raw.fileno())
        os.chmod(tmp, 0o600)
        if force:
            os.replace(tmp, output)
        else:
            try:
                os.link(tmp, output)  # fails if the file appeared meanwhile: never overwritten
            except FileExistsError:
                raise BackupError(f"{output} appeared while the backup was written: add --force to replace it.") from None
            os.unlink(tmp)
        _fsync_folder(output.parent)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return BackupReport(
        path=output, size=output.stat().st_size, vendor=database["vendor"], files=len(files), media_files=media,
        keys=keys, secret_key=SECRET_KEY_FILE in files, seconds=time.monotonic() - started,
    )


def _tarinfo(name, size, mtime=None):
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = int(mtime if mtime is not None else time.time())
    info.mode = 0o600
    return info


class _Hashing:
    """A file wrapper that hashes what tarfile reads from it: each file is read once."""

    def __init__(self, f):
        self.f = f
        self.sha = hashlib.sha256()
        self.size = 0

    def read(self, n=-1):
        data = self.f.read(n)
        self.sha.update(data)
        self.size += len(data)
        return data


def _add(tar, files, name, path):
    with open(path, "rb") as f:
        stat = os.fstat(f.fileno())
        hashing = _Hashing(f)
        tar.addfile(_tarinfo(name, stat.st_size, stat.st_mtime), hashing)
    files[name] = {"sha256": hashing.sha.hexdigest(), "size": hashing.size}


def _folder_files(root, *, skip_top=None):
    """(relative name, path) of every regular file under `root`, sorted; symlinks are not followed."""
    if not root.is_dir():
        return []
    found = []
    for folder, dirs, names in os.walk(root):
        here = Path(folder)
        if here == root and skip_top in dirs:
            dirs.remove(skip_top)
        dirs.sort()
        for name in sorted(names):
            path = here / name
            if path.is_file() and not path.is_symlink():
                found.append((path.relative_to(root).as_posix(), path))
    return found


def _fsync_folder(folder):
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _database_dump(work):
    """Dump the configured database to `work/database`; answers the manifest's database entry."""
    target = work / "database"
    if connection.vendor == "sqlite":
        source = Path(settings.DATABASES["default"]["NAME"])
        if not source.is_file():
            raise BackupError(f"There is no database at {source}: nothing to back up (is SAMIZDAT_DATA_DIR right?).")
        # SQLite's online backup API: a consistent copy while the admin and the worker write.
        src = sqlite3.connect(source, timeout=60)
        dst = sqlite3.connect(target)
        try:
            with dst:
                src.backup(dst)
        finally:
            dst.close()
            src.close()
        return {"vendor": "sqlite", "member": SQLITE_MEMBER, "tool": f"sqlite {sqlite3.sqlite_version}"}
    if connection.vendor == "postgresql":
        server = _pg_server_major()
        pg_dump, version = _pg_tool("pg_dump", server_major=server)
        _pg_run([pg_dump, "--format=custom", "--no-password", f"--file={target}"], "pg_dump")
        return {"vendor": "postgresql", "member": PGDUMP_MEMBER, "tool": f"pg_dump {version}", "server": server}
    raise BackupError(f"Backups support SQLite and PostgreSQL, not {connection.vendor}.")


# --- PostgreSQL tools ---------------------------------------------------------------------


def _pg_server_major():
    connection.ensure_connection()
    return connection.pg_version // 10000


def _pg_tool(name, *, server_major):
    """The path and version of pg_dump or pg_restore, refused if older than the server."""
    fix = (
        f"install Debian's postgresql-client-{server_major} (apt-get install postgresql-client-{server_major}) "
        f"and make sure its {name} comes first on PATH (/usr/lib/postgresql/{server_major}/bin)"
    )
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} was not found on PATH: {fix}.")
    out = subprocess.run([path, "--version"], capture_output=True, text=True).stdout
    match = re.search(r"\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?", out)
    if not match:
        raise BackupError(f"Could not read the version of {path} (it said {out.strip()!r}): {fix}.")
    if int(match.group(1)) < server_major:
        raise BackupError(
            f"{path} is version {match.group(1)}, older than the PostgreSQL {server_major} server, "
            f"and cannot read or write its data: {fix}."
        )
    return path, match.group(0).split()[-1]


def _pg_env():
    """libpq's variables for the configured database: no password ever on a command line."""
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    for variable, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER"),
                          ("PGPASSWORD", "PASSWORD"), ("PGDATABASE", "NAME")):
        if db.get(key):
            env[variable] = str(db[key])
    if db.get("OPTIONS", {}).get("sslmode"):
        env["PGSSLMODE"] = db["OPTIONS"]["sslmode"]
    return env


def _pg_run(args, tool):
    done = subprocess.run(args, env=_pg_env(), capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{tool} failed (exit status {done.returncode}): {done.stderr.strip()}")


# --- restore ------------------------------------------------------------------------------


def backup_restore(*, archive, force=False) -> RestoreReport:
    """Verify `archive`, then replace the database, media and keys with its contents, migrate
    and bake the whole site. Refuses a damaged archive, a backup of another database vendor
    and (without `force`) a database that already holds a newsroom — before touching anything."""
    started = time.monotonic()
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(f"There is no backup at {archive}.")
    age = heartbeat_age()
    if age is not None and age < 3 * settings.SAMIZDAT_WORKER_INTERVAL + 5:
        raise BackupError(
            f"A publishing worker was alive {age:.0f}s ago in this data folder: stop `samizdat serve` and every "
            "`samizdat worker` first — nothing may write to the database while it is replaced."
        )
    _data_dir().mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=_data_dir(), prefix=".restore-"))
    try:
        manifest = _unpack_verified(archive, staging)
        database = manifest["database"]
        if database["vendor"] != connection.vendor:
            raise BackupError(
                f"This backup holds a {database['vendor']} database but the settings point at {connection.vendor}: "
                + ("unset DATABASE_URL to restore into the embedded SQLite." if database["vendor"] == "sqlite"
                   else "set DATABASE_URL=postgres://… to the (empty) PostgreSQL database to restore into.")
            )
        if database["vendor"] == "sqlite":
            _sqlite_check(staging / database["member"])
        if not force and _database_holds_content():
            raise BackupError(
                "The database already holds a newsroom (users or pages): restoring would replace it. "
                "Restore into an empty database and data folder, or add --force to replace everything."
            )
        # Everything is verified: from here on the data folder is replaced.
        bodies_forget_all()  # bodies expanded from the old database
        if database["vendor"] == "sqlite":
            _sqlite_restore(staging / database["member"])
        else:
            _pg_restore(staging / database["member"], archive_tool=database.get("tool", ""))
        media = sum(1 for name in manifest["files"] if name.startswith("media/"))
        _folder_replace(staging / "media", Path(settings.MEDIA_ROOT))
        if any(name.startswith("keys/") for name in manifest["files"]):
            _folder_replace(staging / "keys", _keys_dir())
        if SECRET_KEY_FILE in manifest["files"]:
            os.replace(staging / SECRET_KEY_FILE, _data_dir() / SECRET_KEY_FILE)
        call_command("migrate", interactive=False, verbosity=0)
        forgotten = _renditions_forget()
        report = site_bake_full(reason="samizdat restore")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return RestoreReport(
        created=manifest["created"], samizdat=manifest["samizdat"], vendor=database["vendor"], media_files=media,
        renditions_forgotten=forgotten, pages=report.rendered if report else 0, seconds=time.monotonic() - started,
    )


def _safe_name(name, archive):
    parts = name.split("/")
    if (
        name.startswith("/") or "\\" in name or any(p in ("", ".", "..") for p in parts)
        or not (name in (MANIFEST, SECRET_KEY_FILE) or name.startswith(PREFIXES))
    ):
        raise BackupError(f"{archive} holds {name!r}, which no Samizdat backup holds: it is not one. Nothing was restored.")
    return name


def _unpack_verified(archive, staging):
    """Unpack every member into `staging`, hashing as it goes, and compare with the manifest."""
    damaged = (
        f"{archive} is damaged or truncated: nothing was restored. "
        "Use another copy of the backup (keep more than one, in more than one place)."
    )
    found, manifest = {}, None
    try:
        with tarfile.open(archive, mode="r:*") as tar:
            for member in tar:
                if member.isdir():
                    continue
                name = _safe_name(member.name, archive)
                if not member.isfile():
                    raise BackupError(f"{archive} holds {name!r} as a link or device: it is not a Samizdat backup.")
                if name in found or (name == MANIFEST and manifest is not None):
                    raise BackupError(f"{archive} holds {name!r} twice: it was altered. Nothing was restored.")
                source = tar.extractfile(member)
                if name == MANIFEST:
                    manifest = source.read()
                    continue
                target = staging / name
                public = name.startswith("media/")  # as Django's storage writes uploads
                target.parent.mkdir(parents=True, exist_ok=True, mode=0o755 if public else 0o700)
                sha, size = hashlib.sha256(), 0
                mode = 0o644 if public else 0o600
                with open(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode), "wb") as out:
                    while chunk := source.read(CHUNK):
                        sha.update(chunk)
                        size += len(chunk)
                        out.write(chunk)
                found[name] = {"sha256": sha.hexdigest(), "size": size}
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as error:
        raise BackupError(f"{damaged} ({error})") from None
    if manifest is None:
        raise BackupError(f"{damaged} (it has no {MANIFEST}, which a backup writes last)")
    try:
        manifest = json.loads(manifest)
        expected = manifest["files"]
        manifest["database"]["vendor"], manifest["database"]["member"]  # noqa: B018 — present
    except (ValueError, KeyError, TypeError):
        raise BackupError(f"{damaged} ({MANIFEST} cannot be read)") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(
            f"{archive} is a backup of format {manifest.get('format')!r}; this Samizdat ({_version()}) reads "
            f"format {FORMAT}: restore it with the Samizdat version that wrote it ({manifest.get('samizdat')})."
        )
    changed = sorted(n for n in found if n in expected and expected[n] != found[n])
    missing = sorted(set(expected) - set(found))
    unlisted = sorted(set(found) - set(expected))
    if changed or missing or unlisted:
        first = (changed + missing + unlisted)[0]
        raise BackupError(
            f"{archive} does not match its manifest — {len(changed)} member(s) changed, {len(missing)} missing, "
            f"{len(unlisted)} not listed (first: {first}): it was damaged or altered. Nothing was restored; "
            "use another copy of the backup."
        )
    if manifest["database"]["member"] not in found:
        raise BackupError(f"{damaged} (no database in it)")
    return manifest


def _sqlite_check(path):
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            result = db.execute("PRAGMA quick_check").fetchone()[0]
        db.close()
    except sqlite3.DatabaseError as error:
        result = str(error)
    if result != "ok":
        raise BackupError(f"The database in the backup is damaged ({result}): nothing was restored; use another copy.")


def _database_holds_content():
    """Does the configured database hold a newsroom — any user, or pages beyond the two
    Wagtail's migrations create? A new, or freshly migrated, database does not."""
    if connection.vendor == "sqlite":
        name = Path(settings.DATABASES["default"]["NAME"])
        if not name.is_file() or name.stat().st_size == 0:
            return False  # do not create the file just to look into it
    tables = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        for table, allowed in (("auth_user", 0), ("wagtailcore_page", 2)):
            if table in tables:
                cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
                if cursor.fetchone()[0] > allowed:
                    return True
    return False


def _sqlite_restore(staged):
    # Replacing the file is only safe while nobody has it open: the command says to stop the
    # site, and this process lets go of its own connection first.
    target = Path(settings.DATABASES["default"]["NAME"])
    connections.close_all()
    target.parent.mkdir(parents=True, exist_ok=True)
    moved = target.with_name(f".{target.name}.restoring")
    shutil.move(staged, moved)  # a rename when the database lives in the data folder
    # An old write-ahead log must not be replayed onto the restored file.
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    os.replace(moved, target)
    _fsync_folder(target.parent)


def _pg_restore(staged, *, archive_tool):
    server = _pg_server_major()
    pg_restore, version = _pg_tool("pg_restore", server_major=server)
    written_by = re.search(r"(\d+)", archive_tool)
    if written_by and int(version.split(".")[0]) < int(written_by.group(1)):
        raise BackupError(
            f"The backup was written by {archive_tool}, newer than {pg_restore} ({version}), which cannot read it: "
            f"install Debian's postgresql-client-{written_by.group(1)} and put it first on PATH."
        )
    connections.close_all()
    # One transaction: if anything fails, the database is as it was.
    _pg_run(
        [pg_restore, "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
         "--exit-on-error", "--no-password", f"--dbname={settings.DATABASES['default']['NAME']}", str(staged)],
        "pg_restore",
    )


def _folder_replace(staged, target):
    """Put `staged` where `target` is (an absent `staged` empties it); the old folder goes last."""
    if not staged.is_dir():
        staged.mkdir(parents=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    old = target.with_name(f".{target.name}.before-restore")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        os.replace(target, old)
    shutil.move(staged, target)
    shutil.rmtree(old, ignore_errors=True)


def _renditions_forget():
    """Renditions are not in a backup: forget the database's records of them, and Wagtail makes
    each again from its original (same name, same bytes) when the bake asks for it."""
    renditions = get_image_model().get_rendition_model().objects.all()
    count = renditions.count()
    renditions.delete()
    return count
