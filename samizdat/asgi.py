"""ASGI entry point of `samizdat serve`: reader files on the event loop, the admin (Django's
WSGI application) in its own pool of threads (`delivery.front`)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samizdat.settings.dev")

from django.core.wsgi import get_wsgi_application  # noqa: E402

from samizdat.delivery.front import ReaderFront  # noqa: E402

application = ReaderFront(
    get_wsgi_application(), admin_threads=int(os.environ.get("SAMIZDAT_ADMIN_THREADS", "4"))
)
