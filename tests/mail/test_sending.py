"""Alerts and digests through the real SMTP server: every confirmed subscriber once, in the
edition's language and direction, with the list headers; refusals, retries and timeouts."""

import socket
import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from samizdat.mail import services
from samizdat.mail.models import Delivery, Message, Subscriber
from samizdat.newsroom.models import BreakingNews, PostPage

from .smtpd import html_of, text_of


def confirmed(edition, *addresses):
    return [Subscriber.objects.create(edition=edition, address=a, confirmed_at=timezone.now()) for a in addresses]


def live_post(edition):
    return PostPage.objects.live().descendant_of(edition).order_by("pk").first()


def test_an_alert_reaches_each_confirmed_subscriber_once_in_the_editions_language(smtp, editions, settings,
                                                                                  django_capture_on_commit_callbacks):
    settings.SAMIZDAT_MAIL_BOUNCE_ADDRESS = "bounce+{token}@news.example.org"
    fa, en = editions["fa"], editions["en"]
    readers = confirmed(fa, *(f"reader{i}@example.org" for i in range(5)))
    Subscriber.objects.create(edition=fa, address="pending@example.org")  # never confirmed
    confirmed(en, "english@example.org")  # another edition
    Subscriber.objects.create(edition=fa, address="dead@example.org", confirmed_at=timezone.now(),
                              dead_at=timezone.now())
    post = live_post(fa)

    with django_capture_on_commit_callbacks(execute=True):
        message = services.alert_send(post)
    received = smtp.messages()
    assert sorted(r for rcpts, _m in received for r in rcpts) == sorted(s.address for s in readers)
    for (rcpts, mail), envelope_sender in zip(received, smtp.senders, strict=True):
        subscriber = Subscriber.objects.get(edition=fa, address=rcpts[0])
        # VERP: bounces come back to an address naming the subscriber; the From stays the newsroom's.
        assert envelope_sender == services.bounce_address(subscriber)
        assert services.subscriber_for_bounce(envelope_sender) == subscriber.pk
        assert mail["From"].addresses[0].addr_spec == "news@example.org"
        assert mail["To"] == subscriber.address and mail["Subject"].strip() == post.title
        assert mail["Content-Language"] == "fa"
        assert mail["List-Id"] == f"<fa-{fa.pk}.news.example.org>"
        # A long header is folded before the "<" (RFC 5322): unfolded, it is the link.
        # The link is signed with the second it was made in: compare whom it names, not its bytes.
        link = mail["List-Unsubscribe"].strip()
        assert link.startswith("<") and link.endswith(">") and unsubscribes(link[1:-1], subscriber)
        assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        html, text = html_of(mail), text_of(mail)
        assert '<html lang="fa" dir="rtl">' in html and post.title in html and post.title in text
        assert "خبر فوری" in text, "the edition's language"
        assert any(unsubscribes(word, subscriber) for word in text.split() if "?t=" in word)
        assert len(mail.as_bytes()) <= 30_000
        assert "<img" not in html and "src=" not in html, "no remote images, no pixels"
    assert services.message_counts(message)["sent"] == 5
    assert Message.objects.get(pk=message.pk).finished_at is not None

    # Never twice for one item.
    with pytest.raises(services.NotSendable), django_capture_on_commit_callbacks(execute=True):
        services.alert_send(post)
    assert len(smtp.messages()) == 5


def test_no_alert_for_an_unpublished_post_or_a_banner_not_showing(smtp, editions):
    en = editions["en"]
    confirmed(en, "someone@example.org")
    post = live_post(en)
    PostPage.objects.filter(pk=post.pk).update(live=False)
    with pytest.raises(services.NotSendable):
        services.alert_send(PostPage.objects.get(pk=post.pk))
    later = BreakingNews.objects.create(service=en, text="Tomorrow", starts_at=timezone.now() + timedelta(hours=1),
                                        expires_at=timezone.now() + timedelta(hours=2))
    with pytest.raises(services.NotSendable):
        services.alert_send(later)
    assert smtp.messages() == [] and not Message.objects.exists()


