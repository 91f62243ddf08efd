"""Locks that hold across processes and machines: a file lock in the data folder (processes
on one machine) and, on PostgreSQL, an advisory lock (workers on several machines sharing
one database). The advisory lock dies with its connection, so a killed worker never leaves
the newsroom locked out."""

import fcntl
import zlib
from contextlib import contextmanager

from django.conf import settings
from django.db import connection


def _key(name):
    return zlib.crc32(f"samizdat:{name}".encode())


@contextmanager
def exclusive(name, *, blocking=True):
    """Hold the lock `name`; yields whether it was acquired (always True when blocking)."""
    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    with open(settings.DATA_DIR / f"{name}.lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            if connection.vendor != "postgresql":
                yield True
                return
            with connection.cursor() as cursor:
                if blocking:
                    cursor.execute("SELECT pg_advisory_lock(%s)", [_key(name)])
                    got = True
                else:
                    cursor.execute("SELECT pg_try_advisory_lock(%s)", [_key(name)])
                    got = cursor.fetchone()[0]
            try:
                yield got
            finally:
                if got:
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT pg_advisory_unlock(%s)", [_key(name)])
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
