"""Wiring only: every change readers can see queues a bake batch."""

from django.db.models.signals import post_delete, post_save
from wagtail.images import get_image_model
from wagtail.signals import page_published, page_unpublished, post_page_move

from . import dependencies
from .services import batch_enqueue


def _is_reader_page(page):
    return hasattr(page.specific_class or type(page), "get_baked_paths")


PAGE_EVENTS = {page_published: "published", page_unpublished: "unpublished", post_page_move: "moved", post_delete: "deleted"}


def on_page_event(sender, instance, signal, **kwargs):
    # Moving or deleting a page readers never saw changes nothing they see.
    if _is_reader_page(instance) and (instance.live or signal is page_unpublished):
        batch_enqueue(
            reason=f"page {instance.pk} {PAGE_EVENTS[signal]}", paths=dependencies.paths_for_page(instance)
        )


def on_object_change(sender, instance, **kwargs):
    if kwargs.get("raw"):
        return  # fixtures
    batch_enqueue(reason=f"{sender.__name__} {instance.pk} changed", paths=dependencies.paths_for_object(instance))


def connect():
    from samizdat.newsroom.models import Author, BlogPage, BreakingNews, PostPage, ServicePage

    for signal in (page_published, page_unpublished, post_page_move):
        signal.connect(on_page_event, dispatch_uid=f"samizdat-bake-{PAGE_EVENTS[signal]}")
    for model in (ServicePage, BlogPage, PostPage):
        post_delete.connect(on_page_event, sender=model, dispatch_uid=f"samizdat-bake-del-{model.__name__}")
    for model in (Author, BreakingNews, get_image_model()):
        post_save.connect(on_object_change, sender=model, dispatch_uid=f"samizdat-bake-save-{model.__name__}")
        post_delete.connect(on_object_change, sender=model, dispatch_uid=f"samizdat-bake-del-{model.__name__}")
