"""The Jinja2 environment of the reader theme and the helpers its templates use."""

import hashlib
import posixpath
import re
from functools import cache, lru_cache
from pathlib import Path
from urllib.parse import quote

import nh3
from babel import Locale
from babel.numbers import format_decimal
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from jinja2 import Environment, pass_eval_context
from markupsafe import Markup, escape
from wagtail.rich_text import expand_db_html

from samizdat.core.dates import current_locale, date, datetime, localize_digits
from samizdat.core.rendering import assets_path, current, link, relative, render_language
from samizdat.newsroom.models import reader_path

from . import metadata
from .pictures import copy_hints, picture
from .bodycache import body_get, body_put
from .republish import republish_snippet

STATIC_DIR = Path(__file__).parent / "static" / "samizdat"
# What baked rich text may contain after expansion, whatever was stored.
RICHTEXT_TAGS = {
    "h2", "h3", "h4", "p", "br", "hr", "b", "strong", "i", "em", "a", "blockquote", "ol", "ul",
    "li", "figure", "figcaption", "img", "span", "bdi", "picture", "source",
}
RICHTEXT_ATTRIBUTES = {
    "a": {"href", "lang", "dir"},
    "img": {"src", "srcset", "sizes", "alt", "width", "height", "loading", "decoding"},
    "source": {"type", "srcset", "sizes"},
    "figure": {"class"},
    "span": {"lang", "dir"},
    "*": {"dir", "lang"},
}


@cache
def asset_version(name):
    return hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest()[:10]


def asset_name(name):
    """A theme asset's file name in the baked site, with its content hash in it
    (`site.css` → `site.3f2a9c01bd.css`): a changed file gets a new name, so the name alone
    may be cached for ever (no query string, which caches and CDNs treat unevenly)."""
    stem, dot, ext = name.rpartition(".")
    return f"{stem}.{asset_version(name)}.{ext}" if dot else f"{name}.{asset_version(name)}"


def asset(name):
    """Link to a theme asset under its content-hashed name."""
    return link(assets_path(asset_name(name)))


def page_link(page):
    return link(page.reader_path)


def byline(post, service):
    """"By Name, Name", each name linked to the author's page in `service` (the edition
    shown), on every listing card and post. Written here rather than as a macro: a macro's
    call and loop were a sixth of a listing page's render (a card's byline, twenty a page)."""
    authors = post.ordered_authors
    if not authors:
        return Markup("")
    base = service.reader_path + "authors/"
    names = gettext(", ").join(
        f'<a href="{escape(link(base + author.slug + "/"))}"><bdi>{escape(author.name)}</bdi></a>' for author in authors
    )
    return Markup(f"{gettext('By')} {names}")  # interface strings are trusted, as `_()` in templates


def _elsewhere(address):
    """Whether a picture's address names another host: a scheme (`https:`), or `//host` —
    written with backslashes too (`\\\\host`, `/\\host`), which browsers read as slashes."""
    address = address.strip().replace("\\", "/")
    return address.startswith("//") or ":" in re.split(r"[/?#]", address, maxsplit=1)[0]


def _no_elsewhere(tag, attribute, value):
    """nh3 checks schemes only, and not the addresses in a `srcset`. A picture that names
    another host would make readers' browsers call it (on a mirror no policy stops them), so
    the attribute goes. Renditions are always addresses on the site itself; links may lead
    anywhere."""
    if tag in ("img", "source") and attribute == "src" and _elsewhere(value):
        return None
    if attribute == "srcset" and any(_elsewhere(c.strip().split(" ", 1)[0]) for c in value.split(",") if c.strip()):
        return None
    return value


def richtext(html):
    """Expand stored rich text (links, images, embeds) and keep only safe markup."""
    expanded = expand_db_html(html or "")
    return Markup(copy_hints(
        nh3.clean(
            expanded,
            tags=RICHTEXT_TAGS,
            attributes=RICHTEXT_ATTRIBUTES,
            url_schemes={"http", "https"},
            link_rel="noopener noreferrer",
            attribute_filter=_no_elsewhere,
        )
    ))


def post_body(page):
    """A post's body as readers get it. While baking, expanded once per version of the post
    and kept (`bodycache`); in previews, expanded afresh."""
    state = current()
    if state is None or not state.baking or not page.pk:
        return richtext(page.body)
    cached = body_get(page.pk, page.body, state.here)
    if cached is not None:
        html, media = cached
        state.media.update(media)
        return Markup(html)
    before = dict(state.media)
    html = richtext(page.body)
    body_put(page.pk, page.body, state.here, html, {k: v for k, v in state.media.items() if k not in before})
    return html


_LINK_ATTRIBUTE = re.compile(r'(\s(?:href|src)=")([^"]*)(")')


def rebase_links(html, source, here):
    """Links of `html` written relative to reader path `source`, rewritten relative to `here`."""
    source_dir = source if source.endswith("/") else posixpath.dirname(source) + "/"

    def rebase(match):
        target = match.group(2)
        if not target or target.startswith(("http:", "https:", "mailto:", "#", "/")):
            return match.group(0)
        absolute = posixpath.normpath(posixpath.join(source_dir, target)) + ("/" if target.endswith("/") else "")
        return match.group(1) + relative(absolute, here) + match.group(3)

    return _LINK_ATTRIBUTE.sub(rebase, html)


