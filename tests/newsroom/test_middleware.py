"""A full disk costs an editor nothing: the save fails with a page that says why and shows
back what they wrote, and the database is as it was."""

import errno
import json

import psycopg
import pytest
from django.db import OperationalError

from samizdat.newsroom.middleware import storage_full
from tests.publishing.test_crash import samizdat, scratch  # noqa: F401 — the fixture


# Run in its own process on a file database: SQLite may roll back the whole transaction on
# SQLITE_FULL, which a test inside the suite's transaction cannot survive.
FULL_SAVE = """
import json
from django.db import connection
from django.test import Client
from samizdat.newsroom.models import BlogPage, PostPage
from tests.newsroom.test_workflow import add_url, post_form
from wagtail.test.utils.form_data import rich_text
from django.contrib.auth import get_user_model
client = Client(HTTP_HOST="localhost")
client.force_login(get_user_model().objects.get(username="editor"))
blog = BlogPage.objects.get(slug="dispatches")
before = PostPage.objects.count()
data = post_form("Ferry without a timetable", "ferry-without-timetable",
                 body=rich_text("<p>" + "The ferry left at dawn with forty passengers and no timetable. " * 40 + "</p>"),
                 **{"action-publish": "1"})
with connection.cursor() as cursor:  # SQLite's own "database or disk is full": no new page
    cursor.execute("PRAGMA page_count")
    cursor.execute(f"PRAGMA max_page_count = {cursor.fetchone()[0]}")
response = client.post(add_url(blog), data)
connection.close()
print(json.dumps({"status": response.status_code, "retry": response.get("Retry-After"),
                  "page": response.content.decode(), "before": before, "after": PostPage.objects.count()}))
"""


def test_a_save_on_a_full_database_shows_what_was_sent_and_changes_nothing(scratch):  # noqa: F811
    env = {k: v for k, v in scratch.items() if k != "DATABASE_URL"}  # SQLite's full database, on any lane
    samizdat(env, "migrate", "-v0")
    samizdat(env, "demo")
    result = json.loads(samizdat(env, "shell", "-c", FULL_SAVE).stdout.strip().splitlines()[-1])
    assert result["status"] == 507 and result["retry"]
    page = result["page"]
    assert "disk is full" in page and "was not saved" in page
    assert "Ferry without a timetable" in page and "forty passengers" in page, "the editor's text is shown back"
    assert "csrfmiddlewaretoken" not in page
    assert result["after"] == result["before"], "nothing half-saved"


@pytest.mark.parametrize("exc, full", [
    (OSError(errno.ENOSPC, "No space left on device"), True),
    (OSError(errno.EACCES, "Permission denied"), False),
    (OperationalError("database or disk is full"), True),
    (OperationalError("database is locked"), False),
    (psycopg.errors.DiskFull("could not extend file"), True),
    (ValueError("bad"), False),
])
def test_storage_full_recognises_each_databases_answer(exc, full):
    assert storage_full(exc) is full


def test_storage_full_looks_through_the_cause():
    try:
        try:
            raise psycopg.errors.DiskFull("could not extend file")
        except psycopg.Error as inner:
            raise OperationalError("wrapped") from inner
    except OperationalError as outer:
        assert storage_full(outer)
