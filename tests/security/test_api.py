"""The content API at /api/v2/ answers only what an anonymous reader may see: tests that try
to get drafts, unpublished posts, draft revisions, staff names and original image files."""

import json
import re

import pytest

from samizdat.newsroom.models import Author, BlogPage, BreakingNews, PostAuthor, PostPage

# Rate limits and throttles count in the cache: each test starts and ends with it empty.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("cache_cleared")]


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
    image = data["lead_image"]
    assert re.fullmatch(r"/assets/media/[0-9a-f]{16}\.\w+", image["url"]) and image["width"] <= 800, image
    assert "original_images" not in json.dumps(data)


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


# --- more ways in: fields, filters, search, private pages, scheduled revisions, images, mail --


def test_private_fields_cannot_be_asked_for_filtered_or_ordered_by(client):
    post = PostPage.objects.live().first()
    for url in [
        f"/api/v2/pages/{post.pk}/?fields=owner",
        f"/api/v2/pages/{post.pk}/?fields=body",
        f"/api/v2/pages/{post.pk}/?fields=latest_revision",
        f"/api/v2/pages/{post.pk}/?fields=locked_by",
        "/api/v2/pages/?type=newsroom.BlogPage&fields=contact_email",
        "/api/v2/pages/?type=newsroom.ServicePage&fields=contact_email",
        "/api/v2/pages/?type=newsroom.PostPage&owner=1",
        "/api/v2/pages/?type=newsroom.PostPage&order=owner",
        "/api/v2/pages/?type=newsroom.PostPage&order=latest_revision_created_at",
        "/api/v2/authors/?fields=is_pen_name",
        "/api/v2/authors/?fields=public_contact",
        "/api/v2/authors/?is_pen_name=true",
        "/api/v2/images/?fields=file",
        "/api/v2/images/?fields=download_url",
        "/api/v2/images/?fields=title",
        "/api/v2/images/?uploaded_by_user=1",
        "/api/v2/breaking/?fields=created_by",
    ]:
        assert client.get(url).status_code == 400, url


def test_a_private_page_and_its_image_stay_private(client):
    from wagtail.models import PageViewRestriction

    post = PostPage.objects.live().exclude(lead_image=None).first()
    shared = PostPage.objects.live().filter(lead_image=post.lead_image).exclude(pk=post.pk).exists()
    PageViewRestriction.objects.create(page=post, restriction_type=PageViewRestriction.PASSWORD, password="s3cret")
    assert get(client, f"/api/v2/pages/{post.pk}/")[0] == 404
    assert post.pk not in {i["id"] for i in every_item(client, "pages")}
    assert get(client, f"/api/v2/pages/find/?html_path={post.url_path}")[0] == 404
    if not shared:
        assert get(client, f"/api/v2/images/{post.lead_image_id}/")[0] == 404
        assert post.lead_image_id not in {i["id"] for i in every_item(client, "images")}


def test_a_scheduled_revision_of_a_live_post_stays_private(client):
    from datetime import timedelta

    from django.utils import timezone

    post = PostPage.objects.live().first()
    post.title = "Embargoed until tomorrow"
    post.teaser = "embargoed teaser words"
    post.go_live_at = timezone.now() + timedelta(days=1)
    post.save_revision().publish()  # approved, waiting for its time
    assert PostPage.objects.get(pk=post.pk).live, "the published version stays up meanwhile"
    status, data = get(client, f"/api/v2/pages/{post.pk}/?fields=*")
    assert status == 200 and data["title"] != "Embargoed until tomorrow" and "embargoed" not in json.dumps(data)
    assert not every_item(client, "pages", search="embargoed")


def test_search_does_not_find_the_words_of_an_unpublished_revision(client):
    post = PostPage.objects.live().first()
    post.teaser = "zanzibarquokka appears only in a draft"
    post.save_revision()
    assert not every_item(client, "pages", search="zanzibarquokka")
    assert not every_item(client, "pages", type="newsroom.PostPage", search="zanzibarquokka")


def test_no_way_to_list_below_a_draft(client):
    blog = BlogPage.objects.get(slug="dispatches")
    draft = BlogPage(title="Unlaunched desk", slug="unlaunched-desk", about="soon", live=False)
    blog.get_parent().add_child(instance=draft)
    for url in [f"/api/v2/pages/?child_of={draft.pk}", f"/api/v2/pages/?descendant_of={draft.pk}",
                f"/api/v2/pages/{draft.pk}/", "/api/v2/pages/find/?html_path=/en/unlaunched-desk/"]:
        status, data = get(client, url)
        assert status in (400, 404), (url, status)