def feed_body(page):
    """A post's body for a feed item beside the file being baked: the body the post's own
    page shows (expanded once and kept, `post_body`), its links rebased to this file."""
    state = current()
    if state is None or not state.baking or not page.pk:
        return richtext(page.body)
    here = state.here
    state.here = page.reader_path  # expand (or find) it as the post page does
    try:
        html = str(post_body(page))
    finally:
        state.here = here
    return Markup(rebase_links(html, page.reader_path, here))


def obfuscated_email(address):
    """An address people can read but harvesters looking for name@domain cannot."""
    if not address or "@" not in address:
        return ""
    name, domain = address.rsplit("@", 1)
    parts = [escape(p) for p in domain.split(".")]
    at, dot = translation.gettext("at"), translation.gettext("dot")
    return Markup(
        f'<bdi class="email" dir="ltr">{escape(name)} <span>[{at}]</span> '
        + f" <span>[{dot}]</span> ".join(parts)
        + "</bdi>"
    )


def number(value):
    return _number_text(value, current_locale())


@lru_cache(maxsize=4096)
def _number_text(value, locale):
    """A number as `locale` writes it: Babel parses the locale's pattern each call, and a
    listing shows the same few page numbers on every page."""
    return localize_digits(format_decimal(value, locale=locale))


@cache
def language_name(code):
    """A language's name in itself, as its readers write it: "فارسی", "Русский"."""
    name = Locale.parse(code.replace("-", "_")).get_display_name(code.replace("-", "_")) or code
    return name[:1].upper() + name[1:]


def alternate_url(page):
    """Where a version of a page lives for `hreflang`: absolute when its edition has a public
    address (search engines want one), else the relative link."""
    service = page.get_service()
    rest = page.reader_path[len(service.reader_path) :] if service else ""
    if service and service.base_url:
        return service.base_url.rstrip("/") + "/" + quote(rest, safe="/")
    return page_link(page)


def posts_in(posts, blog):
    """The posts of a listing that belong to `blog`, in the listing's order."""
    return [post for post in posts if post.path.startswith(blog.path)]
def page_path(page):
    """The reader path of what is rendered: the file being baked (an archive page, an
    author's page), or in a preview the page's own path; None for a page without one."""
    state = current()
    if state is not None and state.here:
        return state.here
    return reader_path(page) if page is not None and getattr(page, "url_path", None) else None


def isotime(value):
    return value.isoformat(timespec="seconds") if value else ""


_space_between_tags = re.compile(r">\s+<")


def subscribe_form(service):
    """Where an edition's news-by-e-mail form posts — the origin (SAMIZDAT_MAIL_ORIGIN), also
    from a mirror — and the address readers may write "subscribe" to; None if not set up."""
    origin = getattr(settings, "SAMIZDAT_MAIL_ORIGIN", "")
    if not origin or service is None:
        return None
    pattern = getattr(settings, "SAMIZDAT_MAIL_INBOUND_ADDRESS", "")
    return {
        "action": origin.rstrip("/") + reverse("mail:subscribe", args=[service.pk]),
        "address": pattern.format(edition=service.slug) if pattern else "",
    }


_translated = {}


def gettext(message):
    """`translation.gettext`, remembered per language for the process (as Django keeps the
    catalogs): a page asks for some forty interface strings, a full bake for millions."""
    key = (render_language(), message)
    try:
        return _translated[key]
    except KeyError:
        _translated[key] = text = translation.gettext(message)
        return text


@pass_eval_context
def interface_text(eval_ctx, message, **variables):
    """`_()` in templates, as Jinja's new-style gettext answers it — the translation, as
    markup when the template escapes; `%(name)s` filled in with escaped values; `%%` a
    percent sign — in one call where Jinja makes three (`_` → `gettext` → ours)."""
    text = gettext(message)
    if eval_ctx.autoescape:
        text = Markup(text)
    return text % variables if variables or "%" in text else text


def environment(**options):
    env = Environment(**options)
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(gettext, translation.ngettext, newstyle=True)
    env.globals["_"] = interface_text
    env.globals.update(
        link=link,
        page_link=page_link,
        byline=byline,
        asset=asset,
        picture=picture,
        obfuscated_email=obfuscated_email,
        language_name=language_name,
        alternate_url=alternate_url,
        post_body=post_body,
        subscribe_form=subscribe_form,
        posts_in=posts_in,
        feed_body=feed_body,
        republish_snippet=republish_snippet,
        page_path=page_path,
        absolute_url=metadata.absolute_url,
        og_locale=metadata.og_locale,
        page_description=metadata.page_description,
        lead_image=metadata.lead_image,
        modified_at=metadata.modified_at,
        post_json_ld=metadata.post_json_ld,
    )
    env.filters.update(date=date, datetime=datetime, isotime=isotime, number=number)
    return env
