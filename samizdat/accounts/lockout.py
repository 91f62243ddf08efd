"""The glue between django-axes and Wagtail's sign-in page: which address a request comes from,
and what a locked-out person is told."""

from datetime import timedelta

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from samizdat.core.clients import client_ip  # noqa: F401 — AXES_CLIENT_IP_CALLABLE names it here


def cool_off() -> timedelta:
    return timedelta(minutes=settings.SAMIZDAT_LOGIN_COOLOFF_MINUTES)


def lockout_message() -> str:
    """What the sign-in page says while a name is locked. It is the same for names that do not
    exist (axes counts failures for any name typed), so it tells an attacker nothing."""
    # Every failure while locked starts the cool-off again (axes' default), so it ends one
    # cool-off from now.
    until = timezone.localtime(timezone.now() + cool_off())
    return _(
        "Too many failed sign-in attempts: this account is locked. Try again after %(time)s %(zone)s "
        "(in %(minutes)d minutes), or ask an administrator to unlock it."
    ) % {"time": until.strftime("%H:%M"), "zone": until.tzname(), "minutes": settings.SAMIZDAT_LOGIN_COOLOFF_MINUTES}


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: keep Wagtail's sign-in page, which already shows
    `lockout_message()` as the form's error (samizdat.accounts.forms.LoginForm), and answer 429.
    Any other view that authenticates gets the message as plain text."""
    if original_response is not None and original_response.status_code == 200:
        original_response.status_code = 429
        return original_response
    return HttpResponse(lockout_message(), status=429, content_type="text/plain; charset=utf-8")
