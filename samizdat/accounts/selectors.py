"""Reads about staff accounts: who must use a second factor, which devices they have."""

from dataclasses import dataclass
from datetime import datetime

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Sum
from django.utils import timezone
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential
from wagtail.models import GroupPagePermission

from samizdat.newsroom.services import ADMINISTRATOR

from .lockout import cool_off

def second_factor_required(user) -> bool:
    """True when settings demand a second factor of this user (production): whoever may
    publish anywhere (an edition's editors) or manage accounts (administrators) — their
    accounts are worth the most to an attacker."""
    if not settings.SAMIZDAT_REQUIRE_2FA or not user.is_authenticated:
        return False
    return (
        user.is_superuser
        or user.groups.filter(name=ADMINISTRATOR).exists()
        or GroupPagePermission.objects.filter(group__user=user, permission__codename="publish_page").exists()
        or user.has_perm("auth.change_user")
    )


def totp_devices_confirmed(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True)


def passkeys(user):
    return WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by("created_at")


def second_factor_enrolled(user) -> bool:
    """Any confirmed device: an authenticator app or a passkey."""
    return user_has_device(user, confirmed=True)


def second_factor_step(user) -> str | None:
    """What a signed-in user who has not yet given a code must do before anything else:
    "verify" (they have a device), "enrol" (they must get one), or None (nothing)."""
    if second_factor_enrolled(user):
        return "verify"
    if second_factor_required(user):
        return "enrol"
    return None


@dataclass(frozen=True)
class Lockout:
    username: str
    failures: int
    until: datetime


def sign_in_lockouts() -> list[Lockout]:
    """Names locked now (the per-name rule: failures from every address count), newest first."""
    rows = (
        AccessAttempt.objects.filter(attempt_time__gt=timezone.now() - cool_off())
        .values("username")
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
        .order_by("-last")
    )
    return [Lockout(r["username"], r["failures"], r["last"] + cool_off()) for r in rows]
