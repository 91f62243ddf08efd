"""Writes of the publishing engine: the bake journal and the bake tasks.

A batch is queued in the same transaction as the change that made its paths stale, and
marked finished once its files are on disk. The worker runs the journal as django-tasks
tasks (`process_changes`, and for a full bake one `bake_job` per slice of the site and a
`bake_finish`), so several workers — on several machines, against one PostgreSQL — share a
full bake while they keep up with publishing. Tests, `samizdat bake` and the demo run the
same stages in this process.

A page that fails to render fails alone: the rest goes live, and its path is queued again
in a retry batch that waits longer after each failure (`RETRY_DELAYS`). Nothing here
decides *which* paths — that is `dependencies` — and nothing here renders — that is `bake`.
"""

import logging
import os
import socket
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django_tasks import task

from samizdat.theme.bodycache import bodies_forget, bodies_forget_all

from . import dependencies
from .bake import BakeReport, bake, bake_lock, full_finish, full_prepare, run_job
from .models import BakeBatch, BakeJob
from .signals import batch_baked
from .state import state_apply

logger = logging.getLogger(__name__)
# Seconds to wait before retrying a page that failed, by attempt; the last repeats.
RETRY_DELAYS = [5, 30, 120, 600, 1800]
# A full-bake job not finished this long after it was queued (its worker died) is queued again.
JOB_TIMEOUT = timedelta(minutes=10)
# A full bake whose jobs are done but which is not finished this long after is finished again.
FINISH_TIMEOUT = timedelta(minutes=2)
WORKER_ID = f"{socket.gethostname()}:{os.getpid()}"


def batch_enqueue(*, reason, paths=None, event=None):
    """Record that `paths` (None: the whole site) must be re-rendered, or that `event`
    happened and its paths are still to be worked out.

    The journal row — and, with the worker, the task that bakes it — is written inside the
    caller's transaction, so it exists exactly when the change does. Tests bake right after
    commit (`SAMIZDAT_BAKE_EAGER`). Paths given but empty queue nothing.
    """
    if event is None and paths is not None and not paths:
        return None
    batch = BakeBatch.objects.create(
        reason=reason[:200],
        event=event,
        resolved_at=None if event else timezone.now(),
        full=event is None and paths is None,
        paths=sorted(set(paths or [])),
    )
    if settings.SAMIZDAT_BAKE_EAGER:
        transaction.on_commit(batch_run_pending)
    else:
        process_changes.enqueue()
    return batch


def _due():
    """Open batches whose paths are known and whose time has come."""
    return (
        BakeBatch.objects.filter(finished_at__isnull=True)
        .exclude(event__isnull=False, resolved_at__isnull=True)
        .filter(Q(not_before__isnull=True) | Q(not_before__lte=timezone.now()))
    )


def batches_resolve():
    """Work out the paths of recorded changes, oldest first: ask `dependencies`, record the
    new remembered state and the paths in one transaction, then forget the expanded bodies
    that held old links. If the tracker fails, the whole site is queued instead — slower,
    never wrong."""
    unresolved = BakeBatch.objects.filter(finished_at__isnull=True, event__isnull=False, resolved_at__isnull=True)
    for batch in unresolved.order_by("pk"):
        try:
            with transaction.atomic():
                stale = dependencies.paths_for_event(batch.event)
                state_apply(stale)
                BakeBatch.objects.filter(pk=batch.pk).update(
                    paths=sorted(stale.paths), resolved_at=timezone.now(), finished_at=None if stale.paths else timezone.now()
                )
        except Exception as exc:
            logger.exception("could not work out which pages %s touches; re-baking everything", batch.reason)
            BakeBatch.objects.filter(pk=batch.pk).update(full=True, resolved_at=timezone.now(), last_error=repr(exc)[:2000])
            bodies_forget_all()
            continue
        if stale.all_bodies:
            bodies_forget_all()
        elif stale.bodies:
            bodies_forget(stale.bodies)


def retry_delay(attempts):
    return timedelta(seconds=RETRY_DELAYS[min(attempts, len(RETRY_DELAYS)) - 1])


def batch_run_pending(*, full_as_tasks=False, blocking=True):
    """Bake every due batch as one merged batch; mark them finished when files are on disk,
    and queue the pages that failed again, later. With `full_as_tasks` (the worker), a full
    bake is split into tasks instead of being baked here. Not `blocking`: if another process
    is baking, leave the batches to it (it or the next poll takes them)."""
    baked = _run_pending_locked(full_as_tasks=full_as_tasks, blocking=blocking)
    if baked is None:
        return None
    report, ids, paths = baked
    _announce(ids, report, paths)  # outside the bake lock: a receiver may queue a bake itself
    return report


