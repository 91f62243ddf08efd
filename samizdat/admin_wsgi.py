"""WSGI entry point of the admin server that `samizdat serve` runs in its own process, behind
the reader front (`delivery.adminproxy`)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samizdat.settings.dev")

from django.core.wsgi import get_wsgi_application  # noqa: E402

from samizdat.delivery.adminproxy import FromFront  # noqa: E402

application = FromFront(get_wsgi_application())
