"""Admin forms for uploads: a damaged file gets a form error, never a server error."""

from django.core.exceptions import ValidationError
from wagtail.images.fields import WagtailImageField
from wagtail.images.forms import BaseImageForm


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


class ImageForm(BaseImageForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "file" in self.fields:
            # Same field, same widget and limits; only the damaged-file check is stricter.
            self.fields["file"].__class__ = CheckedImageField