def test_banners_not_running_now_or_of_a_withdrawn_edition_are_not_answered(client):
    from datetime import timedelta

    from django.utils import timezone

    from samizdat.newsroom.models import ServicePage

    now = timezone.now()
    edition = ServicePage.objects.get(language_code="en")
    later = BreakingNews.objects.create(service=edition, text="Not yet", starts_at=now + timedelta(hours=1), expires_at=now + timedelta(hours=2))
    over = BreakingNews.objects.create(service=edition, text="Over", starts_at=now - timedelta(hours=2), expires_at=now - timedelta(hours=1))
    russian = ServicePage.objects.get(language_code="ru")
    withdrawn = BreakingNews.objects.create(service=russian, text="Withdrawn edition", starts_at=now - timedelta(hours=1), expires_at=now + timedelta(hours=1))
    russian.unpublish()
    texts = {i["text"] for i in every_item(client, "breaking")}
    assert not texts & {"Not yet", "Over", "Withdrawn edition"}
    for banner in (later, over, withdrawn):
        assert get(client, f"/api/v2/breaking/{banner.pk}/")[0] == 404


def test_images_are_the_baked_renditions_without_internal_titles(client, site_dir):
    post = PostPage.objects.live().exclude(lead_image=None).first()
    status, data = get(client, f"/api/v2/pages/{post.pk}/?fields=*")
    image = data["lead_image"]
    assert set(image) == {"url", "width", "height"} and re.fullmatch(r"/assets/media/[0-9a-f]{16}\.(jpg|png|gif)", image["url"])
    assert (site_dir / image["url"].lstrip("/")).is_file(), "the address is the file readers get"
    assert data["lead_image_alt"] == post.lead_image_alt
    status, data = get(client, f"/api/v2/images/{post.lead_image_id}/?fields=*")
    assert set(data) == {"id", "meta", "rendition"} and (site_dir / data["rendition"]["url"].lstrip("/")).is_file()
    titles = [post.lead_image.title for post in PostPage.objects.live().exclude(lead_image=None)]
    text = json.dumps(every_item(client, "images") + every_item(client, "pages", type="newsroom.PostPage"), ensure_ascii=False)
    assert titles and not any(title in text for title in titles), "an upload's title is staff's, not readers'"
    assert "/media/" not in text.replace("/assets/media/", ""), "the origin's /media/ is for signed-in staff"


def test_subscribers_are_nowhere_in_the_api(client):
    from samizdat.mail.models import Subscriber
    from samizdat.newsroom.models import ServicePage

    Subscriber.objects.create(edition=ServicePage.objects.get(language_code="en"), address="reader.secret@example.net")
    for endpoint in ["subscribers", "mail", "users", "documents", "snippets"]:
        assert client.get(f"/api/v2/{endpoint}/").status_code == 404, endpoint
    everything = json.dumps([every_item(client, e) for e in ("pages", "authors", "images", "breaking")])
    assert "reader.secret" not in everything and "@" not in everything.replace("\\u0040", "")


def test_staff_names_never_appear_behind_pen_names(client):
    """A staff member who owns posts, wrote their revisions and uploaded their images: their
    name, username and address appear in no answer of any endpoint."""
    from django.contrib.auth import get_user_model

    staff = get_user_model().objects.create(
        username="prostami-desk", first_name="Parvaneh", last_name="Rostami", email="p.rostami@staff.example"
    )
    for post in PostPage.objects.live().exclude(lead_image=None)[:5]:
        post.owner = staff
        post.save(update_fields=["owner"])
        post.save_revision(user=staff).publish(user=staff, skip_permission_checks=True)
        post.lead_image.uploaded_by_user = staff
        post.lead_image.save(update_fields=["uploaded_by_user"])
    everything = json.dumps(
        [every_item(client, "pages", type=t) for t in ("newsroom.PostPage", "newsroom.BlogPage", "newsroom.ServicePage")]
        + [every_item(client, e) for e in ("pages", "authors", "images", "breaking")]
        + [get(client, f"/api/v2/pages/{p.pk}/?fields=*")[1] for p in PostPage.objects.filter(owner=staff)],
        ensure_ascii=False,
    )
    for secret in ("Parvaneh", "Rostami", "prostami", "staff.example"):
        assert secret not in everything, secret
