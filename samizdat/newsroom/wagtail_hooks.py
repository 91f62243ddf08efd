from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.ui.components import Component
from wagtail.admin.widgets import Button
from wagtail.models import Page
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views import chooser as snippet_choosers
from wagtail.snippets.views import snippets as snippet_views
from wagtail.snippets.views.snippets import SnippetViewSet

from . import selectors, services
from .models import Author, BreakingNews, PostPage
from .permissions import page_permissions


class AuthorViewSet(SnippetViewSet):
    model = Author
    icon = "user"
    menu_label = _("authors")
    menu_order = 200
    add_to_admin_menu = True
    list_display = ["name", "slug", "is_pen_name"]
    search_fields = ["name"]


# Banners are scoped to the editions the user may publish in (`selectors.banners_for_user`):
# Wagtail's snippet views check only the model permissions, so the list takes the viewset's
# queryset, the views of one banner a lookup that answers 404 for any other, the chooser its
# list, the form its edition choices (`BreakingNewsForm`), and bulk delete the permission
# policy below.


class EditionBannerMixin:
    def get_object(self, *args, **kwargs):
        banner = super().get_object(*args, **kwargs)
        if not selectors.banners_for_user(self.request.user).filter(pk=banner.pk).exists():
            raise Http404("No such banner in your editions.")
        return banner


class BannerEditView(EditionBannerMixin, snippet_views.EditView):
    pass


class BannerDeleteView(EditionBannerMixin, snippet_views.DeleteView):
    pass


class BannerCopyView(EditionBannerMixin, snippet_views.CopyView):
    pass


class BannerUsageView(EditionBannerMixin, snippet_views.UsageView):
    pass


class BannerHistoryView(EditionBannerMixin, snippet_views.HistoryView):
    pass


class EditionBannerChoicesMixin:
    def get_object_list(self):
        return selectors.banners_for_user(self.request.user)


class BannerChooseView(EditionBannerChoicesMixin, snippet_choosers.ChooseView):
    pass


class BannerChooseResultsView(EditionBannerChoicesMixin, snippet_choosers.ChooseResultsView):
    pass


class BannerChosenView(snippet_choosers.SnippetChosenView):
    def get_object(self, pk):
        return selectors.banners_for_user(self.request.user).get(pk=pk)


class BannerChosenMultipleView(snippet_choosers.SnippetChosenMultipleView):
    def get_objects(self, pks):
        return selectors.banners_for_user(self.request.user).filter(pk__in=pks)


class BannerChooserViewSet(snippet_choosers.SnippetChooserViewSet):
    choose_view_class = BannerChooseView
    choose_results_view_class = BannerChooseResultsView
    chosen_view_class = BannerChosenView
    chosen_multiple_view_class = BannerChosenMultipleView


class BannerPermissionPolicy(ModelPermissionPolicy):
    def user_has_permission_for_instance(self, user, action, instance):
        return super().user_has_permission_for_instance(user, action, instance) and (
            selectors.banners_for_user(user).filter(pk=instance.pk).exists()
        )

    def instances_user_has_any_permission_for(self, user, actions):
        return super().instances_user_has_any_permission_for(user, actions) & selectors.banners_for_user(user)


class BreakingNewsViewSet(SnippetViewSet):
    model = BreakingNews
    icon = "warning"
    menu_label = _("breaking news")
    menu_order = 210
    add_to_admin_menu = True
    list_display = ["text", "service", "starts_at", "expires_at"]
    edit_view_class = BannerEditView
    delete_view_class = BannerDeleteView
    copy_view_class = BannerCopyView
    usage_view_class = BannerUsageView
    history_view_class = BannerHistoryView
    chooser_viewset_class = BannerChooserViewSet

    def get_queryset(self, request):
        return selectors.banners_for_user(request.user)


register_permission_policy(BreakingNews, BannerPermissionPolicy(BreakingNews))
register_snippet(AuthorViewSet)
register_snippet(BreakingNewsViewSet)


# Least privilege: the rules live in permissions.py; these hooks enforce them in the admin
# views that check a plain Page (Wagtail's own tester) and turn a post's delete into a
# restorable "trash" (services.post_trash).


