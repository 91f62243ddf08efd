"""How publishing is doing, for staff: is the worker alive, how much is queued, and which
pages keep failing (which page, why, since when). The admin's dashboard panel and
`samizdat status` show the same thing."""

from dataclasses import dataclass

from django.utils import timezone

from .models import BakeBatch
from .worker import heartbeat_age

# The worker says it is alive every tick (SAMIZDAT_WORKER_INTERVAL, 5 s by default).
WORKER_STALE_AFTER = 60


@dataclass(frozen=True)
class Problem:
    paths: list
    error: str
    attempts: int
    since: object  # datetime
    retry_at: object  # datetime or None


@dataclass(frozen=True)
class PublishingStatus:
    worker_seconds_ago: float | None
    backlog: int
    oldest_waiting_seconds: float | None
    problems: list

    @property
    def worker_alive(self):
        return self.worker_seconds_ago is not None and self.worker_seconds_ago < WORKER_STALE_AFTER

    @property
    def healthy(self):
        return self.worker_alive and not self.problems


def publishing_status():
    now = timezone.now()
    open_batches = BakeBatch.objects.filter(finished_at__isnull=True)
    oldest = open_batches.order_by("created_at").values_list("created_at", flat=True).first()
    problems = [
        Problem(paths=b.paths, error=b.last_error, attempts=b.attempts, since=b.created_at, retry_at=b.not_before)
        for b in open_batches.filter(attempts__gt=0).order_by("created_at")[:50]
    ]
    return PublishingStatus(
        worker_seconds_ago=heartbeat_age(),
        backlog=open_batches.count(),
        oldest_waiting_seconds=(now - oldest).total_seconds() if oldest else None,
        problems=problems,
    )
