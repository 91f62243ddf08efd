"""A correspondent's photo must not say who took it, where, or with what.

Each sample below plants, under a distinctive text, one kind of hidden data that cameras,
phones and editing software leave in JPEG, MPO, PNG, WebP and GIF files (made here with
Pillow, or spliced in byte by byte where Pillow cannot write it). Each is uploaded the
ways editors upload, under a file name that gives the source away, and then the stored
original, its renditions and a baked site that shows it are searched for any of it —
texts, file names, and the metadata blocks themselves, found by walking each file's
structure rather than by hoping a string is absent.
"""

import io
import struct
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.core.management import call_command
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import ExifTags, Image, ImageCms, PngImagePlugin
from wagtail.images import get_image_model

from samizdat.newsroom.images import image_bytes_clean
from samizdat.newsroom.models import BlogPage, PostPage

pytestmark = pytest.mark.django_db

UPLOAD_STEM = "IMG_20241103_Tabriz_Leila_source"
NAME_GIVEAWAYS = [b"20241103", b"tabriz", b"leila"]  # searched case-insensitively
ICC_MARKER = "ICC-Tabriz-13".encode("utf-16-be")  # as long as the "sRGB built-in" it replaces
SECRETS = [
    b"MAKER-SpyCam", b"MODEL-X9000", b"ARTIST-Leila-Ahmadi", b"SN-7731-SECRET", b"GPSDATUM-Tabriz",
    b"COMMENT-meet-at-the-bridge", b"APP12-DUCKY-PAYLOAD", b"APP13-IPTC-BYLINE", b"APP15-PAYLOAD",
    b"XMP-CREATOR-Leila", b"PNG-TEXT-secret", b"PNG-ITXT-secret", b"GIF-COMMENT-secret",
    b"XMP-IN-GIF-secret", ICC_MARKER,
]
# Container signatures of metadata blocks, whatever their content.
BLOCK_SIGNATURES = [b"http://ns.adobe.com/xap/1.0/", b"<x:xmpmeta", b"Photoshop 3.0", b"XMP DataXMP", b"Exif\0\0"]
PHOTO_SIZE = (960, 640)


@pytest.fixture(autouse=True)
def no_cached_renditions():
    """Wagtail caches renditions by image id, and a rolled-back test's ids come again: a
    stale entry would let a test look at another test's file."""
    cache.clear()


# --- the corpus -------------------------------------------------------------------------


def photo(colour=(180, 40, 40), size=PHOTO_SIZE):
    img = Image.linear_gradient("L").resize(size).convert("RGB")
    return Image.blend(img, Image.new("RGB", size, colour), 0.7)


def spy_exif():
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "MAKER-SpyCam"
    exif[ExifTags.Base.Model] = "MODEL-X9000"
    exif[ExifTags.Base.Artist] = "ARTIST-Leila-Ahmadi"
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.BodySerialNumber] = "SN-7731-SECRET"
    exif.get_ifd(ExifTags.IFD.GPSInfo).update(
        {1: "N", 2: (38.0, 4.0, 48.0), 3: "E", 4: (46.0, 17.0, 30.0), 0x12: "GPSDATUM-Tabriz"}
    )
    return exif


def xmp_packet():
    return (
        b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
        b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
        b'xmlns:dc="http://purl.org/dc/elements/1.1/" dc:creator="XMP-CREATOR-Leila"/></rdf:RDF>'
        b'</x:xmpmeta><?xpacket end="w"?>'
    )


def encoded(img, fmt, **options):
    out = io.BytesIO()
    img.save(out, fmt, **options)
    return out.getvalue()


def jpeg_segment(marker, payload):
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def spliced_jpeg(*segments):
    data = encoded(photo(), "JPEG", quality=90)
    return data[:2] + b"".join(segments) + data[2:]  # right after SOI


def gif_with_xmp(data):
    flags = data[10]
    after_colour_table = 13 + (3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0)
    payload = xmp_packet().replace(b"XMP-CREATOR-Leila", b"XMP-IN-GIF-secret")
    blocks = b"".join(bytes([len(c)]) + c for c in (payload[i:i + 255] for i in range(0, len(payload), 255)))
    extension = b"\x21\xff\x0b" + b"XMP DataXMP" + blocks + b"\x00"
    return data[:after_colour_table] + extension + data[after_colour_table:]


def named_icc_profile():
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    assert "sRGB built-in".encode("utf-16-be") in profile
    return profile.replace("sRGB built-in".encode("utf-16-be"), ICC_MARKER)


