from django.utils.translation import gettext_lazy as _
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import Author, BreakingNews


class AuthorViewSet(SnippetViewSet):
    model = Author
    icon = "user"
    menu_label = _("authors")
    menu_order = 200
    add_to_admin_menu = True
    list_display = ["name", "slug", "is_pen_name"]
    search_fields = ["name"]


class BreakingNewsViewSet(SnippetViewSet):
    model = BreakingNews
    icon = "warning"
    menu_label = _("breaking news")
    menu_order = 210
    add_to_admin_menu = True
    list_display = ["text", "service", "starts_at", "expires_at"]


register_snippet(AuthorViewSet)
register_snippet(BreakingNewsViewSet)
