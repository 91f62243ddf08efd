import statistics
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from samizdat.bench.weight import CHROMIUM, PHONE, chromium, site_served, weigh
from samizdat.newsroom.models import BlogPage, PostPage, ServicePage


def _pages():
    """(kind, edition, reader path): each edition's front, its blogs' fronts, its posts with
    a lead photo."""
    for edition in ServicePage.objects.live().order_by("path"):
        yield "front", edition.language_code, edition.reader_path
        for blog in BlogPage.objects.live().descendant_of(edition).order_by("path"):
            yield "blog listing", edition.language_code, blog.reader_path
        for post in PostPage.objects.live().descendant_of(edition).exclude(lead_image=None).order_by("path"):
            yield "post", edition.language_code, post.reader_path


class Command(BaseCommand):
    help = (
        "Measure what a phone (390 CSS px wide) downloads for each kind of page of the baked site — "
        "every response, headers and compressed bodies, empty cache, read to the end — in Chromium, "
        "served by the reader server; prints a Markdown table (docs/benchmarks.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scales", default="1,2", help="Device pixel ratios to measure, comma-separated.")
        parser.add_argument("--chromium", default=CHROMIUM)

    def handle(self, *args, scales, **options):
        site = Path(settings.SAMIZDAT_SITE_DIR)
        if not (site / "index.html").is_file():
            raise CommandError(f"The site is not baked in {site}: run `samizdat bake` first.")
        executable = options["chromium"]
        if not Path(executable).exists():
            raise CommandError(f"No Chromium at {executable}: install Debian's chromium package or pass --chromium.")
        ratios = [float(s) for s in scales.split(",")]
        rows, pages = {}, list(_pages())  # read before Playwright starts its event loop
        with site_served(site) as base, chromium(executable) as browser:
            for kind, language, path in pages:
                for scale in ratios:
                    weight = weigh(browser, base, path, scale=scale)
                    rows.setdefault((kind, scale), []).append((weight, language))
        self.stdout.write(f"Page weight at {PHONE['width']} CSS px, empty cache, read to the end (KB = 1,024 bytes)\n")
        self.stdout.write("| page kind | pixel ratio | pages | median KB | largest KB (page) | of which images, largest |")
        self.stdout.write("| --- | --- | --- | --- | --- | --- |")
        for (kind, scale), measured in rows.items():
            sizes = [w.bytes for w, _ in measured]
            largest, _ = max(measured, key=lambda m: m[0].bytes)
            images = largest.by_type.get("image", 0)
            self.stdout.write(
                f"| {kind} | {scale:g} | {len(sizes)} | {statistics.median(sizes) / 1024:.1f} | "
                f"{largest.bytes / 1024:.1f} (`{largest.path}`) | {images / 1024:.1f} |"
            )
