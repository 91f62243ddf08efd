"""The one entry point for a change readers can see: `change_record`.

Signal handlers (and the worker's clock) describe the change as an event (`dependencies`
builds them: `page_event`, `slug_event`, `object_event`, `clock_event`) and record it. That
writes a bake batch — and the task that bakes it — in the change's own transaction and
returns: the editor's publish does no tracking work. The worker then asks `dependencies`
which paths the event makes stale, records the new remembered state and renders them
(`services.batches_resolve`, `services.batch_run_pending`).
"""

from .services import batch_enqueue


def change_record(*, reason, event):
    return batch_enqueue(reason=reason, event=event)
