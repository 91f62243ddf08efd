"""Wiring only: after every bake, queue a (debounced, low-priority) rebuild of the static
search index of each edition the bake touched."""

from samizdat.publishing.signals import batch_baked

from . import services


def on_batch_baked(sender, *, full, paths, **kwargs):
    services.index_enqueue(full=full, paths=paths)


def connect():
    batch_baked.connect(on_batch_baked, dispatch_uid="samizdat.search.batch_baked")
