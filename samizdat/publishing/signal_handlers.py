"""Wiring only: every change readers can see is recorded by `changes.change_record` as an
event (`dependencies` describes it); the worker works out its paths later."""

from django.db.models.signals import post_delete, post_save, pre_save
from wagtail.images import get_image_model
from wagtail.signals import page_published, page_slug_changed, page_unpublished, post_page_move

from samizdat.newsroom.models import Author, BlogPage, BreakingNews, NewsroomHome, PostPage, ServicePage

from . import dependencies
from .changes import change_record


def _is_reader_page(page):
    return hasattr(page.specific_class or type(page), "get_baked_paths")


PAGE_EVENTS = {page_published: "published", page_unpublished: "unpublished", post_page_move: "moved", post_delete: "deleted"}


def on_page_event(sender, instance, signal, **kwargs):
    # Moving or deleting a page readers never saw changes nothing they see.
    if _is_reader_page(instance) and (instance.live or signal is page_unpublished):
        gone = signal in (page_unpublished, post_delete)
        event = dependencies.page_event(instance, gone=gone, deleted=signal is post_delete)
        change_record(reason=f"page {instance.pk} {PAGE_EVENTS[signal]}", event=event)


def on_slug_changed(sender, instance, instance_before, **kwargs):
    """Wagtail records redirects for a changed slug only once the change is committed (this
    signal). Bake the old addresses again now, so they become redirect pages."""
    if _is_reader_page(instance) and instance.live:
        change_record(reason=f"page {instance.pk} slug changed", event=dependencies.slug_event(instance, instance_before))


def remember_previous(sender, instance, raw=False, **kwargs):
    """Keep the saved state of an author or banner: a renamed slug or a banner moved to
    another edition touches the old pages too."""
    if not raw and instance.pk:
        instance._previous = sender.objects.filter(pk=instance.pk).first()


def on_object_change(sender, instance, raw=False, created=False, **kwargs):
    if not raw:  # fixtures
        event = dependencies.object_event(instance, old=getattr(instance, "_previous", None))
        change_record(reason=f"{sender.__name__} {instance.pk} changed", event=event)


def connect():
    for signal in (page_published, page_unpublished, post_page_move):
        signal.connect(on_page_event, dispatch_uid=f"samizdat-bake-{PAGE_EVENTS[signal]}")
    # After Wagtail's own handler, which creates the redirects (its app is set up first).
    page_slug_changed.connect(on_slug_changed, dispatch_uid="samizdat-bake-slug")
    for model in (NewsroomHome, ServicePage, BlogPage, PostPage):
        post_delete.connect(on_page_event, sender=model, dispatch_uid=f"samizdat-bake-del-{model.__name__}")
    for model in (Author, BreakingNews):
        pre_save.connect(remember_previous, sender=model, dispatch_uid=f"samizdat-previous-{model.__name__}")
    for model in (Author, BreakingNews, get_image_model()):
        post_save.connect(on_object_change, sender=model, dispatch_uid=f"samizdat-bake-save-{model.__name__}")
        post_delete.connect(on_object_change, sender=model, dispatch_uid=f"samizdat-bake-del-{model.__name__}")
