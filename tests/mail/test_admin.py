"""The editors' side: send a post as an alert after a preview, once; the send log and the
subscriber counts show numbers, never an address."""

from django.utils import timezone

from samizdat.mail.models import Message, Subscriber
from samizdat.newsroom.models import PostPage


def test_an_editor_previews_then_sends_a_post_as_an_alert_once(client, users, smtp, editions,
                                                                django_capture_on_commit_callbacks):
    en = editions["en"]
    Subscriber.objects.create(edition=en, address="watcher@example.org", confirmed_at=timezone.now())
    post = PostPage.objects.live().descendant_of(en).first()
    client.force_login(users["editor"])
    edit = client.get(f"/admin/pages/{post.pk}/edit/")
    assert f"/admin/mail/alert/post/{post.pk}/" in edit.content.decode(), "the button on the post"
    url = f"/admin/mail/alert/post/{post.pk}/"
    preview = client.get(url)
    assert preview.status_code == 200 and post.title in preview.content.decode()
    assert "watcher@example.org" not in preview.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url).status_code == 302
    assert smtp.recipients() == ["watcher@example.org"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
    assert Message.objects.count() == 1 and len(smtp.recipients()) == 1, "an item is sent once"
    assert "<table" in client.get(url).content.decode(), "then the page shows its send log"


def test_a_contributor_cannot_send_alerts(client, users, editions):
    post = PostPage.objects.live().descendant_of(editions["en"]).first()
    client.force_login(users["contributor"])
    # Wagtail answers a refused permission with a redirect to the dashboard.
    assert client.get(f"/admin/mail/alert/post/{post.pk}/").status_code in (302, 403)
    assert client.post(f"/admin/mail/alert/post/{post.pk}/").status_code in (302, 403)
    assert not Message.objects.exists()
    assert client.get("/admin/mail/").status_code in (302, 403)


def test_the_send_log_and_digest_preview_show_counts_not_addresses(client, users, editions):
    fa = editions["fa"]
    Subscriber.objects.create(edition=fa, address="secret-reader@example.org", confirmed_at=timezone.now())
    client.force_login(users["admin"])
    page = client.get("/admin/mail/").content.decode()
    assert fa.title in page and "secret-reader" not in page
    preview = client.get(f"/admin/mail/digest/{fa.pk}/")
    assert preview.status_code == 200


def test_only_administrators_export_addresses_and_each_export_is_audited(client, users, editions):
    from wagtail.models import PageLogEntry

    fa = editions["fa"]
    Subscriber.objects.create(edition=fa, address="exported@example.org", confirmed_at=timezone.now())
    Subscriber.objects.create(edition=fa, address="pending@example.org")
    url = f"/admin/mail/export/{fa.pk}/"
    client.force_login(users["editor"])
    assert client.post(url).status_code in (302, 403)
    client.force_login(users["admin"])
    assert client.get(url).status_code == 405, "a POST, not a link"
    response = client.post(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert "exported@example.org" in body and "pending@example.org" not in body
    [entry] = PageLogEntry.objects.filter(action="samizdat.mail_export", page=fa)
    assert entry.user_id == users["admin"].pk and entry.data == {"count": 1}
    assert "exported@example.org" not in str(entry.data)
