from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "samizdat.search"
    label = "sitesearch"  # not "search": Wagtail's search app is `wagtailsearch`, ours must not read as it
    verbose_name = "Reader search"

    def ready(self):
        from . import signal_handlers

        signal_handlers.connect()
