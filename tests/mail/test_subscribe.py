"""Double opt-in through the views, against a real SMTP server; expired and tampered links;
the protections of a form that cannot carry a CSRF token; unsubscribing."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from freezegun import freeze_time

from samizdat.mail import services
from samizdat.mail.models import SubscribeAttempt, Subscriber
from samizdat.newsroom.models import PostPage

from .smtpd import text_of

LINK = re.compile(r"http://testserver(/mail/\d+/confirm/\?t=\S+)")


def subscribe(client, edition, address, capture, **extra):
    with capture(execute=True):
        return client.post(f"/mail/{edition.pk}/subscribe/", {"address": address, "website": "", **extra},
                           REMOTE_ADDR="203.0.113.9")


def test_double_opt_in_from_the_form_to_the_link(client, smtp, editions, django_capture_on_commit_callbacks):
    fa = editions["fa"]
    response = subscribe(client, fa, "Reader@Example.org", django_capture_on_commit_callbacks)
    assert response.status_code == 200
    assert 'dir="rtl"' in response.content.decode() and 'lang="fa"' in response.content.decode()
    subscriber = Subscriber.objects.get(edition=fa, address="reader@example.org")
    assert subscriber.confirmed_at is None, "nothing is subscribed before the link is opened"

    [(rcpts, mail)] = smtp.messages()
    assert rcpts == ["reader@example.org"]
    assert mail["Content-Language"] == "fa"
    path = LINK.search(text_of(mail)).group(1)

    page = client.get(path)  # a mail scanner following the link subscribes nobody
    assert page.status_code == 200 and "<form" in page.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.confirmed_at is None

    done = client.post(path)
    assert done.status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.confirmed_at is not None

    # Asking again sends nothing more (and the page says the same as for a new address).
    again = subscribe(client, fa, "reader@example.org", django_capture_on_commit_callbacks)
    assert again.status_code == 200 and again.content == response.content
    assert len(smtp.messages()) == 1


def test_expired_or_tampered_link_gets_a_clear_page_in_the_editions_language(client, smtp, editions,
                                                                                django_capture_on_commit_callbacks):
    ru = editions["ru"]
    subscribe(client, ru, "later@example.org", django_capture_on_commit_callbacks)
    path = LINK.search(text_of(smtp.messages()[0][1])).group(1)

    tampered = client.post(path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB"))
    assert tampered.status_code == 400
    assert "Ссылка недействительна" in tampered.content.decode()
    assert 'lang="ru"' in tampered.content.decode()

    with freeze_time(timezone.now() + services.CONFIRM_MAX_AGE + timedelta(minutes=1)):
        expired = client.post(path)
    assert expired.status_code == 400
    assert "Срок действия ссылки истёк" in expired.content.decode()
    assert Subscriber.objects.get(address="later@example.org").confirmed_at is None

    # A link of one edition does not work for another.
    other = client.post(path.replace(f"/mail/{ru.pk}/", f"/mail/{editions['en'].pk}/"))
    assert other.status_code == 400


def test_honeypot_rate_limits_and_bad_addresses_send_nothing(client, smtp, editions, settings,
                                                              django_capture_on_commit_callbacks):
    en = editions["en"]
    bot = subscribe(client, en, "victim@example.org", django_capture_on_commit_callbacks, website="http://spam")
    assert bot.status_code == 200
    assert not Subscriber.objects.filter(address="victim@example.org").exists()

    bad = subscribe(client, en, "not an address", django_capture_on_commit_callbacks)
    assert bad.status_code == 400

    # One address cannot be flooded with confirmation mails: the first within RESEND_AFTER only.
    for _ in range(3):
        subscribe(client, en, "target@example.org", django_capture_on_commit_callbacks)
    assert smtp.recipients().count("target@example.org") == 1

    # One client IP gets LIMIT_PER_IP requests an hour.
    limit = services.LIMIT_PER_IP[0]
    for i in range(limit + 3):
        subscribe(client, en, f"many{i}@example.org", django_capture_on_commit_callbacks)
    assert len([r for r in smtp.recipients() if r.startswith("many")]) == limit - 3  # three were for target@ above
    # Neither the address nor the IP is stored in the rate-limit rows.
    keys = " ".join(SubscribeAttempt.objects.values_list("key", flat=True))
    assert "203.0.113.9" not in keys and "example.org" not in keys


def confirmed(edition, address):
    return Subscriber.objects.create(edition=edition, address=address, confirmed_at=timezone.now())


def test_one_click_unsubscribe_deletes_the_address_and_nothing_more_is_sent(client, smtp, editions,
                                                                             django_capture_on_commit_callbacks):
    en = editions["en"]
    leaving, staying = confirmed(en, "leaving@example.org"), confirmed(en, "staying@example.org")
    url = services.unsubscribe_url(leaving).removeprefix("http://testserver")
    # RFC 8058: the mail program POSTs "List-Unsubscribe=One-Click" to the List-Unsubscribe URL.
    response = client.post(url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert not Subscriber.objects.filter(address="leaving@example.org").exists()
    assert client.post(url).status_code == 200, "a second click is not an error"

    post = PostPage.objects.live().descendant_of(en).first()
    with django_capture_on_commit_callbacks(execute=True):
        services.alert_send(post)
    assert smtp.recipients() == [staying.address]


def test_unsubscribe_by_link_asks_first_then_deletes(client, smtp, editions):
    fa = editions["fa"]
    subscriber = confirmed(fa, "link@example.org")
    url = services.unsubscribe_url(subscriber).removeprefix("http://testserver")
    page = client.get(url)
    assert page.status_code == 200 and "<form" in page.content.decode()
    assert Subscriber.objects.filter(pk=subscriber.pk).exists(), "opening the link alone deletes nothing"
    assert client.post(url).status_code == 200
    assert not Subscriber.objects.filter(pk=subscriber.pk).exists()


def test_the_baked_front_page_has_a_form_that_posts_to_the_origin_without_javascript(
    client, smtp, editions, settings, fresh_site, django_capture_on_commit_callbacks
):
    from samizdat.delivery.headers import security_headers
    from samizdat.delivery.server import is_dynamic
    from samizdat.publishing.bake import bake
    from tests.conftest import read

    settings.SAMIZDAT_MAIL_ORIGIN = "https://origin.example.org"
    settings.SAMIZDAT_MAIL_INBOUND_ADDRESS = "subscribe-{edition}@example.org"
    fa = editions["fa"]
    bake([fa.reader_path])
    html = read(fresh_site, fa.reader_path)
    action = f"https://origin.example.org/mail/{fa.pk}/subscribe/"
    assert f'<form method="post" action="{action}">' in html, "absolute: a mirror's copy posts to the origin too"
    assert "<script" not in html.split('<section class="subscribe"')[1].split("</section>")[0]
    assert f"subscribe-{fa.slug}" in html and f"subscribe-{fa.slug}@" not in html, "the address, not harvestable"
    # `samizdat serve` hands /mail/ to Django, and lets the reader pages post there.
    assert is_dynamic(f"/mail/{fa.pk}/subscribe/".encode())
    csp = dict(security_headers())["Content-Security-Policy"]
    assert "form-action 'self' https://origin.example.org;" in csp
    assert subscribe(client, fa, "form@example.org", django_capture_on_commit_callbacks).status_code == 200
    assert smtp.recipients() == ["form@example.org"]


def test_without_an_origin_there_is_no_form_and_forms_ask_only_the_site_itself(client, editions, settings, fresh_site):
    from samizdat.delivery.headers import security_headers
    from samizdat.publishing.bake import bake
    from tests.conftest import read

    settings.SAMIZDAT_MAIL_ORIGIN = ""
    bake([editions["en"].reader_path])
    assert "<form" not in read(fresh_site, editions["en"].reader_path)
    assert "form-action 'self';" in dict(security_headers())["Content-Security-Policy"]  # the search form
    assert client.post(f"/mail/{editions['en'].pk}/subscribe/", {"address": "a@example.org"}).status_code == 404
    with pytest.raises(services.NotSendable):
        services.alert_send(PostPage.objects.live().descendant_of(editions["en"]).first())
