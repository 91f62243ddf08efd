from django.apps import AppConfig


class BenchConfig(AppConfig):
    """The benchmark and `samizdat bench`: measures the runtime, is not part of it."""

    name = "samizdat.bench"
    label = "bench"
    verbose_name = "Benchmarks"
