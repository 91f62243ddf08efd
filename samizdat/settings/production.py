"""Production: refuses to start with any unsafe default."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import ALLOWED_HOSTS

SECRET_KEY = os.environ.get("SAMIZDAT_SECRET_KEY", "")
if len(SECRET_KEY) < 40 or SECRET_KEY.startswith(("django-insecure", "test-", "change")):
    raise ImproperlyConfigured(
        "Set SAMIZDAT_SECRET_KEY to a random value of at least 40 characters, e.g. "
        "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`."
    )
if not ALLOWED_HOSTS or "*" in ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "Set SAMIZDAT_ALLOWED_HOSTS to the comma-separated host names of the admin "
        "(a wildcard is refused)."
    )
if not os.environ.get("SAMIZDAT_ADMIN_BASE_URL", "").startswith("https://"):
    raise ImproperlyConfigured(
        "Set SAMIZDAT_ADMIN_BASE_URL to the https:// address editors use for the admin."
    )

DEBUG = False
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = os.environ.get("SAMIZDAT_SSL_REDIRECT", "1") == "1"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# HSTS on the admin (Django's SecurityMiddleware) and on every reader response (the reader
# server and `samizdat nginx-config` read these too). Subdomains are included unless the
# operator says otherwise; preload is a promise to browser vendors, so it is opt-in.
SECURE_HSTS_SECONDS = int(os.environ.get("SAMIZDAT_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = os.environ.get("SAMIZDAT_HSTS_SUBDOMAINS", "1") == "1"
SECURE_HSTS_PRELOAD = os.environ.get("SAMIZDAT_HSTS_PRELOAD", "0") == "1"
# Editors and administrators cannot use the admin until they have enrolled a second factor.
SAMIZDAT_REQUIRE_2FA = True
