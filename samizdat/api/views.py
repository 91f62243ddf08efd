"""Wagtail's read-only API v2 at `/api/v2/`: posts and the other reader pages, authors,
images and breaking news — only what an anonymous reader of the site may see.

* pages: live, public pages of the reader site (Wagtail's own filter; the "Deleted posts"
  page sits outside every site). The fields are the models' `api_fields`: no body (the
  full text, cleaned as on the page, is in each edition's baked `feed.json`), no owner, no
  contact addresses;
* authors: the public profiles (pen names) of authors with listed posts; never staff
  accounts, never the "is a pen name" note or a contact address;
* images: only lead images of live posts, as the width-800 rendition the reader site carries
  (its path there); no `download_url`, no title — readers get renditions, never the
  uploaded original, and the post's own alt text;
* breaking news: the banners active now.

Anonymous requests are throttled (`ReaderThrottle`); every viewset answers GET only.
"""

from django.db.models import Q
from django.http import JsonResponse
from django.utils import timezone
from rest_framework.throttling import AnonRateThrottle
from wagtail.api import APIField
from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.api.v2.views import BaseAPIViewSet, PagesAPIViewSet
from wagtail.images.api.v2.views import ImagesAPIViewSet

from samizdat.newsroom.api_fields import ReaderRenditionField
from .openapi import openapi_document
from samizdat.newsroom.models import Author, BreakingNews, ListingCount, PostPage


class ReaderThrottle(AnonRateThrottle):
    rate = "120/min"


class ReaderPagesAPIViewSet(PagesAPIViewSet):
    throttle_classes = [ReaderThrottle]


class AuthorsAPIViewSet(BaseAPIViewSet):
    model = Author
    name = "authors"
    throttle_classes = [ReaderThrottle]
    body_fields = BaseAPIViewSet.body_fields + ["name", "slug", "bio"]
    listing_default_fields = BaseAPIViewSet.listing_default_fields + ["name", "slug"]

    def get_queryset(self):
        listed = {
            int(key.rsplit(":", 1)[1])
            for key in ListingCount.objects.filter(key__startswith="author:", count__gt=0).values_list("key", flat=True)
        }
        return Author.objects.filter(pk__in=listed).order_by("id")


class ReaderImagesAPIViewSet(ImagesAPIViewSet):
    throttle_classes = [ReaderThrottle]
    # The rendition readers get; no download_url (the original), no tags, no title (the
    # upload's internal name: readers get the post's alt text and caption).
    body_fields = BaseAPIViewSet.body_fields + [APIField("rendition", serializer=ReaderRenditionField(source="*"))]
    meta_fields = BaseAPIViewSet.meta_fields
    listing_default_fields = BaseAPIViewSet.listing_default_fields + ["rendition"]
    nested_default_fields = BaseAPIViewSet.nested_default_fields + ["rendition"]

    def get_queryset(self):
        shown = PostPage.objects.live().public().exclude(lead_image=None).values_list("lead_image_id", flat=True)
        return super().get_queryset().filter(pk__in=shown).order_by("id")


class BreakingNewsAPIViewSet(BaseAPIViewSet):
    model = BreakingNews
    name = "breaking"
    throttle_classes = [ReaderThrottle]
    body_fields = BaseAPIViewSet.body_fields + ["text", "link_url", "starts_at", "expires_at", "service"]
    listing_default_fields = BaseAPIViewSet.listing_default_fields + ["text", "link_url", "starts_at", "expires_at", "service"]

    def get_queryset(self):
        now = timezone.now()
        live_services = Q(service__live=True)
        return BreakingNews.objects.filter(live_services, starts_at__lte=now, expires_at__gt=now).order_by("id")


api_router = WagtailAPIRouter("samizdat_api")
api_router.register_endpoint("pages", ReaderPagesAPIViewSet)
api_router.register_endpoint("authors", AuthorsAPIViewSet)
api_router.register_endpoint("images", ReaderImagesAPIViewSet)
api_router.register_endpoint("breaking", BreakingNewsAPIViewSet)


def openapi_view(request):
    """`/api/v2/openapi.json`: the API's description, derived from the router above."""
    response = JsonResponse(openapi_document(api_router), json_dumps_params={"indent": 1})
    response["Access-Control-Allow-Origin"] = "*"  # public and read-only: any app may read it
    return response
