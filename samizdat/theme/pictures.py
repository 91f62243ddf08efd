"""The one place that writes a picture for readers: `<picture>` with a `<source>` per modern
format and an `<img>` in the format every browser shows, each with `srcset` and `sizes`, so a
browser downloads the smallest file that fills the space its screen gives the picture, and
`width`/`height`, so the text does not jump when it arrives.

Templates call `picture(image, "lead", alt)`; rich-text images come through the same function
(`richtext.ReaderImageEmbedHandler`). Which renditions each place gets is
`newsroom.renditions`; their names in the site carry their content hash (`media_url`).

`wget --mirror --page-requisites`, the copy readers make of a blocked site, fetches an `<img>`'s
`srcset` but not a `<source>`'s, and a browser whose chosen source is missing shows no picture
at all. So each picture is followed by a `<template>` naming the sources' files again in an
`<img srcset>`: browsers never load what a template holds; wget does (`copy_hints`). Repeated
addresses cost a few bytes once compressed.
"""

import re

from markupsafe import Markup, escape

from samizdat.core.rendering import media_url, renditions_of
from samizdat.newsroom.renditions import MIME_TYPES, SHAPES, picture_renditions


def picture(image, shape, alt=""):
    """The markup of `image` (a Wagtail image, or None: nothing) shown as `shape` (a key of
    `newsroom.renditions.SHAPES`), with `alt` as its text alternative."""
    if image is None:
        return Markup("")
    kind = SHAPES[shape]
    sizes, fits, specs, default_spec = picture_renditions(image, shape)
    made = renditions_of(image, *specs.values())

    def srcset(fmt):
        seen, items = set(), []
        for w in fits:
            rendition = made[specs[fmt, w]]
            if rendition.width not in seen:  # a narrow original: two specs, one size
                seen.add(rendition.width)
                items.append(f"{media_url(rendition)} {rendition.width}w")
        return escape(", ".join(items))

    *modern, fallback = sizes
    srcsets = {fmt: srcset(fmt) for fmt in sizes}
    default = made[default_spec]
    sources = "".join(f'<source type="{MIME_TYPES[fmt]}" srcset="{srcsets[fmt]}" sizes="{kind.sizes}">' for fmt in modern)
    loading = ' loading="lazy"' if kind.lazy else ""
    hint = f'<template><img srcset="{", ".join(srcsets[fmt] for fmt in modern)}" alt=""></template>' if modern else ""
    return Markup(
        f'<picture>{sources}<img src="{escape(media_url(default))}" srcset="{srcsets[fallback]}" '
        f'sizes="{kind.sizes}" alt="{escape(alt or "")}" width="{default.width}" height="{default.height}"'
        f"{loading} decoding=\"async\"></picture>{hint}"  # the hint: `copy_hints`
    )


_PICTURE = re.compile(r"<picture>(.*?)</picture>", re.S)
_SOURCE_SRCSET = re.compile(r'<source\b[^>]*\ssrcset="([^"]*)"')


def copy_hints(html):
    """`html` with a `<template><img srcset="…"></template>` after each picture that has
    `<source>`s, naming their files for `wget` (see the module's docstring). Rich text gets its
    hints after cleaning, which drops templates (`jinja.richtext`)."""

    def hint(match):
        srcsets = _SOURCE_SRCSET.findall(match.group(1))
        if not srcsets:
            return match.group(0)
        return f'{match.group(0)}<template><img srcset="{", ".join(srcsets)}" alt=""></template>'

    return _PICTURE.sub(hint, html)


# What a picture offers beyond its `<img src>`: the `<source>`s, `srcset`, `sizes` and the
# wget hint. Text and bytes patterns of one expression.
_CHOICES = r'<template>.*?</template>|<source\b[^>]*>|\s(?:srcset|sizes)="[^"]*"'
_CHOICES_TEXT, _CHOICES_BYTES = re.compile(_CHOICES, re.S), re.compile(_CHOICES.encode(), re.S)


def pictures_flatten(html):
    """`html` (text or bytes) with each picture reduced to its `<img src>`: for copies that
    carry one file per image (offline bundles) or are pasted elsewhere (the republish
    snippet, whose relative candidates would point into the host's site)."""
    if isinstance(html, bytes):
        return _CHOICES_BYTES.sub(b"", html)
    return _CHOICES_TEXT.sub("", html)
