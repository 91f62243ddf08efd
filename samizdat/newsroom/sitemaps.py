"""Sitemaps and robots.txt, baked by the same renderer as every page.

* `/sitemap.xml` — a sitemap index of every edition that has a public base URL;
* `/<edition>/sitemaps/<YYYY-MM>.xml`, `<YYYY-MM>-2.xml`, `<YYYY-MM>-3.xml`, … — the
  edition's listed posts first published that month (`loc`, `lastmod`), oldest first, in pages
  of at most `SITEMAP_PAGE_POSTS` (the protocol allows 50,000 a file; a page is read with
  OFFSET/LIMIT, never the whole month). A month has files only when it has posts, and its
  first page keeps the month's plain name. A post appended to its month rewrites only the
  month's last page; one that enters or leaves in the middle rewrites its page and the later
  pages of that month, whose posts shift (`dependencies.stale_sitemap_pages`);
* `/<edition>/sitemaps/pages.xml` — the edition's front, blogs, authors and topics;
* `/<edition>/sitemaps/news.xml` — a Google News sitemap of the posts published in the 48
  hours up to the edition's newest post (at most 1,000);
* `/robots.txt` — names the sitemap index.

Sitemaps need absolute addresses, which come only from `ServicePage.base_url`. An edition
without one gets no sitemap (the dashboard says so) rather than wrong addresses.
The news window ends at the newest post, not at the bake's clock, so the file is a function
of what is published: an incremental bake and a full bake write the same bytes.
"""

import re
from datetime import UTC, datetime, timedelta
from io import StringIO
from urllib.parse import quote, urljoin
from xml.sax.saxutils import escape

from django.conf import settings
from django.db.models import Case, Count, IntegerField, Value, When
from django.http import Http404, HttpResponse
from django.utils.xmlutils import SimplerXMLGenerator

from samizdat.core.rendering import relative

from . import models, selectors

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
NEWS_WINDOW = timedelta(hours=48)
NEWS_LIMIT = 1000  # Google News reads at most this many
SITEMAP_PAGE_POSTS = 1000  # posts per month page (`SAMIZDAT_SITEMAP_PAGE_POSTS` overrides it)
# a month's first page is YYYY-MM, the next ones YYYY-MM-2, YYYY-MM-3, … (no "-1", no leading 0)
PAGE_SUFFIX = r"(?:-(?:[2-9]|[1-9]\d+))?"
SITEMAP_ROUTE = rf"^sitemaps/(?P<name>pages|news|\d{{4}}-\d{{2}}{PAGE_SUFFIX})\.xml/$"
INDEX_PATH = "/sitemap.xml"
ROBOTS_PATH = "/robots.txt"


URL_SAFE = "/:#?=&%~"


def _base(service):
    return service.base_url if service.base_url.endswith("/") else service.base_url + "/"


def _post_address(service, url_path):
    """The public address of a post from its Wagtail `url_path` (its edition's, then its own)."""
    return _base(service) + quote(url_path[len(service.url_path):], safe=URL_SAFE)


def public_url(service, path):
    """The public address of reader path `path` from `service`'s base URL; None without one."""
    if service is None or not service.base_url:
        return None
    base = _base(service)
    if path.startswith(service.reader_path):  # most addresses: a month's page lists up to 1,000
        return base + quote(path[len(service.reader_path):], safe=URL_SAFE)
    rest = relative(path, service.reader_path)
    if path.endswith("/"):  # a page's public address is its folder; baked links name the file
        rest = rest.removesuffix("index.html") or "./"
    return urljoin(base, quote(rest, safe=URL_SAFE))


def month_of(value):
    return value.astimezone(UTC).strftime("%Y-%m")


def _month_start(month):
    return datetime.strptime(month, "%Y-%m").replace(tzinfo=UTC)


def _next_month(start):
    return (start + timedelta(days=32)).replace(day=1)


def _service_entries(service):
    return models.ListingEntry.objects.filter(key=models.ListingEntry.key_of("service", service.pk))


def page_posts():
    """How many posts a month's sitemap page holds."""
    return getattr(settings, "SAMIZDAT_SITEMAP_PAGE_POSTS", None) or SITEMAP_PAGE_POSTS


