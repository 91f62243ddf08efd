"""Until a signed-in user has given their second factor, they can reach only the step that asks
for it (or the enrolment page, when settings require one of them), and sign out."""

from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.http import urlencode

from .selectors import second_factor_step

# URL names reachable while the second step is pending, besides the step itself: signing in
# and out, and what the step's page loads (its translations, Wagtail's icon sprite).
ALWAYS_ALLOWED = {"wagtailadmin_login", "wagtailadmin_logout", "wagtailadmin_javascript_catalog", "wagtailadmin_sprite"}
STEP_URL_NAMES = {"verify": "accounts:verify", "enrol": "accounts:enrol"}
# The passkey ceremonies each step's page runs (django-otp-webauthn refuses to register a new
# passkey before an existing device was used, so "enrol" cannot bypass "verify").
STEP_ALSO_ALLOWED = {
    "verify": {"otp_webauthn:credential-authentication-begin", "otp_webauthn:credential-authentication-complete",
               "otp_webauthn:js-i18n-catalog"},
    "enrol": {"otp_webauthn:credential-registration-begin", "otp_webauthn:credential-registration-complete",
              "otp_webauthn:js-i18n-catalog"},
}


class SecondFactorMiddleware:
    """After django_otp's OTPMiddleware (which sets `request.user.is_verified()`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not user.is_verified():
            step = second_factor_step(user)
            if step is not None:
                allowed = ALWAYS_ALLOWED | {STEP_URL_NAMES[step]} | STEP_ALSO_ALLOWED[step]
                if _url_name(request) not in allowed:
                    return _redirect_to(step, request)
        return self.get_response(request)


def _url_name(request):
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    return match.view_name


def _redirect_to(step, request):
    url = reverse(STEP_URL_NAMES[step])
    if request.method == "GET":
        url += "?" + urlencode({"next": request.get_full_path()})
    return redirect(url)
