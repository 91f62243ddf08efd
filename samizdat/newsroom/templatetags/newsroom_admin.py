"""Dates on staff screens, as readers of the edition see them (its zone, the staff member's
language, calendar and digits)."""

from django import template
from django.conf import settings

from samizdat.core.dates import datetime
from samizdat.newsroom.models import NewsroomHome

register = template.Library()


@register.filter
def edition_time(value, edition):
    """`value` in `edition`'s time zone, naming the zone: "28 November 2026, 21:25 London time"."""
    return datetime(value, edition.zone if edition is not None else None)


@register.simple_tag
def newsroom_name():
    """The newsroom's name: the title of the reader site's home page."""
    home = NewsroomHome.objects.only("title").first()
    return home.title if home else settings.WAGTAIL_SITE_NAME
