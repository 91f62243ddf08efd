import socket
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Serve the baked reader site and the admin with Granian, with the worker beside it."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=1, help="Granian worker processes.")
        parser.add_argument("--no-worker", action="store_true", help="Do not start the publishing worker.")

    def handle(self, *args, host, port, workers, no_worker, **options):
        from granian import Granian
        from granian.constants import Interfaces

        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, port))
            except OSError as exc:
                raise CommandError(
                    f"Cannot listen on {host}:{port} ({exc.strerror}). Stop what uses it or pick "
                    "another port with --port."
                ) from exc
        call_command("collectstatic", interactive=False, verbosity=0)
        worker = None
        if not no_worker:
            worker = subprocess.Popen([sys.executable, "-m", "samizdat.cli", "worker"])
        self.stdout.write(f"Serving {settings.SAMIZDAT_SITE_DIR} and /admin/ on http://{host}:{port}/")
        try:
            Granian(
                "samizdat.wsgi:application",
                address=host,
                port=port,
                interface=Interfaces.WSGI,
                workers=workers,
                blocking_threads=4,
                websockets=False,
            ).serve()
        finally:
            if worker is not None:
                worker.terminate()
                try:
                    worker.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    worker.kill()
