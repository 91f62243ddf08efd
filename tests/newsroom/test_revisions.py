import pytest
from django.urls import reverse

from samizdat.newsroom.models import PostPage

pytestmark = pytest.mark.django_db


def test_editors_can_compare_revisions(client, users):
    post = PostPage.objects.live().first()
    first = post.latest_revision
    post.title = post.title + " (revised)"
    second = post.save_revision(user=users["editor"])
    client.force_login(users["editor"])
    history = client.get(reverse("wagtailadmin_pages:history", args=(post.pk,)))
    assert history.status_code == 200
    url = reverse("wagtailadmin_pages:revisions_compare", args=(post.pk, first.pk, second.pk))
    response = client.get(url)
    assert response.status_code == 200
    assert "(revised)" in response.content.decode()
