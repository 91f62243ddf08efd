from django.urls import reverse
from django.utils.translation import gettext as _
from wagtail import hooks

from .selectors import totp_devices_confirmed


@hooks.register("register_account_menu_item")
def two_step_verification(request):
    on = totp_devices_confirmed(request.user).exists()
    return {
        "url": reverse("accounts:enrol"),
        "label": _("Two-step verification"),
        "help_text": _("On: every sign-in asks for a code from your authenticator app.") if on
        else _("Off: set up an authenticator app so a stolen password is not enough to sign in."),
    }
