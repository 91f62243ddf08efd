from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from .selectors import second_factor_enrolled
from .views import LockoutsView


@hooks.register("register_admin_urls")
def lockout_urls():
    return [path("locked-sign-ins/", LockoutsView.as_view(), name="accounts_lockouts")]


class AdministratorsMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(LockoutsView.permission)


@hooks.register("register_settings_menu_item")
def lockouts_menu_item():
    return AdministratorsMenuItem(
        gettext_lazy("Locked sign-ins"), reverse("accounts_lockouts"), icon_name="lock", order=610
    )


@hooks.register("register_account_menu_item")
def two_step_verification(request):
    on = second_factor_enrolled(request.user)
    return {
        "url": reverse("accounts:enrol"),
        "label": _("Two-step verification"),
        "help_text": _("On: every sign-in asks for your authenticator app or passkey after the password.") if on
        else _("Off: add an authenticator app or a passkey, so a stolen password is not enough to sign in."),
    }
