"""How stored rich text becomes reader HTML: links relative to the baked file, images
collected into the bake, and embeds as plain links (no third-party requests)."""

from django.utils.html import escape
from wagtail.embeds.rich_text import MediaEmbedHandler
from wagtail.images.formats import get_image_format
from wagtail.images.rich_text import ImageEmbedHandler
from wagtail.rich_text.pages import PageLinkHandler

from samizdat.newsroom.models import reader_path
from samizdat.core.rendering import link, media_url


class ReaderPageLinkHandler(PageLinkHandler):
    @classmethod
    def expand_db_attributes_many(cls, attrs_list):
        tags = []
        for page in cls.get_many(attrs_list):
            path = reader_path(page) if page and page.live else None
            tags.append(f'<a href="{escape(link(path))}">' if path else "<a>")
        return tags


class ReaderImageEmbedHandler(ImageEmbedHandler):
    @classmethod
    def expand_db_attributes_many(cls, attrs_list):
        tags = []
        for attrs, image in zip(attrs_list, cls.get_many(attrs_list), strict=True):
            if image is None:
                tags.append("")
                continue
            spec = get_image_format(attrs.get("format", "fullwidth")).filter_spec
            rendition = image.get_rendition(spec if "width" in spec else "width-800")
            tags.append(
                f'<figure><img src="{escape(media_url(rendition))}" alt="{escape(attrs.get("alt", ""))}" '
                f'width="{rendition.width}" height="{rendition.height}" loading="lazy" decoding="async"></figure>'
            )
        return tags


class LinkOnlyEmbedHandler(MediaEmbedHandler):
    """An embedded video or post becomes a link: an iframe would make every reader's
    browser call a third party (and tell it who is reading what)."""

    @staticmethod
    def expand_db_attributes(attrs):
        url = attrs.get("url", "")
        if not url.startswith(("https://", "http://")):
            return ""
        return f'<p class="embed"><a href="{escape(url)}">{escape(url)}</a></p>'
