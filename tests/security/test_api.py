"""The content API at /api/v2/ answers only what an anonymous reader may see: tests that try
to get drafts, unpublished posts, draft revisions, staff names and original image files."""

import json

import pytest
from django.core.cache import cache

from samizdat.newsroom.models import Author, BlogPage, BreakingNews, PostAuthor, PostPage

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_throttle():
    cache.clear()
    yield
    cache.clear()


def get(client, url):
    response = client.get(url)
    return response.status_code, (json.loads(response.content) if response.status_code == 200 else None)


def every_item(client, endpoint, **params):
    """Every item of a listing, page by page (20 at a time, the API's limit)."""
    items = []
    while True:
        query = "&".join(f"{k}={v}" for k, v in {"limit": 20, "fields": "*", "offset": len(items), **params}.items())
        status, data = get(client, f"/api/v2/{endpoint}/?{query}")
        assert status == 200, (endpoint, status)
        items += data["items"]
        if not data["items"] or len(items) >= data["meta"]["total_count"]:
            return items


def test_posts_are_published_ones_with_pen_names(client, users):
    items = every_item(client, "pages", type="newsroom.PostPage")
    live = set(PostPage.objects.live().values_list("pk", flat=True))
    assert {i["id"] for i in items} == live
    post = PostPage.objects.get(slug="a-border-town-learns-to-live-offline")
    item = next(i for i in items if i["id"] == post.pk)
    assert [a["name"] for a in item["byline"]] == [a.name for a in post.ordered_authors]
    assert item["teaser"] == post.teaser and "body" not in item and "owner" not in item["meta"]
    text = json.dumps(items, ensure_ascii=False)
    for user in users.values():
        assert user.get_full_name() not in text and user.email not in text and f'"{user.username}"' not in text


def test_drafts_scheduled_and_unpublished_posts_are_not_found(client):
    blog = BlogPage.objects.get(slug="dispatches")
    draft = PostPage(title="Secret draft", slug="secret-draft", teaser="not yet", body="<p>x</p>", live=False)
    blog.add_child(instance=draft)
    draft.save_revision()
    gone = PostPage.objects.live().filter(path__startswith=blog.path).first()
    gone.unpublish()
    scheduled = PostPage.objects.filter(slug="tomorrows-hearing-explained").first()
    for page in [draft, gone] + ([scheduled] if scheduled else []):
        assert get(client, f"/api/v2/pages/{page.pk}/")[0] == 404, page.title
    titles = [i["title"] for i in every_item(client, "pages")]
    assert "Secret draft" not in titles and gone.title not in titles
    found = every_item(client, "pages", search="Secret")
    assert not found


def test_an_unpublished_revision_stays_private(client):
    post = PostPage.objects.live().first()
    post.title = "A rewrite nobody approved"
    post.save_revision()  # a draft of a live post
    status, data = get(client, f"/api/v2/pages/{post.pk}/")
    assert status == 200 and data["title"] != "A rewrite nobody approved"


def test_authors_are_public_profiles_only(client):
    hidden = Author.objects.create(name="Unlisted Person", slug="unlisted-person", public_contact="x@example.org")
    items = every_item(client, "authors")
    assert items and "unlisted-person" not in {i["slug"] for i in items}
    for item in items:
        assert set(item) <= {"id", "meta", "name", "slug", "bio"}
    assert get(client, f"/api/v2/authors/{hidden.pk}/")[0] == 404
    assert "is_pen_name" not in json.dumps(items)


def test_images_never_lead_to_the_original(client):
    from django.core.files.images import ImageFile
    from wagtail.images import get_image_model

    import io

    from samizdat.demo.images import render_jpeg

    unused = get_image_model().objects.create(title="not shown", file=ImageFile(io.BytesIO(render_jpeg("fields", 3)), name="u.jpg"))
    items = every_item(client, "images")
    assert items and unused.pk not in {i["id"] for i in items}
    text = json.dumps(items)
    assert "download_url" not in text and "original_images" not in text
    status, data = get(client, f"/api/v2/images/{items[0]['id']}/?fields=*")
    assert status == 200 and "download_url" not in json.dumps(data)
    assert get(client, f"/api/v2/images/{unused.pk}/")[0] == 404
    # A post's lead image comes as a rendition.
    post = PostPage.objects.live().exclude(lead_image=None).first()
    status, data = get(client, f"/api/v2/pages/{post.pk}/")
    assert ".width-800." in data["lead_image"]["url"] and "original_images" not in json.dumps(data)


def test_breaking_news_is_the_active_banners(client):
    active = BreakingNews.objects.filter(service__live=True).first()
    items = every_item(client, "breaking")
    assert {i["text"] for i in items} >= ({active.text} if active else set())


def test_the_api_is_read_only(client):
    post = PostPage.objects.live().first()
    assert client.post("/api/v2/pages/", {"title": "x"}).status_code in (403, 405)
    assert client.delete(f"/api/v2/pages/{post.pk}/").status_code in (403, 405)
    assert PostAuthor.objects.filter(post=post).exists()


def test_anonymous_clients_are_rate_limited(client):
    codes = [client.get("/api/v2/breaking/").status_code for _ in range(130)]
    assert codes[0] == 200 and 429 in codes
