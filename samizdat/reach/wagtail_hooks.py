"""The dashboard shows each mirror: current, or failing since when and why."""

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from wagtail import hooks
from wagtail.admin.ui.components import Component

from .services import mirrors_status


class MirrorStatusPanel(Component):
    name = "samizdat_mirror_status"
    order = 20

    def render_html(self, parent_context=None):
        return mark_safe(render_to_string("reach/mirror_panel.html", {"status": mirrors_status()}))


@hooks.register("construct_homepage_panels")
def add_mirror_status(request, panels):
    if request.user.is_superuser and mirrors_status()["mirrors"]:
        panels.append(MirrorStatusPanel())
