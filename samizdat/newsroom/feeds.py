"""Feeds of a listing (an edition, a blog, an author, a tag): RSS 2.0, Atom 1.0 and JSON
Feed 1.1 of its newest `FEED_SIZE` posts, baked beside its front page (`feed.xml`,
`atom.xml`, `feed.json`) by the same renderer as every page.

* Built with Django's `feedgenerator` (RSS, Atom) and `json` (JSON Feed), never string
  templates. The full text is the post's body as the page shows it (the theme's
  `samizdat/feed_item.html`, which expands and cleans it), in the edition's direction.
* Links are relative to the feed file, like every link of the site: a feed read from a
  mirror, an onion address or a copied folder leads into that copy, not to a blocked origin.
  Feed readers resolve them against the feed's own address.
* Each item's id is `urn:uuid:<the page's translation_key>`: it survives a slug change or a
  move, so readers do not see a renamed post as new.
* Authors are `Author` profiles (pen names); staff accounts never appear.
"""

import json
import mimetypes
from datetime import UTC, datetime

from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.utils import feedgenerator

from samizdat.core.rendering import cache_of, link, media_url

from . import models
from .renditions import share_spec
from .selectors import FEED_FILES, FEED_SIZE

FEED_TYPES = {"rss": "application/rss+xml", "atom": "application/atom+xml", "json": "application/feed+json"}
FEED_ROUTE = r"(?P<file>feed\.xml|atom\.xml|feed\.json)/$"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def post_guid(post):
    """A post's stable id: its page's random translation key, kept through slug changes and
    moves (a copied page gets a new one)."""
    return f"urn:uuid:{post.translation_key}"


def post_modified_at(post):
    """When a post last changed in substance: its "updated" time or its newest correction,
    else its publication."""
    times = [t for t in [post.updated_at] + [c.noted_at for c in post.corrections.all()] if t]
    return max(times) if times else post.published_at


class _Dated:
    """A feed's own date: its newest item's, else the listing owner's last publication (an
    empty feed comes out the same from every bake, not stamped with the bake's time)."""

    fallback_date = EPOCH

    def latest_post_date(self):
        return super().latest_post_date() if self.items else self.fallback_date


class RssFeed(_Dated, feedgenerator.Rss201rev2Feed):
    """RSS 2.0 with the full text in `content:encoded` and the teaser as `description`."""

    def rss_attributes(self):
        return {**super().rss_attributes(), "xmlns:content": "http://purl.org/rss/1.0/modules/content/"}

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item.get("content"):
            handler.addQuickElement("content:encoded", item["content"])


class AtomFeed(_Dated, feedgenerator.Atom1Feed):
    """Atom 1.0 with the full text as `content` and the teaser as `summary`."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item.get("content"):
            handler.addQuickElement("content", item["content"], {"type": "html"})


def _posts(listing):
    """The listing's newest posts, newest first, with what an item shows."""
    ids = list(
        listing.entries().order_by("-published_at", "-post_id").values_list("post_id", flat=True)[:FEED_SIZE]
    )
    posts = (
        models.PostPage.objects.filter(pk__in=ids)
        .select_related("lead_image")
        .prefetch_related("post_authors__author", "tags", "corrections", "lead_image__renditions")
    )
    by_id = {p.pk: p for p in posts}
    return [by_id[pk] for pk in ids if pk in by_id]


def _enclosure(post):
    if not post.lead_image_id or post.lead_image is None:
        return None
    rendition = post.lead_image.get_rendition(share_spec(post.lead_image))
    mime = mimetypes.guess_type(rendition.file.name)[0] or "image/jpeg"
    return {"url": media_url(rendition), "length": rendition.file.size, "type": mime, "alt": post.lead_image_alt}


