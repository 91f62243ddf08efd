from django.core.management.base import BaseCommand, CommandError

from samizdat.reach.services import site_sign_full
from samizdat.reach.signing import site_key


class Command(BaseCommand):
    help = "Hash every file of the baked site and write its signed manifest now (bakes do it by themselves)."

    def handle(self, *args, **options):
        if site_key() is None:
            raise CommandError("No signing key: run `samizdat keygen` first (or set SAMIZDAT_SIGNING_KEY).")
        version = site_sign_full()
        self.stdout.write(f"Signed site version {version.pk}: manifest.txt and manifest.txt.minisig written.")
