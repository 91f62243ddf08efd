"""The newsroom: language editions (services), blogs, posts, authors and breaking news.

Page tree: Root → NewsroomHome ("/") → ServicePage ("/en/") → BlogPage → PostPage.
Each page type says which reader paths it owns (`get_baked_paths`); which *other* pages a
change touches is decided in `samizdat.publishing.dependencies`, not here.
"""

import re
import zoneinfo

from anyascii import anyascii
from babel import Locale, UnknownLocaleError
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import strip_tags
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import Tag, TaggedItemBase
from wagtail.admin.forms import WagtailAdminModelForm, WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel, TitleFieldPanel
from wagtail.api import APIField
from wagtail.contrib.routable_page.models import RoutablePageMixin, path, re_path
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page, Site
from wagtail.search import index
from wagtail.url_routing import RouteResult

from samizdat.core.dates import datetime as datetime_shown
from samizdat.core.searchtext import search_normalise
from samizdat.core.rendering import NO_CACHE, ReadCache, cache_of, render_in_language
from samizdat.core.ways import ways_read

from . import pagination, rows, selectors  # selectors reads these models at call time
from .rows import REPUBLISH, republish_path
from .api_fields import ReaderRenditionField, name_slug_list
from . import feeds, sitemaps  # they read these models at call time
from .validation import (  # noqa: F401 — BIDI_CONTROLS, bidi_controls_check: imported from here elsewhere
    BIDI_CONTROLS,
    CheckedFormMixin,
    bidi_controls_check,
    bidi_errors,
    editor_text_errors,
    page_slug_errors,
    slug_case_clash,
    slug_case_clash_error,
    slug_length_error,
    slug_truncate,
)

from .permissions import page_permissions

DIRECTIONS = [("ltr", _("Left to right")), ("rtl", _("Right to left"))]


def is_right_to_left(language_code):
    """Whether CLDR says the language is written right to left."""
    try:
        return Locale.parse(language_code.replace("-", "_")).character_order == "right-to-left"
    except (ValueError, UnknownLocaleError):
        return False


def native_slug(text):
    """An address in the headline's own script. Persian writes some words with a zero-width
    non-joiner (نیم‌فاصله) that plain slugify drops, gluing two words; it becomes a hyphen."""
    return slugify(re.sub("[\u200c\u200d]", "-", text or ""), allow_unicode=True)


def latin_slug(text):
    """A transliterated address: "بازار مرزی" → "bazar-mrzy", "Город" → "gorod"."""
    return slugify(anyascii(text or ""))


class CheckedAdminModelForm(CheckedFormMixin, WagtailAdminModelForm):
    """Admin form of authors and breaking news: hand-made POST data is checked first."""


class ReaderPageForm(CheckedFormMixin, WagtailAdminPageForm):
    """Admin form for every reader page: refuses a go-live time in the past, a headline
    with hidden direction controls, an address with no letters or digits, and can make a
    Latin (transliterated) address from the title."""

    latin_address = forms.BooleanField(
        required=False,
        label=_("Latin address"),
        help_text=_(
            "Use a transliterated address in Latin letters (e.g. /fa/bazar-mrzy/) instead of "
            "one in the headline's own script."
        ),
    )

    def clean(self):
        self.instance._parent_for_clean = self.parent_page
        cleaned = super().clean()
        for field, error in editor_text_errors(self).items():
            self.add_error(field, error)
        slug = cleaned.get("slug")
        if cleaned.get("latin_address"):
            slug = latin_slug(cleaned.get("title"))
            if not slug:
                self.add_error("latin_address", _("The headline has no letters to transliterate: write the address by hand."))
            elif self.parent_page and not Page._slug_is_available(slug, self.parent_page, self.instance):
                self.add_error("latin_address", _("The address “%(slug)s” is already in use here.") % {"slug": slug})
            else:
                cleaned["slug"] = slug
                self.instance.slug = slug
        if slug and "slug" not in self.errors:
            slug, errors = page_slug_errors(slug=slug, title=cleaned.get("title"), parent=self.parent_page, page=self.instance)
            for field, error in errors.items():
                self.add_error(field, error)
            if not errors:
                cleaned["slug"] = self.instance.slug = slug
        if slug is not None and not any(ch.isalnum() for ch in slug):
            self.add_error(
                "slug",
                _(
                    "The address “%(slug)s” has no letters or digits. Use words from the headline "
                    "(Persian or Cyrillic letters are fine), or tick “Latin address”."
                )
                % {"slug": slug},
            )
        go_live_at = cleaned.get("go_live_at")
        if go_live_at and "go_live_at" in self.changed_data and go_live_at < timezone.now():
            self.add_error(
                "go_live_at",
                _(
                    "This time is in the past. Pick a future time to schedule the page, "
                    "or clear the field and publish it now."
                ),
            )
        return cleaned


