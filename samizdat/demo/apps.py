from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo newsroom and `samizdat demo`: for trying Samizdat out, not part of the runtime."""

    name = "samizdat.demo"
    label = "demo"
    verbose_name = "Demo newsroom"
