"""Wiring only."""

from django.db.models.signals import post_save, pre_save
from taggit.models import Tag
from wagtail.images import get_image_model
from wagtail.signals import post_page_move

from . import services
from .images import image_original_clean
from .models import BlogPage, ServicePage
from .validation import tag_slug_limit


def on_image_save(sender, instance, **kwargs):
    image_original_clean(image=instance)


def on_edition_or_blog_change(sender, instance=None, raw=False, **kwargs):
    if not raw:
        services.edition_desks_ensure()


def on_tag_save(sender, instance, **kwargs):
    tag_slug_limit(instance)


def connect():
    pre_save.connect(on_image_save, sender=get_image_model(), dispatch_uid="samizdat-clean-image-original")
    for model in (ServicePage, BlogPage):
        post_save.connect(on_edition_or_blog_change, sender=model, dispatch_uid=f"samizdat-desks-save-{model.__name__}")
        post_page_move.connect(on_edition_or_blog_change, sender=model, dispatch_uid=f"samizdat-desks-move-{model.__name__}")
    pre_save.connect(on_tag_save, sender=Tag, dispatch_uid="samizdat-tag-slug-bytes")
