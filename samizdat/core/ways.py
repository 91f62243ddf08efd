"""The ways readers can reach the site besides its address — mirrors, the onion service,
offline bundles, the key that signs it — as the reach app last wrote them, for the "how to
reach us" page of each edition (a newsroom route) to show. A JSON file in the data folder,
so the page's layer needs nothing from the layer that pushes mirrors and signs.
"""

import json
import time
from pathlib import Path

from django.conf import settings

from .files import atomic_write

EMPTY = {"mirrors": [], "onion": "", "public_key": "", "key_id": "", "bundles": {}}


def _file():
    return Path(settings.DATA_DIR) / "reach" / "ways.json"


def ways_read():
    """{"mirrors": [url, …], "onion": "….onion", "public_key": "RWQ…", "key_id": "…",
    "bundles": {language: {"path": "/bundles/fa.zip", "bytes": n, "days": 7}}}."""
    try:
        data = json.loads(_file().read_text())
    except (FileNotFoundError, ValueError):
        return dict(EMPTY)
    return {**EMPTY, **data}


def ways_write(data):
    """Write `data` if it differs from what is there; answers whether it changed."""
    if ways_read() == {**EMPTY, **data}:
        return False
    atomic_write(_file(), lambda f: f.write(json.dumps(data, sort_keys=True, indent=1).encode()))
    return True


_onion = {"checked": 0.0, "mtime": None, "address": ""}


def onion_address():
    """The onion service's address as last recorded, for the `Onion-Location` header: the
    reader server asks on every page, so the file is looked at once a second at most."""
    now = time.monotonic()
    if now - _onion["checked"] >= 1.0:
        _onion["checked"] = now
        try:
            mtime = _file().stat().st_mtime_ns
        except OSError:
            mtime = None
        if mtime != _onion["mtime"]:
            _onion["mtime"], _onion["address"] = mtime, ways_read()["onion"] if mtime else ""
    return _onion["address"]
