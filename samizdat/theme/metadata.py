"""What a page tells machines about itself: canonical address, description, Open Graph,
Twitter card, JSON-LD, and the feeds that go with it.

Absolute addresses come only from the edition's public base URL (`ServicePage.base_url`);
without one a page carries relative links only and no canonical, rather than a wrong host.
Bylines are `Author` profiles (pen names), never staff accounts.
"""

import json
from functools import cache

from babel.core import get_global
from markupsafe import Markup

from samizdat.core.rendering import link, media_site_path, media_url, renditions_of
from samizdat.newsroom.feeds import post_modified_at
from samizdat.newsroom.renditions import share_spec
from samizdat.newsroom.sitemaps import public_url

DESCRIPTION_LENGTH = 200
HEADLINE_LENGTH = 110  # what schema.org consumers (Google) read of a headline


def absolute_url(service, path):
    """The public address of reader path `path`, from `service`'s base URL; None without one."""
    return public_url(service, path)


@cache
def og_locale(language):
    """`fa` → `fa_IR`, `ru` → `ru_RU`, `en` → `en_US` (CLDR's likely region)."""
    language = (language or "en").replace("-", "_")
    likely = get_global("likely_subtags").get(language.split("_")[0], language)
    parts = likely.split("_")
    region = next((p for p in parts[1:] if len(p) == 2 and p.isupper()), None)
    return f"{parts[0]}_{region}" if region else parts[0]


def summary(text, length=DESCRIPTION_LENGTH):
    """`text` on one line, cut at a word boundary to `length` characters."""
    text = " ".join((text or "").split())
    if len(text) <= length:
        return text
    cut = text[: length - 1].rsplit(" ", 1)[0]
    return cut.rstrip(",;:.–—") + "…"


def page_description(page, context_service=None):
    """The meta description: the editor's search description, else the teaser, the blog's
    "about", the edition's tagline or the home page's introduction."""
    for attr in ("search_description", "teaser", "about", "bio", "tagline", "intro"):
        text = getattr(page, attr, "")
        if text:
            return summary(text)
    return summary(getattr(context_service, "tagline", ""))


def modified_at(post):
    return post_modified_at(post)


def rendition_site_path(rendition):
    """The site path of an image rendition, collected into the bake as `media_url` does."""
    media_url(rendition)  # collected into the bake beside the page
    return media_site_path(rendition)


def lead_image(post):
    """The post's lead image as {path, width, height, alt} — the JPEG its page shows to
    browsers without `srcset`, which every sharer's preview can read — or None."""
    if not post.lead_image_id or post.lead_image is None:
        return None
    wanted = share_spec(post.lead_image)
    rendition = renditions_of(post.lead_image, wanted)[wanted]
    return {
        "path": rendition_site_path(rendition),
        "width": rendition.width,
        "height": rendition.height,
        "alt": post.lead_image_alt,
        "size": rendition.file.size if rendition.file else 0,
    }


def _url(service, path):
    """Absolute when the edition has a base URL, else relative to the file being baked."""
    return absolute_url(service, path) or link(path)


def _json_script(data):
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=False)
    # Nothing in the data may close the script element or open a comment.
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(f'<script type="application/ld+json">{text}</script>')


def post_json_ld(post, service, blog, language):
    """JSON-LD for a post: a `NewsArticle` and its `BreadcrumbList`."""
    image = lead_image(post)
    authors = post.ordered_authors
    article = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": summary(post.title, HEADLINE_LENGTH),
        "description": summary(post.teaser),
        "inLanguage": language,
        "datePublished": _iso(post.published_at),
        "dateModified": _iso(modified_at(post)),
        "isAccessibleForFree": True,
        "mainEntityOfPage": _url(service, post.reader_path),
        "author": [
            {"@type": "Person", "name": a.name, "url": _url(service, f"{service.reader_path}authors/{a.slug}/")}
            for a in authors
        ],
        "publisher": {"@type": "Organization", "name": service.title, "url": _url(service, service.reader_path)},
    }
    if image:
        article["image"] = [_url(service, image["path"])]
    crumbs = [(service.title, service.reader_path), (blog.title, blog.reader_path), (post.title, post.reader_path)]
    breadcrumbs = {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": n, "name": name, "item": _url(service, path)}
            for n, (name, path) in enumerate(crumbs, 1)
        ],
    }
    return _json_script(article) + Markup("\n") + _json_script(breadcrumbs)


def _iso(value):
    return value.isoformat(timespec="seconds") if value else None

