"""Wiring only: every change readers can see queues a bake batch."""

from django.db.models.signals import post_delete, post_save
from wagtail.images import get_image_model
from wagtail.signals import page_published, page_unpublished, post_page_move

from . import dependencies
from .services import batch_enqueue


def _is_reader_page(page):
    return hasattr(page.specific_class or type(page), "get_baked_paths")


def on_page_change(sender, instance, **kwargs):
    if _is_reader_page(instance):
        batch_enqueue(reason=f"page {instance.pk} changed", paths=dependencies.paths_for_page(instance))


def on_page_move(sender, instance, **kwargs):
    if instance.live and _is_reader_page(instance):
        batch_enqueue(reason=f"page {instance.pk} moved", paths=dependencies.paths_for_page(instance))


def on_page_delete(sender, instance, **kwargs):
    if instance.live and _is_reader_page(instance):
        batch_enqueue(reason=f"page {instance.pk} deleted", paths=dependencies.paths_for_page(instance))


def on_object_change(sender, instance, **kwargs):
    if kwargs.get("raw"):
        return  # fixtures
    batch_enqueue(reason=f"{sender.__name__} {instance.pk} changed", paths=dependencies.paths_for_object(instance))


def connect():
    from samizdat.newsroom.models import Author, BlogPage, BreakingNews, PostPage, ServicePage

    page_published.connect(on_page_change, dispatch_uid="samizdat-bake-published")
    page_unpublished.connect(on_page_change, dispatch_uid="samizdat-bake-unpublished")
    post_page_move.connect(on_page_move, dispatch_uid="samizdat-bake-moved")
    for model in (ServicePage, BlogPage, PostPage):
        post_delete.connect(on_page_delete, sender=model, dispatch_uid=f"samizdat-bake-del-{model.__name__}")
    for model in (Author, BreakingNews, get_image_model()):
        post_save.connect(on_object_change, sender=model, dispatch_uid=f"samizdat-bake-save-{model.__name__}")
        post_delete.connect(on_object_change, sender=model, dispatch_uid=f"samizdat-bake-del-{model.__name__}")
