from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from samizdat.reach.services import site_sign_full
from samizdat.reach.signing import SecretKey, SignatureError, key_rotate


class Command(BaseCommand):
    help = (
        "Create the key that signs the site's manifest, at SAMIZDAT_SIGNING_KEY (mode 0600; keep it "
        "out of the repository and in your backups), and print its public key. --rotate replaces it "
        "with a new key that the old one signs (published in the site under keys/), and signs the site again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--rotate", action="store_true", help="replace the key; the old key vouches for the new")

    def handle(self, *args, rotate=False, **options):
        path = settings.SAMIZDAT_SIGNING_KEY
        if not path:
            raise CommandError("Set SAMIZDAT_SIGNING_KEY to the path of the key file to create.")
        try:
            if rotate:
                old, key = key_rotate(path, settings.SAMIZDAT_SITE_DIR)
                site_sign_full()
                self.stdout.write(f"Key {old.public.key_id_hex} retired; it signed the new key {key.public.key_id_hex} "
                                  f"(keys/{key.public.key_id_hex}.pub in the site). The site is signed again.")
            else:
                key = SecretKey.generate()
                key.save(path)
                self.stdout.write(f"Signing key written to {path}; its public key beside it (.pub).")
        except SignatureError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write("Public key (publish it wherever readers may see it):")
        self.stdout.write(key.public.line)
        if not rotate:
            self.stdout.write("Now run `samizdat sign` to sign the site as it is.")
