from django.urls import reverse
from django.utils.translation import gettext as _
from wagtail import hooks

from .selectors import second_factor_enrolled


@hooks.register("register_account_menu_item")
def two_step_verification(request):
    on = second_factor_enrolled(request.user)
    return {
        "url": reverse("accounts:enrol"),
        "label": _("Two-step verification"),
        "help_text": _("On: every sign-in asks for your authenticator app or passkey after the password.") if on
        else _("Off: add an authenticator app or a passkey, so a stolen password is not enough to sign in."),
    }