def frames(count=3, size=(320, 240)):
    """An animation whose left quarter is transparent: RGBA frames of distinct colours."""
    result = []
    for i in range(count):
        frame = Image.new("RGBA", size, (40 + 70 * i, 200 - 60 * i, 90, 255))
        frame.paste((0, 0, 0, 0), (0, 0, size[0] // 4, size[1]))
        result.append(frame)
    return result


def png_info():
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "PNG-TEXT-secret")
    info.add_itxt("Description", "PNG-ITXT-secret", lang="en", tkey="Description")
    info.add_text("Comment", "PNG-ZTXT-secret", zip=True)  # compressed: found by the chunk walk
    return info


def corpus():
    """name → (file extension, bytes, animation frames expected to be kept)."""
    animation = frames()
    rgba = photo().convert("RGBA")
    rgba.paste((0, 0, 0, 0), (0, 0, 100, 100))
    return {
        "jpeg-exif-gps": ("jpg", encoded(photo(), "JPEG", exif=spy_exif()), 1),
        "jpeg-comment": ("jpg", encoded(photo(), "JPEG", comment=b"COMMENT-meet-at-the-bridge"), 1),
        "jpeg-app12-13-15": ("jpg", spliced_jpeg(
            jpeg_segment(0xEC, b"Ducky\0APP12-DUCKY-PAYLOAD"),
            jpeg_segment(0xED, b"Photoshop 3.0\x008BIM\x04\x04\0\0\0\0\0\x14\x1c\x02\x50\0\x11APP13-IPTC-BYLINE"),
            jpeg_segment(0xEF, b"APP15-PAYLOAD"),
        ), 1),
        "jpeg-xmp": ("jpg", spliced_jpeg(jpeg_segment(0xE1, b"http://ns.adobe.com/xap/1.0/\0" + xmp_packet())), 1),
        "jpeg-icc": ("jpg", encoded(photo(), "JPEG", icc_profile=named_icc_profile()), 1),
        "mpo": ("jpg", encoded(
            photo(), "MPO", save_all=True, append_images=[photo((20, 40, 200))], exif=spy_exif()
        ), 1),
        "png-text": ("png", encoded(rgba, "PNG", pnginfo=png_info(), exif=spy_exif()), 1),
        "webp-animated": ("webp", encoded(
            animation[0], "WEBP", save_all=True, append_images=animation[1:], duration=[70, 80, 90],
            loop=2, exif=spy_exif(), xmp=xmp_packet(),
        ), 3),
        "gif-animated": ("gif", gif_with_xmp(encoded(
            animation[0], "GIF", save_all=True, append_images=animation[1:], duration=[100, 200, 300],
            loop=0, comment=b"GIF-COMMENT-secret",
        )), 3),
    }


CORPUS = corpus()


# --- reading files as a forensic examiner would -----------------------------------------


def jpeg_markers(data):
    """The markers of a JPEG's header segments, up to the start of the picture data."""
    assert data[:2] == b"\xff\xd8"
    markers, at = [], 2
    while True:
        assert data[at] == 0xFF, f"no marker at {at}"
        marker = data[at + 1]
        markers.append(marker)
        if marker == 0xDA:  # start of scan: the picture itself follows
            return markers
        at += 2 + struct.unpack(">H", data[at + 2:at + 4])[0]


def png_chunks(data):
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, at = [], 8
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        chunks.append(kind.decode("latin-1"))
        at += 12 + length
    return chunks


def riff_chunks(data):
    assert data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    chunks, at = [], 12
    while at < len(data):
        kind, length = struct.unpack("<4sI", data[at:at + 8])
        chunks.append(kind.decode("latin-1"))
        at += 8 + length + (length & 1)
    return chunks


def gif_extensions(data):
    """(label, application id) of every extension block in a GIF."""
    assert data[:6] in (b"GIF87a", b"GIF89a")

    def skip_sub_blocks(at):
        while data[at]:
            at += data[at] + 1
        return at + 1

    flags = data[10]
    at = 13 + (3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0)
    found = []
    while data[at] != 0x3B:
        if data[at] == 0x21:
            label = data[at + 1]
            application = data[at + 3:at + 14] if label == 0xFF else b""
            found.append((label, application))
            at = skip_sub_blocks(at + 2)
        elif data[at] == 0x2C:
            local = data[at + 9]
            at += 10 + (3 * 2 ** ((local & 7) + 1) if local & 0x80 else 0)
            at = skip_sub_blocks(at + 1)  # after the LZW code size
        else:
            raise AssertionError(f"unexpected GIF block {data[at]:#x} at {at}")
    return found


JPEG_ALLOWED = {0xE0, 0xDB, 0xC0, 0xC1, 0xC2, 0xC4, 0xDD, 0xDA}  # JFIF, tables, frame, scan
PNG_ALLOWED = {"IHDR", "PLTE", "tRNS", "IDAT", "IEND", "acTL", "fcTL", "fdAT"}
WEBP_ALLOWED = {"VP8 ", "VP8L", "VP8X", "ALPH", "ANIM", "ANMF"}


def metadata_in(data):
    """Every trace of metadata in one file: planted texts, block signatures, and blocks
    that are not picture data (by walking the format's structure)."""
    found = [s for s in SECRETS + BLOCK_SIGNATURES if s in data]
    found += [s for s in NAME_GIVEAWAYS if s in data.lower()]
    if data[:2] == b"\xff\xd8":
        found += [f"JPEG segment {m:#x}" for m in jpeg_markers(data) if m not in JPEG_ALLOWED]
    elif data[:4] == b"\x89PNG":
        found += [f"PNG chunk {c}" for c in png_chunks(data) if c not in PNG_ALLOWED]
    elif data[:4] == b"RIFF":
        found += [f"WebP chunk {c}" for c in riff_chunks(data) if c not in WEBP_ALLOWED]
    elif data[:3] == b"GIF":
        found += [
            f"GIF extension {label:#x} {app!r}" for label, app in gif_extensions(data)
            if label != 0xF9 and app != b"NETSCAPE2.0"
        ]
    if data[:2] == b"\xff\xd8" or data[:4] in (b"\x89PNG", b"RIFF") or data[:3] == b"GIF":
        with Image.open(io.BytesIO(data)) as img:
            if img.getexif():
                found.append("EXIF")
            found += [k for k in ("icc_profile", "xmp", "comment", "exif") if img.info.get(k)]
    return found


@pytest.mark.parametrize("case", CORPUS)
def test_the_corpus_really_carries_what_it_plants(case):
    """Without this, a sample Pillow wrote without its metadata would make every test pass."""
    _, data, count = CORPUS[case]
    assert metadata_in(data), f"{case} carries nothing to find"
    with Image.open(io.BytesIO(data)) as img:
        assert getattr(img, "n_frames", 1) == (2 if case == "mpo" else count)
    if case in ("jpeg-exif-gps", "mpo"):
        with Image.open(io.BytesIO(data)) as img:
            assert img.getexif().get_ifd(ExifTags.IFD.GPSInfo)[2] == (38.0, 4.0, 48.0)
        assert data.count(b"SN-7731-SECRET") == (2 if case == "mpo" else 1)
    if case == "png-text":
        assert {"tEXt", "iTXt", "zTXt", "eXIf"} <= set(png_chunks(data))
    if case == "gif-animated":
        assert any(app == b"XMP DataXMP" for _, app in gif_extensions(data))


# --- uploading -----------------------------------------------------------------------------


def upload_through_model(case):
    extension, data, _ = CORPUS[case]
    image = get_image_model()(title=UPLOAD_STEM, file=ImageFile(io.BytesIO(data), name=f"{UPLOAD_STEM}.{extension}"))
    image.save()
    return image


def upload_through_admin(client, user, case, *, description="A street in the rain."):
    extension, data, _ = CORPUS[case]
    client.force_login(user)
    before = set(get_image_model().objects.values_list("pk", flat=True))
    response = client.post(
        reverse("wagtailimages:add"),
        # the admin's upload form fills the title in from the file name, as here
        {"title": UPLOAD_STEM, "description": description,
         "file": SimpleUploadedFile(f"{UPLOAD_STEM}.{extension}", data)},
    )
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    (new,) = get_image_model().objects.exclude(pk__in=before)
    return new


RENDITIONS = ["width-800", "fill-320x180", "max-100x100", "width-400|format-webp"]


def assert_nothing_betrays(image):
    stored = Path(image.file.path).read_bytes()
    assert metadata_in(stored) == [], f"stored original {image.file.name}"
    assert not any(s.decode() in image.file.name.lower() for s in NAME_GIVEAWAYS), image.file.name
    assert not any(s.decode() in image.title.lower() for s in NAME_GIVEAWAYS), image.title
    assert image.file_size == len(stored)
    media = Path(image.file.storage.location)
    stored_names = [p.relative_to(media).as_posix().lower() for p in media.rglob("*")]
    assert not [p for p in stored_names if any(s.decode() in p for s in NAME_GIVEAWAYS)]
    for spec in RENDITIONS:
        rendition = image.get_rendition(spec)
        assert not any(s.decode() in rendition.file.name.lower() for s in NAME_GIVEAWAYS), rendition.file.name
        assert metadata_in(Path(rendition.file.path).read_bytes()) == [], f"rendition {rendition.file.name}"


@pytest.mark.parametrize("case", CORPUS)
def test_saved_image_keeps_nothing_of_its_source(case):
    assert_nothing_betrays(upload_through_model(case))


@pytest.mark.parametrize("case", CORPUS)
def test_admin_upload_keeps_nothing_of_its_source(client, users, case):
    assert_nothing_betrays(upload_through_admin(client, users["editor"], case))


def animated_png():
    animation = frames()
    return encoded(animation[0], "PNG", save_all=True, append_images=animation[1:], duration=[100, 200, 300],
                   loop=0, pnginfo=png_info())


def test_an_animated_png_is_refused_and_would_keep_only_its_first_picture(client, users):
    """Wagtail cannot read APNG (not even to make the image object), so the admin refuses
    one; the cleaner would still keep only a bare first picture of it."""
    client.force_login(users["editor"])
    before = get_image_model().objects.count()
    response = client.post(reverse("wagtailimages:add"), {
        "title": "t", "file": SimpleUploadedFile(f"{UPLOAD_STEM}.png", animated_png())})
    assert response.status_code == 200 and "file" in response.context["form"].errors
    assert get_image_model().objects.count() == before
    clean = image_bytes_clean(animated_png())
    assert clean.frames == 1 and png_chunks(clean.data) == ["IHDR", "IDAT", "IEND"]
    assert metadata_in(clean.data) == []


def test_multiple_upload_keeps_nothing_of_its_source(client, users):
    """The multiple uploader takes the title from the file name on the server."""
    extension, data, _ = CORPUS["jpeg-exif-gps"]
    client.force_login(users["editor"])
    response = client.post(
        reverse("wagtailimages:add_multiple"),
        {"files[]": SimpleUploadedFile(f"{UPLOAD_STEM}.{extension}", data)},
    )
    assert response.status_code == 200 and response.json()["success"], response.content[:300]
    image = get_image_model().objects.get(pk=response.json()["image_id"])
    assert_nothing_betrays(image)


def test_a_file_stored_before_the_image_is_cleaned_and_the_uploaded_copy_removed(
    client, users, django_capture_on_commit_callbacks
):
    """When the multiple uploader cannot make an image at once (here a title over 255
    characters), Wagtail keeps the file and later saves it into the image itself, already
    stored under the uploaded name, before the image is saved."""
    extension, data, _ = CORPUS["mpo"]
    client.force_login(users["editor"])
    response = client.post(
        reverse("wagtailimages:add_multiple"),
        {"title": "x" * 300, "files[]": SimpleUploadedFile(f"{UPLOAD_STEM}.{extension}", data)},
    )
    upload_id = response.json()["uploaded_file_id"]
    prefix = f"uploaded-image-{upload_id}"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("wagtailimages:create_multiple_from_uploaded_image", args=[upload_id]),
            {f"{prefix}-title": f"{UPLOAD_STEM}.{extension}", f"{prefix}-description": "",
             f"{prefix}-collection": "1", f"{prefix}-tags": ""},
        )
    assert response.json()["success"], response.content[:500]
    image = get_image_model().objects.get(pk=response.json()["image_id"])
    assert_nothing_betrays(image)  # nor any file left under the uploaded name


