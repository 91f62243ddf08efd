"""What the reach app remembers: every site file's hash (for the signed manifest and for
mirrors, which are sent only what changed), the site's versions, and each mirror's state."""

from django.db import models


class SiteVersion(models.Model):
    """One step of the site as readers see it: the files a bake changed. Mirrors remember the
    last version they hold and are sent the files changed after it."""

    created_at = models.DateTimeField(auto_now_add=True)
    batch_ids = models.JSONField(default=list)
    full = models.BooleanField(default=False)
    changed = models.PositiveIntegerField(default=0)
    removed = models.PositiveIntegerField(default=0)


class SiteFile(models.Model):
    """A file of the baked site (path relative to the site folder) as of version `version`.
    A removed file keeps its row with an empty hash until every mirror has deleted it."""

    path = models.CharField(max_length=1024, unique=True)
    sha256 = models.CharField(max_length=64, blank=True)  # "": removed
    size = models.BigIntegerField(default=0)
    mtime_ns = models.BigIntegerField(default=0)
    version = models.BigIntegerField(db_index=True)

    def __str__(self):
        return self.path


class MirrorState(models.Model):
    """A configured mirror (`SAMIZDAT_MIRRORS`) as last pushed; credentials are never here."""

    name = models.CharField(max_length=100, unique=True)
    pushed_version = models.BigIntegerField(default=0)
    pushed_at = models.DateTimeField(null=True, blank=True)
    lag_seconds = models.FloatField(null=True, blank=True)  # from the bake to the push done
    files_sent = models.PositiveIntegerField(default=0)
    files_deleted = models.PositiveIntegerField(default=0)
    attempts = models.PositiveIntegerField(default=0)  # failed pushes in a row
    last_error = models.TextField(blank=True)
    failing_since = models.DateTimeField(null=True, blank=True)
    next_try_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return self.name
