from django.conf import settings
from django.contrib.auth.decorators import user_passes_test
from django.views.static import serve


@user_passes_test(lambda u: u.is_active and u.has_perm("wagtailadmin.access_admin"), login_url="wagtailadmin_login")
def media_for_editors(request, path):
    """Uploaded originals and admin thumbnails, for signed-in editors only. Readers get
    re-encoded renditions from the baked site, never the uploaded files."""
    return serve(request, path, document_root=settings.MEDIA_ROOT)
