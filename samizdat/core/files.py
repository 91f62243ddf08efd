"""Atomic file writes, shared by the baked site and the caches beside it."""

import os
import tempfile
from pathlib import Path


def atomic_write(target: Path, fill, *, sync=True):
    """Write through a temporary file in the same folder, fsync, then rename over `target`:
    a reader gets the old file or the new one, never half. `sync=False` for caches, where a
    file lost in a crash is only a miss."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=target.suffix)
    try:
        with os.fdopen(fd, "wb") as f:
            fill(f)
            f.flush()
            if sync:
                os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
