from django.core.management.base import BaseCommand

from samizdat.newsroom.images import images_stored_clean
from samizdat.publishing.services import site_bake_full


class Command(BaseCommand):
    help = (
        "Clean the photos stored before uploads were cleaned: strip their metadata, give them "
        "random names, drop their renditions and re-bake the reader site. New uploads are "
        "cleaned as they are saved; this is needed once, after upgrading."
    )

    def handle(self, *args, **options):
        cleaned = images_stored_clean()
        if not cleaned:
            self.stdout.write("Every stored photo is already clean.")
            return
        report = site_bake_full(reason="samizdat clean_images")
        self.stdout.write(
            f"Cleaned {cleaned} stored photos and re-baked the site "
            f"({report.rendered} pages, {report.removed} old files removed)."
        )
