"""The one entry point for a change readers can see: `change_record`.

Signal handlers (and the worker's clock) call it with a description of the change and a
function that asks `dependencies` what it makes stale. It then, in the change's own
transaction: records the new remembered state (`state`), queues the bake (`services`);
and after commit forgets the expanded bodies that held old links.
"""

import logging

from django.db import transaction

from samizdat.theme.bodycache import bodies_forget, bodies_forget_all

from .services import batch_enqueue
from .state import state_apply

logger = logging.getLogger(__name__)


def change_record(*, reason, stale):
    """Queue what `stale()` (a `dependencies` question) names. If the tracker fails, the
    whole site is queued instead: an editor's publish must never fail because the tracker
    did — a full bake is slower, never wrong."""
    try:
        with transaction.atomic():  # a savepoint: a failed query must not spoil the editor's transaction
            result = stale()
            state_apply(result)
    except Exception:
        logger.exception("could not work out which pages %s touches; re-baking everything", reason)
        transaction.on_commit(bodies_forget_all)
        return batch_enqueue(reason=reason, paths=None)
    if result.all_bodies:
        transaction.on_commit(bodies_forget_all)
    elif result.bodies:
        ids = set(result.bodies)
        transaction.on_commit(lambda: bodies_forget(ids))
    return batch_enqueue(reason=reason, paths=result.paths)
