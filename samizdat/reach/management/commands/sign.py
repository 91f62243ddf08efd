from django.core.management.base import BaseCommand, CommandError

from samizdat.reach.services import signing_key, site_sign_full


class Command(BaseCommand):
    help = "Hash every file of the baked site and write its signed manifest now (bakes do it by themselves)."

    def handle(self, *args, **options):
        if signing_key() is None:
            raise CommandError("No signing key: run `samizdat keygen` first (or set SAMIZDAT_SIGNING_KEY).")
        version = site_sign_full()
        self.stdout.write(f"Signed site version {version.pk}: manifest.txt and manifest.txt.minisig written.")
