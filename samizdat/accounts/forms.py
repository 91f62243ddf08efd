from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy
from wagtail.admin.forms.auth import LoginForm as WagtailLoginForm

from .lockout import lockout_message


class LoginForm(WagtailLoginForm):
    """Wagtail's sign-in form (WAGTAILADMIN_USER_LOGIN_FORM) that says so when axes has locked
    the name, instead of "didn't match" — the right password is refused while locked."""

    def clean(self):
        try:
            return super().clean()
        except ValidationError:
            # Set by axes when this failure reached the limit or the name was already locked.
            if getattr(self.request, "axes_locked_out", False):
                raise ValidationError(lockout_message(), code="locked_out") from None
            raise


class TokenForm(forms.Form):
    otp_token = forms.CharField(
        label=gettext_lazy("Code from your authenticator app"),
        min_length=6, max_length=8, strip=True,
        widget=forms.TextInput(attrs={
            "autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9 ]*", "autofocus": "",
        }),
    )

    def clean_otp_token(self):
        token = self.cleaned_data["otp_token"].replace(" ", "")
        if not token.isdigit():
            raise ValidationError(gettext_lazy("The code is the 6 digits your app shows."))
        return token
