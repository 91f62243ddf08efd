from types import SimpleNamespace

from django.db import migrations

from samizdat.newsroom.services import listing_entries_rebuild


def fill(apps, schema_editor):
    names = ("PostPage", "BlogPage", "ServicePage", "PostAuthor", "PostTag", "ListingEntry", "ListingCount")
    listing_entries_rebuild(m=SimpleNamespace(**{name: apps.get_model("newsroom", name) for name in names}))


class Migration(migrations.Migration):
    dependencies = [("newsroom", "0004_listing_index")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