class PostPageForm(ReaderPageForm):
    """A new post comes signed with its writer's byline (`selectors.bylines_of`); they may
    change it or add co-authors."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        formset = self.formsets.get("post_authors")
        if self.is_bound or self.instance.pk or self.for_user is None or formset is None:
            return
        byline = selectors.bylines_of(self.for_user).first()
        if byline is not None and not formset.initial_form_count():
            formset.initial_extra = [{"author": byline.pk}]


def reader_path(page):
    """Any page's decoded path on the reader site, or None when no site serves it.

    The reader site is the default Wagtail site; its root's `url_path` is cut off the page's
    (Wagtail keeps the site roots in its cache, so this costs no query per page)."""
    return reader_path_of(page.url_path)


def reader_path_of(url_path, roots=None):
    """The reader path of a page's Wagtail `url_path`, or None (`reader_path`). Callers that
    ask for many pages pass `roots`, `Site.get_site_root_paths()` looked up once: each look
    goes through Django's cache, a few times the cost of the rest."""
    url_path = url_path or ""
    for root in roots if roots is not None else Site.get_site_root_paths():
        if url_path.startswith(root.root_path):
            return "/" + url_path[len(root.root_path) :]
    return None


class ReaderPage(Page):
    """A page that readers see as baked files."""

    base_form_class = ReaderPageForm
    promote_panels = Page.promote_panels + [FieldPanel("latin_address")]

    class Meta:
        abstract = True

    @property
    def reader_path(self):
        """The page's path on the reader site, decoded ("/fa/یادداشت/"); links encode it.

        Remembered for the page's `url_path` (a page moved in place gets its new path): an
        edition's or blog's path is asked for dozens of times on every page of a bake, and
        each lookup of the site roots unpickles them from Django's cache."""
        known = self.__dict__.get("_reader_path_for")
        if known is not None and known[0] == self.url_path:
            return known[1]
        path = reader_path(self)
        if path is not None:
            self.__dict__["_reader_path_for"] = (self.url_path, path)
        if path is None:
            raise ValueError(f"{self!r} is not under a site root, so it has no reader path")
        return path

    def full_clean(self, *args, **kwargs):
        if not self.slug and self.title:
            # Before Wagtail's own slugify would drop ZWNJ; short enough to be a folder name.
            self.slug = slug_truncate(native_slug(self.title))
        return super().full_clean(*args, **kwargs)

    def minimal_clean(self):  # what Wagtail runs instead of full_clean when saving a draft
        if not self.slug and self.title:
            self.slug = slug_truncate(native_slug(self.title))
        return super().minimal_clean()

    def get_baked_paths(self, cache=None):
        """Every reader path this page renders; listings add their archive pages."""
        return [self.reader_path]

    def route(self, request, path_components):
        """Wagtail's routing, with each child looked up once per batch (`cache_of(request)`):
        the pages a publish re-renders sit under the same edition and blog, and on PostgreSQL
        every lookup is a round trip."""
        if not path_components:
            return super().route(request, path_components)
        slug, rest = path_components[0], path_components[1:]
        subpage = cache_of(request).get(
            ("child", self.pk, slug), lambda: self.get_children().filter(slug=slug).specific().first()
        )
        if subpage is None:
            raise Http404
        subpage._cached_parent_obj = self  # as Wagtail does: get_parent() needs no query
        return subpage.route(request, rest)

    def permissions_for_user(self, user):
        return page_permissions(user, self)  # the newsroom's rules: see permissions.py

    def _ancestor(self, model, depth, cache):
        """The ancestor of `model` at tree `depth` (3: edition, 4: blog); a batch looks each
        one up once."""
        if not self.path:  # an unsaved page in preview
            return model.objects.ancestor_of(self.get_parent(), inclusive=True).first()
        if self.depth < depth:
            return None
        if self.path == self.path[: self.steplen * depth] and isinstance(self, model):
            return self
        return ancestor_at(model, self.path, depth, cache)

    def get_service(self, cache=None):
        if not hasattr(self, "_service"):
            self._service = self._ancestor(ServicePage, SERVICE_DEPTH, cache)
        return self._service

    def get_blog(self, cache=None):
        if not hasattr(self, "_blog"):
            self._blog = self._ancestor(BlogPage, SERVICE_DEPTH + 1, cache)
        return self._blog

    @property
    def language_code(self):
        """The language of the page's edition (the interface language of its rendering)."""
        service = self.get_service()
        return service.language_code if service else settings.LANGUAGE_CODE

    def banner_inline(self, cache):
        """Whether this page carries the breaking-news banner in its HTML (readers without
        JavaScript see it there); every page also loads it from the edition's fragment."""
        return True

    def get_context(self, request, *args, **kwargs):
        cache = cache_of(request)
        context = super().get_context(request, *args, **kwargs)
        service = self.get_service(cache)
        blog = self.get_blog(cache) if service else None
        context.update(reader_context(service, blog, cache, banner=bool(service) and self.banner_inline(cache)))
        return context

    def serve_preview(self, request, mode_name):
        # Preview renders in the edition's language, as the bake does (`render_in_language`).
        # Not around make_preview_request: its middleware chain (LocaleMiddleware) switches
        # back to the staff member's language before the view runs.
        service = self.get_service()
        return render_in_language(
            self.language_code,
            lambda: super(ReaderPage, self).serve_preview(request, mode_name),
            zone=service.zone if service else None,
        )