def test_an_animation_too_big_in_all_its_frames_is_refused(client, users, settings):
    """Wagtail counts the pixels of one frame; the cleaner holds every frame in memory."""
    settings.WAGTAILIMAGES_MAX_IMAGE_PIXELS = 320 * 240 * 2  # the sample has 3 frames of 320×240
    client.force_login(users["editor"])
    before = get_image_model().objects.count()
    response = client.post(reverse("wagtailimages:add"), {
        "title": "t", "file": SimpleUploadedFile("a.gif", CORPUS["gif-animated"][1])})
    assert response.status_code == 200
    assert "3 frames of 320×240 pixels" in str(response.context["form"].errors["file"])
    assert get_image_model().objects.count() == before


# --- the picture itself survives ---------------------------------------------------------


def test_photo_is_turned_upright_and_keeps_its_size():
    left_red = Image.new("RGB", (400, 200), (220, 0, 0))
    left_red.paste((0, 0, 220), (200, 0, 400, 200))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # shown turned 90° clockwise
    image = get_image_model()(title="t", file=ImageFile(io.BytesIO(encoded(left_red, "JPEG", exif=exif)), name="a.jpg"))
    image.save()
    with Image.open(image.file.path) as stored:
        assert stored.size == (200, 400) and stored.mode == "RGB"
        top, bottom = stored.getpixel((100, 50)), stored.getpixel((100, 350))
    assert top[0] > 200 and top[2] < 30, top  # the left (red) half is now on top
    assert bottom[2] > 200 and bottom[0] < 30, bottom
    assert (image.width, image.height) == (200, 400)
    assert (image.get_rendition("width-100").width, image.get_rendition("width-100").height) == (100, 200)


