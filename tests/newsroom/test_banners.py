"""Breaking news as a workflow: one banner per edition at a time, a warning before one
replaces another, expiry presets, a status column; a replaced or expired banner never
comes back."""

import html
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from samizdat.newsroom import selectors
from samizdat.newsroom.models import BreakingNews, PostPage, ServicePage

pytestmark = pytest.mark.django_db


def _url(name, *args):
    return reverse(f"wagtailsnippets_newsroom_breakingnews:{name}", args=args)


def _local(value):
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


@pytest.fixture
def edition():
    edition = ServicePage.objects.get(language_code="en")
    BreakingNews.objects.filter(service=edition).delete()
    return edition


def _form(edition, text, starts_at, **extra):
    return {"service": str(edition.pk), "text": text, "link_url": "", "starts_at": _local(starts_at),
            "expires_at": "", "expires_in": "", **extra}


def test_a_second_banner_cannot_silently_replace_the_live_one_and_the_replaced_one_never_returns(client, users, edition):
    now = timezone.now().replace(second=0, microsecond=0)
    first = BreakingNews.objects.create(service=edition, text="First banner", starts_at=now - timedelta(hours=1),
                                        expires_at=now + timedelta(hours=5))
    client.force_login(users["editor"])

    refused = client.post(_url("add"), _form(edition, "Second banner", now, expires_in="1"))
    assert refused.status_code == 200 and not BreakingNews.objects.filter(text="Second banner").exists()
    page = html.unescape(refused.content.decode())
    assert "“First banner” is up in this edition until" in page and "London time" in page

    client.post(_url("add"), _form(edition, "Second banner", now, expires_in="1", replace_current="on"))
    second = BreakingNews.objects.get(text="Second banner")
    assert second.expires_at == second.starts_at + timedelta(hours=1), "the preset sets the end"
    first.refresh_from_db()
    assert first.expires_at == second.starts_at, "the first ends when the second starts"
    assert selectors.breaking_news_active(edition, at=now + timedelta(minutes=30)) == second
    for later in (second.expires_at, second.expires_at + timedelta(hours=2)):
        assert selectors.breaking_news_active(edition, at=later) is None, "the first does not come back"


def test_a_scheduled_banner_in_the_way_is_named_too_and_a_later_one_is_fine(client, users, edition):
    now = timezone.now().replace(second=0, microsecond=0)
    BreakingNews.objects.create(service=edition, text="Tonight", starts_at=now + timedelta(hours=2),
                                expires_at=now + timedelta(hours=4))
    client.force_login(users["editor"])
    refused = client.post(_url("add"), _form(edition, "Overlapping", now + timedelta(hours=1), expires_in="3"))
    assert "“Tonight” is up in this edition" in html.unescape(refused.content.decode())
    client.post(_url("add"), _form(edition, "Tomorrow", now + timedelta(hours=5), expires_in="6"))
    assert BreakingNews.objects.filter(text="Tomorrow").exists()


def test_without_a_preset_or_an_end_the_form_asks_for_one(client, users, edition):
    client.force_login(users["editor"])
    response = client.post(_url("add"), _form(edition, "Endless", timezone.now() + timedelta(hours=1)))
    assert "Choose how long the banner stays up, or give an end time." in html.unescape(response.content.decode())


def test_the_list_shows_scheduled_live_and_expired(client, users, edition):
    now = timezone.now()
    for text, start, end in [("Was up", -5, -2), ("Is up", -1, 2), ("Will be up", 3, 6)]:
        BreakingNews.objects.create(service=edition, text=text, starts_at=now + timedelta(hours=start),
                                    expires_at=now + timedelta(hours=end))
    client.force_login(users["editor"])
    rows = {
        row.split("</td>")[0]: row
        for row in html.unescape(client.get(_url("list")).content.decode()).split("<tr")
        if "Was up" in row or "Is up" in row or "Will be up" in row
    }
    found = {text: status for text, status in [("Was up", "Expired"), ("Is up", "Live"), ("Will be up", "Scheduled")]
             if any(text in row and status in row for row in rows.values())}
    assert found == {"Was up": "Expired", "Is up": "Live", "Will be up": "Scheduled"}


def test_a_banner_links_to_a_live_story_of_its_edition_chosen_by_page(client, users, edition):
    now = timezone.now().replace(second=0, microsecond=0)
    story = PostPage.objects.live().descendant_of(edition).first()
    far = PostPage.objects.live().not_descendant_of(edition).first()
    draft = PostPage.objects.live().descendant_of(edition).exclude(pk=story.pk).first()
    draft_copy = draft.copy(update_attrs={"slug": "unpublished-story", "title": "Unpublished story", "live": False},
                            keep_live=False)
    client.force_login(users["editor"])
    for wrong, message in [(far, "of this banner's edition"), (draft_copy, "live on the site")]:
        response = client.post(_url("add"), _form(edition, "Wrong story", now, expires_in="3", link_page=str(wrong.pk)))
        assert response.status_code == 200 and message in html.unescape(response.content.decode())
        assert not BreakingNews.objects.filter(text="Wrong story").exists()
    client.post(_url("add"), _form(edition, "Linked by chooser", now, expires_in="3", link_page=str(story.pk)))
    banner = BreakingNews.objects.get(text="Linked by chooser")
    assert banner.link_page_id == story.pk and banner.link_url == story.reader_path
