"""Dates on staff screens, as readers of the edition see them (its zone, the staff member's
language, calendar and digits)."""

from django import template
from django.conf import settings
from django.utils.translation import gettext as _

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


@register.simple_tag
def page_status_label(page):
    """Wagtail's status of a page; a scheduled one says when it goes live, in its edition's
    time zone ("scheduled: 28 November 2026, 21:25 Tehran time")."""
    status = page.status_string
    if not page.approved_schedule:
        return status
    revision = page.scheduled_revision
    if revision is None or revision.approved_go_live_at is None:
        return status
    specific = page.specific_deferred
    edition = specific.get_service() if hasattr(specific, "get_service") else None
    return _("%(status)s: %(when)s") % {"status": status, "when": edition_time(revision.approved_go_live_at, edition)}
