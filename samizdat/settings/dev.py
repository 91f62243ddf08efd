"""Local development and the demo newsroom: safe on one machine, never on the internet."""

import secrets

from .base import *  # noqa: F403
from .base import ALLOWED_HOSTS, DATA_DIR

DEBUG = False  # reader pages are baked; DEBUG only changes error pages in the admin
ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]"]


def _local_secret_key():
    # A random key kept in the data folder, so no secret is ever in the repository.
    path = DATA_DIR / "secret_key"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _local_secret_key()
