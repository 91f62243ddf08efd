import threading
from datetime import timedelta

import pytest
from django.utils import timezone

from samizdat.newsroom.models import BreakingNews, ServicePage
from samizdat.publishing.bake import bake
from samizdat.publishing.models import BakeBatch
from samizdat.publishing.worker import clock_check, worker_run
from tests.conftest import read

pytestmark = pytest.mark.django_db


def test_expired_banner_disappears_on_the_next_clock_check(fresh_site, django_capture_on_commit_callbacks):
    bake(full=True)
    assert 'class="breaking"' in read(fresh_site, "/en/")
    BreakingNews.objects.filter(service__language_code="en").update(expires_at=timezone.now() - timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        clock_check()
    assert BakeBatch.objects.filter(reason__startswith="clock").exists()
    from samizdat.publishing.services import batch_run_pending

    batch_run_pending()
    assert 'class="breaking"' not in read(fresh_site, "/en/")
    assert 'class="breaking"' in read(fresh_site, "/fa/")


def test_clock_check_is_quiet_when_nothing_changed(fresh_site):
    bake(full=True)
    clock_check()
    assert not BakeBatch.objects.filter(reason__startswith="clock").exists()


def test_new_banner_reaches_pages(fresh_site, django_capture_on_commit_callbacks):
    service = ServicePage.objects.get(language_code="ru")
    with django_capture_on_commit_callbacks(execute=True):
        BreakingNews.objects.create(service=service, text="Срочная новость", expires_at=timezone.now() + timedelta(hours=1))
    assert "Срочная новость" in read(fresh_site, "/ru/")


def test_worker_runs_queued_batches(fresh_site):
    BakeBatch.objects.create(reason="queued by another process", full=True)
    stop = threading.Event()
    worker_run(interval=60, poll=0.05, stop=stop, max_seconds=0.5)
    assert not BakeBatch.objects.filter(finished_at__isnull=True).exists()
    assert (fresh_site / "en/index.html").exists()


def test_journal_keeps_a_week_of_finished_batches():
    from samizdat.publishing.worker import journal_prune

    old = BakeBatch.objects.create(reason="old", finished_at=timezone.now() - timedelta(days=8))
    recent = BakeBatch.objects.create(reason="recent", finished_at=timezone.now() - timedelta(days=1))
    open_batch = BakeBatch.objects.create(reason="open")
    journal_prune()
    remaining = set(BakeBatch.objects.values_list("pk", flat=True))
    assert old.pk not in remaining and {recent.pk, open_batch.pk} <= remaining


def test_worker_publishes_a_scheduled_post_between_its_regular_ticks(fresh_site, monkeypatch):
    """The regular scheduler tick is a minute apart here; the worker's cheap due check
    (twice a second) publishes the post as soon as its time has come."""
    from samizdat.newsroom.models import PostPage
    from samizdat.publishing import clock

    post = PostPage.objects.get(live=False, go_live_at__isnull=False)
    revision = post.latest_revision
    soon = timezone.now() + timedelta(seconds=1)
    revision.approved_go_live_at = soon
    revision.content["go_live_at"] = soon.isoformat()
    revision.save()
    stop, calls = threading.Event(), []
    real = clock.scheduled_publish_run

    def publish_and_note():
        calls.append(timezone.now())
        real()
        if PostPage.objects.filter(pk=post.pk, live=True).exists():
            stop.set()

    monkeypatch.setattr(clock, "scheduled_publish_run", publish_and_note)
    worker_run(interval=60, poll=0.05, stop=stop, max_seconds=30)
    post.refresh_from_db()
    # Published well before the next regular tick (a minute away), by a call made once due.
    assert post.live, "the due check did not publish the post between ticks"
    assert calls[-1] >= soon


def test_a_publish_queues_a_task_and_the_worker_works_out_and_bakes_its_pages(fresh_site, settings):
    """As in production: the editor's publish only records the change and its task; the
    worker takes the task from the database queue (with Wagtail's own tasks)."""
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    from samizdat.newsroom.models import PostPage

    settings.SAMIZDAT_BAKE_EAGER = False
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    bake(full=True)
    post = PostPage.objects.live().order_by("pk").first()
    post.title = "Through the task queue"
    post.save_revision().publish()
    batch = BakeBatch.objects.latest("pk")
    assert batch.event["id"] == post.pk and batch.resolved_at is None and batch.paths == []
    queued = DBTaskResult.objects.ready()
    assert queued.filter(task_path__endswith="process_changes").exists()
    # Wagtail's index updates were queued first, but the readers' page comes first.
    assert queued.count() > 1 and queued.first().task_path.endswith("process_changes")

    # What `worker.task_run_one` does, minus its claim loop (which closes the connection
    # that this test's transaction lives on): run each queued task as the database worker does.
    runner = Worker(queue_names=["*"], excluded_queue_names=[], interval=0, batch=True, backend_name="default",
                    startup_delay=False, max_tasks=None, worker_id="test")
    while (task := DBTaskResult.objects.ready().first()) is not None:
        task.claim("test")
        runner.run_task(task)
    batch.refresh_from_db()
    assert batch.finished_at and post.reader_path in batch.paths
    assert "Through the task queue" in read(fresh_site, post.reader_path)
    assert not DBTaskResult.objects.ready().exists(), "every queued task ran, Wagtail's too"
    assert not DBTaskResult.objects.failed().exists()
