"""Pictures sized for the reader: every `<img>` of a reader page offers several widths and
formats (`srcset`, `sizes`, `<source>`), says its size, names renditions after their bytes,
and stays within the low-data budgets (listing thumbnails ≤ 10 KB, a lead picture ≤ 40 KB at
phone width)."""

import hashlib
import io
import posixpath
import re
from pathlib import Path
from urllib.parse import unquote

import pytest
import wagtail
from django.core.files.images import ImageFile
from PIL import Image
from wagtail.images import get_image_model

from samizdat.core.rendering import rendering
from samizdat.newsroom.models import BlogPage, PostPage, ServicePage
from samizdat.newsroom.renditions import AVIF, SHAPES
from samizdat.theme.jinja import richtext
from samizdat.theme.pictures import picture
from tests.conftest import read, require

pytestmark = pytest.mark.django_db

IMG = re.compile(r"<img\b[^>]*>")
PICTURE = re.compile(r"<picture>(.*?)</picture>", re.S)
TEMPLATE = re.compile(r"<template>.*?</template>", re.S)  # inert: browsers load nothing in it
SOURCE = re.compile(r"<source\b[^>]*>")
ATTRIBUTE = re.compile(r'([a-z-]+)="([^"]*)"')
HASHED = re.compile(r"^assets/media/([0-9a-f]{16})\.(avif|webp|jpg|png|gif)$")
FORMATS = {"AVIF": "image/avif", "WEBP": "image/webp", "JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif"}
KB = 1024
PHONE = 390  # CSS pixels
THUMBNAIL_BUDGET, LEAD_BUDGET = 10 * KB, 40 * KB


def attributes(tag):
    return dict(ATTRIBUTE.findall(tag))


def candidates(srcset):
    """[(address, width)] of a srcset."""
    pairs = (c.strip().rsplit(" ", 1) for c in srcset.split(","))
    return [(address, int(width.removesuffix("w"))) for address, width in pairs]


def site_file(site_dir, page_path, address):
    """The baked file an address on the page at `page_path` (a reader path) points at."""
    target = posixpath.normpath(posixpath.join(page_path, unquote(address)))
    return Path(site_dir) / target.lstrip("/"), target.lstrip("/")


def reader_pages():
    """A front, a blog listing and every live post of each edition: (reader path)."""
    for edition in ServicePage.objects.live():
        yield edition.reader_path
        yield BlogPage.objects.live().descendant_of(edition).first().reader_path
    yield from (post.reader_path for post in PostPage.objects.live())


def shown(html):
    """The markup browsers render: without templates."""
    return TEMPLATE.sub("", html)


def pictures(site_dir):
    """(reader path, picture markup) of every picture of the reader pages."""
    for path in reader_pages():
        html = shown(read(site_dir, path))
        assert html.count("<img") == len(PICTURE.findall(html)), f"{path}: an <img> outside a <picture>"
        for markup in PICTURE.findall(html):
            yield path, markup


def test_every_img_of_a_post_has_srcset_sizes_width_and_height(site_dir):
    posts_with_pictures = 0
    for post in PostPage.objects.live():
        imgs = IMG.findall(shown(read(site_dir, post.reader_path)))
        posts_with_pictures += bool(imgs)
        for tag in imgs:
            attrs = attributes(tag)
            for name in ("src", "srcset", "sizes", "width", "height", "alt"):
                assert name in attrs, f"{post.reader_path}: {name} missing in {tag}"
            assert attrs["width"].isdigit() and attrs["height"].isdigit(), tag
            assert len(candidates(attrs["srcset"])) >= 1
    assert posts_with_pictures >= 10, "the demo's posts show pictures: the test must see them"


def test_each_candidate_is_a_rendition_of_the_width_and_format_it_claims_named_after_its_bytes(site_dir):
    seen = set()
    for path, markup in pictures(site_dir):
        sources = [attributes(tag) for tag in SOURCE.findall(markup)]
        assert [s["type"] for s in sources] == [*(["image/avif"] if AVIF else []), "image/webp"], markup
        img = attributes(IMG.search(markup).group(0))
        offers = [*((s["type"], s["srcset"], s["sizes"]) for s in sources), (None, img["srcset"], img["sizes"])]
        assert len({sizes for _, _, sizes in offers}) == 1, "one picture, one layout"
        for mime, srcset, _ in offers:
            widths = [w for _, w in candidates(srcset)]
            assert widths == sorted(set(widths)), srcset
            for address, width in candidates(srcset):
                file, name = site_file(site_dir, path, address)
                if name in seen:
                    continue
                seen.add(name)
                digest, _ = HASHED.match(name).groups()
                data = file.read_bytes()
                assert hashlib.sha256(data).hexdigest()[:16] == digest, f"{name} is not named after its bytes"
                with Image.open(io.BytesIO(data)) as picture_file:
                    assert picture_file.width == width, f"{name} claims {width}w"
                    assert mime in (None, FORMATS[picture_file.format])
                    assert not picture_file.getexif(), f"{name} carries EXIF"
        src_file, _ = site_file(site_dir, path, img["src"])
        with Image.open(src_file) as fallback:
            assert (fallback.width, fallback.height) == (int(img["width"]), int(img["height"]))
    assert len(seen) > 50


