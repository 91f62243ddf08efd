from pathlib import Path

from django.core.management.base import BaseCommand

from samizdat.reach.signing import site_key
from samizdat.reach.signing import PublicKey, SignatureError
from samizdat.reach.verify import verify_copy


class Command(BaseCommand):
    help = (
        "Check a copy of the site — a folder, a zip (bundle) or an http(s) address — against its "
        "signed manifest; names every missing, changed and extra file. Exit status 1 if it does not verify."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", help="folder, .zip file or http(s):// address of the copy")
        parser.add_argument("--key", help="the public key to trust: a minisign .pub file or its one-line form")

    def handle(self, *args, source, key=None, **options):
        try:
            public = self._key(key)
        except (OSError, SignatureError) as exc:
            self.stderr.write(f"Cannot read the public key: {exc}")
            raise SystemExit(2) from exc
        report = verify_copy(source, public_key=public)
        if report.error:
            self.stdout.write(f"NOT VERIFIED: {report.error}")
            raise SystemExit(1)
        self.stdout.write(f"Signed by key {report.key_id}: {report.trusted_comment}")
        if report.key_from_copy:
            self.stdout.write("(checked with the key the copy carries: compare its id with the one on our pages)")
        for label, paths in (("missing", report.missing), ("changed", report.changed), ("extra", report.extra)):
            for path in paths:
                self.stdout.write(f"{label}: {path}")
        if not report.extra_checked:
            self.stdout.write("(a web address cannot be listed: files added to it are not seen)")
        if not report.ok:
            self.stdout.write(
                f"NOT VERIFIED: {len(report.missing)} missing, {len(report.changed)} changed, {len(report.extra)} extra"
            )
            raise SystemExit(1)
        self.stdout.write(f"VERIFIED: {report.checked} files")

    @staticmethod
    def _key(key):
        if key:
            text = Path(key).read_text() if Path(key).is_file() else key
            return PublicKey.parse(text)
        secret = site_key()
        return secret.public if secret else None
