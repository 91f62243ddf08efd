"""Nothing in a stored photo says where it came from.

A correspondent's photo can carry the GPS position it was taken at, the camera's serial
number, maker and model, the owner's name, comments and editing history (EXIF, XMP, IPTC
and maker notes in JPEG APPn segments, PNG text chunks, GIF comment and application
blocks), a second picture (multi-picture JPEG, "MPO", from dual-camera phones) with all
of that again — and its file name often names the place and the person. Wagtail copies
EXIF and the ICC profile of the original into every rendition, and names renditions after
the original's file name.

So every upload is decoded to pixels and encoded afresh, always — never the uploader's
bytes, whatever they seem to contain — and stored under a random name before Wagtail or
anything downstream sees it. What is kept: the pixels (turned upright), the frames of an
animation with their durations and loop count, transparency. The colours an ICC profile
describes are kept by converting the pixels to sRGB (what an untagged web image means);
the profile itself is not, because a profile is free text too (its description and
copyright name the maker).
"""

import io
import os
import re
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from PIL import Image, ImageCms, JpegImagePlugin, PngImagePlugin
from wagtail.images import get_image_model
from wagtail.utils.file import hash_filelike

from samizdat.core.errors import NewsroomError

# Pillow format of the upload → (format it is stored in, file extension).
# MPO (a JPEG with more pictures appended) keeps its first picture as a plain JPEG.
FORMATS = {
    "JPEG": ("JPEG", "jpg"),
    "MPO": ("JPEG", "jpg"),
    "PNG": ("PNG", "png"),
    "WEBP": ("WEBP", "webp"),
    "GIF": ("GIF", "gif"),
}
# Animations kept frame by frame. An animated PNG keeps its first picture: Wagtail's image
# library cannot read APNG, so the admin refuses one and a stored one could not be shown.
ANIMATED = {"WEBP", "GIF"}
STORED_NAME = re.compile(r"^[0-9a-f]{16}\.(?:jpg|png|webp|gif)$")  # what we name originals
JPEG_QUALITY = 92  # standard tables at a fixed quality: a camera's own tables identify it too
WEBP_QUALITY = 92
# The EXIF Orientation tag → the turn that makes the picture upright (as ImageOps does).
UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
# What a re-opened clean file may still report; anything else means metadata got through.
METADATA_KEYS = {
    "exif", "xmp", "XML:com.adobe.xmp", "comment", "icc_profile", "photoshop", "mp", "mpoffset",
    "adobe", "iptc",
}
SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    format: str  # Pillow's name of the stored format
    extension: str
    width: int
    height: int
    frames: int


class CleanedUpload(ContentFile):
    """An upload the admin's form has already cleaned (it reads the whole picture anyway,
    to refuse one that cannot be): saving the image stores it as it is."""

    def __init__(self, clean: CleanImage, *, uploaded_name: str):
        super().__init__(clean.data, name=uploaded_name)
        self.clean = clean


def image_bytes_clean(data: bytes) -> CleanImage:
    """The picture in `data` encoded afresh with no metadata at all, upright, in sRGB.

    Raises NewsroomError for a file Pillow cannot read to the end or a format we cannot clean."""
    try:
        with Image.open(io.BytesIO(data)) as source:
            fmt, frames, durations = _decode(source)
            options = _encoder_options(fmt, data, frames[0])
            if len(frames) > 1:
                options.update(save_all=True, append_images=frames[1:], duration=durations)
                if "loop" in source.info:
                    options["loop"] = source.info["loop"]
                if fmt == "GIF":
                    options["disposal"] = 2  # every frame is whole: clear before drawing the next
    except NewsroomError:
        raise
    except Exception as exc:  # noqa: BLE001 — Pillow raises many kinds for broken files
        raise NewsroomError(
            "This file cannot be read as an image (it may be damaged or cut short). Export it "
            "again as JPEG, PNG, WebP or GIF and upload the new file."
        ) from exc
    out = io.BytesIO()
    frames[0].save(out, fmt, **options)
    cleaned = out.getvalue()
    _check_clean(cleaned, fmt, len(frames))
    return CleanImage(cleaned, fmt, FORMATS[source.format][1], frames[0].width, frames[0].height, len(frames))


