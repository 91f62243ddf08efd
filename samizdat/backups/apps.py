from django.apps import AppConfig


class BackupsConfig(AppConfig):
    name = "samizdat.backups"
    label = "backups"
