"""Wiring only."""

from django.db.models.signals import pre_delete, pre_save
from wagtail.images import get_image_model
from wagtail.models import Page
from wagtail.signals import page_published, page_unpublished, post_page_move

from . import services
from .images import image_strip_upload_metadata
from .models import BlogPage, PostPage, ServicePage


def on_image_save(sender, instance, **kwargs):
    image_strip_upload_metadata(instance)


def on_page_change(sender, instance, signal, **kwargs):
    services.listing_entries_page_changed(page=instance, moved=signal is post_page_move)


def on_page_delete(sender, instance, **kwargs):
    # Before the delete, while the rows still say which counters to lower (the cascade would
    # drop them silently), and after Wagtail's own pre_delete, which unpublishes the page and
    # so re-syncs it from the database where it is still live.
    if instance.specific_class is PostPage:
        services.listing_entries_remove(post=instance)


def connect():
    pre_save.connect(on_image_save, sender=get_image_model(), dispatch_uid="samizdat-strip-image-metadata")
    # The listing index changes in the change's own transaction, before publishing's handlers
    # (connected after these: newsroom comes first in INSTALLED_APPS) read the listings.
    for signal, name in ((page_published, "published"), (page_unpublished, "unpublished"), (post_page_move, "moved")):
        for model in (PostPage, BlogPage, ServicePage):
            signal.connect(on_page_change, sender=model, dispatch_uid=f"samizdat-listings-{name}-{model.__name__}")
    pre_delete.connect(on_page_delete, sender=Page, dispatch_uid="samizdat-listings-deleted")
