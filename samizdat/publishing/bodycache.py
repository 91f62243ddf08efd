"""Expanded post bodies, kept between bakes: rich text is expanded (links resolved, images
turned into renditions) and cleaned once per version of a post, not on every bake.

A body is stored under its post's id and a hash of the stored rich text and the path it is
rendered at (links in it are relative to that path). `dependencies` forgets a post's
bodies when something they link to or show moves or changes.
"""

import hashlib
import json
import os
from pathlib import Path

from django.conf import settings

from .writer import _atomic_write


def _folder():
    return Path(settings.DATA_DIR) / "cache" / "bodies"


def _key(page_id, source, path):
    digest = hashlib.sha256(f"{path}\0{source}".encode()).hexdigest()[:20]
    return _folder() / f"{page_id}-{digest}.json"


def body_get(page_id, source, path):
    """(html, {site path: file}) or None."""
    try:
        data = json.loads(_key(page_id, source, path).read_text())
    except (FileNotFoundError, ValueError):
        return None
    return data["html"], {k: Path(v) for k, v in data["media"].items()}


def body_put(page_id, source, path, html, media):
    target = _key(page_id, source, path)
    for old in target.parent.glob(f"{page_id}-*.json") if target.parent.exists() else ():
        if old != target:
            old.unlink(missing_ok=True)  # an older version of the post
    payload = json.dumps({"html": str(html), "media": {k: str(v) for k, v in media.items()}}).encode()
    _atomic_write(target, lambda f: f.write(payload))


def bodies_forget(page_ids):
    folder = _folder()
    if not folder.exists():
        return
    for page_id in page_ids:
        for file in folder.glob(f"{page_id}-*.json"):
            try:
                os.unlink(file)
            except FileNotFoundError:
                pass


def bodies_forget_all():
    import shutil

    shutil.rmtree(_folder(), ignore_errors=True)