def _decode(source):
    """(stored format, the frames as bare pixels — upright, in sRGB —, their durations)."""
    if source.format not in FORMATS:
        raise NewsroomError(
            f"Images in {source.format} format cannot be cleaned of hidden metadata, so they "
            "are not stored. Export the picture as JPEG, PNG, WebP or GIF and upload that."
        )
    fmt = FORMATS[source.format][0]
    count = getattr(source, "n_frames", 1) if fmt in ANIMATED else 1
    # Wagtail's pixel limit counts one frame (its image library sees no animation); every
    # frame is held in memory here, so the limit is for all of them.
    limit = settings.WAGTAILIMAGES_MAX_IMAGE_PIXELS
    if limit and source.width * source.height * count > limit:
        raise NewsroomError(
            f"This animation has {count} frames of {source.width}×{source.height} pixels, more "
            f"than the {limit:,} pixels allowed in all. Make it shorter or smaller and upload it again."
        )
    turn = UPRIGHT.get(_orientation(source))
    profile = _profile(source)
    frames, durations = [], []
    for index in range(count):
        source.seek(index)
        frame = _to_srgb(_pixels(source, fmt, animated=count > 1), profile)
        frames.append(frame.transpose(turn) if turn is not None else frame)
        durations.append(source.info.get("duration", 0))
    return fmt, frames, durations


def _orientation(source):
    try:
        return source.getexif().get(0x0112, 1)
    except Exception:  # noqa: BLE001 — a mangled EXIF block only costs us the rotation
        return 1


def _profile(source):
    icc = source.info.get("icc_profile")
    if not icc:
        return None
    try:
        return ImageCms.ImageCmsProfile(io.BytesIO(icc))
    except (ImageCms.PyCMSError, OSError, TypeError):
        return None  # unreadable profile: the pixels are kept as they are, the profile dropped


def _pixels(source, fmt, *, animated):
    """A copy of the current frame holding nothing but pixels (and a palette)."""
    if animated:
        frame = source.convert("RGBA")  # frames of one animation in one mode, composited
    else:
        frame = source.copy()
        if fmt == "JPEG" and frame.mode not in ("L", "RGB", "CMYK"):
            frame = frame.convert("RGB")
        elif fmt == "WEBP" and frame.mode not in ("RGB", "RGBA"):
            frame = frame.convert("RGBA")
        elif fmt == "GIF" and frame.mode not in ("L", "P"):
            frame = frame.convert("RGBA")
        elif fmt == "PNG" and frame.mode not in ("1", "L", "LA", "P", "RGB", "RGBA", "I;16"):
            frame = frame.convert("RGBA")
    transparency = source.info.get("transparency") if frame.mode in ("1", "L", "P", "RGB") else None
    frame.info = {} if transparency is None else {"transparency": transparency}
    return frame


def _to_srgb(frame, profile):
    if frame.mode == "CMYK":
        output = "RGB"
    elif frame.mode in ("RGB", "RGBA"):
        output = frame.mode
    else:
        return frame  # grey and palette pictures: the profile is dropped, the values kept
    if profile is not None:
        try:
            converted = ImageCms.profileToProfile(frame, profile, SRGB, outputMode=output)
            converted.info = dict(frame.info)
            return converted
        except ImageCms.PyCMSError:
            pass
    return frame.convert(output) if output != frame.mode else frame


def _encoder_options(fmt, data, first):
    if fmt == "JPEG":
        return {"quality": JPEG_QUALITY, "optimize": True}
    if fmt == "WEBP":
        lossless = b"VP8L" in data and b"VP8 " not in data
        return {"lossless": True} if lossless else {"quality": WEBP_QUALITY}
    options = {"optimize": True}
    if "transparency" in first.info:
        options["transparency"] = first.info["transparency"]
    return options


