"""Signals publishing sends for the apps above it (mail, mirrors, signing); publishing
imports none of them. Receivers must be quick (queue a task) and must not fail: publishing
sends with `send_robust` and only logs what a receiver raised."""

from django.dispatch import Signal

# Sent by the worker's clock (`worker.worker_tick`, every SAMIZDAT_WORKER_INTERVAL seconds),
# by one worker at a time (under the clock lock). Receivers do what time brings for them —
# `samizdat.mail` queues digests and resumes interrupted sending.
worker_tick = Signal()

# Sent once a bake's files are on disk and its batches are marked finished (`samizdat.reach`
# signs the changed files and pushes them to the mirrors):
# - `batch_ids`: the journal rows (`BakeBatch`) this bake finished;
# - `full`: True after a full bake (every page rendered, stale files pruned): a receiver
#   should look at the whole site folder;
# - `files`: for an incremental bake, the site files it wrote or found unchanged (pages,
#   image renditions, theme files), relative to the site folder ("en/blog/index.html");
# - `paths`: the reader paths it baked; a path whose file is gone was removed.
batch_baked = Signal()

# Sent by an app above publishing that wrote files into the site folder outside a bake (the
# static search index, `samizdat.search`), so that signing and mirrors carry them too:
# - `files`: the site files written or removed, relative to the site folder.
site_files_written = Signal()
