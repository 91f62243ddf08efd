"""One renderer for the Wagtail preview and the bake.

`render_path` routes a reader path through Wagtail's page routing (`Page.route`, the
same call Wagtail's `serve` view makes) and renders it with the page's own `serve`, in
the service's language. The preview calls `render_response` on the same page objects.
"""

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation
from wagtail.models import Site

from .context import rendering


@dataclass
class Rendered:
    path: str
    content: bytes | None  # None when the path no longer exists (unpublished, deleted)
    media: dict[str, Path] = field(default_factory=dict)


def _language(page):
    from samizdat.newsroom.models import ServicePage

    service = page.get_service() if hasattr(page, "get_service") else None
    return service.language_code if isinstance(service, ServicePage) else None


def render_response(page, call):
    """Call `call()` (a page's serve or preview) in the page's language and render it now."""
    with translation.override(_language(page)):
        response = call()
        if hasattr(response, "render") and not getattr(response, "is_rendered", True):
            response.render()
    return response


class Renderer:
    """Renders reader paths of the default site; one instance per bake batch."""

    def __init__(self):
        self.site = Site.objects.select_related("root_page").get(is_default_site=True)
        self.root = self.site.root_page.specific
        self.factory = RequestFactory()

    def _request(self, path):
        request = self.factory.get(path, SERVER_NAME=self.site.hostname or "localhost")
        request.user = AnonymousUser()
        request._wagtail_site = self.site  # what Site.find_for_request would find
        request.is_preview = False
        return request

    def render_path(self, path):
        request = self._request(path)
        components = [unquote(c) for c in path.split("/") if c]
        with rendering(here=path) as state:
            try:
                page, args, kwargs = self.root.route(request, components)
            except Http404:
                return Rendered(path, None)
            if not page.live:
                return Rendered(path, None)
            try:
                response = render_response(page, lambda: page.serve(request, *args, **kwargs))
            except Http404:
                return Rendered(path, None)
            if response.status_code != 200:
                return Rendered(path, None)
            return Rendered(path, response.content, dict(state.media))

    def render_not_found(self):
        with rendering(here=None):
            html = render_to_string(
                "samizdat/not_found.html",
                {"page": self.root, "lang": "en", "direction": "ltr", "nav_blogs": []},
            )
        return html.encode()
