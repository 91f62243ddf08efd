import os
import socket

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from samizdat.delivery.supervisor import WorkerSupervisor


class Command(BaseCommand):
    help = (
        "Serve the baked reader site and the admin with Granian, with the publishing worker "
        "beside it (restarted if it dies). Readers are answered on the event loop; the admin "
        "runs in its own threads, so a flood of logins cannot starve readers."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=1, help="Granian worker processes.")
        parser.add_argument(
            "--admin-threads", type=int, default=4,
            help="Threads per Granian worker for the admin (Django); readers never use them.",
        )
        parser.add_argument("--no-worker", action="store_true", help="Do not start the publishing worker.")

    def handle(self, *args, host, port, workers, admin_threads, no_worker, **options):
        from granian import Granian
        from granian.constants import Interfaces

        if admin_threads < 1:
            raise CommandError("--admin-threads must be at least 1.")
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
        # Read by samizdat.asgi in each Granian worker process.
        os.environ["SAMIZDAT_ADMIN_THREADS"] = str(admin_threads)
        supervisor = None
        if not no_worker:
            supervisor = WorkerSupervisor(pid_file=settings.DATA_DIR / "worker.pid").start()
        self.stdout.write(f"Serving {settings.SAMIZDAT_SITE_DIR} and /admin/ on http://{host}:{port}/")
        try:
            Granian(
                "samizdat.asgi:application",
                address=host,
                port=port,
                interface=Interfaces.ASGI,
                workers=workers,
                websockets=False,
                respawn_failed_workers=True,
            ).serve()
        finally:
            if supervisor is not None:
                supervisor.stop()
