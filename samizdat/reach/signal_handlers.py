"""Wiring only: after every bake (and files other apps wrote into the site), queue the reach work (hashes, signed manifest, mirrors)."""

from samizdat.publishing.signals import batch_baked, site_files_written

from . import services


def on_batch_baked(sender, *, batch_ids, full, files, paths, **kwargs):
    services.reach_enqueue(batch_ids=batch_ids, full=full, files=files, paths=paths)


def on_site_files_written(sender, *, files, **kwargs):
    services.reach_enqueue(batch_ids=[], full=False, files=files, paths=[])


def connect():
    batch_baked.connect(on_batch_baked, dispatch_uid="samizdat.reach.batch_baked")
    site_files_written.connect(on_site_files_written, dispatch_uid="samizdat.reach.site_files_written")
