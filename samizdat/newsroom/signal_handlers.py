"""Wiring only."""

from django.db.models.signals import post_save, pre_delete, pre_save
from taggit.models import Tag
from wagtail.images import get_image_model
from wagtail.models import Page
from wagtail.signals import page_published, page_unpublished, post_page_move

from . import services
from .images import image_original_clean
from .models import BlogPage, PostPage, ServicePage
from .validation import tag_slug_limit


def on_image_save(sender, instance, **kwargs):
    image_original_clean(image=instance)


def on_edition_or_blog_change(sender, instance=None, raw=False, **kwargs):
    if not raw:
        services.edition_desks_ensure()


def on_tag_save(sender, instance, **kwargs):
    tag_slug_limit(instance)


def on_page_change(sender, instance, signal, **kwargs):
    services.listing_entries_page_changed(page=instance, moved=signal is post_page_move)


def on_page_delete(sender, instance, **kwargs):
    # Before the delete, while the rows still say which counters to lower (the cascade would
    # drop them silently), and after Wagtail's own pre_delete, which unpublishes the page and
    # so re-syncs it from the database where it is still live.
    if instance.specific_class is PostPage:
        services.listing_entries_remove(post=instance)


def connect():
    pre_save.connect(on_image_save, sender=get_image_model(), dispatch_uid="samizdat-clean-image-original")
    for model in (ServicePage, BlogPage):
        post_save.connect(on_edition_or_blog_change, sender=model, dispatch_uid=f"samizdat-desks-save-{model.__name__}")
        post_page_move.connect(on_edition_or_blog_change, sender=model, dispatch_uid=f"samizdat-desks-move-{model.__name__}")
    pre_save.connect(on_tag_save, sender=Tag, dispatch_uid="samizdat-tag-slug-bytes")
    # The listing index changes in the change's own transaction (publishing reads it after
    # commit, when the worker works out what a recorded change made stale).
    for signal, name in ((page_published, "published"), (page_unpublished, "unpublished"), (post_page_move, "moved")):
        for model in (PostPage, BlogPage, ServicePage):
            signal.connect(on_page_change, sender=model, dispatch_uid=f"samizdat-listings-{name}-{model.__name__}")
    pre_delete.connect(on_page_delete, sender=Page, dispatch_uid="samizdat-listings-deleted")
