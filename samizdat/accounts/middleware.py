"""Until a signed-in user has given their second factor, they can reach only the step that asks
for it (or the enrolment page, when settings require one of them), and sign out."""

from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.http import urlencode

from .selectors import second_factor_step

# URL names reachable while the second step is pending, besides the step itself.
ALWAYS_ALLOWED = {"wagtailadmin_login", "wagtailadmin_logout", "wagtailadmin_javascript_catalog"}
STEP_URL_NAMES = {"verify": "accounts:verify", "enrol": "accounts:enrol"}


class SecondFactorMiddleware:
    """After django_otp's OTPMiddleware (which sets `request.user.is_verified()`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not user.is_verified():
            step = second_factor_step(user)
            if step is not None and _url_name(request) not in ALWAYS_ALLOWED | {STEP_URL_NAMES[step]}:
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
