"""WSGI entry point: the baked reader site in front, Django (admin, preview) behind it."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samizdat.settings.dev")

from django.core.wsgi import get_wsgi_application  # noqa: E402

from samizdat.delivery.server import ReaderSite  # noqa: E402

application = ReaderSite(get_wsgi_application())
