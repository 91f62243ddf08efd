"""Keep reaching readers when the site is blocked: after every bake, the files it changed are
hashed into a signed manifest (`manifest.txt`, checked with `minisign -V` or `samizdat
verify`) and pushed to every mirror (`SAMIZDAT_MIRRORS`).

Publishing knows nothing of this: it sends `publishing.signals.batch_baked` once a batch's
files are on disk; the handler queues `site_update`, a django-tasks task. A mirror that
fails is retried with back-off (`RETRY_DELAYS`) and shown on the dashboard; it never
blocks or fails publishing. Each file's hash is kept (`SiteFile`) with the site version
that last changed it, so a batch re-hashes only its own files and a mirror is sent only
the files changed — or removed — after the version it holds, however long it was down.
"""

import hashlib
import logging
import os
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django_tasks import default_task_backend, task

from samizdat.core.files import atomic_write
from samizdat.core.ways import ways_write
from samizdat.newsroom.models import ServicePage
from samizdat.publishing.services import batch_enqueue
from samizdat.publishing.locks import exclusive
from samizdat.publishing.writer import WriteError, site_file

from .bundle import BundleError, bundle_build
from .mirrors import mirror_backend, mirrors_config
from .models import MirrorState, SiteFile, SiteVersion
from .signing import site_key
from .verify import MANIFEST, PUBLIC_KEY, SIGNATURE, SIGNED_FILES

logger = logging.getLogger(__name__)
# Seconds before a failed mirror push is tried again, by failures in a row; the last repeats.
RETRY_DELAYS = [5, 30, 120, 600, 1800]
CHUNK = 500  # rows per query (SQLite's variable limit)
BUNDLE_MAX_AGE = 24 * 3600  # seconds: offline bundles are baked again once a day


def reach_enabled():
    return site_key() is not None or bool(mirrors_config()) or bool(settings.SAMIZDAT_BUNDLES)


def reach_enqueue(*, batch_ids, full, files, paths):
    """Queue the reach work for a finished bake (nothing when no key and no mirror is set)."""
    if reach_enabled():
        site_update.enqueue(batch_ids=list(batch_ids), full=full, files=list(files), paths=list(paths))


