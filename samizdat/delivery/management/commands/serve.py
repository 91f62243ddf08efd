import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from samizdat.delivery.nginx import nginx_binary, nginx_config, nginx_main_config
from samizdat.delivery.supervisor import WorkerSupervisor

# The admin server starts at a lower CPU priority (nice is inherited across exec), on a
# fresh socket: one left by a killed predecessor would make the bind fail.
ADMIN_LAUNCHER = (
    "import os, sys; os.nice(int(sys.argv[1])); sock = sys.argv[2]; "
    "os.path.exists(sock) and os.unlink(sock); "
    "os.execv(sys.executable, [sys.executable, '-m', 'granian', '--uds', sock, *sys.argv[3:]])"
)


class Command(BaseCommand):
    help = (
        "Serve the baked reader site and the admin, with the publishing worker beside it "
        "(restarted if it dies). Readers are answered by nginx when it is installed (a server "
        "written for files, with the site's headers) or else by a Python front under Granian; the "
        "admin runs in a separate, lower-priority process, so a flood of logins cannot starve readers."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=1, help="Processes answering readers (nginx or Granian workers).")
        parser.add_argument(
            "--front", choices=("auto", "nginx", "python"), default="auto",
            help="Who answers readers: nginx (Debian's nginx-light), the Python front, or nginx "
                 "when it is installed (default).",
        )
        parser.add_argument(
            "--admin-threads", type=int, default=4,
            help="Threads of the admin server (Django); readers never use them.",
        )
        parser.add_argument(
            "--admin-nice", type=int, default=19,
            help="How much lower the admin server's CPU priority is than the readers' (0–19).",
        )
        parser.add_argument("--no-worker", action="store_true", help="Do not start the publishing worker.")

    def handle(self, *args, host, port, workers, front, admin_threads, admin_nice, no_worker, **options):
        nginx = nginx_binary()
        if front == "nginx" and nginx is None:
            raise CommandError("--front nginx: nginx is not installed (Debian: apt-get install nginx-light).")
        use_nginx = nginx is not None and front != "python"
        if admin_threads < 1:
            raise CommandError("--admin-threads must be at least 1.")
        if not 0 <= admin_nice <= 19:
            raise CommandError("--admin-nice must be between 0 and 19.")
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
        # A folder only this user can enter: whatever reaches the admin socket is the front.
        private = Path(tempfile.mkdtemp(prefix="samizdat-admin-"))
        admin_socket = private / "admin.sock"
        admin = WorkerSupervisor(
            [sys.executable, "-c", ADMIN_LAUNCHER, str(admin_nice), str(admin_socket), "--interface", "wsgi",
             "--blocking-threads", str(admin_threads), "--workers", "1", "--no-ws", "--respawn-failed-workers",
             "--log-level", "warning", "samizdat.admin_wsgi:application"],
            name="admin server",
        ).start()
        # Read by samizdat.asgi in each Granian worker process.
        os.environ["SAMIZDAT_ADMIN_SOCKET"] = str(admin_socket)
        os.environ["SAMIZDAT_ADMIN_THREADS"] = str(admin_threads)
        worker = None
        if not no_worker:
            worker = WorkerSupervisor(pid_file=settings.DATA_DIR / "worker.pid").start()
        try:
            if use_nginx:
                self.nginx_serve(nginx, private, admin_socket, host, port, workers)
            else:
                self.python_serve(host, port, workers)
        finally:
            for supervisor in (worker, admin):
                if supervisor is not None:
                    supervisor.stop()
            shutil.rmtree(private, ignore_errors=True)

    def python_serve(self, host, port, workers):
        from granian import Granian
        from granian.constants import Interfaces

        self.stdout.write(f"Serving {settings.SAMIZDAT_SITE_DIR} and /admin/ on http://{host}:{port}/ (Python front)")
        Granian(
            "samizdat.asgi:application",
            address=host,
            port=port,
            interface=Interfaces.ASGI,
            workers=workers,
            websockets=False,
            respawn_failed_workers=True,
        ).serve()

    def nginx_serve(self, nginx, private, admin_socket, host, port, workers):
        """nginx answers readers from the site folder and hands Django's paths to the admin
        server's socket; restarted like the worker if it dies. Returns on SIGTERM/SIGINT."""
        site = Path(settings.SAMIZDAT_SITE_DIR)
        site.mkdir(parents=True, exist_ok=True)
        listen = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        config = private / "nginx.conf"
        config.write_text(nginx_main_config(
            nginx_config(root=site, listen=listen, admin_socket=admin_socket),
            workdir=private, root=site, workers=workers,
        ))
        command = [nginx, "-c", str(config), "-p", str(private)]
        check = subprocess.run([*command, "-t"], capture_output=True, text=True)
        if check.returncode:
            raise CommandError(f"nginx refused its configuration ({config}):\n{check.stderr.strip()}\n"
                               "Run with --front python to serve without nginx.")
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        server = WorkerSupervisor(command, name="reader server (nginx)").start()
        self.stdout.write(f"Serving {site} and /admin/ on http://{host}:{port}/ (nginx)")
        try:
            stop.wait()
        finally:
            server.stop()
