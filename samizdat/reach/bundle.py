"""Offline bundles: the last days of one edition as a zip that opens from `file://` after
unzipping — to pass on through messengers and USB sticks when the site is blocked.

A bundle is made from the baked files (no second renderer): the home page, the edition's
front and blog fronts, its posts of the last `days`, the theme files and the images those
pages show, downscaled. A link to a page that is not in the bundle (an older post, a tag,
another edition) is pointed at `offline.html`, which says so in the edition's language.
The bundle carries its own manifest, signed with the site's key (`samizdat verify fa.zip`).

The site's search page needs Pagefind's index, which browsers refuse to load from a file, so
the bundle has its own search page at the same place (`<edition>/search/index.html`): it lists
the bundle's posts (all of them without JavaScript), with their words in a JSON data block that
`bundle-search.js` filters by the query — in `core.searchtext`'s normal form, whose table it
reads from the same block.
"""

import html as htmllib

import hashlib
import io
import posixpath
import re
import zipfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote, unquote

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.html import strip_tags
from django.utils import timezone, translation
from PIL import Image

from samizdat.core.searchtext import SEARCH_FOLDS
from samizdat.newsroom.models import BlogPage, ServicePage
from samizdat.newsroom.selectors import posts_published_since
from samizdat.publishing.bake import STATIC_FILES
from samizdat.publishing.writer import site_file
from samizdat.theme.jinja import datetime as localized_datetime
from samizdat.theme.jinja import number
from samizdat.theme.pictures import pictures_flatten

from .signing import site_key
from .verify import MANIFEST, PUBLIC_KEY, SIGNATURE, SIGNED_FILES

LINK = re.compile(rb'(?P<attr>\b(?:href|src)=")(?P<url>[^"]*)"')
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".gif"}
OFFLINE = "offline.html"
SEARCH_SCRIPT = "bundle-search.js"  # beside the bundle's pages' theme files
STATIC_DIR = Path(__file__).resolve().parent / "static" / "reach"


class BundleError(Exception):
    pass


@dataclass
class BundleReport:
    path: Path
    pages: int
    images: int
    bytes: int
    signed: bool


def _downscaled(source, max_width):
    """The image at `source`, at most `max_width` pixels wide, re-encoded smaller (JPEG q=60)."""
    with Image.open(source) as img:
        if getattr(img, "is_animated", False):
            return source.read_bytes()  # an animation keeps its frames as baked
        fmt = img.format
        if img.width > max_width:
            img = img.resize((max_width, round(img.height * max_width / img.width)), Image.LANCZOS)
        out = io.BytesIO()
        if fmt == "JPEG":
            img.convert("RGB").save(out, "JPEG", quality=60, optimize=True, progressive=True)
        elif fmt == "WEBP":
            img.save(out, "WEBP", quality=60)
        else:
            img.save(out, fmt, optimize=True)
    data = out.getvalue()
    original = source.read_bytes()
    return data if len(data) < len(original) else original


def _rel(file, site_dir):
    return file.relative_to(site_dir).as_posix()


def _pages(service, days):
    """The site files (relative paths) of the bundle's pages, and (post, its file) of its posts."""
    site_dir = Path(settings.SAMIZDAT_SITE_DIR)
    reader_paths = ["/", service.reader_path, service.reach_path]
    reader_paths += [b.reader_path for b in BlogPage.objects.live().public().descendant_of(service)]
    since = timezone.now() - timedelta(days=days)
    posts = list(posts_published_since(service, since))
    reader_paths += [p.reader_path for p in posts]
    files = []
    for path in dict.fromkeys(reader_paths):
        file = site_file(site_dir, path)
        if file.is_file():
            files.append(_rel(file, site_dir))
    baked = [(post, _rel(site_file(site_dir, post.reader_path), site_dir)) for post in posts]
    return files, [(post, rel) for post, rel in baked if rel in files]


def _search_page(service, posts, *, lang, direction, css, made, days):
    """The bundle's search page (see the module's docstring): the posts' titles and teasers
    as escaped text, their words as JSON — text, never the body's markup."""
    rel = _rel(site_file(Path("/"), service.search_path), Path("/"))
    base = posixpath.dirname(rel)
    entries = [{
        "url": quote(posixpath.relpath(post_rel, base)),
        "title": post.title,
        "teaser": post.teaser or "",
    } for post, post_rel in posts]
    words = {
        "folds": SEARCH_FOLDS,
        "posts": [f"{post.title} {post.teaser or ''} {htmllib.unescape(strip_tags(post.body or ''))}" for post, _ in posts],
    }
    html = render_to_string("reach/search.html", {
        "lang": lang, "direction": direction, "edition": service.title, "posts": entries, "words": words,
        "css": posixpath.relpath(css, base), "script": posixpath.relpath(f"{settings.SAMIZDAT_ASSETS_PREFIX}/{SEARCH_SCRIPT}", base),
        "front": posixpath.relpath(_rel(site_file(Path("/"), service.reader_path), Path("/")), base),
        "made": made, "days": days,
    })
    return rel, html.encode()


