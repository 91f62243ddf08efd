"""Breaking-news banners: editors act within their editions. The same table as
test_permissions.py, for the banner admin (a Wagtail snippet) and two targets:
  own — a banner of the English edition (the edition of the contributor and editor),
  far — a banner of the Persian edition.
A refused action leaves the database as it was and answers 404 (a banner of another edition
does not exist for the editor), a form error (a crafted edition) or Wagtail's permission
redirect (copy, bulk delete, and contributors, who hold no banner permission), never 500.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from samizdat.newsroom import selectors
from samizdat.newsroom.models import BreakingNews, ServicePage

from .conftest import matrix_cases

pytestmark = pytest.mark.django_db

ROLES = ("contributor", "editor", "administrator")
TARGETS = ("own", "far")

MATRIX = {
    #                       contributor  editor  administrator
    #                       own far      own far own far
    "see in the list":     ("N N",       "Y N",  "Y Y"),
    "open the edit form":  ("N N",       "Y N",  "Y Y"),
    "edit":                ("N N",       "Y N",  "Y Y"),
    "delete":              ("N N",       "Y N",  "Y Y"),
    "bulk delete":         ("N N",       "Y N",  "Y Y"),
    "copy":                ("N N",       "Y N",  "Y Y"),
    "create":              ("N N",       "Y N",  "Y Y"),
}


def _edition(target):
    return ServicePage.objects.get(language_code="fa" if target == "far" else "en")


def _banner(edition, text="Matrix banner"):
    now = timezone.now()
    return BreakingNews.objects.create(service=edition, text=text, starts_at=now, expires_at=now + timedelta(hours=3))


def _url(name, *args):
    return reverse(f"wagtailsnippets_newsroom_breakingnews:{name}", args=args)


def _form(edition, text):
    return {"service": str(edition.pk), "text": text, "link_url": "",
            "starts_at": "2099-01-01 08:00", "expires_at": "2099-01-01 20:00"}


def act(action, client, user, target):
    """Perform `action` as `user` on a banner of `target`; return (took effect, response)."""
    edition = _edition(target)
    client.force_login(user)

    if action == "create":
        response = client.post(_url("add"), _form(edition, "Crafted banner"))
        return BreakingNews.objects.filter(text="Crafted banner", service=edition).exists(), response

    banner = _banner(edition)
    if action == "see in the list":
        response = client.get(_url("list"))
        return response.status_code == 200 and banner.text in response.content.decode(), response
    if action == "open the edit form":
        response = client.get(_url("edit", banner.pk))
        return response.status_code == 200 and banner.text in response.content.decode(), response
    if action == "edit":
        response = client.post(_url("edit", banner.pk), _form(edition, "Changed banner"))
        banner.refresh_from_db()
        return banner.text == "Changed banner", response
    if action == "delete":
        response = client.post(_url("delete", banner.pk))
        return not BreakingNews.objects.filter(pk=banner.pk).exists(), response
    if action == "bulk delete":
        url = reverse("wagtail_bulk_action", args=("newsroom", "breakingnews", "delete"))
        response = client.post(f"{url}?id={banner.pk}")
        return not BreakingNews.objects.filter(pk=banner.pk).exists(), response
    if action == "copy":
        response = client.get(_url("copy", banner.pk))
        return response.status_code == 200 and banner.text in response.content.decode(), response
    raise AssertionError(f"no such action in the matrix: {action}")


@pytest.mark.parametrize("action, role, target, allowed", matrix_cases(MATRIX, ROLES, TARGETS))
def test_banner_matrix(client, people, action, role, target, allowed):
    took_effect, response = act(action, client, people[role], target)
    assert took_effect is allowed, (
        f"{role} {'should' if allowed else 'must not'} be able to {action} on {target} — "
        f"it {'did' if took_effect else 'did not'}"
    )
    assert response.status_code < 500
    if not allowed and role == "editor" and action in ("open the edit form", "edit", "delete"):
        assert response.status_code == 404


def test_the_edition_choice_lists_only_the_editions_the_user_publishes_in(client, people):
    english, persian = _edition("own"), _edition("far")
    client.force_login(people["editor"])
    form = client.get(_url("add")).context["form"]
    assert list(form.fields["service"].queryset) == [english]

    response = client.post(_url("add"), _form(persian, "Crafted banner"))
    assert response.status_code == 200
    assert "service" in response.context["form"].errors, "a crafted edition is a form error"

    client.force_login(people["administrator"])
    form = client.get(_url("add")).context["form"]
    assert set(form.fields["service"].queryset) == set(ServicePage.objects.all())


def test_editions_for_user(people):
    editions = {role: set(selectors.editions_for_user(people[role])) for role in ROLES}
    assert editions == {
        "contributor": set(),
        "editor": {_edition("own")},
        "administrator": set(ServicePage.objects.all()),
    }
    assert set(selectors.editions_for_user(people["contributor"], action="add")) == {_edition("own")}


def test_every_view_of_another_editions_banner_is_a_404_for_an_editor(client, people):
    banner = _banner(_edition("far"))
    client.force_login(people["editor"])
    for view in ("edit", "delete", "usage", "history"):
        assert client.get(_url(view, banner.pk)).status_code == 404, view


def test_the_banner_chooser_offers_only_the_users_editions(client, people):
    ours, theirs = _banner(_edition("own"), text="English banner"), _banner(_edition("far"), text="Persian banner")
    choosers = "wagtailsnippetchoosers_newsroom_breakingnews"
    client.force_login(people["editor"])
    listed = client.get(reverse(f"{choosers}:choose")).json()["html"]
    assert ours.text in listed and theirs.text not in listed
    assert client.get(reverse(f"{choosers}:chosen", args=[theirs.pk])).status_code == 404
    chosen = client.get(reverse(f"{choosers}:chosen_multiple"), {"id": [ours.pk, theirs.pk]}).json()["result"]
    assert [item["id"] for item in chosen] == [str(ours.pk)]
