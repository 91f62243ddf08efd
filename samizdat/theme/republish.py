"""The republish box: a post as a snippet other outlets and bloggers can paste — headline,
byline (pen names), the text as the page shows it, where it first appeared and the edition's
licence line — as HTML and as plain text.

The body is the post page's own expansion (`feed_body`: expanded and cleaned once, kept in
the body cache), so a snippet never carries markup an editor could not put on the page. A
snippet is pasted on another site, so its links are absolute when the edition has a public
base URL; without one they stay relative to the republish page, like every baked link, and
the source line names the edition without a link rather than a wrong host.
"""

import posixpath
import re
from html import unescape
from html.parser import HTMLParser

from django.template.loader import render_to_string
from markupsafe import Markup

from samizdat.core.rendering import current
from samizdat.newsroom.sitemaps import public_url

from .pictures import pictures_flatten

_LINK_ATTRIBUTE = re.compile(r'(\s(?:href|src)=")([^"]*)(")')
# Elements after which the plain text starts a new paragraph.
_BLOCKS = {"p", "h1", "h2", "h3", "h4", "blockquote", "li", "figure", "figcaption", "ol", "ul", "hr", "br", "div"}


def absolute_links(html, here, service):
    """Links of `html` (relative to reader path `here`) as public addresses from `service`'s
    base URL; unchanged without one."""
    if not service.base_url:
        return html
    base = here if here.endswith("/") else posixpath.dirname(here) + "/"

    def absolute(match):
        target = unescape(match.group(2))
        if not target or target.startswith(("http:", "https:", "mailto:", "#", "/")):
            return match.group(0)
        path, hash_, fragment = target.partition("#")
        resolved = posixpath.normpath(posixpath.join(base, path))
        if path.endswith("index.html"):  # a baked link names the file; the address is the folder
            resolved = resolved.removesuffix("index.html").rstrip("/") + "/"
        url = public_url(service, resolved) + hash_ + fragment
        return match.group(1) + url.replace("&", "&amp;").replace('"', "&quot;") + match.group(3)

    return _LINK_ATTRIBUTE.sub(absolute, html)


class _Text(HTMLParser):
    """The words of cleaned HTML, a blank line between blocks."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []

    def handle_starttag(self, tag, attrs):
        if tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag):
        if tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data):
        self.parts.append(re.sub(r"\s+", " ", data))

    def text(self):
        paragraphs = "".join(self.parts).split("\n\n")
        return "\n\n".join(re.sub(" +", " ", p).strip() for p in paragraphs if p.strip())


def plain_text(html):
    parser = _Text()
    parser.feed(str(html))
    parser.close()
    return parser.text()


def republish_snippet(post, service, body):
    """The snippet of `post` as {"html", "text", "source_url"}. `body` is the post's cleaned
    body with links relative to the page being rendered (`feed_body`)."""
    state = current()
    here = state.here if state is not None and state.here else post.republish_path
    source_url = public_url(service, post.reader_path)
    context = {
        "post": post,
        "service": service,
        "authors": [a.name for a in post.ordered_authors],
        "body": Markup(absolute_links(pictures_flatten(str(body)), here, service)),
        "source_url": source_url,
        "lang": service.language_code,
        "direction": service.direction,
    }
    html = render_to_string("samizdat/republish_snippet.html", {**context, "plain": False}).strip()
    text = plain_text(render_to_string("samizdat/republish_snippet.html", {**context, "plain": True}))
    return {"html": html, "text": text, "source_url": source_url}
