from django.conf import settings
from django.core.management.base import BaseCommand

from samizdat.publishing.worker import worker_run


class Command(BaseCommand):
    help = "Run the publishing worker alone: queued bakes, scheduled publishing, banner expiry."

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval", type=float, default=settings.SAMIZDAT_WORKER_INTERVAL,
            help="Seconds between scheduler checks (default %(default)s).",
        )

    def handle(self, *args, interval, **options):
        worker_run(interval=interval)
