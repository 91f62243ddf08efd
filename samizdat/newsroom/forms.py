"""Admin forms: uploads (a damaged file gets a form error, never a server error) and
breaking-news banners (one live banner per edition, expiry presets)."""

from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail.images.fields import WagtailImageField
from wagtail.images.forms import BaseImageForm

from samizdat.core.dates import datetime as datetime_shown
from samizdat.core.errors import NewsroomError

from . import selectors, services
from .images import CleanedUpload, image_bytes_clean
from .models import CheckedAdminModelForm


class CheckedImageField(WagtailImageField):
    def check_image_pixel_size(self, f):
        try:
            super().check_image_pixel_size(f)
        except ValidationError:
            raise
        except Exception as exc:  # noqa: BLE001 — Pillow raises many kinds for broken files
            raise ValidationError(
                "This file looks like an image but cannot be read (it may be damaged or cut "
                "short). Export it again from your camera or editor and upload the new file.",
                code="invalid_image",
            ) from exc

    def to_python(self, data):
        """After Wagtail's checks (format, size, pixel count), clean the picture here: one
        that cannot be decoded to the last pixel gets a form error, not a server error,
        and saving the image then stores the cleaned copy."""
        upload = super().to_python(data)
        if upload is None:
            return None
        upload.seek(0)
        try:
            clean = image_bytes_clean(upload.read())
        except NewsroomError as exc:
            raise ValidationError(exc.message, code="invalid_image") from exc
        return CleanedUpload(clean, uploaded_name=upload.name)


class ImageForm(BaseImageForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "file" in self.fields:
            # Same field, same widget and limits; only the damaged-file check is stricter.
            self.fields["file"].__class__ = CheckedImageField


EXPIRY_PRESETS = [
    ("", _("Until the end time below")),
    ("1", _("1 hour")),
    ("3", _("3 hours")),
    ("6", _("6 hours")),
    ("12", _("12 hours")),
    ("24", _("24 hours")),
]


class BreakingNewsForm(CheckedAdminModelForm):
    """A banner in the editions the user may publish in (`selectors.editions_for_user`: a
    hand-made POST for another edition is an invalid choice). Readers see one banner per
    edition at a time: one that would overlap another is refused until the editor ticks
    "Replace the current banner", which ends the other when this one starts
    (`services.banner_save`)."""

    expires_in = forms.ChoiceField(
        label=_("Stays up for"), choices=EXPIRY_PRESETS, required=False,
        help_text=_("From the start time; or leave it and give an end time."),
    )
    replace_current = forms.BooleanField(
        label=_("Replace the current banner"), required=False,
        help_text=_("End the banner readers see now (or the one scheduled) when this one starts."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.for_user is not None:
            self.fields["service"].queryset = selectors.editions_for_user(self.for_user)
        self.fields["expires_at"].required = False

    def clean(self):
        cleaned = super().clean()
        starts_at, hours = cleaned.get("starts_at"), cleaned.get("expires_in")
        if starts_at and hours:
            cleaned["expires_at"] = self.instance.expires_at = starts_at + timedelta(hours=int(hours))
            self.errors.pop("expires_at", None)
        elif not cleaned.get("expires_at") and "expires_at" not in self.errors:
            self.add_error("expires_at", _("Choose how long the banner stays up, or give an end time."))
        service, expires_at = cleaned.get("service"), cleaned.get("expires_at")
        if service and starts_at and expires_at and expires_at > starts_at and not cleaned.get("replace_current"):
            other = selectors.banners_in_the_way(
                service=service, starts_at=starts_at, expires_at=expires_at, exclude_pk=self.instance.pk
            ).first()
            if other is not None:
                self.add_error(
                    "replace_current",
                    _(
                        "“%(text)s” is up in this edition until %(until)s. Readers see one banner at a "
                        "time: tick “Replace the current banner” to end it when this one starts."
                    )
                    % {"text": other.text, "until": datetime_shown(other.expires_at, service.zone)},
                )
        return cleaned

    def save(self, commit=True):
        banner = super().save(commit=False)
        if commit:
            services.banner_save(banner=banner, replace=bool(self.cleaned_data.get("replace_current")))
        return banner
