"""Wiring only."""

from django.db.models.signals import pre_save
from wagtail.images import get_image_model

from .images import image_original_clean


def on_image_save(sender, instance, **kwargs):
    image_original_clean(image=instance)


def connect():
    pre_save.connect(on_image_save, sender=get_image_model(), dispatch_uid="samizdat-clean-image-original")
