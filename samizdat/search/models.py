from django.db import models


class IndexState(models.Model):
    """The static search index of one edition (`site/<edition>/pagefind/`): whether a rebuild
    is queued (the debounce: many publishes, one rebuild) and what the last one made."""

    edition = models.OneToOneField(
        "newsroom.ServicePage", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    queued = models.BooleanField(default=False)
    built_at = models.DateTimeField(null=True, blank=True)  # when the last build started
    posts = models.PositiveIntegerField(default=0)
    bytes = models.PositiveBigIntegerField(default=0)  # the index folder's size on disk
    seconds = models.FloatField(default=0.0)
    last_error = models.TextField(blank=True)
    # The index is kept in parts (`services.parts_split`): the first post id of each part
    # after the first, ascending. Only appended to, so a part's number never changes.
    boundaries = models.JSONField(default=list, blank=True)

    def __str__(self):
        return f"search index of {self.edition_id}"
