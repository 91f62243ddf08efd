"""The worker: bakes queued batches, publishes scheduled pages, notices the clock.

`samizdat serve` starts it beside the web server; `samizdat worker` runs it alone.
"""

import io
import logging
import signal
import threading
import time
from datetime import timedelta

from django.core.management import call_command
from django.db import close_old_connections, connection
from django.utils import timezone
from wagtail.models import Revision

from . import dependencies
from .bake import baked_clock_state, baked_clock_state_save
from .models import BakeBatch
from .services import batch_enqueue, batch_run_pending

logger = logging.getLogger(__name__)


def scheduled_publish_run():
    """Publish pages whose go-live time has come and unpublish expired ones (Wagtail's
    own command; its signals queue the bake)."""
    due = Revision.objects.filter(approved_go_live_at__lt=timezone.now()).count()
    call_command("publish_scheduled", stdout=io.StringIO())
    if due:
        logger.info("published %d scheduled revision(s)", due)


def scheduled_due():
    """Whether a scheduled go-live or expiry time has come (one cheap query)."""
    from wagtail.models import Page

    now = timezone.now()
    return (
        Revision.objects.filter(approved_go_live_at__lte=now).exists()
        or Page.objects.filter(live=True, expire_at__lte=now).exists()
    )


def clock_check():
    """Queue a bake of the services whose banner started or expired, or whose pin ran out,
    since the site last showed them. The journal row makes sure it is baked, so the new
    state is remembered at once."""
    before, after = baked_clock_state(), dependencies.clock_state()
    if before != after:
        batch_enqueue(reason="clock: banner or pin changed", paths=dependencies.paths_for_clock(before, after))
        baked_clock_state_save(after)


def journal_prune(*, keep_days=7):
    """Finished batches are history; keep a week of them for operators to look at."""
    cutoff = timezone.now() - timedelta(days=keep_days)
    BakeBatch.objects.filter(finished_at__lt=cutoff).delete()


def worker_tick():
    scheduled_publish_run()
    clock_check()
    journal_prune()


def worker_run(*, interval=5.0, poll=0.05, stop=None, max_seconds=None):
    """Loop until `stop` is set (or SIGTERM/SIGINT, or `max_seconds`)."""
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
    started = time.monotonic()
    next_tick = next_due_check = 0.0
    logger.info("worker started (scheduler every %ss)", interval)
    while not stop.is_set():
        if not connection.in_atomic_block:
            close_old_connections()  # a long-running loop must not hold a dead connection
        try:
            now = time.monotonic()
            if now >= next_tick:
                worker_tick()
                next_tick, next_due_check = now + interval, now + 0.5
            elif now >= next_due_check:
                # Scheduled posts go live within a second of their time, not at the next tick.
                if scheduled_due():
                    scheduled_publish_run()
                next_due_check = now + 0.5
            batch_run_pending()
        except Exception:
            logger.exception("worker step failed; retrying")
            stop.wait(min(interval, 5))
        if max_seconds is not None and time.monotonic() - started >= max_seconds:
            break
        stop.wait(poll)
    logger.info("worker stopped")
