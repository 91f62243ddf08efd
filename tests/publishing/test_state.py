"""The remembered state of the reader site (`state`): a full bake records in bulk exactly
what the tracker records for one post at a time."""

import pytest

from samizdat.newsroom.models import ListingEntry, PostPage, ServicePage
from samizdat.publishing.bake import bake
from samizdat.publishing.models import PageState
from samizdat.publishing.state import _translation_groups, state_row, states_rebuild

pytestmark = pytest.mark.django_db


def remembered():
    return {
        s.page_id: (s.path, s.blog_id, sorted(s.listings))
        for s in PageState.objects.filter(page_id__in=PostPage.objects.values("pk"))
    }


def one_by_one():
    """What the tracker remembers of each live post, asked one post at a time."""
    groups = _translation_groups()
    expected = {}
    for post in PostPage.objects.live():
        row = state_row(post, groups.get(post.pk, ()))
        expected[post.pk] = (row.path, row.blog_id, sorted(row.listings))
    return expected


def test_full_rebuild_remembers_each_post_as_one_change_would():
    hidden = PostPage.objects.live().filter(translation_of__isnull=True, translations__isnull=False).first()
    hidden.unlisted = True  # in no listing, still on the site and in its story's group
    hidden.save_revision().publish()
    expected = one_by_one()
    assert any(key.startswith("tr:") for *_, keys in expected.values() for key in keys)
    assert expected[hidden.pk][2] and all(key.startswith("tr:") for key in expected[hidden.pk][2])
    assert any(key.startswith("tag:") for *_, keys in expected.values() for key in keys)

    states_rebuild()

    assert remembered() == expected


def test_a_listing_index_missing_rows_does_not_stop_the_rebuild():
    post = PostPage.objects.live().filter(listing_entries__key__startswith="blog:").first()
    ListingEntry.objects.filter(post=post, key__startswith="service:").delete()
    states_rebuild()  # what the site shows of the others is still remembered
    assert PageState.objects.filter(page_id=post.pk).exists()
    others = PageState.objects.exclude(page_id=post.pk)
    assert any(key.startswith("blog:") for state in others for key in state.listings)


def test_a_full_bake_rebuilds_what_it_remembers(fresh_site):
    """The bake rebuilds the state beside its jobs (`bake._run_jobs`'s `meanwhile`)."""
    PageState.objects.all().delete()
    bake(full=True)
    assert remembered() == one_by_one()
    editions = ServicePage.objects.live()
    assert set(PageState.objects.filter(page_id__in=editions.values("pk")).values_list("path", flat=True)) == {
        e.reader_path for e in editions
    }