def test_a_banner_alert_and_a_post_unpublished_while_queued(smtp, editions, django_capture_on_commit_callbacks):
    ru = editions["ru"]
    confirmed(ru, "a@example.org", "b@example.org")
    banner = BreakingNews.objects.create(service=ru, text="Срочно: проверка", link_url=live_post(ru).reader_path,
                                         expires_at=timezone.now() + timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        services.alert_send(banner)
    assert len(smtp.messages()) == 2
    assert all(m["Subject"].strip() == "Срочно: проверка" and m["Content-Language"] == "ru" for _r, m in smtp.messages())

    post = live_post(ru)
    message = services.message_queue(services.alert_compose_post(post))  # queued, not yet sent
    PostPage.objects.filter(pk=post.pk).update(live=False)
    services.message_send_run(message.pk)
    assert len(smtp.messages()) == 2, "an alert whose post was unpublished meanwhile sends no more"
    assert services.message_counts(message)["dropped"] == 2


def test_the_digest_lists_the_days_posts_in_order_and_nothing_unpublished(smtp, editions, settings,
                                                                          django_capture_on_commit_callbacks):
    fa = editions["fa"]
    reader, = confirmed(fa, "digest@example.org")
    zone = fa.zone
    day = timezone.now().astimezone(zone).date() - timedelta(days=1)
    at = datetime.combine(day, datetime.strptime("07:00", "%H:%M").time(), tzinfo=zone)
    posts = list(PostPage.objects.live().descendant_of(fa).order_by("pk")[:4])
    assert len(posts) == 4
    # Published in the window (out of id order), one before it, and one unpublished.
    times = [at - timedelta(hours=2), at - timedelta(hours=20), at - timedelta(hours=30), at - timedelta(hours=5)]
    for post, when in zip(posts, times, strict=True):
        PostPage.objects.filter(pk=post.pk).update(first_published_at=when)
    PostPage.objects.filter(pk=posts[3].pk).update(live=False)
    PostPage.objects.descendant_of(fa).exclude(pk__in=[p.pk for p in posts]).update(
        first_published_at=at - timedelta(days=10))

    with django_capture_on_commit_callbacks(execute=True):
        assert services.digests_queue_due(now=at - timedelta(minutes=1)) == [], "not before the digest time"
        queued = services.digests_queue_due(now=at + timedelta(minutes=1))
    assert [m.edition_id for m in queued if m.edition_id == fa.pk] == [fa.pk]
    mails = [m for rcpts, m in smtp.messages() if rcpts == [reader.address]]
    assert len(mails) == 1
    text = text_of(mails[0])
    assert text.index(posts[1].title) < text.index(posts[0].title), "oldest first"
    assert posts[2].title not in text and posts[3].title not in text
    assert mails[0]["Content-Language"] == "fa" and 'dir="rtl"' in html_of(mails[0])

    with django_capture_on_commit_callbacks(execute=True):
        services.digests_queue_due(now=at + timedelta(hours=3))
    assert len([1 for rcpts, _m in smtp.messages() if rcpts == [reader.address]]) == 1, "one digest a day"


def test_a_permanent_refusal_marks_the_address_dead(smtp, editions, django_capture_on_commit_callbacks):
    en = editions["en"]
    good, gone = confirmed(en, "good@example.org", "gone@example.org")
    smtp.refuse["gone@example.org"] = "550 5.1.1 <gone@example.org>: no such user"
    with django_capture_on_commit_callbacks(execute=True):
        message = services.alert_send(live_post(en))
    assert smtp.recipients() == ["good@example.org"]
    gone.refresh_from_db()
    assert gone.dead_at is not None and "gone@example.org" not in gone.dead_reason
    failed = Delivery.objects.get(message=message, subscriber=gone)
    assert failed.status == Delivery.FAILED and "550" in failed.error and "@" not in failed.error


def test_a_temporary_refusal_is_retried(smtp, editions, settings, django_capture_on_commit_callbacks):
    settings.SAMIZDAT_MAIL_RETRY_DELAYS = [0, 0]
    en = editions["en"]
    confirmed(en, "busy@example.org")
    smtp.refuse["busy@example.org"] = ["451 4.7.1 Try again later"]
    with django_capture_on_commit_callbacks(execute=True):
        message = services.alert_send(live_post(en))
    assert smtp.recipients() == ["busy@example.org"]
    assert Delivery.objects.get(message=message).attempts == 2


def silent_server():
    """Accepts connections and never says a word (an SMTP server that hangs)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    held = []

    def accept():
        while True:
            try:
                held.append(listener.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    return listener


@pytest.mark.parametrize("failure", ["refused", "timeout"])
def test_smtp_down_or_hanging_is_retried_then_reported_and_publishing_goes_on(
    failure, editions, settings, fresh_site, django_capture_on_commit_callbacks
):
    from tests.conftest import read

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_TIMEOUT = 1
    settings.SAMIZDAT_MAIL_RATE = 0
    settings.SAMIZDAT_MAIL_RETRY_DELAYS = [0, 0]
    settings.SAMIZDAT_MAIL_ORIGIN = "http://testserver"
    listener = silent_server()
    if failure == "refused":
        settings.EMAIL_PORT = listener.getsockname()[1]
        listener.close()  # nobody listens there any more: connection refused
    else:
        settings.EMAIL_PORT = listener.getsockname()[1]
    try:
        en = editions["en"]
        confirmed(en, "one@example.org", "two@example.org")
        post = live_post(en).specific
        post.title = "Published while mail is down"
        with django_capture_on_commit_callbacks(execute=True):
            message = services.alert_send(PostPage.objects.get(pk=post.pk))
            post.save_revision().publish()
    finally:
        listener.close()
    message.refresh_from_db()
    counts = services.message_counts(message)
    assert counts["failed"] == 2 and counts["sent"] == 0, counts
    assert message.finished_at is not None and message.last_error
    assert set(Delivery.objects.filter(message=message).values_list("attempts", flat=True)) == {3}
    assert "Published while mail is down" in read(fresh_site, post.reader_path), "the bake went on"


def test_the_workers_clock_sends_each_digest_at_its_editions_local_time(smtp, editions,
                                                                        django_capture_on_commit_callbacks):
    from freezegun import freeze_time

    from samizdat.publishing.signals import worker_tick

    ru = editions["ru"]
    reader, = confirmed(ru, "clock@example.org")
    post = live_post(ru)
    # 20:00 UTC on 9 June is 23:00 in Moscow: in the digest of 10 June (07:00 Moscow = 04:00 UTC).
    PostPage.objects.filter(pk=post.pk).update(first_published_at=datetime(2026, 6, 9, 20, 0, tzinfo=UTC))
    with freeze_time("2026-06-10 03:59:00"), django_capture_on_commit_callbacks(execute=True):
        worker_tick.send_robust(sender=None)
    assert smtp.messages() == [], "06:59 in Moscow: not yet"
    with freeze_time("2026-06-10 04:01:00"), django_capture_on_commit_callbacks(execute=True):
        worker_tick.send_robust(sender=None)
        worker_tick.send_robust(sender=None)
    [(rcpts, mail)] = smtp.messages()
    assert rcpts == [reader.address] and post.title in text_of(mail)
    assert "9 июня 2026" in mail["Subject"], "the day in the edition's language"


def test_the_worker_loop_sends_the_clock_signal(fresh_site):
    from samizdat.publishing import worker
    from samizdat.publishing.signals import worker_tick

    heard = []

    def receiver(sender, **kwargs):
        heard.append(sender)

    worker_tick.connect(receiver)
    try:
        worker.worker_tick()
    finally:
        worker_tick.disconnect(receiver)
    assert heard == [None]


def unsubscribes(url, subscriber):
    """Whether `url` is the unsubscribe link of `subscriber` (any second it was signed in)."""
    prefix = services.unsubscribe_url(subscriber).split("?t=", 1)[0] + "?t="
    return url.startswith(prefix) and services.subscriber_for_unsubscribe(
        edition=subscriber.edition, token=url[len(prefix):]) == subscriber