def _run_pending_locked(*, full_as_tasks, blocking):
    with bake_lock(blocking=blocking) as mine:
        if not mine:
            return None
        batches_resolve()
        if full_as_tasks:
            for batch in _due().filter(full=True, started_at__isnull=True):
                full_bake_start(batch)
        due = _due().filter(full=False) if full_as_tasks else _due().exclude(full=True, started_at__isnull=False)
        batches = list(due.order_by("pk"))
        if not batches:
            return None
        full = any(b.full for b in batches)
        paths = None if full else sorted({p for b in batches for p in b.paths})
        ids = [b.pk for b in batches]
        try:
            report = bake(paths, full=full, workers=settings.SAMIZDAT_BAKE_WORKERS if full else 1)
        except Exception as exc:
            attempts = max(b.attempts for b in batches) + 1
            BakeBatch.objects.filter(pk__in=ids).update(
                last_error=repr(exc)[:2000], attempts=F("attempts") + 1, not_before=timezone.now() + retry_delay(attempts)
            )
            logger.exception("bake of batches %s failed; it will be retried", ids)
            raise
        _batches_finish(ids, report.failures, batches)
        return report, ids, paths


def _announce(ids, report, paths):
    """Tell the layers above (mirrors, signing) that files are on disk; never fails the bake."""
    for receiver, result in batch_baked.send_robust(
        sender=BakeBatch, batch_ids=ids, full=report.full, files=report.files, paths=paths or []
    ):
        if isinstance(result, Exception):
            logger.error("batch_baked receiver %s failed: %r", receiver, result)


def _batches_finish(ids, failures, batches):
    with transaction.atomic():
        BakeBatch.objects.filter(pk__in=ids).update(finished_at=timezone.now(), last_error="")
        if failures:
            _retry_later(batches, failures)


def _retry_later(batches, failures):
    """Queue the pages that failed, alone, to be tried again after a back-off."""
    attempts = 1 + max((b.attempts for b in batches if b.reason.startswith("retry")), default=0)
    errors = "\n".join(f"{path}: {why}" for path, why in sorted(failures.items()))
    BakeBatch.objects.create(
        reason=f"retry: {len(failures)} page(s) failed to bake"[:200],
        paths=sorted(failures),
        attempts=attempts,
        last_error=errors[:4000],
        not_before=timezone.now() + retry_delay(attempts),
    )
    logger.error("%d page(s) failed to bake (attempt %d), retrying later:\n%s", len(failures), attempts, errors)


def site_bake_full(*, reason="samizdat bake"):
    """Queue and run a full bake now, in this process (the `samizdat bake` command, the demo)."""
    BakeBatch.objects.create(reason=reason, full=True, resolved_at=timezone.now())
    return batch_run_pending()


def site_bake_queue(*, reason="samizdat bake --queue"):
    """Queue a full bake for the workers to share (several machines may take its jobs)."""
    with transaction.atomic():
        batch = BakeBatch.objects.create(reason=reason, full=True, resolved_at=timezone.now())
        process_changes.enqueue()
    return batch


# --- a full bake shared by workers ---------------------------------------------------------


@transaction.atomic
def full_bake_start(batch):
    """Split a queued full bake into job tasks that any worker may take."""
    batch = BakeBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.started_at or batch.finished_at:
        return  # another worker started it
    _supersede(batch)
    clock_now, jobs = full_prepare()
    now = timezone.now()
    BakeBatch.objects.filter(pk=batch.pk).update(started_at=now, clock=clock_now)
    created = BakeJob.objects.bulk_create(
        BakeJob(batch=batch, index=i, kind=kind, items=items, started_at=now) for i, (kind, items) in enumerate(jobs)
    )
    for job in BakeJob.objects.filter(batch=batch).values_list("pk", flat=True):
        bake_job.enqueue(job)
    if not created:
        bake_finish.enqueue(batch.pk)
    logger.info("full bake %s: %d jobs queued", batch.pk, len(jobs))


def _supersede(full):
    """Batches queued before a full bake need no bake of their own: it renders every page as
    the database now stands, and rebuilds the remembered state. Expanded bodies are forgotten
    if any of them was a change not yet worked out (it may have moved a page others link to).
    They are closed before the full bake starts, so its last step does not render them again."""
    older = BakeBatch.objects.filter(finished_at__isnull=True, full=False, pk__lt=full.pk)
    if older.filter(event__isnull=False, resolved_at__isnull=True).exists():
        bodies_forget_all()
    closed = older.update(finished_at=timezone.now(), last_error=f"superseded by full bake {full.pk}")
    if closed:
        logger.info("full bake %s supersedes %d queued batch(es)", full.pk, closed)