def test_colours_of_a_profiled_photo_and_transparency_survive():
    icc = upload_through_model("jpeg-icc")
    with Image.open(icc.file.path) as stored, Image.open(io.BytesIO(CORPUS["jpeg-icc"][1])) as source:
        assert stored.size == PHOTO_SIZE
        assert all(abs(a - b) <= 6 for a, b in zip(stored.getpixel((480, 320)), source.getpixel((480, 320)), strict=True))
    png = upload_through_model("png-text")
    with Image.open(png.file.path) as stored:
        assert stored.mode == "RGBA" and stored.getpixel((10, 10))[3] == 0 and stored.getpixel((500, 500))[3] == 255


def palette_picture():
    img = Image.new("P", (60, 40), 0)
    img.putpalette([255, 0, 0, 0, 255, 0] * 128)
    img.paste(1, (0, 0, 30, 40))  # left half: index 1, transparent below
    return img


def two_tone(mode, left, right):
    img = Image.new(mode, (60, 40), right)
    img.paste(left, (0, 0, 30, 40))
    return img


# name → (bytes, stored format, stored mode, RGBA at left, RGBA at right)
PICTURES = {
    "grey jpeg": (encoded(two_tone("L", 30, 220), "JPEG"), "JPEG", "L", (30, 30, 30, 255), (220, 220, 220, 255)),
    "cmyk jpeg": (encoded(two_tone("CMYK", (0, 255, 255, 0), (255, 0, 255, 0)), "JPEG"), "JPEG", "RGB",
                  (255, 0, 0, 255), (0, 255, 0, 255)),
    "palette png": (encoded(palette_picture(), "PNG", transparency=1), "PNG", "P", (0, 255, 0, 0), (255, 0, 0, 255)),
    "palette gif": (encoded(palette_picture(), "GIF", transparency=1), "GIF", "P", (0, 255, 0, 0), (255, 0, 0, 255)),
    "grey+alpha png": (encoded(two_tone("LA", (10, 0), (200, 255)), "PNG"), "PNG", "LA", (10, 10, 10, 0),
                       (200, 200, 200, 255)),
    "16-bit png": (encoded(two_tone("I;16", 0, 65535), "PNG"), "PNG", "I;16", (0, 0, 0, 255), (255, 255, 255, 255)),
    "rgba webp": (encoded(two_tone("RGBA", (0, 0, 255, 0), (255, 0, 0, 255)), "WEBP", lossless=True), "WEBP", "RGBA",
                  (0, 0, 255, 0), (255, 0, 0, 255)),
}


