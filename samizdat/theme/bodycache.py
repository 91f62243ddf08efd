"""Expanded post bodies, kept between bakes: rich text is expanded (links resolved, images
turned into renditions) and cleaned once per version of a post, not on every bake.

One file per post, in folders of a thousand posts; it records a hash of the stored rich
text and of the path the body is rendered at (links in it are relative to that path), so a
new version or a move is a miss. The publishing layer forgets a post's body when something it
links to or shows moves or changes.
"""

import hashlib
import json
import shutil
from pathlib import Path

from django.conf import settings

from samizdat.core.files import atomic_write


def _folder():
    return Path(settings.DATA_DIR) / "cache" / "bodies"


def _file(page_id):
    return _folder() / str(page_id // 1000) / f"{page_id}.json"


# Part of the key: bumped when the expansion itself changes, so no body expanded the old way
# is served again (2: inline-image alt text escaped once, bad entities rendered as text;
# 3: pictures with srcset, renditions under content-hashed names; 4: their hints for wget;
# 5: no picture address naming another host).
EXPANSION_VERSION = 5


def _key(source, path):
    return hashlib.sha256(f"{EXPANSION_VERSION}\0{path}\0{source}".encode()).hexdigest()


def body_get(page_id, source, path):
    """(html, {site path: file}) for this version of the body at this path, or None."""
    try:
        data = json.loads(_file(page_id).read_text())
    except (FileNotFoundError, ValueError):
        return None
    if data.get("key") != _key(source, path):
        return None
    return data["html"], {k: Path(v) for k, v in data["media"].items()}


def body_put(page_id, source, path, html, media):
    payload = {"key": _key(source, path), "html": str(html), "media": {k: str(v) for k, v in media.items()}}
    data = json.dumps(payload).encode()
    atomic_write(_file(page_id), lambda f: f.write(data), sync=False)


def bodies_forget(page_ids):
    for page_id in page_ids:
        _file(page_id).unlink(missing_ok=True)


def bodies_forget_all():
    shutil.rmtree(_folder(), ignore_errors=True)
