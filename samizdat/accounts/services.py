"""Writes to staff accounts: second-factor devices and lifting sign-in lockouts."""

import axes.utils
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

DEVICE_NAME = "Authenticator app"


@transaction.atomic
def totp_device_start(*, user) -> TOTPDevice:
    """The user's pending (unconfirmed) device, created with a fresh secret if there is none.
    Reloading the enrolment page keeps the same secret, so a code scanned once stays valid."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


@transaction.atomic
def totp_device_confirm(*, device: TOTPDevice, token: str) -> bool:
    """Activate a pending device if `token` is a current code from it; it then replaces any
    device the user had before (a new phone). Returns False for a wrong or throttled code."""
    if not device.verify_token(token):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user_id=device.user_id).exclude(pk=device.pk).delete()
    return True


@transaction.atomic
def second_factor_remove(*, user) -> int:
    """Remove every second-factor device of a user — authenticator apps and passkeys (a lost
    phone). Returns how many were removed; the user enrols again at the next sign-in."""
    apps, _ = TOTPDevice.objects.filter(user=user).delete()
    keys = WebAuthnCredential.objects.filter(user=user).count()
    WebAuthnCredential.objects.filter(user=user).delete()
    return apps + keys


@transaction.atomic
def passkey_remove(*, user, pk) -> bool:
    count, _ = WebAuthnCredential.objects.filter(user=user, pk=pk).delete()
    return bool(count)


def account_unlock(*, username: str) -> int:
    """Forget the failed sign-ins recorded for a username, from every address: the lockout ends
    now. Returns how many records were removed (0 when the name was not locked)."""
    return axes.utils.reset(username=username)
