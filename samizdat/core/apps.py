from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "samizdat.core"
    label = "samizdat_core"