def test_a_wget_copy_finds_every_file_a_picture_offers(site_dir):
    """wget reads an <img>'s srcset, not a <source>'s: each picture is followed by a template
    naming its sources' files (tests/browser/test_copies.py makes the copy)."""
    checked = 0
    for path in reader_pages():
        html = read(site_dir, path)
        for match in re.finditer(r"<picture>(.*?)</picture>(<template>.*?</template>)?", html, re.S):
            markup, hint = match.groups()
            sources = [a for tag in SOURCE.findall(markup) for a, _ in candidates(attributes(tag)["srcset"])]
            assert hint, f"{path}: a picture without its hint for wget"
            hinted = [a for a, _ in candidates(attributes(IMG.search(hint).group(0))["srcset"])]
            assert hinted == sources
            checked += 1
    assert checked > 30


def phone_choice(offer, sizes):
    """The candidate a phone 390 CSS px wide at one device pixel per CSS pixel downloads: the
    narrowest at least as wide as the slot `sizes` gives (the last, default entry: the column)."""
    slot = {"10rem": 160}.get(sizes, PHONE - 32)  # calc(100vw - 2rem)
    fitting = [(w, a) for a, w in candidates(offer) if w >= slot]
    return min(fitting) if fitting else max((w, a) for a, w in candidates(offer))


def test_low_data_budgets_for_thumbnails_and_lead_pictures(site_dir):
    """Every size of a listing thumbnail ≤ 10 KB; the lead picture a phone downloads ≤ 40 KB,
    in every format offered."""
    checked = {"thumbnail": 0, "lead": 0}
    for path, markup in pictures(site_dir):
        img = attributes(IMG.search(markup).group(0))
        if img["sizes"] == SHAPES["thumb"].sizes:
            for offer in offers(markup):
                for address, _ in candidates(offer):
                    size = site_file(site_dir, path, address)[0].stat().st_size
                    assert size <= THUMBNAIL_BUDGET, f"{path}: thumbnail {address} is {size} bytes"
                    checked["thumbnail"] += 1
        elif img.get("loading") != "lazy":  # the lead picture of a post or a front
            for offer in offers(markup):
                _, address = phone_choice(offer, img["sizes"])
                size = site_file(site_dir, path, address)[0].stat().st_size
                assert size <= LEAD_BUDGET, f"{path}: lead picture {address} is {size} bytes at phone width"
                checked["lead"] += 1
    assert checked["thumbnail"] > 20 and checked["lead"] > 10, checked


PHOTOGRAPH = Path(wagtail.__file__).parent / "images/tests/image_files/landscape_1.jpg"


def test_a_real_photograph_fits_the_budgets(settings, tmp_path):
    """The demo's drawn pictures compress well; a photograph (Wagtail's own test photo,
    600 × 450, full of leaves and sky) is what correspondents send."""
    require(PHOTOGRAPH.exists(), f"Wagtail's test photographs are not installed ({PHOTOGRAPH}): reinstall wagtail")
    settings.MEDIA_ROOT = tmp_path / "media"
    photo = get_image_model()(title="a photograph", file=ImageFile(io.BytesIO(PHOTOGRAPH.read_bytes()), name="x.jpg"))
    photo.save()
    with rendering(here="/en/blog/post/") as state:
        thumb = str(picture(photo, "thumb"))
        lead = str(picture(photo, "lead", "Trees by a lake"))
    for offer in offers(thumb):
        for address, _ in candidates(offer):
            assert size_of(state, address) <= THUMBNAIL_BUDGET, address
    img = attributes(IMG.search(lead).group(0))
    assert img["alt"] == "Trees by a lake" and "loading" not in img
    for offer in offers(lead):
        _, address = phone_choice(offer, img["sizes"])
        assert size_of(state, address) <= LEAD_BUDGET, address


def offers(markup):
    """The srcset of each <source> and of the <img> of a picture."""
    return [attributes(s)["srcset"] for s in SOURCE.findall(markup)] + [attributes(IMG.search(markup).group(0))["srcset"]]


def size_of(state, address, here="/en/blog/post/"):
    return state.media[posixpath.normpath(posixpath.join(here, address))].stat().st_size


def test_a_narrow_picture_is_never_enlarged(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    out = io.BytesIO()
    Image.new("RGB", (300, 200), (200, 30, 30)).save(out, "PNG")
    photo = get_image_model()(title="a chart", file=ImageFile(out, name="chart.png"))
    photo.save()
    with rendering(here="/en/"):
        markup = str(picture(photo, "lead"))
    img = attributes(IMG.search(markup).group(0))
    assert [w for _, w in candidates(img["srcset"])] == [300]
    assert (img["width"], img["height"]) == ("300", "200")
    assert img["src"].endswith(".png"), "a PNG keeps its transparency in the fallback"


def test_stored_markup_cannot_make_readers_fetch_pictures_from_elsewhere():
    html = richtext(
        '<p><img src="a.jpg" srcset="https://tracker.example/x.jpg 1x" alt="a"></p>'
        '<picture><source srcset="//tracker.example/y.webp 400w"><img src="b.jpg" srcset="b.jpg 1x, c.jpg 2x"></picture>'
    )
    assert "tracker.example" not in html
    assert 'srcset="b.jpg 1x, c.jpg 2x"' in html  # addresses on the site itself stay
    # Backslashes are slashes to a browser; a plain `src` may not leave the site either.
    sneaky = richtext(
        '<p><img src="//tracker.example/s.jpg" alt="s"><img src="d.jpg" srcset="\\\\tracker.example/t.png 1x">'
        '<img src="e.jpg" srcset="/\\tracker.example/u.png 2x"><img src="https://tracker.example/v.jpg" alt="v"></p>'
    )
    assert "tracker.example" not in sneaky, sneaky
    assert 'src="d.jpg"' in sneaky and 'src="e.jpg"' in sneaky