def page_count(count, size=None):
    """Pages of a month of `count` posts (none when it has none)."""
    size = size or page_posts()
    return -(-count // size)


def page_of(position, size=None):
    """The page (1 = the month's oldest) of the post at `position` (0-based) in its month."""
    return position // (size or page_posts()) + 1


def page_name(month, number):
    return month if number == 1 else f"{month}-{number}"


def parse_page_name(name):
    """(month, page number) of a month page's name; None for any other name."""
    found = re.fullmatch(r"(\d{4}-\d{2})(?:-([2-9]|[1-9]\d+))?", name)
    if found is None or not 1 <= int(found[1][5:]) <= 12:
        return None
    return found[1], int(found[2] or 1)


def _month_bucket(starts):
    """An expression giving each entry the index of its month in `starts` (the UTC starts of
    consecutive months, oldest first): a balanced tree of comparisons, so a row costs
    log(months) comparisons, in plain SQL that SQLite and PostgreSQL both run."""
    if len(starts) == 1:
        return Value(0, output_field=IntegerField())

    def tree(low, high):  # months low..high-1
        if high - low == 1:
            return Value(low, output_field=IntegerField())
        middle = (low + high) // 2
        return Case(When(published_at__lt=starts[middle], then=tree(low, middle)),
                    default=tree(middle, high), output_field=IntegerField())

    return tree(0, len(starts))


def month_counts(service):
    """[(month, listed posts)] of every month with posts, oldest first: two index reads for
    the oldest and newest, then one grouped count."""
    entries = _service_entries(service).order_by("published_at").values_list("published_at", flat=True)
    first, last = entries.first(), entries.last()
    if first is None:
        return []
    starts, at, end = [], _month_start(month_of(first)), _month_start(month_of(last))
    while at <= end:
        starts.append(at)
        at = _next_month(at)
    counts = dict(
        _service_entries(service).order_by().annotate(bucket=_month_bucket(starts))
        .values("bucket").annotate(n=Count("pk")).values_list("bucket", "n")
    )
    return [(starts[i].strftime("%Y-%m"), counts[i]) for i in sorted(counts) if counts[i]]


def months(service):
    """Every month in which the edition has listed posts, oldest first."""
    return [month for month, _ in month_counts(service)]


def month_page_names(service):
    """The names of every month page of the edition, oldest first."""
    size = page_posts()
    return [page_name(month, n) for month, count in month_counts(service) for n in range(1, page_count(count, size) + 1)]


def sitemap_path(service, name):
    return f"{service.reader_path}sitemaps/{name}.xml"


def edition_sitemap_paths(service, *, every=False):
    """The sitemap files of an edition (none without a base URL, unless `every`: the files it
    may have had, to remove)."""
    if not service.base_url and not every:
        return []
    return [sitemap_path(service, n) for n in ["pages", "news", *month_page_names(service)]]


def root_paths():
    """The site-wide files: robots.txt always, the index when some edition has a base URL."""
    indexed = selectors.services_live().exclude(base_url="").exists()
    return [ROBOTS_PATH] + ([INDEX_PATH] if indexed else [])


def news_is_stale(*, post_time, newest_time):
    """Whether a change to a post published at `post_time` changes the edition's news
    sitemap, whose window ends at `newest_time` (the newest listed post, after the change)."""
    return newest_time is None or post_time >= newest_time - NEWS_WINDOW


def newest_time(service):
    return _service_entries(service).order_by("-published_at").values_list("published_at", flat=True).first()


def _xml(write):
    out = StringIO()
    handler = SimplerXMLGenerator(out, "utf-8", short_empty_elements=True)
    handler.startDocument()
    write(handler)
    return HttpResponse((out.getvalue() + "\n").encode(), content_type="application/xml; charset=utf-8")


def _iso(value):
    return value.astimezone(UTC).isoformat(timespec="seconds")


CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # not allowed in XML 1.0


def _text(value):
    return escape(CONTROL.sub("", value))


def _urlset(urls, *, news=None):
    """`urls`: (address, lastmod or None, news fields or None). Written as text rather than
    through an XML generator: a dense month lists tens of thousands of addresses, and the
    generator's per-element calls were most of a publish's time there."""
    out = ['<?xml version="1.0" encoding="utf-8"?>\n<urlset xmlns="', SITEMAP_NS, '"']
    if news is not None:
        out += [' xmlns:news="', NEWS_NS, '"']
        publication = (f"<news:publication><news:name>{_text(news['name'])}</news:name>"
                       f"<news:language>{_text(news['language'])}</news:language></news:publication>")
    out.append(">")
    for loc, lastmod, item in urls:
        out += ["<url><loc>", escape(loc), "</loc>"]
        if lastmod:
            out += ["<lastmod>", _iso(lastmod), "</lastmod>"]
        if item:
            out += ["<news:news>", publication, "<news:publication_date>", _iso(item["date"]),
                    "</news:publication_date><news:title>", _text(item["title"]), "</news:title></news:news>"]
        out.append("</url>")
    out.append("</urlset>\n")
    return HttpResponse("".join(out).encode(), content_type="application/xml; charset=utf-8")


def edition_sitemap(service, name):
    """The response for one of an edition's sitemap files."""
    if not service.base_url:
        raise Http404("This edition has no public address, so no sitemap")
    url = lambda path: public_url(service, path)  # noqa: E731
    if name == "pages":
        paths = [service.reader_path] + [b.reader_path for b in selectors.blogs_for_service(service)]
        paths += [f"{service.reader_path}authors/{a.slug}/" for a in selectors.authors_for_service(service)]
        paths += [f"{service.reader_path}tags/{t.slug}/" for t in selectors.tags_for_service(service)]
        return _urlset([(url(p), None, None) for p in paths])
    if name == "news":
        newest = newest_time(service)
        entries = _service_entries(service).order_by("-published_at", "-post_id")
        if newest is not None:
            entries = entries.filter(published_at__gte=newest - NEWS_WINDOW)
        rows = entries[:NEWS_LIMIT].values_list("post__url_path", "post__title", "published_at") if newest is not None else []
        # read as rows, joined: the window may hold a thousand posts
        items = [(_post_address(service, url_path), None, {"date": at, "title": title}) for url_path, title, at in rows]
        return _urlset(items, news={"name": service.title, "language": service.language_code})
    month, number = parse_page_name(name) or (None, None)
    if month is None:
        raise Http404("No such sitemap")
    size = page_posts()
    order = list(month_entries(service, month).values_list("post_id", flat=True)[(number - 1) * size : number * size])
    if not order:  # a month without posts, or a page past its last
        raise Http404("No posts on that page of that month")
    return _urlset(_month_rows(service, order))


def month_entries(service, month):
    """The edition's index entries of `month` (UTC), in the month's order."""
    start = _month_start(month)
    entries = _service_entries(service).filter(published_at__gte=start, published_at__lt=_next_month(start))
    return entries.order_by("published_at", "post_id")


def _month_rows(service, order):
    """(public address, last modified, None) of each post of `order` (ids), in that order,
    read as rows rather than pages."""
    rows = models.PostPage.objects.filter(pk__in=order).values_list(
        "pk", "url_path", "first_published_at", "last_published_at"
    )
    found = {pk: (_post_address(service, url_path), last or first) for pk, url_path, first, last in rows}
    return [(*found[pk], None) for pk in order if pk in found]


def sitemap_index():
    services = [s for s in selectors.services_live() if s.base_url]
    if not services:
        raise Http404("No edition has a public address")

    def write(h):
        h.startElement("sitemapindex", {"xmlns": SITEMAP_NS})
        for service in services:
            for path in edition_sitemap_paths(service):
                h.startElement("sitemap", {})
                h.addQuickElement("loc", public_url(service, path))
                h.endElement("sitemap")
        h.endElement("sitemapindex")

    return _xml(write)


def robots():
    lines = ["User-agent: *", "Allow: /"]
    indexes = []
    for service in selectors.services_live():
        address = public_url(service, INDEX_PATH)
        if address and address not in indexes:
            indexes.append(address)
    lines += [f"Sitemap: {address}" for address in indexes]
    return HttpResponse(("\n".join(lines) + "\n").encode(), content_type="text/plain; charset=utf-8")
