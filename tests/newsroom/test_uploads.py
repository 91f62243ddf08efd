"""A broken upload gets a clear error in the admin and saves nothing."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from wagtail.images import get_image_model

pytestmark = pytest.mark.django_db


def jpeg(size=(64, 48)):
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


def upload(client, name, content, content_type="image/jpeg"):
    return client.post(
        reverse("wagtailimages:add"),
        {"title": name, "file": SimpleUploadedFile(name, content, content_type=content_type), "description": "alt"},
    )


def test_contributor_can_upload_a_real_image(client, users):
    client.force_login(users["contributor"])
    before = get_image_model().objects.count()
    response = upload(client, "ok.jpg", jpeg())
    assert response.status_code == 302
    assert get_image_model().objects.count() == before + 1


def cut_short_jpeg():
    out = io.BytesIO()
    Image.effect_noise((256, 256), 64).convert("RGB").save(out, "JPEG")
    return out.getvalue()[:-5000]  # the header is whole, the picture is not


def cut_short_animation():
    frames = [Image.effect_noise((120, 90), 60 + i).convert("RGB") for i in range(4)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:])
    return out.getvalue()[: len(out.getvalue()) // 2]


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("notes.txt", b"just text", "Upload a valid image"),
        ("fake.jpg", b"\xff\xd8\xff not really a jpeg", "cannot be read"),
        ("cut.jpg", cut_short_jpeg(), "cannot be read"),
        ("cut.gif", cut_short_animation(), "cannot be read"),
    ],
)
def test_non_images_are_refused(client, users, name, content, message):
    client.force_login(users["editor"])
    before = get_image_model().objects.count()
    response = upload(client, name, content)
    assert response.status_code == 200
    assert message in str(response.context["form"].errors["file"])
    assert get_image_model().objects.count() == before


def test_oversized_upload_is_refused(client, users, settings):
    settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE = 1000
    client.force_login(users["editor"])
    before = get_image_model().objects.count()
    response = upload(client, "big.jpg", jpeg((800, 800)) + b"\0" * 2000)
    assert response.status_code == 200
    assert "too big" in str(response.context["form"].errors["file"])
    assert get_image_model().objects.count() == before
