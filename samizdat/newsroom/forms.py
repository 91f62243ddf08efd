"""Admin forms for uploads: a damaged file gets a form error, never a server error."""

from django.core.exceptions import ValidationError
from wagtail.images.fields import WagtailImageField
from wagtail.images.forms import BaseImageForm

from samizdat.core.errors import NewsroomError

from .images import CleanedUpload, image_bytes_clean


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
