"""Subscribing by e-mail: a real SMTP conversation with the inbound listener answers with a
confirmation mail (double opt-in), never a subscription."""

import smtplib
import threading
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from django.db import connection

from samizdat.mail.inbound import InboundHandler, wants_subscription
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


def test_only_the_word_subscribe_asks():
    assert wants_subscription(mail("subscribe", "", "x@example.org"))
    assert wants_subscription(mail("", "Please\nподписаться\n", "x@example.org"))
    assert wants_subscription(mail("اشتراک", "", "x@example.org"))
    assert not wants_subscription(mail("unsubscribe", "", "x@example.org"))
    assert not wants_subscription(mail("hello", "a story tip", "x@example.org"))
