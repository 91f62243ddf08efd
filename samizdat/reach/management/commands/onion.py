from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from samizdat.reach.services import onion_address, ways_update


class Command(BaseCommand):
    help = (
        "Print (or --out FILE) the torrc lines of the site's onion service: Tor keeps its keys in "
        "SAMIZDAT_ONION_DIR and maps the onion's port 80 to the reader server. Once Tor has created "
        "the address, `samizdat onion --record` puts it on the \"how to reach us\" pages and in the "
        "Onion-Location header (bakes also pick it up by themselves)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000, help="the port `samizdat serve` listens on (8000)")
        parser.add_argument("--out", help="write the lines to this file (e.g. /etc/tor/torrc.d/samizdat.conf)")
        parser.add_argument("--record", action="store_true", help="record the address Tor created")

    def handle(self, *args, port, out=None, record=False, **options):
        if record:
            address = onion_address()
            if not address:
                raise CommandError(
                    f"No address in {settings.SAMIZDAT_ONION_DIR}/hostname yet: is Tor running with the lines "
                    "of `samizdat onion`, and may this user read that folder (HiddenServiceDirGroupReadable)?"
                )
            ways_update()
            self.stdout.write(f"Recorded {address}: the \"how to reach us\" pages are queued to be baked again.")
            return
        folder = Path(settings.SAMIZDAT_ONION_DIR).resolve()
        torrc = (
            "# Samizdat's onion service (samizdat onion). Tor creates the keys and the address here;\n"
            "# back the folder up: whoever holds its keys holds the address.\n"
            f"HiddenServiceDir {folder}\n"
            "HiddenServiceVersion 3\n"
            "# Lets the samizdat user (a member of Tor's group) read the folder and so the address.\n"
            "HiddenServiceDirGroupReadable 1\n"
            f"HiddenServicePort 80 127.0.0.1:{port}\n"
        )
        if out:
            Path(out).write_text(torrc)
            self.stdout.write(f"Wrote {out}; restart Tor, then run `samizdat onion --record`.")
        else:
            self.stdout.write(torrc, ending="")
