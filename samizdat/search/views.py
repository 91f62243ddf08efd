"""The origin's search page, `/<edition>/search/`: the same page as the baked one (the
edition's `search_render`), with the server's results for `?q=`, so search works without
JavaScript. Read-only, limited per client address (`SAMIZDAT_SEARCH_RATE`), published posts
only (`newsroom.selectors.posts_search`). `samizdat serve` sends this path to Django
(`delivery.server.DYNAMIC_PATHS`); every copy of the site serves the baked file instead."""

import logging
import re
from urllib.parse import unquote

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError
from django.http import Http404, HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from wagtail.models import Site

from samizdat.core.clients import client_key
from samizdat.core.policy import content_security_policy
from samizdat.core.rendering import render_in_language, rendering
from samizdat.core.searchtext import search_normalise
from samizdat.newsroom import selectors
from samizdat.newsroom.models import ServicePage

logger = logging.getLogger(__name__)

QUERY_LENGTH = 200
NOT_WORD = re.compile(r"[^\w\s]")
def rate_limited(request):
    """Whether this client asked more than `SAMIZDAT_SEARCH_RATE` ("30/60": 30 searches in
    60 seconds) in the current window; a fixed window in Django's cache."""
    count, seconds = (int(n) for n in getattr(settings, "SAMIZDAT_SEARCH_RATE", "30/60").split("/"))
    key = f"samizdat-search:{client_key(request)}"
    if cache.add(key, 1, seconds):
        return False
    try:
        return cache.incr(key) > count
    except ValueError:  # the window ended between add and incr
        cache.add(key, 1, seconds)
        return False


def _edition(slug):
    site = Site.objects.select_related("root_page").get(is_default_site=True)
    edition = ServicePage.objects.live().child_of(site.root_page).filter(slug=unquote(slug)).first()
    if edition is None:
        raise Http404("No such edition")
    return edition


@require_safe
def search(request, edition):
    edition = _edition(edition)
    query = request.GET.get("q", "")[:QUERY_LENGTH]
    if query.strip() and rate_limited(request):
        with translation.override(edition.language_code):
            message = _("Too many searches from your address. Try again in a minute.")
        response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = "60"
        return response
    # Words only: quotes, stars and colons are operators to the full-text engines (a lone `"`
    # was an SQLite FTS5 syntax error).
    normal = " ".join(NOT_WORD.sub(" ", search_normalise(query)).split())
    try:
        results = selectors.posts_search(edition, normal) if normal else None
    except DatabaseError:
        logger.warning("search for a %d-character query failed", len(normal), exc_info=True)
        results = []
    with rendering(here=edition.search_path):
        response = render_in_language(
            edition.language_code,
            lambda: edition.search_render(request, query=query, results=results, origin=True),
            zone=edition.zone,
        )
    response["Cache-Control"] = "no-cache" if query else "max-age=60"
    response["Content-Security-Policy"] = content_security_policy()
    response["Referrer-Policy"] = "no-referrer"
    response["X-Content-Type-Options"] = "nosniff"
    return response
