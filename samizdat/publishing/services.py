"""Writes of the publishing engine: the bake journal.

A batch is queued in the same transaction as the change that made its paths stale, and
marked finished once its files are on disk. A page that fails to render fails alone: the
rest of the batch goes live, and its path is queued again in a retry batch that waits
longer after each failure (`RETRY_DELAYS`). Nothing here decides *which* paths — that is
`dependencies` — and nothing here renders — that is `bake`.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .bake import bake, bake_lock
from .models import BakeBatch

logger = logging.getLogger(__name__)
# Seconds to wait before retrying a page that failed, by attempt; the last repeats.
RETRY_DELAYS = [5, 30, 120, 600, 1800]


def batch_enqueue(*, reason, paths=None):
    """Record that `paths` (None: the whole site) must be re-rendered.

    The journal row is written inside the caller's transaction, so it exists exactly when
    the change does; the bake itself runs after commit (eagerly in tests, else the worker).
    A change that touches no reader path queues nothing.
    """
    if paths is not None and not paths:
        return None
    batch = BakeBatch.objects.create(reason=reason[:200], full=paths is None, paths=sorted(set(paths or [])))
    if settings.SAMIZDAT_BAKE_EAGER:
        transaction.on_commit(batch_run_pending)
    return batch


def _due():
    return BakeBatch.objects.filter(finished_at__isnull=True).filter(
        Q(not_before__isnull=True) | Q(not_before__lte=timezone.now())
    )


def retry_delay(attempts):
    return timedelta(seconds=RETRY_DELAYS[min(attempts, len(RETRY_DELAYS)) - 1])


def batch_run_pending():
    """Bake every due batch as one merged batch; mark them finished when files are on disk,
    and queue the pages that failed again, later."""
    with bake_lock():
        batches = list(_due().order_by("pk"))
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
        with transaction.atomic():
            BakeBatch.objects.filter(pk__in=ids).update(finished_at=timezone.now(), last_error="")
            if report.failures:
                _retry_later(batches, report.failures)
        return report


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
    """Queue and run a full bake now (the `samizdat bake` command, the demo)."""
    BakeBatch.objects.create(reason=reason, full=True)
    return batch_run_pending()
