"""How stored rich text becomes reader HTML: links relative to the baked file, images
collected into the bake, and embeds as plain links (no third-party requests).

Stored rich text is read defensively, here and in the editor: the admin form refuses broken
entities (`newsroom.validation.richtext_entity_errors`), but rows saved before it did, or
written by code, may still hold a page id "abc", an image that was deleted or a format that
does not exist. Such an entity becomes plain text (a link without address, no image) in the
bake, and an empty entity in the editor — never an error that stops the bake or the edit view.
"""

from html import unescape

from django.utils.html import escape
from wagtail.admin.rich_text.converters.contentstate import link_entity
from wagtail.admin.rich_text.converters.contentstate_models import Entity
from wagtail.admin.rich_text.converters.html_to_contentstate import (
    ExternalLinkElementHandler,
    PageLinkElementHandler,
)
from wagtail.embeds.rich_text import MediaEmbedHandler
from wagtail.models import Page
from wagtail.embeds.rich_text.contentstate import ContentstateMediaConversionRule, MediaEmbedElementHandler
from wagtail.images.formats import get_image_formats
from wagtail.images.rich_text import ImageEmbedHandler
from wagtail.images.rich_text.contentstate import ContentstateImageConversionRule, ImageElementHandler
from wagtail.rich_text.pages import PageLinkHandler

from samizdat.core.rendering import link
from samizdat.newsroom.models import reader_path
from samizdat.newsroom.validation import is_database_id

from .pictures import picture


def _ids(attrs_list):
    """Each entity's id as an int, or None when it is not a usable id."""
    return [int(attrs["id"]) if is_database_id(attrs.get("id")) else None for attrs in attrs_list]


def _attribute(attrs, name):
    """An attribute's text. Wagtail's parser decodes only &amp; &lt; &gt; &quot;, so the
    &#x27; the editor writes for an apostrophe would otherwise be escaped a second time."""
    return unescape(attrs.get(name, ""))


class ReaderPageLinkHandler(PageLinkHandler):
    @classmethod
    def get_many(cls, attrs_list):
        ids = _ids(attrs_list)
        pages = Page.objects.filter(id__in=[i for i in ids if i]).defer_streamfields().specific().in_bulk()
        return [pages.get(i) for i in ids]

    @classmethod
    def expand_db_attributes_many(cls, attrs_list):
        tags = []
        for page in cls.get_many(attrs_list):
            path = reader_path(page) if page and page.live else None
            tags.append(f'<a href="{escape(link(path))}">' if path else "<a>")
        return tags

    @classmethod
    def extract_references(cls, attrs):
        if is_database_id(attrs.get("id")):
            yield from super().extract_references(attrs)


class ReaderImageEmbedHandler(ImageEmbedHandler):
    @classmethod
    def get_many(cls, attrs_list):
        ids = _ids(attrs_list)
        images = cls.get_model()._default_manager.in_bulk([i for i in ids if i])
        return [images.get(i) for i in ids]

    @classmethod
    def expand_db_attributes_many(cls, attrs_list):
        tags = []
        for attrs, image in zip(attrs_list, cls.get_many(attrs_list), strict=True):
            # Every format (full width, left, right) is shown the column's width on a phone,
            # and site.css does not float pictures: one shape for them all.
            # (Cleaning drops the picture's <template>; `jinja.richtext` writes it again.)
            tags.append(f"<figure>{picture(image, 'body', _attribute(attrs, 'alt'))}</figure>" if image else "")
        return tags

    @classmethod
    def extract_references(cls, attrs):
        if is_database_id(attrs.get("id")):
            yield from super().extract_references(attrs)


class LinkOnlyEmbedHandler(MediaEmbedHandler):
    """An embedded video or post becomes a link: an iframe would make every reader's
    browser call a third party (and tell it who is reading what)."""

    @staticmethod
    def expand_db_attributes(attrs):
        url = _attribute(attrs, "url")
        if not url.startswith(("https://", "http://")):
            return ""
        return f'<p class="embed"><a href="{escape(url)}">{escape(url)}</a></p>'


# The editor (Draftail) reads stored rich text through these; Wagtail's own raise on an id
# that is not a number or a format that does not exist, and the edit view answers 500.


class CheckedPageLinkElementHandler(PageLinkElementHandler):
    def get_attribute_data(self, attrs):
        if not is_database_id(attrs.get("id")):
            # Kept as a broken page link: the editor sees it, and saving it again names the problem.
            return {"id": attrs.get("id", ""), "url": None, "parentId": None}
        return super().get_attribute_data(attrs)


class CheckedImageElementHandler(ImageElementHandler):
    def create_entity(self, name, attrs, state, contentstate):
        if is_database_id(attrs.get("id")) and attrs.get("format") in {f.name for f in get_image_formats()}:
            return super().create_entity(name, attrs, state, contentstate)
        # What Wagtail shows for a deleted image: the entity without a picture. Kept, so that
        # saving it again names the problem.
        return Entity(
            "IMAGE", "IMMUTABLE", {"id": attrs.get("id", ""), "src": "", "alt": attrs.get("alt"), "format": attrs.get("format", "")}
        )


class CheckedMediaEmbedElementHandler(MediaEmbedElementHandler):
    def create_entity(self, name, attrs, state, contentstate):
        return super().create_entity(name, {**attrs, "url": attrs.get("url", "")}, state, contentstate)


CONTENTSTATE_RULES = {
    "link": {
        "from_database_format": {
            "a[href]": ExternalLinkElementHandler("LINK"),
            'a[linktype="page"]': CheckedPageLinkElementHandler("LINK"),
        },
        "to_database_format": {"entity_decorators": {"LINK": link_entity}},
    },
    "image": {
        **ContentstateImageConversionRule,
        "from_database_format": {'embed[embedtype="image"]': CheckedImageElementHandler()},
    },
    "embed": {
        **ContentstateMediaConversionRule,
        "from_database_format": {'embed[embedtype="media"]': CheckedMediaEmbedElementHandler()},
    },
}