def _check_clean(data, fmt, frames):
    """Re-open what we are about to store and refuse it if any metadata came through (a
    Pillow upgrade once started writing JPEG comments back by default)."""
    with Image.open(io.BytesIO(data)) as stored:
        leaked = sorted(METADATA_KEYS & set(stored.info))
        if isinstance(stored, JpegImagePlugin.JpegImageFile):
            leaked += [marker for marker, _ in stored.applist if marker != "APP0"]
        if isinstance(stored, PngImagePlugin.PngImageFile):
            leaked += list(stored.text)
        if stored.info.get("extension", (b"NETSCAPE2.0",))[0] != b"NETSCAPE2.0":
            leaked.append("a GIF application block")  # only the loop count may stay
        if stored.getexif():
            leaked.append("EXIF")
        if stored.format != fmt or getattr(stored, "n_frames", 1) != frames:
            leaked.append(f"{stored.format} with {getattr(stored, 'n_frames', 1)} frames")
    if leaked:
        raise RuntimeError(f"Cleaning an image left {', '.join(map(str, leaked))} in it; nothing was stored.")


def image_original_clean(*, image) -> bool:
    """Before a Wagtail image is saved: replace a new upload with a clean copy under a
    random name (see the module docstring). Also cleans a file that reached a new image
    already stored under another name (Wagtail's multiple upload stores some files first).

    Returns whether the file was replaced."""
    upload = image.file
    if not upload:
        return False
    stored = getattr(upload, "_committed", True)
    if stored and (not image._state.adding or STORED_NAME.match(os.path.basename(upload.name))):
        return False
    uploaded_name = os.path.basename(upload.name)
    if not stored and isinstance(upload.file, CleanedUpload):
        clean = upload.file.clean
    else:
        if stored:
            upload.open("rb")
        upload.seek(0)
        clean = image_bytes_clean(upload.read())
        upload.seek(0)
    if stored:  # the uploader's bytes under the uploader's name: gone once this save commits
        storage, old_name = upload.storage, upload.name
        transaction.on_commit(lambda: storage.delete(old_name))
    name = f"{secrets.token_hex(8)}.{clean.extension}"
    image.file = ContentFile(clean.data, name=name)
    image.width, image.height = clean.width, clean.height
    image.file_size = len(clean.data)
    image.file_hash = hash_filelike(io.BytesIO(clean.data))
    if named_after(image.title, uploaded_name):
        # Wagtail fills the title in from the file name, and offers the title as the alt
        # text of a picture in a post when there is no description: it would be baked.
        image.title = f"Photo {name[:8]}"
    return True


def images_stored_clean() -> int:
    """Clean the originals stored before uploads were cleaned (any file not under a name
    we gave it) and drop their renditions, which are named after the old file. Returns
    how many were cleaned; the reader site needs a full bake afterwards."""
    cleaned = 0
    for image in get_image_model().objects.order_by("pk"):
        if not STORED_NAME.match(os.path.basename(image.file.name)):
            image_stored_clean(image=image)
            cleaned += 1
    return cleaned


@transaction.atomic
def image_stored_clean(*, image):
    """Replace one stored original with its cleaned copy, as if it were uploaded now."""
    storage, old_name = image.file.storage, image.file.name
    with image.open_file() as stored:
        data = stored.read()
    image.file = ContentFile(data, name=os.path.basename(old_name))  # cleaned on save (pre_save)
    image.save()
    image.renditions.all().delete()  # Wagtail deletes their files after commit
    transaction.on_commit(lambda: storage.delete(old_name))


def named_after(title, file_name):
    """Whether `title` is just `file_name` (or its stem), however spaced or cased."""
    def letters(text):
        return re.sub(r"[\W_]+", "", text or "").casefold()

    wanted = letters(title)
    return bool(wanted) and wanted in {letters(file_name), letters(os.path.splitext(file_name)[0])}
