"""The worker: bakes queued batches, publishes scheduled pages, notices the clock.

`samizdat serve` starts it beside the web server; `samizdat worker` runs it alone.
"""

import logging
import signal
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

from django_tasks import task_backends
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.management.commands.db_worker import Worker

from . import clock, dependencies, signals
from .changes import change_record
from .locks import exclusive
from .models import BakeBatch
from .services import WORKER_ID, batch_run_pending, jobs_requeue_stale

logger = logging.getLogger(__name__)


def clock_check():
    """Queue a bake of the editions whose banner started or expired, or whose pin ran out,
    since the site last showed them. The journal row makes sure it is baked, so the new
    state is remembered at once."""
    before, after = clock.baked_clock_state(), clock.clock_state()
    if before != after:
        changed = clock.clock_changed(before, after)
        change_record(reason="clock: banner or pin changed", event=dependencies.clock_event(changed))
        clock.baked_clock_state_save(after)


def heartbeat_file():
    return settings.DATA_DIR / "worker.heartbeat"


def heartbeat():
    """The worker says it is alive (the admin and `samizdat status` read the file's time)."""
    heartbeat_file().touch()


def heartbeat_age():
    """Seconds since the worker last said it was alive, or None if it never ran here."""
    try:
        return max(time.time() - heartbeat_file().stat().st_mtime, 0.0)
    except FileNotFoundError:
        return None


def journal_prune(*, keep_days=7):
    """Finished batches are history; keep a week of them for operators to look at."""
    cutoff = timezone.now() - timedelta(days=keep_days)
    BakeBatch.objects.filter(finished_at__lt=cutoff).delete()


def worker_tick():
    """What time brings: scheduled publishing, banners and pins, pruning, dead jobs. One
    worker at a time does it (the others skip), so a scheduled post is published once."""
    with exclusive("clock", blocking=False) as mine:
        if mine:
            clock.scheduled_publish_run()
            clock_check()
            journal_prune()
            jobs_requeue_stale()
            for receiver, result in signals.worker_tick.send_robust(sender=None):
                if isinstance(result, Exception):
                    logger.error("clock receiver %s failed: %r", getattr(receiver, "__qualname__", receiver), result)


def due_check():
    """Scheduled posts go live within a second of their time, not at the next tick."""
    if clock.scheduled_due():
        with exclusive("clock", blocking=False) as mine:
            if mine:
                clock.scheduled_publish_run()


def task_run_one():
    """Run one queued task of any kind (ours and Wagtail's), if there is one. The database
    backend's worker claims it so that no other worker runs it too."""
    runner = Worker(
        queue_names=["*"], excluded_queue_names=[], interval=0, batch=True, backend_name="default",
        startup_delay=False, max_tasks=1, worker_id=WORKER_ID,
    )
    runner.run()
    return runner._run_tasks > 0


def worker_run(*, interval=5.0, poll=0.05, stop=None, max_seconds=None):
    """Loop until `stop` is set (or SIGTERM/SIGINT, or `max_seconds`): run queued tasks,
    keep the clock, say it is alive. Several may run against one database."""
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
    started = time.monotonic()
    next_tick = next_due_check = 0.0
    uses_task_queue = isinstance(task_backends["default"], DatabaseBackend)
    logger.info("worker %s started (scheduler every %ss)", WORKER_ID, interval)
    while not stop.is_set():
        if not connection.in_atomic_block:
            close_old_connections()  # a long-running loop must not hold a dead connection
        ran = False
        try:
            now = time.monotonic()
            if now >= next_tick:
                heartbeat()
                worker_tick()
                next_tick, next_due_check = now + interval, now + 0.5
            elif now >= next_due_check:
                due_check()
                next_due_check = now + 0.5
            ran = uses_task_queue and task_run_one()
            if not ran:
                # The journal is the source of truth: bake what is due even if its task was
                # lost, unless another worker is baking right now.
                batch_run_pending(full_as_tasks=uses_task_queue, blocking=False)
        except Exception:
            logger.exception("worker step failed; retrying")
            stop.wait(min(interval, 5))
        if max_seconds is not None and time.monotonic() - started >= max_seconds:
            break
        if not ran:
            stop.wait(poll)
    logger.info("worker stopped")