SERVICE_DEPTH = 3  # Root → NewsroomHome → ServicePage


def ancestor_at(model, path, depth, cache=None):
    """The `model` page at tree `depth` above tree `path` (3: edition, 4: blog); a batch
    looks each one up once."""
    prefix = path[: model.steplen * depth]
    return (cache or NO_CACHE).get(("page", prefix), lambda: model.objects.filter(path=prefix).first())


def reader_context(service, blog, cache, *, banner):
    """What every reader page shows around its own content: the edition's masthead, sections
    and language, the blog it is in, and the breaking-news banner inline when `banner`."""
    return {
        "service": service,
        "lang": service.language_code if service else settings.LANGUAGE_CODE,
        "direction": service.direction if service else "ltr",
        "breaking": (
            cache.get(("breaking", service.pk), lambda: selectors.breaking_news_active(service))
            if service and banner else None
        ),
        "nav_blogs": cache.get(("nav", service.pk), lambda: list(selectors.blogs_for_service(service))) if service else [],
        "blog": blog,
        "current_blog_id": blog.pk if blog else None,
    }


def latest_window(blog, cache):
    """The blog's newest posts (one read per blog and batch)."""
    return cache.get(("latest", blog.pk), lambda: selectors.latest_posts_for_blog(blog)) if blog else []


def post_context(post, blog, cache, *, translations):
    """The context of a post page, from its record (`rows.PostRow`): the bake reads the
    record from rows, the preview builds it from the page, and both render this."""
    window = latest_window(blog, cache)
    inside = any(p.pk == post.pk for p in window)  # one of the newest: "Latest posts" and the banner inline
    return {
        **reader_context(post.service, blog, cache, banner=inside),
        "page": post,
        "latest_posts": [p for p in window if p.pk != post.pk][: selectors.LATEST_POSTS] if inside else None,
        "translations": translations,
    }


class NewsroomHome(RoutablePageMixin, ReaderPage):
    """The root of the reader site: a door to each language edition; the sitemap index and
    robots.txt (`sitemaps`)."""

    intro = models.TextField(blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["wagtailcore.Page"]
    # Folders of the site's root an edition may not take: the theme, the signing keys, the
    # bundles, and the paths the origin sends to Django (`delivery.server.DYNAMIC_PREFIXES`).
    reserved_child_slugs = frozenset({"assets", "keys", "bundles", "admin", "static", "media", "mail", "api"})
    subpage_types = ["newsroom.ServicePage"]
    max_count = 1
    template = "samizdat/newsroom_home.html"

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["services"] = selectors.services_live()
        return context

    def get_baked_paths(self, cache=None):
        return [self.reader_path] + sitemaps.root_paths()

    @path("sitemap.xml/")
    def sitemap_index(self, request):
        return sitemaps.sitemap_index()

    @path("robots.txt/")
    def robots(self, request):
        return sitemaps.robots()


class ListingMixin:
    """Renders a `Listing`: its front page or an archive page (see selectors, pagination)."""

    def render_listing(self, request, listing, number=None, template=None, **extra):
        count = listing.count()
        pinned_ids = frozenset()
        if number is None:
            front = listing.front()
            posts, pinned_ids = front.posts, front.pinned_ids
            if not posts and listing.kind in ("author", "tag"):
                raise Http404("Nothing is listed here")
            newer = None
        else:
            posts = listing.archive_page(number)
            if posts is None:
                raise Http404("No such page of the listing")
            newer = listing.path(pagination.newer_page(number, count))
        older = pagination.older_page(number, count)
        overrides = {
            "posts": posts,
            "pinned_ids": pinned_ids,
            "listing": listing,
            "number": number,
            "newer_path": newer,
            "older_path": listing.path(older) if older else None,
            **extra,
        }
        if not (number is None and listing.kind in ("service", "blog")):
            overrides["breaking"] = None  # only fronts carry the banner inline
        return self.render(request, context_overrides=overrides, template=template or self.get_template(request))

    def render_fragment(self, request, template, context):
        return TemplateResponse(request, template, {"page": self, **context})


# Classes of the reader theme's CSS (`.brand-<name>`); red is the default.
BRAND_COLOURS = [("", _("Red")), ("blue", _("Blue")), ("green", _("Green")), ("purple", _("Purple")), ("black", _("Black"))]
TIME_ZONE_CHOICES = [(name, name) for name in sorted(zoneinfo.available_timezones())]


def time_zone_check(value):
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("“%(value)s” is not a time zone name (examples: Asia/Tehran, Europe/Moscow, UTC)."),
                              params={"value": value})


