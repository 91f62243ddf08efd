from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.widgets import Button
from wagtail.models import Page
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from . import services
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


class BreakingNewsViewSet(SnippetViewSet):
    model = BreakingNews
    icon = "warning"
    menu_label = _("breaking news")
    menu_order = 210
    add_to_admin_menu = True
    list_display = ["text", "service", "starts_at", "expires_at"]


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
