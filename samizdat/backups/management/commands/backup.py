from datetime import UTC, datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from samizdat.backups.services import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Write one archive with the database, the uploaded originals, the signing keys and the local "
        "secret key, with a SHA-256 of each (never the baked site, caches or image renditions: they are rebuilt)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", type=Path,
            help="the archive to write (default: samizdat-backup-<UTC time>.tar.gz in the current folder)",
        )
        parser.add_argument("--force", action="store_true", help="replace the output file if it exists")

    def handle(self, *args, output=None, force=False, **options):
        output = output or Path(f"samizdat-backup-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.tar.gz")
        try:
            report = backup_create(output=output, force=force)
        except BackupError as error:
            raise CommandError(str(error)) from None
        extras = [what for what, present in (("signing keys", report.keys), ("the secret key", report.secret_key))
                  if present]
        self.stdout.write(
            f"Wrote {report.path} ({report.size / 1e6:.1f} MB, {report.files} files) in {report.seconds:.1f}s: "
            f"the {report.vendor} database, {report.media_files} uploaded files"
            + "".join(f", {what}" for what in extras) + ".\n"
            "It holds password hashes and unpublished drafts: encrypt it and keep it off this machine "
            "(docs/operations.md, Backups)."
        )
