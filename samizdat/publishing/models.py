from django.db import models


class BakeBatch(models.Model):
    """A journal entry: reader paths to re-render, written in the same transaction as the
    change that made them stale, and marked finished only once the files are on disk. A
    process killed mid-bake leaves the entry open, and the next run redoes it."""

    created_at = models.DateTimeField(auto_now_add=True)
    reason = models.CharField(max_length=200)
    full = models.BooleanField(default=False, help_text="Re-render the whole site.")
    paths = models.JSONField(default=list, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"bake #{self.pk} ({self.reason})"