def _hash(file):
    digest = hashlib.sha256()
    with open(file, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _on_disk(site_dir):
    """Every file of the site folder (relative paths), but temporary files and the signed ones."""
    for root, dirs, names in os.walk(site_dir):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in names:
            if not name.startswith("."):
                rel = Path(root, name).relative_to(site_dir).as_posix()
                if rel not in SIGNED_FILES:
                    yield rel


def _rows(paths):
    paths = list(paths)
    rows = {}
    for i in range(0, len(paths), CHUNK):
        rows.update((r.path, r) for r in SiteFile.objects.filter(path__in=paths[i : i + CHUNK]))
    return rows


def site_files_update(*, files=(), paths=(), full=False, batch_ids=()):
    """Hash what a bake wrote (or, `full`, the whole site folder), record the files that changed
    or disappeared under a new site version, and write the signed manifest. Returns the new
    `SiteVersion`, or None when nothing changed."""
    site_dir = Path(settings.SAMIZDAT_SITE_DIR)
    with exclusive("reach"):
        if full:
            known = {r.path: r for r in SiteFile.objects.exclude(sha256="").exclude(path__in=SIGNED_FILES)}
            candidates = set(_on_disk(site_dir)) | set(known)
        else:
            candidates = {f for f in files if f not in SIGNED_FILES}
            for path in paths:
                try:
                    candidates.add(site_file(site_dir, path).relative_to(site_dir).as_posix())
                except WriteError:
                    continue
            known = _rows(candidates)
        changed, removed, touched = [], [], []
        for rel in sorted(candidates):
            row, file = known.get(rel), site_dir / rel
            try:
                stat = file.stat()
            except (FileNotFoundError, NotADirectoryError):
                if row is not None and row.sha256:
                    removed.append(rel)
                continue
            if row is not None and row.sha256 and (row.size, row.mtime_ns) == (stat.st_size, stat.st_mtime_ns):
                continue  # not written again (the writer keeps unchanged files as they were)
            digest = _hash(file)
            if row is not None and row.sha256 == digest:
                touched.append((rel, stat))
            else:
                changed.append((rel, digest, stat))
        manifest_missing = site_key() is not None and not (site_dir / SIGNATURE).exists()
        if not changed and not removed and not manifest_missing:
            _touch(touched)
            return None
        with transaction.atomic():
            version = SiteVersion.objects.create(batch_ids=list(batch_ids), full=full, changed=len(changed),
                                                 removed=len(removed))
            _touch(touched)
            _record(version.pk, [(rel, digest, stat.st_size, stat.st_mtime_ns) for rel, digest, stat in changed])
            _record(version.pk, [(rel, "", 0, 0) for rel in removed])
            manifest_write(version)
        return version


def _touch(touched):
    for rel, stat in touched:
        SiteFile.objects.filter(path=rel).update(size=stat.st_size, mtime_ns=stat.st_mtime_ns)


def _record(version, entries):
    if not entries:
        return
    SiteFile.objects.bulk_create(
        [SiteFile(path=p, sha256=h, size=s, mtime_ns=m, version=version) for p, h, s, m in entries],
        update_conflicts=True, unique_fields=["path"], update_fields=["sha256", "size", "mtime_ns", "version"],
        batch_size=CHUNK,
    )


def manifest_text():
    """Every site file's SHA-256, one `hash  path` line each, sorted: `sha256sum -c` reads it."""
    rows = SiteFile.objects.exclude(sha256="").exclude(path__in=SIGNED_FILES).order_by("path")
    return "".join(f"{h}  {p}\n" for p, h in rows.values_list("path", "sha256").iterator(chunk_size=2000))


def manifest_write(version):
    """Write `manifest.txt`, its minisign signature and the public key into the site (and
    record them, so mirrors carry them too). Without a signing key, nothing is written."""
    key = site_key()
    if key is None:
        return
    site_dir = Path(settings.SAMIZDAT_SITE_DIR)
    manifest = manifest_text().encode()
    files = manifest.count(b"\n")
    comment = f"samizdat site manifest; version {version.pk}; {files} files; {timezone.now().isoformat(timespec='seconds')}"
    outputs = {MANIFEST: manifest, SIGNATURE: key.sign(manifest, trusted_comment=comment).encode(),
               PUBLIC_KEY: key.public.minisign().encode()}
    entries = []
    # The manifest first, its signature last: a reader never sees a signature of files to come.
    for name, content in outputs.items():
        target = site_dir / name
        atomic_write(target, lambda f, content=content: f.write(content))
        stat = target.stat()
        entries.append((name, hashlib.sha256(content).hexdigest(), stat.st_size, stat.st_mtime_ns))
    _record(version.pk, entries)


def site_sign_full():
    """Re-hash the whole site folder and sign it again (`samizdat sign`; after a key change)."""
    ways_update()
    version = site_files_update(full=True)
    if version is None and site_key() is not None:
        with transaction.atomic():
            version = SiteVersion.objects.create(full=True)
            manifest_write(version)
    return version


# --- offline bundles --------------------------------------------------------------------------


def bundle_site_path(language):
    return f"bundles/{language}.zip"


def bundles_refresh_due(*, force=False):
    """Bake the offline bundle of each edition in `SAMIZDAT_BUNDLES` into the site
    (`bundles/<language>.zip`, listed on the "how to reach us" page) when it is missing or a
    day old. Returns the site files written. One edition's failure is logged, not raised."""
    site_dir = Path(settings.SAMIZDAT_SITE_DIR)
    written = []
    for language in settings.SAMIZDAT_BUNDLES:
        target = site_dir / bundle_site_path(language)
        if not force and target.exists() and timezone.now().timestamp() - target.stat().st_mtime < BUNDLE_MAX_AGE:
            continue
        try:
            bundle_build(language=language, days=settings.SAMIZDAT_BUNDLE_DAYS, out=target)
        except (BundleError, OSError):
            logger.exception("the offline bundle of %s could not be made; the old one stays", language)
            continue
        written.append(bundle_site_path(language))
    return written


# --- the "how to reach us" pages -----------------------------------------------------------


def ways_current():
    """What each edition's "how to reach us" page shows (see `core.ways`)."""
    site_dir = Path(settings.SAMIZDAT_SITE_DIR)
    key = site_key()
    bundles = {}
    for language in settings.SAMIZDAT_BUNDLES:
        file = site_dir / bundle_site_path(language)
        if file.exists():
            bundles[language] = {"path": "/" + bundle_site_path(language), "bytes": file.stat().st_size,
                                 "days": settings.SAMIZDAT_BUNDLE_DAYS}
    return {
        "mirrors": [c["PUBLIC_URL"] for c in mirrors_config().values() if c.get("PUBLIC_URL")],
        "onion": onion_address(),
        "public_key": key.public.line if key else "",
        "key_id": key.public.key_id_hex if key else "",
        "bundles": bundles,
    }


def ways_update():
    """Record the ways to reach us; when they changed, queue each edition's page again."""
    if ways_write(ways_current()):
        batch_enqueue(reason="the ways to reach us changed",
                      paths=[s.reach_path for s in ServicePage.objects.live().specific()])


def onion_address():
    """The onion service's address once Tor has created it (`samizdat onion`), or ""."""
    try:
        return (Path(settings.SAMIZDAT_ONION_DIR) / "hostname").read_text().strip()
    except OSError:
        return ""


# --- mirrors ---------------------------------------------------------------------------------


def retry_delay(attempts):
    return timedelta(seconds=RETRY_DELAYS[min(max(attempts, 1), len(RETRY_DELAYS)) - 1])


def latest_version():
    return SiteVersion.objects.aggregate(v=Max("pk"))["v"] or 0


def mirror_push(*, name):
    """Send mirror `name` the files changed and removed since the version it holds (signed
    files last). A failure is recorded, shown to staff and tried again later; it never raises."""
    config = mirrors_config().get(name)
    if config is None:
        return None
    with exclusive(f"mirror-{name}"):
        state, _ = MirrorState.objects.get_or_create(name=name)
        target = latest_version()
        if state.pushed_version >= target:
            return state
        rows = list(SiteFile.objects.filter(version__gt=state.pushed_version).order_by("path"))
        first_waiting = SiteVersion.objects.filter(pk__gt=state.pushed_version).order_by("pk").first()
        uploads = [r.path for r in rows if r.sha256 and r.path not in SIGNED_FILES]
        signed = [r.path for r in rows if r.sha256 and r.path in SIGNED_FILES]
        deletes = [r.path for r in rows if not r.sha256]
        try:
            backend = mirror_backend(name, config)
            sent, deleted = backend.push(
                site_dir=Path(settings.SAMIZDAT_SITE_DIR), uploads=uploads + signed, deletes=deletes,
                version=target,
            )
        except Exception as exc:  # any backend error: recorded, retried; publishing goes on
            _mirror_failed(state, exc)
            return state
        now = timezone.now()
        MirrorState.objects.filter(pk=state.pk).update(
            pushed_version=target, pushed_at=now, files_sent=sent, files_deleted=deleted, attempts=0,
            last_error="", failing_since=None, next_try_at=None,
            lag_seconds=round((now - first_waiting.created_at).total_seconds(), 3) if first_waiting else None,
        )
        tombstones_forget()
        state.refresh_from_db()
        return state


def _mirror_failed(state, exc):
    logger.warning("mirror %s: push failed (%s); it will be retried", state.name, exc)
    attempts = state.attempts + 1
    next_try = timezone.now() + retry_delay(attempts)
    MirrorState.objects.filter(pk=state.pk).update(
        attempts=F("attempts") + 1, last_error=f"{type(exc).__name__}: {exc}"[:2000],
        failing_since=state.failing_since or timezone.now(), next_try_at=next_try,
    )
    if default_task_backend.supports_defer:
        mirror_retry.using(run_after=next_try).enqueue(name=state.name)


def tombstones_forget():
    """Rows of removed files every mirror has deleted are no longer needed."""
    names = list(mirrors_config())
    held = list(MirrorState.objects.filter(name__in=names).values_list("pushed_version", flat=True))
    if len(held) == len(names):  # a mirror never pushed yet starts empty: it needs no deletions
        SiteFile.objects.filter(sha256="", version__lte=min(held, default=latest_version())).delete()


def mirrors_push_due(*, force=False):
    """Push every mirror that is behind and not waiting for its back-off (`force`: all)."""
    results = {}
    states = {s.name: s for s in MirrorState.objects.all()}
    for name in mirrors_config():
        state = states.get(name)
        if not force and state is not None and state.next_try_at and state.next_try_at > timezone.now():
            continue
        results[name] = mirror_push(name=name)
    return results


def mirrors_status():
    """Each configured mirror's state, for the dashboard and `samizdat mirrors`."""
    latest = latest_version()
    states = {s.name: s for s in MirrorState.objects.all()}
    rows = []
    for name, config in mirrors_config().items():
        state = states.get(name) or MirrorState(name=name)
        rows.append({
            "name": name, "backend": config["BACKEND"], "pushed_version": state.pushed_version,
            "behind": max(latest - state.pushed_version, 0), "pushed_at": state.pushed_at,
            "lag_seconds": state.lag_seconds, "last_error": state.last_error, "attempts": state.attempts,
            "failing_since": state.failing_since, "next_try_at": state.next_try_at,
        })
    return {"latest_version": latest, "mirrors": rows}


# --- tasks -----------------------------------------------------------------------------------


def _rescan_marker():
    return Path(settings.DATA_DIR) / "reach" / "rescan"


@task()
def site_update(batch_ids, full, files, paths):
    """After a bake: hash and sign what changed, then push the mirrors. If hashing a batch
    failed, the next run looks at the whole folder, so no file is left out of the manifest."""
    marker = _rescan_marker()
    full = full or marker.exists()
    try:
        files = [*files, *bundles_refresh_due()]
        ways_update()
        site_files_update(batch_ids=batch_ids, full=full, files=files, paths=paths)
        marker.unlink(missing_ok=True)
    except Exception:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
        logger.exception("the site's hashes or signature could not be updated; the next bake rescans it all")
    mirrors_push_due()
    tombstones_forget()


@task()
def mirror_retry(name):
    mirror_push(name=name)
