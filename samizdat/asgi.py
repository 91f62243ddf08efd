"""ASGI entry point of `samizdat serve`: reader files on the event loop (`delivery.front`).

The admin is the server at `SAMIZDAT_ADMIN_SOCKET` (a separate process that `samizdat serve`
starts: `samizdat.admin_wsgi`); without it, Django runs in a pool of threads here."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samizdat.settings.dev")

from django.core.wsgi import get_wsgi_application  # noqa: E402

from samizdat.delivery.adminproxy import AdminProxy  # noqa: E402
from samizdat.delivery.front import ReaderFront  # noqa: E402

_socket = os.environ.get("SAMIZDAT_ADMIN_SOCKET")
_threads = int(os.environ.get("SAMIZDAT_ADMIN_THREADS", "4"))
if _socket:
    import django

    django.setup()  # settings and logging only: Django answers nothing in this process
    application = ReaderFront(admin=AdminProxy(_socket), queue_limit=_threads * 16)
else:
    application = ReaderFront(get_wsgi_application(), admin_threads=_threads)
