from django.contrib import messages as django_messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.templatetags.static import static
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.ui.components import Component
from wagtail.admin.widgets import AdminPageChooser, Button
from wagtail.admin.action_menu import WorkflowMenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, ObjectList
from wagtail.admin.templatetags.wagtailadmin_tags import user_display_name
from wagtail.models import Page, WorkflowState
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views import chooser as snippet_choosers
from wagtail.snippets.views import snippets as snippet_views
from wagtail.snippets.views.snippets import SnippetViewSet

from samizdat.core.errors import NewsroomError

from . import selectors, services
from .forms import BreakingNewsForm
from .models import Author, BlogPage, BreakingNews, PostPage
from .permissions import page_permissions


class AuthorIndexView(snippet_views.IndexView):
    """Which bylines are pen names is for those who assign them (editors, administrators:
    `change_author`), not for every contributor who may look the list up."""

    @cached_property
    def columns(self):
        shown = super().columns
        if self.request.user.has_perm("newsroom.change_author"):
            return shown
        return [column for column in shown if column.name != "is_pen_name"]


class AuthorViewSet(SnippetViewSet):
    model = Author
    icon = "user"
    menu_label = _("authors")
    menu_order = 200
    add_to_admin_menu = True
    list_display = ["name", "slug", "is_pen_name"]
    search_fields = ["name"]
    index_view_class = AuthorIndexView


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
    list_display = ["text", "service", "status", "starts", "ends"]
    edit_handler = ObjectList(
        [
            FieldPanel("service"),
            FieldPanel("text"),
            FieldPanel("link_page", widget=AdminPageChooser(target_models=[PostPage, BlogPage])),
            FieldPanel("link_url"),
            FieldRowPanel([FieldPanel("starts_at"), FieldPanel("expires_in"), FieldPanel("expires_at")]),
            FieldPanel("replace_current"),
        ],
        base_form_class=BreakingNewsForm,
    )
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


def byline_create_view(request):
    """A writer without a byline makes their own from the home screen (their first visit)."""
    if request.method != "POST":
        return redirect("wagtailadmin_home")
    if not selectors.blogs_for_writer(request.user):
        raise PermissionDenied("Only writers make a byline here.")
    if selectors.bylines_of(request.user).exists():
        messages.error(request, _("You have a byline already; an editor can change it in the author list."))
        return redirect("wagtailadmin_home")
    try:
        author = services.byline_create(
            user=request.user, name=request.POST.get("name", ""), is_pen_name=bool(request.POST.get("is_pen_name"))
        )
    except NewsroomError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your posts will be signed “%(name)s”.") % {"name": author.name})
    return redirect("wagtailadmin_home")


@hooks.register("register_admin_urls")
def register_restore_url():
    return [
        path("deleted-posts/<int:page_id>/restore/", post_restore_view, name="newsroom_post_restore"),
        path("byline/", byline_create_view, name="newsroom_byline_create"),
    ]


@hooks.register("register_page_listing_more_buttons")
def restore_button(page, user, next_url=None):
    if issubclass(page.specific_class or Page, PostPage) and services.is_deleted_post(page):
        if page_permissions(user, page).is_administrator():
            yield Button(_("Restore"), reverse("newsroom_post_restore", args=[page.pk]), icon_name="undo", priority=5)


# The home screen answers what each desk asks first: where do I write, what did the editor
# send back and why, what waits for my review, what goes out when, which banners are up.
# (Pages that fail to bake: publishing's own panel.)


class DeskPanel(Component):
    """A dashboard panel from a template and its context; not shown when it has nothing."""

    def __init__(self, *, name, order, template_name, shown, **context):
        self.name, self.order, self.template_name, self.shown, self.context = name, order, template_name, shown, context

    def get_context_data(self, parent_context=None):
        parent = parent_context or {}
        # csrf_token: the byline form posts from the home screen.
        return {**self.context, "request": parent.get("request"), "csrf_token": parent.get("csrf_token")}

    def render_html(self, parent_context=None):
        return super().render_html(parent_context) if self.shown else ""


