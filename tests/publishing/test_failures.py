"""A page that fails to render fails alone: the others go live, its live file stays, and
staff see which page, why and since when."""

import html
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from samizdat.newsroom import models
from samizdat.newsroom.models import PostPage
from samizdat.publishing import services
from samizdat.publishing.bake import bake, run_job
from samizdat.publishing.models import BakeBatch
from samizdat.publishing.status import publishing_status
from tests.conftest import read


@pytest.fixture
def broken_post(fresh_site, monkeypatch):
    """A baked site, then one post whose rendering raises (a template bug, bad data)."""
    bake(full=True)
    BakeBatch.objects.all().delete()
    post, other = PostPage.objects.live().order_by("pk")[:2]
    real = models.post_context  # what a post page shows, whether baked from rows or served

    def post_context(row, *args, **kwargs):
        if row.pk == post.pk:
            raise RuntimeError("template bug in the post page")
        return real(row, *args, **kwargs)

    monkeypatch.setattr(models, "post_context", post_context)
    return post, other


def test_a_page_that_fails_keeps_its_live_file_and_the_others_go_live(broken_post, fresh_site):
    post, other = broken_post
    before = read(fresh_site, post.reader_path)
    PostPage.objects.filter(pk=other.pk).update(title="The other story went live")
    BakeBatch.objects.create(reason="test", paths=[post.reader_path, other.reader_path])
    report = services.batch_run_pending()

    assert set(report.failures) == {post.reader_path}
    assert read(fresh_site, post.reader_path) == before, "a render failure must never remove or change the live file"
    assert "The other story went live" in html.unescape(read(fresh_site, other.reader_path))
    retry = BakeBatch.objects.get(finished_at__isnull=True)
    assert retry.paths == [post.reader_path] and retry.attempts == 1
    assert "template bug in the post page" in retry.last_error and post.reader_path in retry.last_error
    assert retry.not_before > timezone.now(), "retried with back-off, not in a tight loop"
    assert services.batch_run_pending() is None, "not retried before its time"


def test_retries_back_off_and_succeed_once_fixed(broken_post, fresh_site, monkeypatch):
    post, _ = broken_post
    BakeBatch.objects.create(reason="test", paths=[post.reader_path])
    services.batch_run_pending()
    delays = []
    for _ in range(3):
        retry = BakeBatch.objects.get(finished_at__isnull=True)
        delays.append(retry.not_before - timezone.now())
        BakeBatch.objects.filter(pk=retry.pk).update(not_before=timezone.now() - timedelta(seconds=1))
        services.batch_run_pending()
    assert delays == sorted(delays) and delays[-1] > delays[0]
    monkeypatch.undo()  # the bug is fixed
    PostPage.objects.filter(pk=post.pk).update(title="Fixed at last")
    BakeBatch.objects.filter(finished_at__isnull=True).update(not_before=timezone.now() - timedelta(seconds=1))
    services.batch_run_pending()
    assert not BakeBatch.objects.filter(finished_at__isnull=True).exists()
    assert "Fixed at last" in html.unescape(read(fresh_site, post.reader_path))


def test_a_full_bake_with_a_failing_page_keeps_its_file_through_the_prune(broken_post, fresh_site):
    post, _ = broken_post
    before = read(fresh_site, post.reader_path)
    report = bake(full=True)
    assert post.reader_path in report.failures
    assert read(fresh_site, post.reader_path) == before


def test_removing_a_path_too_long_for_the_disk_is_not_an_error(fresh_site):
    segment = "ж" * 200  # 400 bytes: longer than any file name can be
    written, rendered, changed, failures = run_job(("paths", [f"/en/{segment}/"]))
    assert rendered == 1 and not failures


def test_staff_see_failures_in_status_and_on_the_dashboard(broken_post, client, users):
    post, _ = broken_post
    BakeBatch.objects.create(reason="test", paths=[post.reader_path])
    services.batch_run_pending()
    status = publishing_status()
    assert [p.paths for p in status.problems] == [[post.reader_path]]
    with pytest.raises(SystemExit):
        call_command("status")
    client.force_login(users["editor"])
    page = html.unescape(client.get("/admin/").content.decode())
    assert "failed to bake" in page and post.reader_path in page and "template bug" in page


def test_a_full_bake_shared_by_workers_keeps_what_was_published_while_its_jobs_ran(fresh_site, settings):
    """A full bake as tasks: its jobs, a publish baked while they run, then the finishing
    step — which re-renders that publish's pages (a job may have overwritten them with an
    older rendering) and prunes — as several workers would run them."""
    from samizdat.publishing.models import BakeJob

    settings.SAMIZDAT_BAKE_EAGER = False
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}  # queued, run by hand
    bake(full=True)
    batch = services.site_bake_queue()
    services.batch_run_pending(full_as_tasks=True)  # starts it: the jobs are queued
    jobs = list(BakeJob.objects.filter(batch=batch).order_by("index"))
    assert len(jobs) > 1
    services.full_bake_job_run(jobs[0].pk)

    post = PostPage.objects.live().order_by("pk").first()
    post.title = "Published while the full bake ran"
    post.save_revision().publish()
    services.batch_run_pending(full_as_tasks=True)  # an incremental bake goes on meanwhile
    for job in jobs[1:]:
        services.full_bake_job_run(job.pk)
    report = services.full_bake_finish(batch.pk)

    assert report is not None and not report.failures
    assert BakeJob.objects.filter(batch=batch, runs=1, finished_at__isnull=False).count() == len(jobs)
    assert not BakeBatch.objects.filter(finished_at__isnull=True).exists()
    assert "Published while the full bake ran" in html.unescape(read(fresh_site, post.reader_path))