@hooks.register("before_delete_page")
def delete_post_into_trash(request, page):
    if not page_permissions(request.user, page).can_delete():
        raise PermissionDenied("Only administrators delete pages.")
    if issubclass(page.specific_class, PostPage) and not services.is_deleted_post(page):
        if request.method == "POST":
            services.post_trash(post=page, user=request.user)
            messages.success(
                request,
                _("“%(title)s” was taken off the site and kept in “Deleted posts”, where an administrator can restore it.")
                % {"title": page.title},
            )
            return redirect("wagtailadmin_explore", page.get_parent().pk)
        return None
    # A blog or an edition goes only once it holds no posts; "Deleted posts" may be emptied.
    area = services.deleted_posts_area()
    in_area = area is not None and page.path.startswith(area.path)
    if not in_area and PostPage.objects.descendant_of(page).exists():
        messages.error(
            request,
            _("“%(title)s” still holds posts: delete or move them first.") % {"title": page.title},
        )
        return redirect("wagtailadmin_explore", page.get_parent().pk)
    return None


@hooks.register("before_move_page")
def refuse_move(request, page, destination):
    if not page_permissions(request.user, page).can_move_to(destination):
        raise PermissionDenied("You may not move this page there.")


@hooks.register("before_copy_page")
def refuse_copy(request, page):
    if not page_permissions(request.user, page).can_copy():
        raise PermissionDenied("You may not copy this page.")


@hooks.register("before_bulk_action")
def guard_bulk_page_actions(request, action_type, objects, action_class_instance):
    if not issubclass(action_class_instance.model, Page):
        return None
    if action_type == "move":
        if not all(page_permissions(request.user, page).can_move() for page in objects):
            raise PermissionDenied("You may not move these pages.")
    if action_type != "delete":
        return None
    if not all(page_permissions(request.user, page).can_delete() for page in objects):
        raise PermissionDenied("Only administrators delete pages.")
    live_site = [page for page in objects if not services.is_deleted_post(page)]
    if not live_site:
        return None  # emptying "Deleted posts" is a real delete
    if not all(issubclass(page.specific_class, PostPage) for page in live_site):
        messages.error(request, _("Delete blogs and editions one at a time, once they hold no posts."))
        return redirect(action_class_instance.next_url)
    for page in live_site:
        services.post_trash(post=page, user=request.user)
    messages.success(
        request,
        _("%(count)d posts were taken off the site and kept in “Deleted posts”.") % {"count": len(live_site)},
    )
    return redirect(action_class_instance.next_url)


@hooks.register("register_log_actions")
def register_trash_log_actions(actions):
    actions.register_action("samizdat.trash", _("Delete (kept in Deleted posts)"), _("Deleted, kept in Deleted posts"))
    actions.register_action("samizdat.restore", _("Restore"), _("Restored from Deleted posts"))


def post_restore_view(request, page_id):
    post = get_object_or_404(PostPage, pk=page_id)
    if not page_permissions(request.user, post).is_administrator():
        raise PermissionDenied("Only administrators restore deleted posts.")
    if not services.is_deleted_post(post):
        return redirect("wagtailadmin_pages:edit", post.pk)
    blog, _slug = services.post_trashed_from(post)
    if request.method == "POST" and blog is not None:
        services.post_restore(post=post, user=request.user, blog=blog)
        messages.success(request, _("“%(title)s” is back in “%(blog)s” as a draft.") % {"title": post.title, "blog": blog.title})
        return redirect("wagtailadmin_pages:edit", post.pk)
    return TemplateResponse(request, "newsroom/admin/confirm_restore.html", {"post": post, "blog": blog})


@hooks.register("register_admin_urls")
def register_restore_url():
    return [path("deleted-posts/<int:page_id>/restore/", post_restore_view, name="newsroom_post_restore")]


@hooks.register("register_page_listing_more_buttons")
def restore_button(page, user, next_url=None):
    if issubclass(page.specific_class or Page, PostPage) and services.is_deleted_post(page):
        if page_permissions(user, page).is_administrator():
            yield Button(_("Restore"), reverse("newsroom_post_restore", args=[page.pk]), icon_name="undo", priority=5)


class EditionAddressPanel(Component):
    """Names the editions without a public address (base URL): they get no sitemap and no
    canonical links, since an absolute address cannot be guessed."""

    name = "samizdat_edition_addresses"
    order = 20

    def __init__(self, editions):
        self.editions = editions

    def render_html(self, parent_context=None):
        names = format_html_join("", "<li>{}</li>", ((e.title,) for e in self.editions))
        return format_html(
            '<section class="panel samizdat-edition-addresses"><h2>{}</h2>'
            '<p class="help-block help-warning">{}</p><ul>{}</ul></section>',
            _("Public addresses"),
            _(
                "These editions have no public address (base URL): no sitemap is baked for them and "
                "their pages carry no canonical link. Set it in the edition's settings."
            ),
            names,
        )


@hooks.register("construct_homepage_panels")
def add_edition_address_warning(request, panels):
    editions = list(selectors.services_live().filter(base_url=""))
    if editions:
        panels.append(EditionAddressPanel(editions))
