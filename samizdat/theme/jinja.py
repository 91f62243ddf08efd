"""The Jinja2 environment of the reader theme and the helpers its templates use."""

import hashlib
import re
from functools import cache
from pathlib import Path

import nh3
from babel.dates import format_date, format_datetime
from django.utils import translation
from jinja2 import Environment
from markupsafe import Markup, escape
from wagtail.rich_text import expand_db_html

from samizdat.publishing.context import assets_path, link, media_url

STATIC_DIR = Path(__file__).parent / "static" / "samizdat"
# What baked rich text may contain after expansion, whatever was stored.
RICHTEXT_TAGS = {
    "h2", "h3", "h4", "p", "br", "hr", "b", "strong", "i", "em", "a", "blockquote", "ol", "ul",
    "li", "figure", "figcaption", "img", "span", "bdi",
}
RICHTEXT_ATTRIBUTES = {
    "a": {"href", "lang", "dir"},
    "img": {"src", "alt", "width", "height", "loading", "decoding"},
    "figure": {"class"},
    "span": {"lang", "dir"},
    "*": {"dir", "lang"},
}


@cache
def asset_version(name):
    return hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest()[:10]


def asset(name):
    """Link to a theme asset, versioned by content so caches never serve a stale one."""
    return f"{link(assets_path(name))}?v={asset_version(name)}"


def page_link(page):
    return link(page.specific_deferred.reader_path if hasattr(page, "specific_deferred") else page.reader_path)


def image(img, spec="width-800"):
    """A rendition of a Wagtail image as {src, width, height}, collected into the bake."""
    if img is None:
        return None
    rendition = img.get_rendition(spec)
    return {"src": media_url(rendition), "width": rendition.width, "height": rendition.height}


def richtext(html):
    """Expand stored rich text (links, images, embeds) and keep only safe markup."""
    expanded = expand_db_html(html or "")
    return Markup(
        nh3.clean(
            expanded,
            tags=RICHTEXT_TAGS,
            attributes=RICHTEXT_ATTRIBUTES,
            url_schemes={"http", "https"},
            link_rel="noopener noreferrer",
        )
    )


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


def _locale():
    return (translation.get_language() or "en").replace("-", "_")


def date(value):
    return format_date(value, format="long", locale=_locale()) if value else ""


def datetime(value):
    return format_datetime(value, format="medium", locale=_locale()) if value else ""


def isotime(value):
    return value.isoformat(timespec="seconds") if value else ""


_space_between_tags = re.compile(r">\s+<")


def environment(**options):
    env = Environment(**options)
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(translation.gettext, translation.ngettext, newstyle=True)
    env.globals.update(
        link=link,
        page_link=page_link,
        asset=asset,
        image=image,
        obfuscated_email=obfuscated_email,
    )
    env.filters.update(richtext=richtext, date=date, datetime=datetime, isotime=isotime)
    return env
