from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.widgets import Button
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from samizdat.newsroom.models import BreakingNews, PostPage

from . import admin_views
from .models import EditionMail


@hooks.register("register_admin_urls")
def register_mail_urls():
    return [
        path("mail/", admin_views.overview, name="mail_overview"),
        path("mail/digest/<int:edition_id>/", admin_views.digest_preview, name="mail_digest_preview"),
        path("mail/alert/post/<int:page_id>/", admin_views.alert_post, name="mail_alert_post"),
        path("mail/alert/banner/<int:banner_id>/", admin_views.alert_banner, name="mail_alert_banner"),
        path("mail/export/<int:edition_id>/", admin_views.export, name="mail_export"),
    ]


class SendLogMenuItem(MenuItem):
    def is_shown(self, request):
        return admin_views.may_see_log(request.user)


@hooks.register("register_admin_menu_item")
def mail_menu_item():
    return SendLogMenuItem(_("News by e-mail"), reverse("mail_overview"), icon_name="mail", order=950)


@hooks.register("register_page_header_buttons")
def alert_button(page, user, view_name=None, next_url=None):
    if issubclass(page.specific_class or type(page), PostPage) and page.live:
        if page.permissions_for_user(user).can_publish():
            yield Button(_("Send as e-mail alert"), reverse("mail_alert_post", args=[page.pk]), icon_name="mail",
                         priority=70)


@hooks.register("register_snippet_listing_buttons")
def banner_alert_button(snippet, user, next_url=None):
    if isinstance(snippet, BreakingNews) and user.has_perm("newsroom.change_breakingnews"):
        yield Button(_("Send as e-mail alert"), reverse("mail_alert_banner", args=[snippet.pk]), icon_name="mail",
                     priority=70)


class EditionMailViewSet(SnippetViewSet):
    """Digest time per edition: administrators only (no group is granted the model's permissions)."""

    model = EditionMail
    icon = "mail"
    menu_label = _("E-mail settings")
    list_display = ["edition", "digest_enabled", "digest_time"]
    add_to_settings_menu = True


register_snippet(EditionMailViewSet)


@hooks.register("register_log_actions")
def register_export_log_action(actions):
    actions.register_action("samizdat.mail_export", _("Export subscriber addresses"), _("Subscriber addresses exported"))
