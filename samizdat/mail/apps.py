from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "samizdat.mail"
    label = "mail"
    verbose_name = "News by e-mail"

    def ready(self):
        from . import signal_handlers

        signal_handlers.connect()
