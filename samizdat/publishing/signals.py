"""What publishing tells the layers above it (mirrors, signing) without importing them.

`batch_baked` is sent once a bake's files are on disk and its batches are marked finished:

- `batch_ids`: the journal rows (`BakeBatch`) this bake finished;
- `full`: True after a full bake (every page rendered, stale files pruned): a receiver
  should look at the whole site folder;
- `files`: for an incremental bake, the site files it wrote or found unchanged (pages,
  image renditions, theme files), relative to the site folder ("en/blog/index.html");
- `paths`: the reader paths it baked; a path whose file is gone was removed.

Receivers must be quick (queue a task) and must not fail: publishing sends with
`send_robust` and only logs what a receiver raised.
"""

from django.dispatch import Signal

batch_baked = Signal()
