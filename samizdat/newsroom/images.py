"""Uploaded photos lose their hidden metadata before they are stored.

A correspondent's photo can carry the GPS position it was taken at, the camera's serial
number and the editing software's history (EXIF, XMP, PNG text). Wagtail keeps EXIF in
renditions, so we strip it from the upload itself: nothing downstream ever sees it.
"""

import io

from django.core.files.base import ContentFile
from PIL import Image, ImageOps

STRIPPABLE = {"JPEG", "PNG", "WEBP"}
METADATA_INFO_KEYS = {"exif", "xmp", "XML:com.adobe.xmp", "comment", "photoshop"}


def _has_metadata(img):
    if img.getexif() or METADATA_INFO_KEYS & set(img.info):
        return True
    return bool(getattr(img, "text", None))  # PNG tEXt/iTXt chunks


def strip_metadata(data: bytes) -> tuple[bytes, int, int] | None:
    """Re-encode an image without metadata, upright. None when there is nothing to strip
    (or the format is one we leave alone, such as animated GIF)."""
    with Image.open(io.BytesIO(data)) as img:
        fmt = img.format
        if fmt not in STRIPPABLE or getattr(img, "is_animated", False) or not _has_metadata(img):
            return None
        icc_profile = img.info.get("icc_profile")
        transparency = img.info.get("transparency")
        upright = ImageOps.exif_transpose(img)  # apply the rotation the Orientation tag asked for
        options = {"icc_profile": icc_profile} if icc_profile else {}
        if fmt == "JPEG":
            options.update(quality=92, optimize=True)
        elif fmt == "WEBP":
            options.update(quality=92)
        elif transparency is not None:
            options["transparency"] = transparency
        out = io.BytesIO()
        upright.save(out, fmt, **options)
        return out.getvalue(), upright.width, upright.height


def image_strip_upload_metadata(image):
    """Replace a not-yet-stored upload of a Wagtail image with its stripped version."""
    upload = image.file
    if not upload or getattr(upload, "_committed", True):
        return False
    upload.seek(0)
    stripped = strip_metadata(upload.read())
    upload.seek(0)
    if stripped is None:
        return False
    data, width, height = stripped
    image.file = ContentFile(data, name=upload.name)
    image.width, image.height = width, height
    image.file_size = len(data)
    image.file_hash = ""  # Wagtail recomputes it from the stored file when asked
    return True
