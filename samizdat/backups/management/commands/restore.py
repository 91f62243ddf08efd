from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from samizdat.backups.services import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a `samizdat backup` archive: check every checksum, replace the database, uploaded files and "
        "keys, migrate, and bake the whole reader site. Stop `samizdat serve` and every worker first."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path, help="the .tar.gz written by `samizdat backup`")
        parser.add_argument(
            "--force", action="store_true",
            help="replace a database that already holds a newsroom (everything in it is lost)",
        )

    def handle(self, *args, archive, force=False, **options):
        try:
            report = backup_restore(archive=archive, force=force)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Restored the {report.vendor} database and {report.media_files} uploaded files from a backup of "
            f"{report.created} (Samizdat {report.samizdat}), migrated, and baked {report.pages} pages "
            f"({report.renditions_forgotten} image renditions made again) in {report.seconds:.1f}s."
        )