def _rewrite(rel, html, included, wanted):
    """Point links to pages outside the bundle at offline.html; collect the local files
    (images, theme files) the page needs in `wanted`."""
    base = posixpath.dirname(rel)

    def replace(match):
        url = match.group("url").decode()
        if not url or url.startswith(("http:", "https:", "mailto:", "#", "data:")):
            return match.group(0)
        path, hash_, fragment = url.partition("#")
        target = posixpath.normpath(posixpath.join(base, unquote(path)))
        if target.startswith(".."):
            return match.group(0)
        if target.endswith(".html"):
            if target in included:
                return match.group(0)
        elif target.startswith(f"{settings.SAMIZDAT_ASSETS_PREFIX}/") or target == "favicon.ico":
            wanted.add(target)  # theme files and images: copied (images downscaled)
            return match.group(0)
        elif target in SIGNED_FILES:
            return match.group(0)  # the bundle's own signed manifest
        offline = posixpath.relpath(OFFLINE, base or ".")  # a page or a file not in the bundle
        return match.group("attr") + offline.encode() + b'"'

    # One picture per image, downscaled: the `src` of each `<img>` (`pictures_flatten`).
    return LINK.sub(replace, pictures_flatten(html))


def bundle_build(*, language, days=7, out, max_width=480):
    """Write the offline bundle of the edition in `language` (its last `days`) to `out`."""
    service = ServicePage.objects.live().filter(language_code=language).first()
    if service is None:
        raise BundleError(f"there is no live edition in {language!r}")
    site_dir = Path(settings.SAMIZDAT_SITE_DIR)
    if not (site_dir / "index.html").is_file():
        raise BundleError(f"the site is not baked yet in {site_dir}: run `samizdat bake` first")
    pages, posts = _pages(service, days)
    search_rel = _rel(site_file(Path("/"), service.search_path), Path("/"))
    included = set(pages) | {OFFLINE, search_rel}
    wanted = {path.lstrip("/") for path in STATIC_FILES}
    contents = {}
    for rel in pages:
        contents[rel] = _rewrite(rel, (site_dir / rel).read_bytes(), included, wanted)
    css = next(p for p in wanted if p.endswith(".css"))
    with translation.override(language):
        direction = "rtl" if translation.get_language_bidi() else "ltr"
        made = localized_datetime(timezone.now())
        offline = render_to_string("reach/offline.html", {
            "lang": language, "direction": direction,
            "css": quote(css), "front": quote(service.reader_path.lstrip("/")) + "index.html",
            "made": made, "days": number(days), "edition": service.title,
        })
        search_rel, contents[search_rel] = _search_page(
            service, posts, lang=language, direction=direction, css=css, made=made, days=number(days))
    contents[OFFLINE] = offline.encode()
    contents[f"{settings.SAMIZDAT_ASSETS_PREFIX}/{SEARCH_SCRIPT}"] = (STATIC_DIR / SEARCH_SCRIPT).read_bytes()
    images = 0
    for rel in sorted(wanted):
        file = site_dir / rel
        if not file.is_file():
            continue
        if file.suffix.lower() in IMAGE_SUFFIXES:
            contents[rel] = _downscaled(file, max_width)
            images += 1
        else:
            contents[rel] = file.read_bytes()
    signed = _sign(contents, language=language, days=days)
    top = f"{language}-{timezone.now():%Y-%m-%d}"
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".tmp-{out.name}")
    with zipfile.ZipFile(tmp, "w") as archive:
        for rel in sorted(contents):
            compress = zipfile.ZIP_STORED if Path(rel).suffix.lower() in IMAGE_SUFFIXES else zipfile.ZIP_DEFLATED
            info = zipfile.ZipInfo(f"{top}/{rel}", date_time=timezone.now().timetuple()[:6])
            info.compress_type = compress
            info.external_attr = 0o644 << 16
            archive.writestr(info, contents[rel])
    tmp.replace(out)
    return BundleReport(path=out, pages=len(pages), images=images, bytes=out.stat().st_size, signed=signed)


def _sign(contents, *, language, days):
    """Add a signed manifest of the bundle's files (nothing when there is no signing key)."""
    key = site_key()
    if key is None:
        return False
    manifest = "".join(f"{hashlib.sha256(data).hexdigest()}  {rel}\n" for rel, data in sorted(contents.items()))
    comment = f"samizdat offline bundle; edition {language}; {days} days; {timezone.now().isoformat(timespec='seconds')}"
    contents[MANIFEST] = manifest.encode()
    contents[SIGNATURE] = key.sign(contents[MANIFEST], trusted_comment=comment).encode()
    contents[PUBLIC_KEY] = key.public.minisign().encode()
    return True
