"""A full disk must not cost an editor their work. When saving fails because the database's or
the site's disk is full, the editor gets a page that says so, keeps what they sent in front of
them to copy, and says how to fix it — instead of a bare 500 and a lost edit."""

import errno
import logging

import psycopg
from django.db import OperationalError
from django.template.response import TemplateResponse

logger = logging.getLogger(__name__)

# Form fields never shown back: tokens, and anything that may hold a password or a code.
HIDDEN_FIELDS = ("csrfmiddlewaretoken", "password", "token", "otp", "secret")
NO_SPACE = {errno.ENOSPC, errno.EDQUOT}


def storage_full(exc):
    """Whether `exc` (or what caused it) says a disk or the database is full: ENOSPC/EDQUOT,
    SQLite's SQLITE_FULL, PostgreSQL's disk_full (SQLSTATE 53100)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno in NO_SPACE:
            return True
        if isinstance(exc, psycopg.errors.DiskFull):
            return True
        if isinstance(exc, OperationalError) and "database or disk is full" in str(exc):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def submitted_fields(request):
    """(name, value) of what the form sent, for the editor to copy; files and secrets left out."""
    fields = []
    for name, values in request.POST.lists():
        if any(word in name.lower() for word in HIDDEN_FIELDS):
            continue
        for value in values:
            if value.strip():
                fields.append((name, value))
    return fields


class StorageFullMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not storage_full(exception):
            return None
        logger.error("storage full while answering %s %s: %s", request.method, request.path, exception)
        response = TemplateResponse(
            request, "newsroom/storage_full.html",
            {"fields": submitted_fields(request) if request.method == "POST" else [], "back": request.path},
            status=507,
        )
        response["Retry-After"] = "60"
        return response
