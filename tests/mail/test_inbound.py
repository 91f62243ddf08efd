"""Subscribing by e-mail: a real SMTP conversation with the inbound listener answers with a
confirmation mail (double opt-in), never a subscription."""

import smtplib
import threading
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from django.db import connection

from samizdat.mail import services
from samizdat.mail.inbound import InboundHandler, wants
from samizdat.mail.models import SubscribeAttempt, Subscriber

from .smtpd import free_port, text_of


def in_another_thread(fn):
    """Run `fn` on its own database connection (committed, unlike the test's transaction)."""
    def run():
        try:
            fn()
        finally:
            connection.close()
    thread = threading.Thread(target=run)
    thread.start()
    thread.join()


@pytest.fixture
def inbound(db, settings, smtp):
    settings.SAMIZDAT_MAIL_INBOUND_ADDRESS = "subscribe-{edition}@news.example.org"
    port = free_port()
    controller = Controller(InboundHandler(), hostname="127.0.0.1", port=port)
    controller.start()
    yield port
    controller.stop()
    # The listener's threads committed what they wrote: remove it for the next tests.
    in_another_thread(lambda: (Subscriber.objects.filter(address__endswith="@inbound.example.org").delete(),
                               SubscribeAttempt.objects.all().delete()))


def mail(subject, body, to, sender="Reader <Someone@Inbound.Example.org>"):
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message.set_content(body)
    return message


def test_subscribe_by_e_mail_sends_a_confirmation_and_subscribes_nobody_yet(inbound, smtp, editions):
    fa = editions["fa"]
    with smtplib.SMTP("127.0.0.1", inbound, timeout=10) as client:
        client.send_message(mail("subscribe", "", f"subscribe-{fa.slug}@news.example.org"))
        # An address that is no edition's is refused at RCPT.
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            client.send_message(mail("subscribe", "", "someone-else@news.example.org"))
    [(rcpts, confirmation)] = smtp.messages()
    assert rcpts == ["someone@inbound.example.org"], "the confirmation goes to the sender, not the subscription"
    assert confirmation["Content-Language"] == "fa"
    assert f"/mail/{fa.pk}/confirm/?t=" in text_of(confirmation)
    found = []
    in_another_thread(lambda: found.extend(Subscriber.objects.filter(address="someone@inbound.example.org")))
    assert [s.confirmed_at for s in found] == [None], "a forged From subscribes nobody: the link must be opened"


def test_unsubscribe_by_e_mail_sends_the_subscriber_their_link_and_deletes_nothing(inbound, smtp, editions):
    from django.utils import timezone

    ru = editions["ru"]
    address = "leaver@inbound.example.org"
    created = []
    in_another_thread(lambda: created.append(
        Subscriber.objects.create(edition=ru, address=address, confirmed_at=timezone.now())))
    with smtplib.SMTP("127.0.0.1", inbound, timeout=10) as client:
        client.send_message(mail("отписаться", "", f"subscribe-{ru.slug}@news.example.org", sender=address))
        # Someone not subscribed gets nothing (and learns nothing).
        client.send_message(mail("unsubscribe", "", f"subscribe-{ru.slug}@news.example.org",
                                 sender="stranger@inbound.example.org"))
    [(rcpts, answer)] = smtp.messages()
    assert rcpts == [address]
    assert services.unsubscribe_url(created[0]) in text_of(answer)
    still = []
    in_another_thread(lambda: still.extend(Subscriber.objects.filter(address=address)))
    assert len(still) == 1, "a forged From unsubscribes nobody: the link must be used"


def test_what_a_mail_asks():
    assert wants(mail("subscribe", "", "x@example.org")) == "subscribe"
    assert wants(mail("", "Please\nподписаться\n", "x@example.org")) == "subscribe"
    assert wants(mail("اشتراک", "", "x@example.org")) == "subscribe"
    assert wants(mail("unsubscribe", "", "x@example.org")) == "unsubscribe"
    assert wants(mail("لغو اشتراک", "", "x@example.org")) == "unsubscribe"
    assert wants(mail("hello", "a story tip", "x@example.org")) is None
