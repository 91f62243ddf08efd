"""Settings for the test suite: a throwaway data folder and bakes run right after commit."""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403

DATA_DIR = Path(tempfile.mkdtemp(prefix="samizdat-test-"))
SAMIZDAT_SITE_DIR = DATA_DIR / "site"
MEDIA_ROOT = DATA_DIR / "media"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir()
SECRET_KEY = "test-only-not-secret"
ALLOWED_HOSTS = ["*"]
SAMIZDAT_BAKE_EAGER = True
# Wagtail's own background tasks run at once; the worker tests switch to the database queue.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# The static search index is rebuilt only where a test asks (Pagefind takes a moment).
SAMIZDAT_STATIC_SEARCH = False
SAMIZDAT_SEARCH_PART_POSTS = 3  # every index in several parts, so tests search across them
SAMIZDAT_SEARCH_BACKGROUND = False  # tests that build an index wait for it (one test checks the process)
# Tests run inside transactions that forked processes could not see.
SAMIZDAT_BAKE_WORKERS = 1
# The admin's static files straight from the apps (browser tests), no collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if not os.environ.get("DATABASE_URL"):
    DATABASES = {  # noqa: F405
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "test.sqlite3",
            "TEST": {"NAME": str(DATA_DIR / "test-db.sqlite3")},
            # WAL and deferred transactions: the browser tests' server thread writes
            # while a test's own (rolled back) transaction is open.
            "OPTIONS": {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"},
        }
    }