class ServicePage(RoutablePageMixin, ListingMixin, ReaderPage):
    """One language edition of the newsroom, and its front page."""

    # The edition's own folders (its routes below): a blog may not take one.
    reserved_child_slugs = frozenset({"page", "authors", "tags", "sitemaps", "reach-us", "search", "pagefind"})

    language_code = models.CharField(max_length=12, choices=settings.LANGUAGES, default="en")
    direction = models.CharField(
        max_length=3,
        choices=DIRECTIONS,
        default="ltr",
        help_text=_("Right to left for Persian, Arabic, Hebrew, Urdu…"),
    )
    tagline = models.CharField(max_length=200, blank=True)
    base_url = models.URLField(
        blank=True, help_text=_("Public address of this edition, e.g. https://example.org/en/")
    )
    contact_email = models.EmailField(
        blank=True, help_text=_("Shown to readers in a form that address harvesters cannot read.")
    )
    wordmark = models.CharField(
        max_length=60, blank=True, help_text=_("The name in the masthead, if shorter than the edition's title.")
    )
    brand_colour = models.CharField(
        max_length=10, blank=True, choices=BRAND_COLOURS,
        help_text=_("The masthead and section rules; every colour reads on white and in dark mode."),
    )
    time_zone = models.CharField(
        max_length=64, default="UTC", validators=[time_zone_check],
        help_text=_("The edition's local time, for dates shown to readers and staff, e.g. Asia/Tehran."),
    )
    # The republish box: a page beside each post with a copy-ready snippet for other outlets
    # (`PostPage.republish`). Only administrators edit an edition; editors' rights stop at blogs.
    republish = models.BooleanField(
        _("offer republishing"), default=False,
        help_text=_("Each post links to a page with its text ready for other outlets and bloggers to copy."),
    )
    republish_licence = models.CharField(
        _("licence line"), max_length=300, blank=True,
        help_text=_("Printed under every republished copy, e.g. “Licensed under Creative Commons BY-ND 4.0.”"),
    )
    republish_licence_url = models.URLField(
        _("licence address"), blank=True, help_text=_("Where the licence can be read, e.g. the Creative Commons deed."),
    )

    content_panels = Page.content_panels + [
        FieldPanel("tagline"),
        FieldRowPanel([FieldPanel("language_code"), FieldPanel("direction")]),
        FieldPanel("time_zone", widget=forms.Select(choices=TIME_ZONE_CHOICES)),
        FieldRowPanel([FieldPanel("wordmark"), FieldPanel("brand_colour")]),
        FieldPanel("base_url"),
        FieldPanel("contact_email"),
        MultiFieldPanel(
            [FieldPanel("republish"), FieldPanel("republish_licence"), FieldPanel("republish_licence_url")],
            heading=_("Republishing"),
        ),
    ]
    api_fields = [APIField("tagline"), APIField("language_code"), APIField("direction"), APIField("base_url")]
    parent_page_types = ["newsroom.NewsroomHome"]
    subpage_types = ["newsroom.BlogPage"]
    template = "samizdat/service_page.html"

    class Meta:
        verbose_name = _("edition")
        verbose_name_plural = _("editions")

    def clean(self):
        super().clean()
        if is_right_to_left(self.language_code) and self.direction != "rtl":
            raise ValidationError(
                {"direction": _("This language is written right to left: choose “Right to left”.")}
            )
        if self.republish and not self.republish_licence.strip():
            raise ValidationError(
                {"republish_licence": _("Say under which terms others may republish: a licence line is required.")}
            )

    def get_service(self, cache=None):
        return self

    @property
    def zone(self):
        """The edition's time zone as a tzinfo (UTC if the stored name is no longer known)."""
        try:
            return zoneinfo.ZoneInfo(self.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo("UTC")

    @property
    def breaking_fragment_path(self):
        return f"{self.reader_path}breaking.html"

    @property
    def breaking_json_path(self):
        """The active banner as JSON beside the feeds, for apps reading any copy of the site."""
        return f"{self.reader_path}breaking.json"

    @property
    def reach_path(self):
        """The edition's "how to reach us" page: mirrors, onion, offline bundle, signing key."""
        return f"{self.reader_path}reach-us/"

    @property
    def search_path(self):
        """The edition's search page: baked for every copy of the site, where it searches the
        static index (`samizdat.search`); at the origin Django answers it (`search.views`)."""
        return f"{self.reader_path}search/"

    def get_baked_paths(self, cache=None):
        cache = cache or ReadCache()
        front = selectors.Listing("service", self, cache=cache)
        paths = front.paths() + [self.breaking_fragment_path, self.breaking_json_path, self.reach_path, self.search_path] + front.feed_paths()
        paths += sitemaps.edition_sitemap_paths(self)
        for kind, named in (("author", selectors.authors_for_service(self)), ("tag", selectors.tags_for_service(self))):
            for row in named:
                listing = selectors.Listing(kind, self, slug=row.slug)
                paths += listing.paths(count=row.listed) + listing.feed_paths()
        return paths

    @path("")
    def front(self, request):
        return self.render_listing(request, selectors.Listing("service", self, cache=cache_of(request)))

    @path("page/<int:number>/")
    def front_page_number(self, request, number):
        return self.render_listing(request, selectors.Listing("service", self, cache=cache_of(request)), number)

    @path("authors/<str:slug>/", name="author")
    @path("authors/<str:slug>/page/<int:number>/", name="author_page")
    def author(self, request, slug, number=None):
        cache = cache_of(request)
        author = cache.get(("author", slug), lambda: Author.objects.filter(slug=slug).first())
        if author is None:
            raise Http404("No such author")
        return self.render_listing(
            request, selectors.Listing("author", self, slug=slug, cache=cache), number,
            author=author, template="samizdat/author_page.html", with_images=False,
        )

    @path("tags/<str:slug>/", name="tag")
    @path("tags/<str:slug>/page/<int:number>/", name="tag_page")
    def tag(self, request, slug, number=None):
        cache = cache_of(request)
        tag = cache.get(("tag", slug), lambda: Tag.objects.filter(slug=slug).first())
        if tag is None:
            raise Http404("No such tag")
        return self.render_listing(
            request, selectors.Listing("tag", self, slug=slug, cache=cache), number, tag=tag, template="samizdat/tag_page.html", with_images=False
        )

    @re_path(r"^" + feeds.FEED_ROUTE)
    def feed(self, request, file):
        listing = selectors.Listing("service", self, cache=cache_of(request))
        return feeds.feed_response(request, listing, file, title=self.title, description=self.tagline)

    @re_path(sitemaps.SITEMAP_ROUTE)
    def sitemap(self, request, name):
        return sitemaps.edition_sitemap(self, name)

    @re_path(r"^authors/(?P<slug>[^/]+)/" + feeds.FEED_ROUTE)
    def author_feed(self, request, slug, file):
        return self._named_feed(request, "author", Author, slug, file, description=lambda author: author.bio)

    @re_path(r"^tags/(?P<slug>[^/]+)/" + feeds.FEED_ROUTE)
    def tag_feed(self, request, slug, file):
        return self._named_feed(request, "tag", Tag, slug, file)

    def _named_feed(self, request, kind, model, slug, file, description=lambda subject: ""):
        """The feed of an author's or a tag's listing in this edition (404 for an unknown slug)."""
        cache = cache_of(request)
        subject = cache.get((kind, slug), lambda: model.objects.filter(slug=slug).first())
        if subject is None:
            raise Http404(f"No such {kind}")
        listing = selectors.Listing(kind, self, slug=slug, cache=cache)
        return feeds.feed_response(request, listing, file, title=f"{subject.name} — {self.title}",
                                   description=description(subject))

    @path("breaking.json/")
    def breaking_json(self, request):
        return feeds.breaking_json(self, selectors.breaking_news_active(self))
    @path("reach-us/", name="reach")
    def reach(self, request):
        # What samizdat.reach last recorded (core.ways); it queues this path when that changes.
        return self.render(request, context_overrides={"ways": ways_read(), "breaking": None},
                           template="samizdat/reach_page.html")

    @path("search/", name="search")
    def search_page(self, request):
        return self.search_render(request)

    def search_render(self, request, *, query="", results=None, origin=False):
        """The search page: the form and, at the origin (`origin`), the server's `results` for
        `query`; the baked page has none (its script searches the static index)."""
        return self.render(
            request,
            context_overrides={"breaking": None, "query": query, "results": results, "origin": origin},
            template="samizdat/search_page.html",
        )

    @path("breaking.html/")  # Wagtail routes with a trailing slash
    def breaking_fragment(self, request):
        return self.render_fragment(
            request, "samizdat/fragments/breaking.html", {"breaking": selectors.breaking_news_active(self), "service": self}
        )


class BlogPage(RoutablePageMixin, ListingMixin, ReaderPage):
    """A blog of one service, with its "About this blog" box and paginated index."""

    # The blog's archive pages; "pagefind" is the search index's folder name, which a full
    # bake's prune keeps wherever it appears (`SAMIZDAT_SITE_KEEP`).
    reserved_child_slugs = frozenset({"page", "pagefind"})

    about = models.TextField(
        verbose_name=_("about this blog"), help_text=_("Shown beside every post of the blog.")
    )
    contact_email = models.EmailField(
        blank=True, help_text=_("Shown to readers in a form that address harvesters cannot read.")
    )

    content_panels = Page.content_panels + [FieldPanel("about"), FieldPanel("contact_email")]
    api_fields = [APIField("about")]
    parent_page_types = ["newsroom.ServicePage"]
    subpage_types = ["newsroom.PostPage"]
    template = "samizdat/blog_page.html"

    class Meta:
        verbose_name = _("blog")
        verbose_name_plural = _("blogs")

    def get_blog(self, cache=None):
        return self

    @property
    def latest_fragment_path(self):
        return f"{self.reader_path}latest.html"

    def _listing(self, cache):
        return selectors.Listing("blog", self.get_service(cache), blog=self, cache=cache)

    def get_baked_paths(self, cache=None):
        listing = self._listing(cache or ReadCache())
        return listing.paths() + [self.latest_fragment_path] + listing.feed_paths()

    @re_path(r"^" + feeds.FEED_ROUTE)
    def feed(self, request, file):
        listing = self._listing(cache_of(request))
        service = listing.service
        return feeds.feed_response(request, listing, file, title=f"{self.title} — {service.title}", description=self.about)

    @path("")
    def index(self, request):
        return self.render_listing(request, self._listing(cache_of(request)))

    @path("page/<int:number>/")
    def index_page_number(self, request, number):
        return self.render_listing(request, self._listing(cache_of(request)), number)

    @path("latest.html/")
    def latest_fragment(self, request):
        return self.render_fragment(
            request, "samizdat/fragments/latest.html", {"latest_posts": selectors.latest_posts_for_blog(self)}
        )


def post_baked_paths(post_path, service):
    """A post's own paths: its page, and its republish page when its edition offers one."""
    return [post_path] + ([republish_path(post_path)] if service is not None and service.republish else [])


class PostTag(TaggedItemBase):
    content_object = ParentalKey("newsroom.PostPage", related_name="tagged_items", on_delete=models.CASCADE)


class PostPage(ReaderPage):
    """A blog post: headline (the page title), lead image, body, authors, corrections."""

    teaser = models.TextField(_("teaser"), max_length=400, help_text=_("One or two sentences for listings."))
    lead_image = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lead_image_alt = models.CharField(
        _("alt text"),
        max_length=300,
        blank=True,
        help_text=_("Describe what the photo shows for readers who cannot see it. Not the caption."),
    )
    lead_image_caption = models.CharField(_("caption"), max_length=400, blank=True)
    lead_image_credit = models.CharField(_("credit"), max_length=200, blank=True)
    body = RichTextField(_("body"), features=settings.SAMIZDAT_RICHTEXT_FEATURES)
    updated_at = models.DateTimeField(
        _("updated"), null=True, blank=True, help_text=_("Set when the post was substantially updated.")
    )
    pinned_until = models.DateTimeField(
        null=True, blank=True, help_text=_("Keep at the top of listings until this time.")
    )
    unlisted = models.BooleanField(
        default=False, help_text=_("Published at its address but kept out of listings and feeds.")
    )
    tags = ClusterTaggableManager(through=PostTag, blank=True)
    translation_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="translations",
        verbose_name=_("translation of"),
        help_text=_(
            "The same story in another language edition. Readers of each version get a link "
            "to the others."
        ),
    )

    content_panels = [
        TitleFieldPanel(
            "title", heading=_("Headline"), placeholder=_("Headline*"),
            help_text=_("What readers see first, on the post and in every listing."),
        ),
        FieldPanel("teaser"),
        MultiFieldPanel(
            [
                FieldPanel("lead_image"),
                FieldPanel("lead_image_alt"),
                FieldPanel("lead_image_caption"),
                FieldPanel("lead_image_credit"),
            ],
            heading=_("Lead image"),
        ),
        InlinePanel("post_authors", label=_("Authors"), min_num=1),
        FieldPanel("body"),
        FieldPanel("tags"),
        InlinePanel("corrections", label=_("Corrections and updates")),
    ]
    promote_panels = ReaderPage.promote_panels + [
        FieldPanel("translation_of"),
        FieldPanel("updated_at"),
        FieldPanel("pinned_until"),
        FieldPanel("unlisted"),
    ]
    # `search_text`: the same words in search's normal form (`core.searchtext`: Persian words
    # written with ZWNJ also joined, as readers type them without it), so the origin's search
    # finds a post whichever way the query is written.
    search_fields = Page.search_fields + [
        index.SearchField("teaser"), index.SearchField("body"), index.SearchField("search_text"),
    ]

    def search_text(self):
        return search_normalise(f"{self.title} {self.teaser} {strip_tags(self.body or '')}")
    # The content API (`samizdat.api`): what a reader sees, bylines as pen names; no body
    # (the cleaned full text is in the edition's baked feed.json).
    api_fields = [
        APIField("teaser"),
        APIField("updated_at"),
        APIField("byline", serializer=name_slug_list()),
        APIField("topics", serializer=name_slug_list()),
        APIField("lead_image", serializer=ReaderRenditionField()),
        APIField("lead_image_alt"),
        APIField("lead_image_caption"),
        APIField("lead_image_credit"),
    ]
    parent_page_types = ["newsroom.BlogPage"]
    subpage_types = []
    template = "samizdat/post_page.html"
    base_form_class = PostPageForm

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")

    def clean(self):
        super().clean()
        errors = {}
        alt = self.lead_image_alt.strip()
        if self.lead_image_id and not alt:
            errors["lead_image_alt"] = _(
                "Alt text is required with a lead image: describe what it shows."
            )
        elif alt and alt.casefold() == self.lead_image_caption.strip().casefold():
            errors["lead_image_alt"] = _(
                "Alt text must describe the image, not repeat the caption."
            )
        message = self._translation_problem()
        if message:
            errors["translation_of"] = message
        if errors:
            raise ValidationError(errors)

    def _translation_problem(self):
        """Why `translation_of` cannot be saved, or None. A group of translations is one
        original and the posts pointing to it; each edition has at most one of them."""
        original = self.translation_of
        if original is None:
            return None
        if self.pk and original.pk == self.pk:
            return _("A post cannot be a translation of itself.")
        if original.translation_of_id:  # point at the group's original, not a copy of it
            original = self.translation_of = original.translation_of
            if self.pk and original.pk == self.pk:
                return _("That post is already a translation of this one.")
        if self.pk and self.translations.exists():
            return _("Other posts are translations of this one, so it is an original: link them from here instead.")
        parent = getattr(self, "_parent_for_clean", None)  # a new page has no place yet
        service = self._service_of(self) if self.path else (self._service_of(parent, inclusive=True) if parent else None)
        members = [original, *original.translations.exclude(pk=self.pk or 0)]
        for member in members:
            if service is not None and getattr(self._service_of(member), "pk", None) == service.pk:  # a deleted post has none
                return _("“%(title)s” is in this same language edition. Link a post from another edition.") % {
                    "title": member.title
                }
        return None

    @staticmethod
    def _service_of(page, inclusive=False):
        return ServicePage.objects.ancestor_of(page, inclusive=inclusive).first()

    def translation_group(self):
        """The live versions of this story in other editions, in edition order."""
        original_id = self.translation_of_id or self.pk
        group = PostPage.objects.live().filter(models.Q(pk=original_id) | models.Q(translation_of_id=original_id))
        return [p for p in group.exclude(pk=self.pk).order_by("path")]

    @property
    def published_at(self):
        return self.first_published_at or self.go_live_at or self.latest_revision_created_at

    @cached_property
    def ordered_tags(self):
        """Tags by name: the database returns them in no set order, and a page must come out
        the same from every bake."""
        return rows.tags_ordered(self.tags.all())

    @cached_property
    def ordered_authors(self):
        return [pa.author for pa in self.post_authors.all() if pa.author_id]

    @property
    def byline(self):
        """The authors as readers see them (pen names): [{"name", "slug"}]."""
        return [{"name": a.name, "slug": a.slug} for a in self.ordered_authors]

    @property
    def topics(self):
        return [{"name": t.name, "slug": t.slug} for t in self.ordered_tags]

    @property
    def republish_path(self):
        return republish_path(self.reader_path)

    def get_baked_paths(self, cache=None):
        return post_baked_paths(self.reader_path, self.get_service(cache))

    def route(self, request, path_components):
        if path_components == [REPUBLISH] and self.live:
            return RouteResult(self, kwargs={"republish": True})
        return super().route(request, path_components)

    def serve(self, request, *args, republish=False, **kwargs):
        if not republish:
            return super().serve(request, *args, **kwargs)
        service = self.get_service(cache_of(request))
        if service is None or not service.republish:
            raise Http404("This edition does not offer republishing")
        # A page for copying: the reader page's frame, without the post page's boxes (latest
        # posts, other languages) or the banner inline.
        context = ReaderPage.get_context(self, request)
        context.update(breaking=None, latest_posts=None, translations=[])
        return TemplateResponse(request, "samizdat/republish_page.html", context)

    def in_latest_window(self, cache):
        """One of the blog's newest posts: it carries "Latest posts" and the banner inline."""
        return any(p.pk == self.pk for p in latest_window(self.get_blog(cache), cache))

    def banner_inline(self, cache):
        return self.in_latest_window(cache)

    def get_context(self, request, *args, **kwargs):
        # The page itself is shown through its record, as the bake shows it (`post_context`).
        cache = cache_of(request)
        context = Page.get_context(self, request, *args, **kwargs)
        row = rows.PostRow.of_page(self, self.get_service(cache))
        context.update(post_context(row, self.get_blog(cache), cache, translations=self.translation_group()))
        return context


