"""The dashboard tells staff when publishing is not healthy: a silent worker, or pages
that fail to bake (which page, why, since when)."""

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from wagtail import hooks
from wagtail.admin.ui.components import Component

from .status import publishing_status


class PublishingStatusPanel(Component):
    name = "samizdat_publishing_status"
    order = 10  # above Wagtail's own panels: a broken publish is the first thing to know

    def render_html(self, parent_context=None):
        status = publishing_status()
        return mark_safe(render_to_string("publishing/status_panel.html", {"status": status}))


@hooks.register("construct_homepage_panels")
def add_publishing_status(request, panels):
    panels.insert(0, PublishingStatusPanel())