@hooks.register("construct_homepage_panels")
def desk_home_panels(request, panels):
    user = request.user
    blogs = selectors.blogs_for_writer(user)
    drafts = selectors.drafts_of_user(user)
    queues = selectors.review_queue_by_edition(user)
    scheduled = selectors.scheduled_posts(user)
    banners = list(selectors.banners_live_for_user(user))
    # Ours replace Wagtail's "Your pages in a workflow" and "Awaiting your review".
    panels[:] = [p for p in panels if p.name not in ("user_objects_in_workflow_moderation", "workflow_objects_to_moderate")]
    template = "newsroom/admin/home/%s.html"
    panels.extend([
        DeskPanel(
            name="samizdat_write", order=20, template_name=template % "write", shown=bool(blogs), blogs=blogs,
            bylines=list(selectors.bylines_of(user)),
        ),
        DeskPanel(name="samizdat_drafts", order=30, template_name=template % "drafts", shown=bool(drafts), drafts=drafts),
        DeskPanel(name="samizdat_review", order=40, template_name=template % "review", shown=bool(queues), queues=queues),
        DeskPanel(name="samizdat_scheduled", order=50, template_name=template % "scheduled", shown=bool(scheduled), scheduled=scheduled),
        DeskPanel(
            name="samizdat_banners", order=60, template_name=template % "banners", shown=bool(banners), banners=banners,
            can_edit=user.has_perm("newsroom.change_breakingnews"),
        ),
    ])


@hooks.register("construct_page_action_menu")
def newsroom_action_menu(menu_items, request, context):
    """Approving the last review step says that it publishes. Who may not publish gets "Submit for review" as the editor's main button: submitting
    is what they came to do (a draft is saved on the way)."""
    state = getattr(context.get("page"), "current_workflow_state", None)
    if state is not None and state.is_at_final_task:
        for item in menu_items:  # approving the last step publishes: the button says so
            if isinstance(item, WorkflowMenuItem) and item.name == "approve":
                item.label = _("Approve with comment and publish") if item.launch_modal else _("Approve and publish")
    submit = next((item for item in menu_items if item.name == "action-submit"), None)
    if submit is not None and not any(item.name == "action-publish" for item in menu_items):
        menu_items.remove(submit)
        menu_items.insert(0, submit)


# The review loop in the newsroom's words: a returned post opens with the reviewer's comment
# on top; approving says that the post is now live and links to it.


@hooks.register("before_edit_page")
def show_requested_changes(request, page):
    if request.method != "GET":
        return None
    state = page.current_workflow_state
    if state is None or state.status != WorkflowState.STATUS_NEEDS_CHANGES:
        return None
    comment = selectors.returned_comment(page)
    reviewer = state.current_task_state.finished_by if state.current_task_state else None
    message = _("Changes requested by %(reviewer)s: “%(comment)s” Edit the post, then submit it for review again.") if comment else _(
        "Changes requested by %(reviewer)s. Edit the post, then submit it for review again."
    )
    messages.warning(request, message % {"reviewer": user_display_name(reviewer) if reviewer else _("an editor"), "comment": comment})
    return None


@hooks.register("after_edit_page")
def confirm_workflow_action(request, page):
    if "action-workflow-action" not in request.POST:
        return None
    action = request.POST.get("workflow-action-name")
    page.refresh_from_db()
    if action == "approve" and page.live and not page.current_workflow_state:
        list(django_messages.get_messages(request))  # Wagtail's "has been updated" says less than this
        buttons = [messages.button(page.url, _("View live"))] if page.url else []
        messages.success(request, _("“%(title)s” is approved and published: readers see it now.") % {"title": page.title}, buttons=buttons)
    elif action == "reject":
        list(django_messages.get_messages(request))
        messages.success(request, _("Changes requested: “%(title)s” went back to its writer with your comment.") % {"title": page.title})
    return None
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


# The page editor's schedule dialog and screen-reader names Wagtail's widgets lack (editor.js).


@hooks.register("insert_editor_js")
def editor_mends_js():
    return format_html('<script src="{}"></script>', static("newsroom/editor.js"))


@hooks.register("insert_global_admin_css")
def editor_mends_css():
    return format_html('<link rel="stylesheet" href="{}">', static("newsroom/editor.css"))
