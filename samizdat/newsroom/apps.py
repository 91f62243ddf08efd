from django.apps import AppConfig


class NewsroomConfig(AppConfig):
    name = "samizdat.newsroom"
    label = "newsroom"
    verbose_name = "Newsroom"

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import services, signal_handlers

        post_migrate.connect(services.editorial_roles_on_migrate, sender=self)
        signal_handlers.connect()
