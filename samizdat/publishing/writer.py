"""Writes baked files atomically: a reader gets the old file or the new one, never half."""

import os
import shutil
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath

from django.conf import settings

from samizdat.core.files import atomic_write


class WriteError(Exception):
    pass


def site_file(site_dir: Path, path: str) -> Path:
    """The file for a reader path: "/en/blog/" → site/en/blog/index.html."""
    rel = PurePosixPath(path.lstrip("/"))
    if ".." in rel.parts:
        raise WriteError(f"Refusing to write outside the site folder: {path!r}")
    if path.endswith("/") or not rel.suffix:
        rel = rel / "index.html"
    return site_dir.joinpath(*rel.parts)


class SiteWriter:
    """Writes one batch into `site_dir`. Refuses to write one path twice in a batch.

    Every file is replaced atomically (a reader gets the old file or the new). An incremental
    batch also fsyncs each file before it goes live; a full bake's job writes thousands, and
    one fsync each cost it more than rendering them (`sync_each=False`): a queued job calls
    `sync()` once before it reports the job done, and `samizdat bake` syncs once after its
    last job (`bake.bake`), so the files are on disk before the bake is marked finished all
    the same."""

    def __init__(self, site_dir: Path, *, sync_each=True):
        self.site_dir = site_dir
        self.sync_each = sync_each
        self.written: set[Path] = set()
        self._copied: set[str] = set()  # site paths of the images copied in
        self.changed = 0

    def _claim(self, target: Path):
        if target in self.written:
            raise WriteError(f"{target} was written twice in one bake: two pages claim one path")
        self.written.add(target)

    def claim_all(self, targets, *, again=False):
        """Take over what another writer (a worker process) wrote in the same bake; media
        files may be shared between jobs, pages may not — unless written `again` on purpose
        (a full bake's last step re-renders what publishing changed while its jobs ran)."""
        for target in targets:
            if not again and target in self.written and target.suffix == ".html":
                raise WriteError(f"{target} was written twice in one bake: two pages claim one path")
            self.written.add(target)

    def write_bytes(self, path: str, content: bytes):
        target = site_file(self.site_dir, path)
        self._claim(target)
        if target.exists() and target.read_bytes() == content:
            return False  # unchanged: keep the file (and its mtime, which caches and mirrors use)
        atomic_write(target, lambda f: f.write(content), sync=self.sync_each)
        self.changed += 1
        return True

    def sync(self):
        """Flush what was written without a per-file fsync to disk (`sync_each=False`)."""
        if not self.sync_each and self.changed:
            os.sync()

    def copy_file(self, path: str, source: Path):
        if path in self._copied:
            return False  # the same image used twice in a batch is fine
        self._copied.add(path)
        target = site_file(self.site_dir, path)
        if target in self.written:
            return False
        self.written.add(target)
        if target.exists() and target.stat().st_size == source.stat().st_size and target.stat().st_mtime >= source.stat().st_mtime:
            return False
        with open(source, "rb") as src:
            atomic_write(target, lambda f: shutil.copyfileobj(src, f), sync=self.sync_each)
        self.changed += 1
        return True

    def remove(self, path: str):
        target = site_file(self.site_dir, path)
        if target.exists():
            target.unlink()
            self.changed += 1
            for parent in target.parents:
                if parent == self.site_dir or any(parent.iterdir()):
                    break
                parent.rmdir()

    def prune(self):
        """Remove every file this batch did not write (a full bake's last stage), and the
        folders it leaves empty: one walk of the site, deepest folders first."""
        removed = 0
        keep = settings.SAMIZDAT_SITE_KEEP  # files other apps write into the site (the manifest)
        emptied = set()  # folders removed on the way up
        for folder, dirs, names in os.walk(self.site_dir, topdown=False):
            here = Path(folder)
            left = sum(1 for name in dirs if here / name not in emptied)
            for name in names:
                file = here / name
                if file not in self.written and (not name.startswith(".") or name.startswith(".tmp-")) and not any(
                    fnmatchcase(file.relative_to(self.site_dir).as_posix(), k) for k in keep
                ):
                    file.unlink()
                    removed += 1
                else:
                    left += 1
            if not left and here != self.site_dir and not here.is_symlink():
                here.rmdir()
                emptied.add(here)
        return removed
