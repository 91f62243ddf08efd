"""Photos from correspondents often carry GPS positions and camera serials in EXIF.
Readers only ever get re-encoded renditions; those must carry none of it."""

import io

import pytest
from django.core.files.images import ImageFile
from PIL import Image
from wagtail.images import get_image_model

from samizdat.core.rendering import rendering
from samizdat.newsroom.renditions import SHAPES
from samizdat.theme.pictures import picture

pytestmark = pytest.mark.django_db


def jpeg_with_exif():
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Inc."  # Make
    exif[0xA431] = "SERIAL-12345"  # BodySerialNumber
    gps = {1: "N", 2: (35.0, 41.0, 22.0), 3: "E", 4: (51.0, 23.0, 20.0)}
    exif[0x8825] = gps
    out = io.BytesIO()
    Image.new("RGB", (1600, 900), (90, 120, 150)).save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_baked_renditions_carry_no_exif():
    original = jpeg_with_exif()
    with Image.open(io.BytesIO(original)) as img:
        assert img.getexif()  # the upload really has it
    photo = get_image_model()(title="field photo", file=ImageFile(io.BytesIO(original), name="field.jpg"))
    photo.save()
    with rendering(here="/en/") as state:
        for shape in SHAPES:
            picture(photo, shape)
    assert len(state.media) >= 2 * 3  # every shape, width and format the reader pages use
    for file in state.media.values():
        data = file.read_bytes()
        assert b"SpyCam" not in data and b"SERIAL-12345" not in data
        with Image.open(file) as img:
            assert not img.getexif()


def test_the_stored_upload_itself_has_no_metadata_and_stays_upright():
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    exif[0x8825] = {1: "N", 2: (35.0, 41.0, 22.0)}
    out = io.BytesIO()
    Image.new("RGB", (400, 200), (10, 200, 10)).save(out, "JPEG", exif=exif.tobytes())
    photo = get_image_model()(title="rotated", file=ImageFile(out, name="rotated.jpg"))
    photo.save()
    with Image.open(photo.file.path) as stored:
        assert not stored.getexif()
        assert stored.size == (200, 400)
    assert (photo.width, photo.height) == (200, 400)
    assert photo.get_file_size() == photo.file.size


def test_png_text_chunks_are_removed():
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Real Name Of Correspondent")
    out = io.BytesIO()
    Image.new("RGBA", (50, 50), (0, 0, 0, 0)).save(out, "PNG", pnginfo=info)
    photo = get_image_model()(title="png", file=ImageFile(out, name="note.png"))
    photo.save()
    assert b"Real Name Of Correspondent" not in open(photo.file.path, "rb").read()


def test_admin_upload_is_stripped(client, users):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    client.force_login(users["contributor"])
    response = client.post(
        reverse("wagtailimages:add"),
        {"title": "from the field", "description": "A street.",
         "file": SimpleUploadedFile("street.jpg", jpeg_with_exif(), content_type="image/jpeg")},
    )
    assert response.status_code == 302
    stored = get_image_model().objects.get(title="from the field")
    data = open(stored.file.path, "rb").read()
    assert b"SpyCam" not in data and b"SERIAL-12345" not in data
