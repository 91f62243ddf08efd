from django.core.management.base import BaseCommand, CommandError

from samizdat.reach.bundle import BundleError, bundle_build


class Command(BaseCommand):
    help = (
        "Write an offline bundle of one edition: its last days as a zip that opens from file:// after "
        "unzipping (images downscaled, signed when a signing key is set). "
        "Example: samizdat bundle --edition fa --days 7 --out fa.zip"
    )

    def add_arguments(self, parser):
        parser.add_argument("--edition", required=True, help="the edition's language code (en, fa, ru)")
        parser.add_argument("--days", type=int, default=7, help="posts of the last N days (7)")
        parser.add_argument("--out", required=True, help="the zip file to write")
        parser.add_argument("--max-width", type=int, default=480, help="images are downscaled to this width")

    def handle(self, *args, edition, days, out, max_width, **options):
        if days < 1:
            raise CommandError("--days must be 1 or more")
        try:
            report = bundle_build(language=edition, days=days, out=out, max_width=max_width)
        except BundleError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{report.path}: {report.pages} pages, {report.images} images, {report.bytes / 1e6:.2f} MB"
            + ("" if report.signed else " — NOT signed: no signing key (run `samizdat keygen`)")
        )