def _items(listing, service):
    """Plain dicts of the feed's items, shared by the three formats of one listing (they sit
    in one folder, so their relative links are the same)."""
    items = []
    for post in _posts(listing):
        authors = post.ordered_authors
        items.append(
            {
                "id": post_guid(post),
                "title": post.title,
                "url": link(post.reader_path),
                "summary": post.teaser,
                "content": render_to_string(
                    "samizdat/feed_item.html",
                    {"post": post, "lang": service.language_code, "direction": service.direction},
                ),
                "published": post.published_at,
                "modified": post_modified_at(post),
                "authors": [
                    {"name": a.name, "url": link(f"{service.reader_path}authors/{a.slug}/")} for a in authors
                ],
                "tags": [t.name for t in post.ordered_tags],
                "image": _enclosure(post),
            }
        )
    return items


def _syndication(cls, meta, items):
    feed = cls(
        title=meta["title"],
        link=meta["link"],
        description=meta["description"],
        language=meta["language"],
        feed_url=meta["feed_url"],
        feed_guid=meta["id"],
    )
    feed.fallback_date = meta["updated"]
    for item in items:
        image = item["image"]
        feed.add_item(
            title=item["title"],
            link=item["url"],
            description=item["summary"],
            content=item["content"],
            unique_id=item["id"],
            unique_id_is_permalink=False,
            pubdate=item["published"],
            updateddate=item["modified"],
            author_name=", ".join(a["name"] for a in item["authors"]) or None,
            author_link=item["authors"][0]["url"] if len(item["authors"]) == 1 else None,
            categories=item["tags"],
            enclosures=[feedgenerator.Enclosure(image["url"], str(image["length"]), image["type"])] if image else [],
        )
    return feed.writeString("utf-8").encode()


def _iso(value):
    return value.isoformat(timespec="seconds") if value else None


def _json_feed(meta, items):
    data = {
        "version": JSON_FEED_VERSION,
        "title": meta["title"],
        "home_page_url": meta["link"],
        "feed_url": meta["feed_url"],
        "description": meta["description"],
        "language": meta["language"],
        "items": [],
    }
    for item in items:
        entry = {
            "id": item["id"],
            "url": item["url"],
            "title": item["title"],
            "content_html": item["content"],
            "summary": item["summary"],
            "date_published": _iso(item["published"]),
            "date_modified": _iso(item["modified"]),
            "authors": item["authors"],
            "tags": item["tags"],
            "language": meta["language"],
        }
        if item["image"]:
            entry["image"] = item["image"]["url"]
        data["items"].append(entry)
    return (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode()


def feed_response(request, listing, file, *, title, description=""):
    """The feed `file` (feed.xml, atom.xml, feed.json) of `listing`."""
    kind = FEED_FILES[file]
    service = listing.service
    cache = cache_of(request)
    items = cache.get(("feed", listing.key), lambda: _items(listing, service))
    if not items and listing.kind in ("author", "tag"):
        raise Http404("Nothing is listed here")
    meta = {
        "title": title,
        "link": link(listing.path()),
        "feed_url": link(f"{listing.base}{file}"),
        "description": description or title,
        "language": service.language_code,
        "id": f"urn:samizdat:feed:{listing.entry_key}",
        "updated": EPOCH,
    }
    if kind == "json":
        body = _json_feed(meta, items)
    else:
        body = _syndication(RssFeed if kind == "rss" else AtomFeed, meta, items)
    return HttpResponse(body, content_type=f"{FEED_TYPES[kind]}; charset=utf-8")



def breaking_json(service, banner):
    """`breaking.json`: the edition's active banner (or null), its link relative to the file
    like every link of the site."""
    data = {"language": service.language_code, "breaking": None}
    if banner is not None:
        target = banner.link_url
        data["breaking"] = {
            "text": banner.text,
            "url": (link(target) if target.startswith("/") else target) or None,
            "starts_at": _iso(banner.starts_at),
            "expires_at": _iso(banner.expires_at),
        }
    body = (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode()
    return HttpResponse(body, content_type="application/json")
