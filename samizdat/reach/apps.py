from django.apps import AppConfig


class ReachConfig(AppConfig):
    name = "samizdat.reach"
    label = "reach"
    verbose_name = "Reach"

    def ready(self):
        from . import signal_handlers

        signal_handlers.connect()