class Author(index.Indexed, models.Model):
    """A public byline. Separate from user accounts: the name may be a pen name."""

    name = models.CharField(
        _("display name"),
        max_length=120,
        help_text=_("As printed on the byline. Use a pen name for anyone at risk."),
    )
    slug = models.SlugField(max_length=120, unique=True, allow_unicode=True)
    is_pen_name = models.BooleanField(
        default=False, help_text=_("Internal note only; never shown to readers.")
    )
    bio = models.TextField(blank=True)
    photo = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    public_contact = models.EmailField(blank=True)
    # Whose byline this is: their new posts are signed with it. Who stands behind a pen name
    # is for editors only (the admin form, `AuthorIndexView`) — never the reader site or API.
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="bylines",
        verbose_name=_("writer's account"),
        help_text=_("Internal: the staff account that writes under this byline; never shown to readers."),
    )

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("is_pen_name"),
        FieldPanel("account"),
        FieldPanel("bio"),
        FieldPanel("photo"),
        FieldPanel("public_contact"),
    ]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        ordering = ["name"]
        verbose_name = _("author")
        verbose_name_plural = _("authors")

    def __str__(self):
        return self.name

    base_form_class = CheckedAdminModelForm

    def clean(self):
        if not self.slug:
            self.slug = slug_truncate(slugify(self.name, allow_unicode=True))
        if not self.slug:
            raise ValidationError({"slug": _("Give this author a slug made of letters or digits.")})
        errors = bidi_errors([("name", self._meta.get_field("name").verbose_name, self.name), ("bio", _("bio"), self.bio)])
        clash = slug_case_clash(self.slug, Author.objects.exclude(pk=self.pk).values_list("slug", flat=True))
        error = slug_length_error(self.slug) or (slug_case_clash_error(self.slug, clash) if clash else None)
        if error:
            errors["slug"] = error
        if errors:
            raise ValidationError(errors)