@pytest.mark.parametrize("name", PICTURES)
def test_pictures_of_every_kind_keep_their_format_mode_and_colours(name):
    data, fmt, mode, left, right = PICTURES[name]
    image = get_image_model()(title="t", file=ImageFile(io.BytesIO(data), name="a.bin"))
    image.save()
    assert image.file.name.endswith({"JPEG": ".jpg", "PNG": ".png", "GIF": ".gif", "WEBP": ".webp"}[fmt])
    with Image.open(image.file.path) as stored:
        assert (stored.format, stored.mode, stored.size) == (fmt, mode, (60, 40))
        rgba = stored.convert("RGBA")
        for point, wanted in (((5, 20), left), ((55, 20), right)):
            got = rgba.getpixel(point)
            if wanted[3] == 0:  # an invisible pixel's colour is the encoder's to choose
                got, wanted = got[3:], wanted[3:]
            assert all(abs(a - b) <= 8 for a, b in zip(got, wanted, strict=True)), (point, got, wanted)
    image.get_rendition("width-30")  # Wagtail can make renditions of what was stored


def test_multi_picture_jpeg_keeps_only_its_first_picture():
    image = upload_through_model("mpo")
    with Image.open(image.file.path) as stored:
        assert stored.format == "JPEG" and getattr(stored, "n_frames", 1) == 1
        red, _, blue = stored.getpixel((900, 320))
    assert red > blue, "the first (red) picture, not the second (blue) one"


