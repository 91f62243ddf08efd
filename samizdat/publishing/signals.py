"""Signals publishing sends for the apps above it (publishing imports none of them)."""

from django.dispatch import Signal

# Sent by the worker's clock (`worker.worker_tick`, every SAMIZDAT_WORKER_INTERVAL seconds),
# by one worker at a time (under the clock lock). Receivers do what time brings for them —
# `samizdat.mail` queues digests and resumes interrupted sending. A receiver that raises is
# logged and does not stop the clock.
worker_tick = Signal()
