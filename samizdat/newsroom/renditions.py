"""Which renditions of an uploaded picture readers get, for each place a picture is shown.

A phone on a slow or metered connection should not download the picture a wide screen
needs: each place (`SHAPES`) has two or three widths, and each width is made in AVIF (when
the installed Pillow can write it), WebP and a JPEG (PNG for pictures with transparency,
GIF for animations) that every browser shows. Only specifications live here — Wagtail makes
and keeps the renditions; the theme writes the `<picture>` (`theme.pictures`), the feeds and
the page metadata take the JPEG a sharer's preview needs (`SHARE_SPEC`).
"""

from dataclasses import dataclass, field
from functools import lru_cache

from PIL import features

AVIF = features.check("avif")  # Pillow built with libavif
# Chosen for pictures looked at on a phone, not printed: at these settings a detailed
# photograph 400 px wide is 17 KB in AVIF, 29 KB in WebP or JPEG (tests/theme/test_pictures.py).
QUALITY = {"avif": 50, "webp": 70, "jpeg": 72}
# Thumbnails are small and seen beside a headline: lower, so that every one stays under
# 10 KB (a 240 × 135 crop of leaves and sky: 7 KB).
THUMBNAIL_QUALITY = {"avif": 45, "webp": 60, "jpeg": 60}
MIME_TYPES = {"avif": "image/avif", "webp": "image/webp", "jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif"}


@dataclass(frozen=True)
class Shape:
    widths: tuple[int, ...]  # rendition widths, narrowest first
    default: int  # the width `src` names, for browsers that read no `srcset`
    sizes: str  # the `sizes` attribute: how wide the theme's CSS shows it (site.css)
    ratio: tuple[int, int] | None = None  # cropped to this shape (around the focal point)
    lazy: bool = True  # below the first screen: loaded when scrolled to
    quality: dict = field(default_factory=lambda: QUALITY)


# The widths follow site.css: a post's column is at most 46rem with 1rem padding each side; a
# front's lead story fills the column on phones and 3/5 of a 68rem page from 60em on; a
# listing's thumbnail is 10rem wide (160 px; a screen of two or three device pixels per CSS
# pixel gets 240, a little soft but a third of the bytes of 320).
COLUMN = "(min-width: 46rem) 44rem, calc(100vw - 2rem)"
SHAPES = {
    "lead": Shape((400, 800, 1200), 800, COLUMN, lazy=False),
    "body": Shape((400, 800), 800, COLUMN),
    "front": Shape((400, 800, 1200), 800,
                   "(min-width: 68rem) 38.4rem, (min-width: 60em) calc(60vw - 2.4rem), calc(100vw - 2rem)",
                   ratio=(16, 9), lazy=False),
    "thumb": Shape((160, 240), 240, "10rem", ratio=(16, 9), quality=THUMBNAIL_QUALITY),
}
# What a feed's enclosure and a shared link's preview (og:image) point at: the lead picture's
# JPEG at its default width, a rendition the post page has made anyway.
SHARE_SHAPE = "lead"


def resize(shape, width):
    if shape.ratio is None:
        return f"width-{width}"
    w, h = shape.ratio
    return f"fill-{width}x{round(width * h / w)}"


def spec(shape, width, fmt):
    """The Wagtail filter spec of one rendition: `width-400|format-webp|webpquality-70`."""
    quality = f"|{fmt}quality-{shape.quality[fmt]}" if fmt in shape.quality else ""
    return f"{resize(shape, width)}|format-{fmt}{quality}"


def fallback_format(image):
    """The format every browser shows: GIF keeps an animation's frames, PNG transparency."""
    name = (image.file.name or "").lower()
    if name.endswith(".gif"):
        return "gif"
    if name.endswith(".png"):
        return "png"
    return "jpeg"


def formats(fallback):
    """The formats of a picture's renditions, smallest first; the last is the fallback."""
    if fallback == "gif":
        return ("gif",)  # Wagtail's Pillow path writes one frame of WebP or AVIF: keep the animation
    return (*(("avif",) if AVIF else ()), "webp", fallback)


def widths(width, shape):
    """The shape's widths a picture `width` pixels wide can fill without being enlarged (at
    least one)."""
    fit = tuple(w for w in shape.widths if w <= width)
    return fit or shape.widths[:1]


def default_width(fits, shape):
    """The width `src` names, among the widths a picture fills."""
    return shape.default if shape.default in fits else fits[-1]


def picture_renditions(image, shape):
    """What a picture of `image` as `shape` (a key of `SHAPES`) offers: its formats (the
    fallback last), its widths, the spec of each (format, width), and the spec `src` names."""
    return _picture_renditions(shape, fallback_format(image), image.width or 0)


@lru_cache(maxsize=1024)
def _picture_renditions(shape, fallback, width):
    # The same for every picture of one width and kind: worked out once (a listing page
    # shows a dozen pictures).
    kind = SHAPES[shape]
    sizes, fits = formats(fallback), widths(width, kind)
    specs = {(fmt, w): spec(kind, w, fmt) for fmt in sizes for w in fits}
    return sizes, fits, specs, specs[sizes[-1], default_width(fits, kind)]


def share_spec(image):
    shape = SHAPES[SHARE_SHAPE]
    return spec(shape, default_width(widths(image.width or 0, shape), shape), fallback_format(image))
