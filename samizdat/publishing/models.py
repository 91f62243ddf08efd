from django.db import models


class BakeBatch(models.Model):
    """A journal entry: reader paths to re-render, written in the same transaction as the
    change that made them stale, and marked finished only once the files are on disk. A
    process killed mid-bake leaves the entry open, and the next run redoes it."""

    created_at = models.DateTimeField(auto_now_add=True)
    reason = models.CharField(max_length=200)
    event = models.JSONField(null=True, blank=True, help_text="The change, when the worker still has to work out its paths.")
    resolved_at = models.DateTimeField(null=True, blank=True, help_text="When its paths were worked out.")
    full = models.BooleanField(default=False, help_text="Re-render the whole site.")
    paths = models.JSONField(default=list, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    not_before = models.DateTimeField(null=True, blank=True, help_text="A retry waits until this time.")
    started_at = models.DateTimeField(null=True, blank=True, help_text="When a full bake's jobs were queued.")
    clock = models.JSONField(null=True, blank=True, help_text="The clock state a full bake started from.")

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"bake #{self.pk} ({self.reason})"


class PageState(models.Model):
    """What the site last showed of a page: its path and the listings it appeared in.

    The dependency tracker compares this with the page's new state to know which paths a
    change touches — the old address (now gone or a redirect), the tag pages a post left.
    Updated in the same transaction as the change; a full bake rewrites all of it.
    """

    page_id = models.PositiveIntegerField(primary_key=True)  # no FK: it outlives a deleted page
    path = models.CharField(max_length=1000)
    blog_id = models.PositiveIntegerField(null=True)
    listings = models.JSONField(default=list)

    def __str__(self):
        return self.path


class BakeJob(models.Model):
    """One slice of a full bake (a few hundred pages), run as its own task so that several
    workers — on several machines, against one database — share the bake. The full bake's
    journal entry (`batch`) is finished once every job is done and the site is pruned."""

    batch = models.ForeignKey(BakeBatch, on_delete=models.CASCADE, related_name="jobs")
    index = models.PositiveIntegerField()
    kind = models.CharField(max_length=10)  # "posts" | "page" | "paths" (see plan.full_plan)
    items = models.JSONField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    runs = models.PositiveIntegerField(default=0, help_text="How many times a worker rendered it.")
    worker = models.CharField(max_length=100, blank=True)
    rendered = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)
    written = models.JSONField(default=list, blank=True)  # site files, for the prune
    failures = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["batch", "index"]
        constraints = [models.UniqueConstraint(fields=["batch", "index"], name="bake_job_unique_index")]

    def __str__(self):
        return f"job {self.index} of {self.batch}"
