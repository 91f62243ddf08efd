"""The second sign-in step (a code after the password) and the enrolment page of the admin."""

from base64 import b32encode

import segno
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView
from django_otp import login as otp_login
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from . import services
from .forms import TokenForm
from .selectors import (
    passkeys,
    second_factor_enrolled,
    second_factor_required,
    sign_in_lockouts,
    totp_devices_confirmed,
)

WRONG_CODE = gettext_lazy(
    "That code is not right, or it was already used. Codes change every 30 seconds: "
    "enter the one your app shows now (and check that the phone's clock is right)."
)


def _next_url(request):
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return url
    return reverse("wagtailadmin_home")


def _throttled(device):
    allowed, info = device.verify_is_allowed()
    if allowed:
        return None
    until = timezone.localtime(info["locked_until"])
    return _("Too many wrong codes. Wait until %(time)s %(zone)s before trying again.") % {
        "time": until.strftime("%H:%M:%S"), "zone": until.tzname(),
    }


class VerifyView(LoginRequiredMixin, FormView):
    """Second step of the sign-in: the password was right, now a code from the user's device.
    SecondFactorMiddleware sends every other request of the session here until it is given."""

    login_url = reverse_lazy("wagtailadmin_login")
    template_name = "accounts/verify.html"
    form_class = TokenForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.devices = list(totp_devices_confirmed(request.user))
            self.has_passkey = passkeys(request.user).exists()
            if request.user.is_verified() or not (self.devices or self.has_passkey):
                return redirect(_next_url(request))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            next=_next_url(self.request), has_app=bool(self.devices), has_passkey=self.has_passkey, **kwargs,
        )

    def form_valid(self, form):
        for device in self.devices:
            error = _throttled(device)
            if error is None and device.verify_token(form.cleaned_data["otp_token"]):
                # A new session key for the fully signed-in session.
                self.request.session.cycle_key()
                otp_login(self.request, device)
                return redirect(_next_url(self.request))
        form.add_error("otp_token", error or WRONG_CODE)
        return self.form_invalid(form)


class EnrolView(LoginRequiredMixin, WagtailAdminTemplateMixin, FormView):
    """Account → Two-step verification: an authenticator app (scan a QR code or type the secret,
    then confirm with a code; only then is it active) and passkeys (registered by the browser)."""

    login_url = reverse_lazy("wagtailadmin_login")
    template_name = "accounts/enrol.html"
    form_class = TokenForm
    page_title = gettext_lazy("Two-step verification")
    header_icon = "key"

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated:
            if not user.has_perm("wagtailadmin.access_admin"):
                raise PermissionDenied
            self.enrolled = second_factor_enrolled(user)
            if self.enrolled and not user.is_verified():
                # Changing devices needs one of the current ones first.
                return redirect(reverse("accounts:verify") + "?next=" + request.path)
            self.required = second_factor_required(user)
            self.app_enrolled = totp_devices_confirmed(user).exists()
            self.replacing = self.app_enrolled and "replace" in request.GET
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        # The code field is the last step of the page, not where a reader should start.
        form.fields["otp_token"].widget.attrs.pop("autofocus", None)
        return form

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("wagtailadmin_account"), "label": _("Account")},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(
            enrolled=self.enrolled, required=self.required, app_enrolled=self.app_enrolled,
            replacing=self.replacing, passkeys=passkeys(self.request.user), next=_next_url(self.request), **kwargs,
        )
        if not self.app_enrolled or self.replacing:
            device = services.totp_device_start(user=self.request.user)
            secret = b32encode(device.bin_key).decode()
            context.update(
                # Drawn here, not by a third-party service: the secret never leaves the server.
                qr_svg=mark_safe(segno.make(device.config_url, error="m").svg_inline(scale=5, border=2)),
                secret=" ".join(secret[i:i + 4] for i in range(0, len(secret), 4)),
            )
        return context

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action")
        user = request.user
        if action == "remove":
            if self.required:
                raise PermissionDenied
            services.second_factor_remove(user=user)
            messages.success(request, _("Two-step verification is off: your password alone now signs you in."))
            return redirect("accounts:enrol")
        if action == "remove-passkey":
            if self.required and not self.app_enrolled and passkeys(user).count() <= 1:
                messages.error(request, _("Your role requires two-step verification: add another passkey "
                                          "or an authenticator app before removing this one."))
            elif services.passkey_remove(user=user, pk=request.POST.get("passkey")):
                messages.success(request, _("The passkey was removed."))
            return redirect("accounts:enrol")
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        device = services.totp_device_start(user=self.request.user)
        error = _throttled(device)
        if error is None and services.totp_device_confirm(device=device, token=form.cleaned_data["otp_token"]):
            if not self.request.user.is_verified():
                self.request.session.cycle_key()
                otp_login(self.request, device)
            messages.success(self.request, _(
                "The authenticator app is set up: every sign-in will ask for a code from it."
            ))
            return redirect(_next_url(self.request))
        form.add_error("otp_token", error or WRONG_CODE)
        return self.form_invalid(form)


class LockoutsView(WagtailAdminTemplateMixin, TemplateView):
    """Settings → Locked sign-ins: the names locked now, and a button that unlocks one — for
    administrators who have no shell for `samizdat unlock`."""

    template_name = "accounts/lockouts.html"
    page_title = gettext_lazy("Locked sign-ins")
    header_icon = "lock"
    permission = "auth.change_user"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(self.permission):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(lockouts=sign_in_lockouts(), **kwargs)

    def post(self, request):
        username = request.POST.get("username", "")
        if username and services.account_unlock(username=username):
            messages.success(request, _("%(name)s can sign in again.") % {"name": username})
        return redirect("accounts_lockouts")