def full_bake_job_run(job_id):
    """Render one slice of a full bake; the last job to finish queues the finishing step."""
    job = BakeJob.objects.filter(pk=job_id, finished_at__isnull=True).first()
    if job is None:
        return  # done already (a re-queued duplicate)
    BakeJob.objects.filter(pk=job.pk).update(runs=F("runs") + 1, worker=WORKER_ID[:100])
    written, rendered, changed, failures = run_job((job.kind, job.items))
    site_dir = str(Path(settings.SAMIZDAT_SITE_DIR))
    BakeJob.objects.filter(pk=job.pk).update(
        finished_at=timezone.now(),
        rendered=rendered,
        changed=changed,
        written=[os.path.relpath(p, site_dir) for p in written],
        failures=failures,
    )
    if not BakeJob.objects.filter(batch_id=job.batch_id, finished_at__isnull=True).exists():
        bake_finish.enqueue(job.batch_id)


def full_bake_finish(batch_id):
    """Prune, write the theme files, and close the full bake (once, whoever asks first)."""
    report = _full_bake_finish_locked(batch_id)
    if report is not None:
        _announce([batch_id], report, None)
    return report


def _full_bake_finish_locked(batch_id):
    with bake_lock():
        batch = BakeBatch.objects.filter(pk=batch_id, finished_at__isnull=True).first()
        if batch is None or BakeJob.objects.filter(batch=batch, finished_at__isnull=True).exists():
            return None
        jobs = list(BakeJob.objects.filter(batch=batch))
        site_dir = Path(settings.SAMIZDAT_SITE_DIR)
        report = BakeReport(full=True)
        for job in jobs:
            report.rendered += job.rendered
            report.changed += job.changed
            report.failures.update(job.failures)
        # Pages incremental bakes wrote while the jobs ran: a job may have overwritten them.
        since = BakeBatch.objects.filter(full=False, finished_at__gte=batch.started_at)
        rerender = {p for paths in since.values_list("paths", flat=True) for p in paths}
        full_finish(
            report,
            written=[site_dir / p for job in jobs for p in job.written],
            clock_now=batch.clock or {},
            rerender=rerender,
        )
        report.seconds = round((timezone.now() - batch.started_at).total_seconds(), 3)
        _batches_finish([batch.pk], report.failures, [batch])
        logger.info("full bake %s finished: %s", batch.pk, report.as_dict())
        return report


def jobs_requeue_stale():
    """Queue again the full-bake jobs whose worker died, and the finishing step of a full bake
    whose jobs are all done but which is still open a while later (its task failed or its
    worker died). The worker's clock calls this."""
    cutoff = timezone.now() - JOB_TIMEOUT
    for job in BakeJob.objects.filter(finished_at__isnull=True, started_at__lt=cutoff):
        BakeJob.objects.filter(pk=job.pk).update(started_at=timezone.now())
        bake_job.enqueue(job.pk)
    waiting = BakeBatch.objects.filter(full=True, finished_at__isnull=True, started_at__isnull=False).exclude(
        jobs__finished_at__isnull=True
    )
    for batch in waiting.filter(Q(not_before__isnull=True) | Q(not_before__lte=timezone.now())):
        last = batch.jobs.aggregate(last=Max("finished_at"))["last"]
        if last is None or last < timezone.now() - FINISH_TIMEOUT:
            BakeBatch.objects.filter(pk=batch.pk).update(not_before=timezone.now() + FINISH_TIMEOUT)
            bake_finish.enqueue(batch.pk)


# --- the tasks the worker runs (django-tasks, database backend) -----------------------------

# A publish queues Wagtail's own tasks too (search and reference index updates, five of them
# before ours); workers take the highest priority first, so the readers' page goes live
# before the admin's indexes are brought up to date, and between the jobs of a full bake.
CHANGES_PRIORITY = 50


@task(priority=CHANGES_PRIORITY)
def process_changes():
    """Bake what changes queued (incremental batches), and start queued full bakes."""
    report = batch_run_pending(full_as_tasks=True, blocking=False)
    return report.as_dict() if report else None


@task()
def bake_job(job_id):
    full_bake_job_run(job_id)


@task()
def bake_finish(batch_id):
    try:
        report = full_bake_finish(batch_id)
    except Exception as exc:  # shown to staff; the clock queues it again (`jobs_requeue_stale`)
        BakeBatch.objects.filter(pk=batch_id).update(last_error=repr(exc)[:2000], attempts=F("attempts") + 1)
        raise
    return report.as_dict() if report else None