@pytest.mark.parametrize("case", ["webp-animated", "gif-animated"])
def test_animations_stay_animated(case):
    _, data, count = CORPUS[case]
    image = upload_through_model(case)

    def timing(img):
        result = []
        for index in range(img.n_frames):
            img.seek(index)
            img.load()
            result.append((img.info.get("duration"), img.convert("RGBA").getpixel((0, 0))[3],
                           img.convert("RGBA").getpixel((300, 100))[:3]))
        return result, img.info.get("loop")

    with Image.open(image.file.path) as stored, Image.open(io.BytesIO(data)) as source:
        assert stored.n_frames == count
        (got, got_loop), (wanted, wanted_loop) = timing(stored), timing(source)
    assert got_loop == wanted_loop
    for (duration, alpha, colour), (want_duration, want_alpha, want_colour) in zip(got, wanted, strict=True):
        # (Pillow reads the transparent edge of its own animated WebP as black: compare alike)
        assert duration == want_duration and alpha == want_alpha
        assert all(abs(a - b) <= 12 for a, b in zip(colour, want_colour, strict=True)), (colour, want_colour)


# --- the reader site ----------------------------------------------------------------------


def test_baked_site_shows_the_photos_and_nothing_of_their_source(fresh_site, django_capture_on_commit_callbacks):
    """A post with every sample: the first as lead image, the rest in the body with the
    alt text the image chooser offers (the title, as no description was given)."""
    images = [upload_through_model(case) for case in CORPUS]  # titled by file name, no description
    embeds = "".join(
        f'<embed embedtype="image" id="{image.pk}" format="fullwidth" alt="{image.default_alt_text}"/>'
        for image in images[1:]
    )
    blog = BlogPage.objects.get(slug="dispatches")
    post = PostPage(title="Photos from the border", slug="photos-from-the-border", teaser="Pictures.",
                    body=f"<p>Seen today.</p>{embeds}", lead_image=images[0], lead_image_alt="A street.")
    with django_capture_on_commit_callbacks(execute=True):
        blog.add_child(instance=post)
        post.save_revision().publish()

    page = (fresh_site / post.reader_path.lstrip("/") / "index.html").read_text()
    assert page.count("<img ") >= len(images)
    baked = [p for p in fresh_site.rglob("*") if p.is_file()]
    media = [p for p in baked if "/assets/media/" in p.as_posix()]
    assert len(media) >= len(images) + 1  # every photo, plus the listing card of the lead
    for file in baked:
        path = file.relative_to(fresh_site).as_posix().lower()
        assert not any(s.decode() in path for s in NAME_GIVEAWAYS), path
        assert metadata_in(file.read_bytes()) == [], path


def test_photos_stored_before_cleaning_are_cleaned_once_and_the_old_files_removed(
    fresh_site, django_capture_on_commit_callbacks
):
    """`samizdat clean_images`, for photos uploaded before this cleaning existed."""
    image = upload_through_model("jpeg-exif-gps")
    storage = image.file.storage
    legacy = storage.save(f"original_images/{UPLOAD_STEM}.jpg", ContentFile(CORPUS["jpeg-exif-gps"][1]))
    get_image_model().objects.filter(pk=image.pk).update(file=legacy, title=UPLOAD_STEM)
    image.refresh_from_db()
    old_rendition = Path(image.get_rendition("width-800").file.path)
    assert UPLOAD_STEM in old_rendition.name and old_rendition.exists()  # as the site showed it before
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("clean_images", stdout=out)
    assert "Cleaned 1 stored photos" in out.getvalue()
    image.refresh_from_db()
    assert not storage.exists(legacy) and not old_rendition.exists()
    assert_nothing_betrays(image)
    baked = [p.relative_to(fresh_site).as_posix().lower() for p in fresh_site.rglob("*")]
    assert baked and not [p for p in baked if "tabriz" in p]
    out = io.StringIO()
    call_command("clean_images", stdout=out)
    assert "already clean" in out.getvalue()
