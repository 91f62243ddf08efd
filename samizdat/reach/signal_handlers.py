"""Wiring only: after every bake, queue the reach work (hashes, signed manifest, mirrors)."""

from samizdat.publishing.signals import batch_baked

from . import services


def on_batch_baked(sender, *, batch_ids, full, files, paths, **kwargs):
    services.reach_enqueue(batch_ids=batch_ids, full=full, files=files, paths=paths)


def connect():
    batch_baked.connect(on_batch_baked, dispatch_uid="samizdat.reach.batch_baked")
