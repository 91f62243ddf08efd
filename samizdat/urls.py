from django.urls import include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls

from samizdat.api.views import api_router, openapi_view
from samizdat.delivery.views import media_for_editors
from samizdat.search.views import search

urlpatterns = [
    # Before Wagtail's admin: the second sign-in step and the two-step verification page.
    path("admin/account/", include("samizdat.accounts.urls")),
    path("admin/account/passkeys/", include("django_otp_webauthn.urls", namespace="otp_webauthn")),
    path("admin/", include(wagtailadmin_urls)),
    path("mail/", include("samizdat.mail.urls")),  # subscribe, confirm, unsubscribe
    re_path(r"^media/(?P<path>.+)$", media_for_editors, name="media"),
    path("api/v2/openapi.json", openapi_view, name="openapi"),  # the API's OpenAPI 3.1 description
    path("api/v2/", api_router.urls),  # read-only, published content only (samizdat.api)
    # Each edition's search page with the server's results (the baked one elsewhere).
    re_path(r"^(?P<edition>[^/]+)/search/(?:index\.html)?$", search, name="search"),
    # Reader pages. The baker renders every reader path through this route (the same
    # view stack as the Wagtail preview); `samizdat serve` answers readers from the
    # baked files instead, so this route never serves a reader directly.
    path("", include(wagtail_urls)),
]
