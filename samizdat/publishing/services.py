"""Writes of the publishing engine: queue a bake batch, run the pending ones."""

import logging

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .bake import bake, bake_lock
from .models import BakeBatch

logger = logging.getLogger(__name__)


def batch_enqueue(*, reason, paths=None):
    """Record that `paths` (None: the whole site) must be re-rendered.

    The journal row is written inside the caller's transaction, so it exists exactly when
    the change does; the bake itself runs after commit (eagerly in tests, else the worker).
    A change that touches no reader path queues nothing.
    """
    if paths is not None and not paths:
        return None
    batch = BakeBatch.objects.create(
        reason=reason[:200], full=paths is None, paths=sorted(set(paths or []))
    )
    if settings.SAMIZDAT_BAKE_EAGER:
        transaction.on_commit(batch_run_pending)
    return batch


def batch_run_pending():
    """Bake every open batch as one merged batch; mark them finished when files are on disk."""
    with bake_lock():
        batches = list(BakeBatch.objects.filter(finished_at__isnull=True).order_by("pk"))
        if not batches:
            return None
        full = any(b.full for b in batches)
        paths = None if full else sorted({p for b in batches for p in b.paths})
        ids = [b.pk for b in batches]
        try:
            report = bake(paths, full=full, workers=settings.SAMIZDAT_BAKE_WORKERS if full else 1)
        except Exception as exc:
            BakeBatch.objects.filter(pk__in=ids).update(last_error=repr(exc)[:2000], attempts=F("attempts") + 1)
            logger.exception("bake of batches %s failed; it will be retried", ids)
            raise
        BakeBatch.objects.filter(pk__in=ids).update(finished_at=timezone.now(), last_error="")
        return report


def site_bake_full(*, reason="bake --full"):
    """Queue and run a full bake now (the `samizdat bake` command, the demo)."""
    BakeBatch.objects.create(reason=reason, full=True)
    return batch_run_pending()
