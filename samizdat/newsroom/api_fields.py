"""Serializer fields of the content API's `api_fields` (`samizdat.api` serves them): each
declares the shape it answers, so the API's OpenAPI description is derived from them.

Images are described as readers get them: the address in the baked site of the rendition
pages share (`renditions.share_spec`: the lead picture's default width, the one Open Graph and
the feeds name; `/assets/media/<hash>.<ext>`, a file every bake copies beside the pages) and
its size — not the
origin's `/media/` address, which only signed-in staff may open, and not Wagtail's default
alt text, which is the upload's internal title (the post's own alt text is `lead_image_alt`).
"""

from django.conf import settings
from rest_framework import serializers

from samizdat.core.rendering import media_site_path

from .renditions import share_spec


class NameSlugSerializer(serializers.Serializer):
    name = serializers.CharField()
    slug = serializers.CharField()


def name_slug_list():
    """A list of {"name", "slug"}: a post's byline (pen names) or topics."""
    return serializers.ListField(child=NameSlugSerializer(), read_only=True)


class ReaderRenditionSerializer(serializers.Serializer):
    url = serializers.CharField(help_text="The rendition's path on the reader site")
    width = serializers.IntegerField()
    height = serializers.IntegerField()


class ReaderRenditionField(serializers.Field):
    """An image as the reader site shows it: one rendition, {"url", "width", "height"}."""

    schema = ReaderRenditionSerializer

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, image):
        rendition = image.get_rendition(share_spec(image))
        url = settings.SAMIZDAT_SITE_PATH.rstrip("/") + media_site_path(rendition)
        return {"url": url, "width": rendition.width, "height": rendition.height}
