"""One renderer for the Wagtail preview and the bake.

`render_path` routes a reader path through Wagtail's page routing (`Page.route`, the
same call Wagtail's `serve` view makes) and renders it with the page's own `serve`, in
the edition's language (`render_in_language`, which the preview calls too). A response
that is not a page — an error of any kind — raises `RenderError`: the bake keeps the live
file and retries; only a page that no longer exists answers `content=None`.
"""

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.template.loader import get_template, render_to_string
from django.test import RequestFactory
from django.utils import translation
from wagtail.models import Site

from wagtail.contrib.redirects.models import Redirect

from samizdat.core.rendering import ReadCache, link, render_in_language, rendering
from samizdat.newsroom import models as newsroom
from samizdat.newsroom.models import SERVICE_DEPTH, BlogPage, PostPage, ancestor_at, reader_path


def redirect_target(site, path):
    """Where a redirect recorded for `path` leads (a reader path or https:// address) and
    the page it leads to, or (None, None)."""
    redirect = (
        Redirect.get_for_site(site)
        .filter(old_path=Redirect.normalise_path(path))
        .select_related("redirect_page")
        .first()
    )
    if redirect is None:
        return None, None
    if redirect.redirect_page_id:
        page = redirect.redirect_page.specific
        base = reader_path(page) if page.live else None
        if base is None:
            return None, None
        route = (redirect.redirect_page_route_path or "/").lstrip("/")
        return base + route, page
    if redirect.redirect_link.startswith(("https://", "/")):
        return redirect.redirect_link, None
    return None, None


def redirect_paths(site):
    """Reader paths of every recorded redirect (without query strings)."""
    old = Redirect.get_for_site(site).exclude(old_path__contains="?").values_list("old_path", flat=True)
    return [p if p.endswith("/") else p + "/" for p in old]


@dataclass
class Rendered:
    path: str
    content: bytes | None  # None when the path no longer exists (unpublished, deleted)
    media: dict[str, Path] = field(default_factory=dict)


class RenderError(Exception):
    """A page answered something other than a page (a bug, a template error)."""


def _edition(page, cache):
    """The page's edition, looked up through the batch's cache (once per batch, not once per
    page), or None."""
    return page.get_service(cache) if hasattr(page, "get_service") else None


def _language(page, cache):
    service = _edition(page, cache)
    return service.language_code if service else None


class Renderer:
    """Renders reader paths of the default site; one instance per bake batch, with the
    batch's `ReadCache` handed to every page it renders."""

    def __init__(self, cache=None):
        self.site = Site.objects.select_related("root_page").get(is_default_site=True)
        self.root = self.site.root_page.specific
        self.factory = RequestFactory()
        self.cache = cache or ReadCache()

    def _request(self, path):
        request = self.factory.get(path, SERVER_NAME=self.site.hostname or "localhost")
        request.user = AnonymousUser()
        request._wagtail_site = self.site  # what Site.find_for_request would find
        request.is_preview = False
        request.samizdat_cache = self.cache
        return request

    def render_path(self, path):
        """The page at `path`; else a redirect page when an old address moved; else None."""
        request = self._request(path)
        components = [unquote(c) for c in path.split("/") if c]
        try:
            page, args, kwargs = self.root.route(request, components)
        except Http404:
            return Rendered(path, self.render_redirect(path))
        return self.render_page(page, path, args, kwargs, request=request)

    def render_below(self, page, path):
        """Render `path`, one of `page`'s own paths (its routes), without looking the page up."""
        request = self._request(path)
        rest = path[len(page.reader_path) :]
        try:
            routed, args, kwargs = page.route(request, [unquote(c) for c in rest.split("/") if c])
        except Http404:
            return Rendered(path, None)
        return self.render_page(routed, path, args, kwargs, request=request)

    def render_page(self, page, path, args=(), kwargs=None, *, request=None):
        """Render a page already looked up (the full bake fetches posts in bulk) at `path`."""
        request = request or self._request(path)
        with rendering(here=path, cache=self.cache) as state:
            try:
                if not page.live:
                    raise Http404
                edition = _edition(page, self.cache)
                response = render_in_language(
                    edition.language_code if edition else None,
                    lambda: page.serve(request, *args, **(kwargs or {})),
                    zone=edition.zone if edition else None,
                )
            except Http404:
                return Rendered(path, self.render_redirect(path))
            if response.status_code != 200:
                raise RenderError(f"{path} answered {response.status_code}, not a page")
            return Rendered(path, response.content, dict(state.media))

    def render_post(self, post, translations):
        """Render a post page from its record (`rows.PostRow`, read in bulk by the full bake)
        with the context and template its page's `serve` uses (`models.post_context`), without
        building the page: the same bytes as `render_page`, several times faster."""
        path = post.reader_path
        service = post.service
        blog = ancestor_at(BlogPage, post.path, SERVICE_DEPTH + 1, self.cache)
        template = self.cache.get(("template", PostPage.template), lambda: get_template(PostPage.template))
        with rendering(here=path, cache=self.cache) as state:
            html = render_in_language(
                service.language_code if service else None,
                lambda: template.render(newsroom.post_context(post, blog, self.cache, translations=translations)),
                zone=service.zone if service else None,
            )
            return Rendered(path, html.encode(), dict(state.media))

    def render_redirect(self, path):
        """A static redirect page for an address that moved (Wagtail records one whenever a
        live page's slug or place changes), or None."""
        target, page = redirect_target(self.site, path)
        if target is None:
            return None
        with translation.override(_language(page, self.cache) if page else None):
            html = render_to_string("samizdat/redirect.html", {"target": link(target), "lang": translation.get_language()})
        return html.encode()

    def render_not_found(self):
        """The 404 page. A server sends it for a missing path at any depth, so relative links
        cannot work: its links are absolute below `SAMIZDAT_SITE_PATH` (where the site's root
        is served, "/" by default; "/news/" for a site under a sub-path)."""
        with rendering(here=None, root=settings.SAMIZDAT_SITE_PATH):
            html = render_to_string(
                "samizdat/not_found.html",
                {"page": self.root, "lang": "en", "direction": "ltr", "nav_blogs": []},
            )
        return html.encode()
