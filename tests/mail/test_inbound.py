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


DSN = """From: MAILER-DAEMON@mx.example.net
To: {to}
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

The message could not be delivered.
--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; someone@example.net
Action: {action}
Status: {status}
Diagnostic-Code: smtp; {status} the mailbox says no

--B--
"""

ARF = """From: fbl@isp.example.net
To: {to}
Subject: complaint
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="B"

--B
Content-Type: text/plain

A user marked this as spam.
--B
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: ISP-FBL/1.0
Version: 1

--B--
"""


def test_a_hard_bounce_or_a_complaint_stops_mail_to_the_address(inbound, smtp, editions, settings):
    from django.utils import timezone

    settings.SAMIZDAT_MAIL_BOUNCE_ADDRESS = "bounce+{token}@news.example.org"
    en = editions["en"]
    subscribers = []
    in_another_thread(lambda: subscribers.extend(
        Subscriber.objects.create(edition=en, address=f"{name}@inbound.example.org", confirmed_at=timezone.now())
        for name in ("hard", "soft", "spam")))
    hard, soft, spam = subscribers
    with smtplib.SMTP("127.0.0.1", inbound, timeout=10) as client:
        for subscriber, text in [(hard, DSN.format(to="x", action="failed", status="5.1.1")),
                                 (soft, DSN.format(to="x", action="delayed", status="4.4.7")),
                                 (spam, ARF.format(to="x"))]:
            client.sendmail("", [services.bounce_address(subscriber)], text.encode())
        with pytest.raises(smtplib.SMTPRecipientsRefused):  # a forged bounce address is no address here
            client.sendmail("", [f"bounce+{hard.pk}-0123456789abcdef@news.example.org"], b"Subject: x\r\n\r\nx")
    now = {}
    in_another_thread(lambda: now.update(Subscriber.objects.filter(pk__in=[s.pk for s in subscribers])
                                         .values_list("address", "dead_reason")))
    assert now["hard@inbound.example.org"].startswith("bounce: 5.1.1")
    assert now["soft@inbound.example.org"] == "", "a delay is no reason to stop"
    assert now["spam@inbound.example.org"].startswith("complaint")
