import json as jsonlib

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from wagtail.models import Site

from samizdat.publishing.services import batch_run_pending, site_bake_full, site_bake_queue


class Command(BaseCommand):
    help = "Render the reader site into the site folder ($SAMIZDAT_DATA_DIR/site)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--workers", type=int, default=0,
            help="Processes to render with (default: $SAMIZDAT_BAKE_WORKERS, else one per CPU).",
        )
        parser.add_argument("--pending", action="store_true", help="Only run queued bake batches.")
        parser.add_argument(
            "--queue", action="store_true",
            help="Queue a full bake for the running workers to share (`samizdat worker`, on any machine) and return.",
        )
        parser.add_argument("--json", action="store_true", help="Print the report as JSON.")

    def handle(self, *args, pending=False, queue=False, json=False, workers=0, **options):
        if workers:
            settings.SAMIZDAT_BAKE_WORKERS = workers
        if not Site.objects.filter(is_default_site=True).exists():
            raise CommandError("There is no site to bake yet. Run `samizdat demo` or create one in the admin.")
        if queue:
            batch = site_bake_queue()
            self.stdout.write(f"Queued full bake #{batch.pk}; `samizdat status` shows the queue.")
            return
        report = batch_run_pending() if pending else site_bake_full(reason="samizdat bake")
        if report is None:
            self.stdout.write("Nothing was queued.")
            return
        if json:
            self.stdout.write(jsonlib.dumps(report.as_dict()))
        else:
            self.stdout.write(
                f"Baked {report.rendered} pages in {report.seconds:.2f}s: "
                f"{report.changed} files changed, {report.removed} removed."
            )