class PostAuthor(Orderable):
    post = ParentalKey(PostPage, related_name="post_authors", on_delete=models.CASCADE)
    author = models.ForeignKey(Author, related_name="post_links", on_delete=models.PROTECT, verbose_name=_("author"))

    panels = [FieldPanel("author")]


class PostCorrection(Orderable):
    """A dated, public note at the end of a post: what changed and why."""

    post = ParentalKey(PostPage, related_name="corrections", on_delete=models.CASCADE)
    noted_at = models.DateTimeField(_("date"), default=timezone.now)
    text = models.TextField()

    panels = [FieldPanel("noted_at"), FieldPanel("text")]

    def clean(self):
        errors = bidi_errors([("text", _("correction"), self.text)])
        if errors:
            raise ValidationError(errors)


class BreakingNews(models.Model):
    """A short banner shown on every page of one service between two times."""

    service = models.ForeignKey(ServicePage, on_delete=models.CASCADE, related_name="breaking_news")
    text = models.CharField(max_length=200)
    link_page = models.ForeignKey(
        "wagtailcore.Page", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("story"), help_text=_("Optional: the live story the banner links to."),
    )
    link_url = models.CharField(
        _("or an address"), max_length=500, blank=True,
        help_text=_("Instead of a story: a reader path (/en/…/) or https:// address."),
    )
    starts_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    panels = [
        FieldPanel("service"),
        FieldPanel("text"),
        FieldPanel("link_page"),
        FieldPanel("link_url"),
        FieldRowPanel([FieldPanel("starts_at"), FieldPanel("expires_at")]),
    ]

    class Meta:
        verbose_name = _("breaking news")
        verbose_name_plural = _("breaking news")
        ordering = ["-starts_at"]

    def __str__(self):
        return self.text

    base_form_class = CheckedAdminModelForm  # the admin's form: forms.BreakingNewsForm

    def status(self, at=None):
        """Scheduled, live or expired, as readers see it at `at` (now)."""
        at = at or timezone.now()
        if at < self.starts_at:
            return _("Scheduled")
        return _("Live") if at < self.expires_at else _("Expired")

    status.short_description = _("Status")

    def starts(self):
        return datetime_shown(self.starts_at, self.service.zone)

    starts.short_description = _("Starts")

    def ends(self):
        return datetime_shown(self.expires_at, self.service.zone)

    ends.short_description = _("Ends")

    def clean(self):
        errors = bidi_errors([("text", _("banner text"), self.text)])
        if errors:
            raise ValidationError(errors)
        if self.starts_at and self.expires_at and self.expires_at <= self.starts_at:
            raise ValidationError({"expires_at": _("The banner must expire after it starts.")})
        if self.link_page_id:
            # The story's reader path is what readers, the feed, the API and e-mail follow.
            page = self.link_page.specific
            if not page.live or not isinstance(page, ReaderPage):
                raise ValidationError({"link_page": _("Choose a story that is live on the site.")})
            if self.service_id and not page.path.startswith(self.service.path):
                raise ValidationError({"link_page": _("Choose a story of this banner's edition.")})
            self.link_url = page.reader_path
        elif self.link_url and not self.link_url.startswith(("/", "https://")):
            raise ValidationError(
                {"link_url": _("Use a reader path starting with / or an https:// address.")}
            )


