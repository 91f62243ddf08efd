from django.core.management.base import BaseCommand

from samizdat.publishing.status import publishing_status


class Command(BaseCommand):
    help = "Say whether publishing is healthy: the worker's heartbeat, the queue, pages that keep failing."

    def handle(self, *args, **options):
        status = publishing_status()
        if status.worker_seconds_ago is None:
            self.stdout.write("worker: has never run with this data folder (start `samizdat serve` or `samizdat worker`)")
        elif status.worker_alive:
            self.stdout.write(f"worker: alive (last heartbeat {status.worker_seconds_ago:.0f}s ago)")
        else:
            self.stdout.write(
                f"worker: SILENT for {status.worker_seconds_ago:.0f}s — nothing is being baked; "
                "restart `samizdat serve` or `samizdat worker`"
            )
        waiting = f", oldest waiting {status.oldest_waiting_seconds:.0f}s" if status.oldest_waiting_seconds else ""
        self.stdout.write(f"queue: {status.backlog} batch(es){waiting}")
        for problem in status.problems:
            retry = f", next try {problem.retry_at:%Y-%m-%d %H:%M:%S} UTC" if problem.retry_at else ""
            self.stdout.write(
                f"FAILING since {problem.since:%Y-%m-%d %H:%M:%S} UTC ({problem.attempts} attempt(s){retry}):\n"
                + "\n".join(f"  {line}" for line in (problem.error or "").splitlines()[:20])
            )
        if not status.healthy:
            raise SystemExit(1)
