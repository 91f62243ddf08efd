from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from samizdat.reach.signing import SecretKey, SignatureError


class Command(BaseCommand):
    help = (
        "Create the key that signs the site's manifest, at SAMIZDAT_SIGNING_KEY (mode 0600; keep it "
        "out of the repository and in your backups), and print its public key."
    )

    def handle(self, *args, **options):
        path = settings.SAMIZDAT_SIGNING_KEY
        if not path:
            raise CommandError("Set SAMIZDAT_SIGNING_KEY to the path of the key file to create.")
        key = SecretKey.generate()
        try:
            key.save(path)
        except SignatureError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Signing key written to {path}; its public key beside it (.pub).")
        self.stdout.write("Public key (publish it wherever readers may see it):")
        self.stdout.write(key.public.line)
        self.stdout.write("Now run `samizdat sign` to sign the site as it is.")
