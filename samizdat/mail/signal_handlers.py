"""Wiring only: the worker's clock drives digests and resumed sending."""

from samizdat.publishing.signals import worker_tick

from . import services


def on_worker_tick(sender, **kwargs):
    services.mail_tick()


def connect():
    worker_tick.connect(on_worker_tick, dispatch_uid="samizdat-mail-tick")