class ListingEntry(models.Model):
    """One post in one listing, kept by `services.listing_entries_sync` in the change's own
    transaction. Listings read these instead of walking the page tree, so the newest posts of
    a listing, its count and its newest archive page cost the same in any archive size.

    `key` names the listing by ids ("service:<edition>", "blog:<blog>",
    "author:<edition>:<author>", "tag:<edition>:<tag>"), so a renamed slug rewrites nothing.
    A row exists exactly when the post is live, not unlisted, under a live blog of a live
    edition."""

    key = models.CharField(max_length=80)
    post = models.ForeignKey(PostPage, on_delete=models.CASCADE, related_name="listing_entries")
    published_at = models.DateTimeField()  # the post's first_published_at: listings' order
    pinned_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "post"], name="newsroom_listing_entry_once")]
        indexes = [
            # Newest first or oldest first within one listing, and "how many are newer".
            models.Index(fields=["key", "published_at", "post"], name="newsroom_listing_order"),
            # The few pinned posts of a front: NULLs fall outside "pinned_until > now".
            models.Index(fields=["key", "pinned_until"], name="newsroom_listing_pins"),
        ]

    def __str__(self):
        return f"{self.key} {self.post_id}"

    @staticmethod
    def key_of(kind, edition_id, ident=None):
        """The key of a listing: `ident` is the blog's, author's or tag's id."""
        if kind == "service":
            return f"service:{edition_id}"
        if kind == "blog":
            return f"blog:{ident}"
        return f"{kind}:{edition_id}:{ident}"


class ListingCount(models.Model):
    """How many entries a listing has, kept exact beside `ListingEntry`."""

    key = models.CharField(max_length=80, primary_key=True)
    count = models.IntegerField(default=0)

    def __str__(self):
        return f"{self.key}: {self.count}"
