"""News by e-mail: subscribing (double opt-in), composing alerts and digests, and sending
them through Django's e-mail backend from the task worker.

Nothing is sent twice. A message's `key` is unique (one alert per item, one digest per
edition and day), each (message, subscriber) pair is one `Delivery` row, and a delivery is
marked `sending` in its own commit *before* the SMTP conversation and `sent` after it. A worker
killed in between leaves the row `sending`; whoever takes the message next (its lease ran out,
`LEASE`) marks such rows `unknown` and does **not** send them again: at most once, because a
breaking alert in an inbox twice costs more trust than one missing (the digest carries it too).
At most one delivery per dead worker is in that state.

Addresses never reach a log line, a task argument or an error text: tasks carry row ids, and
server answers are scrubbed of anything that looks like an address.
"""

import hashlib
import hmac
import logging
import re
import smtplib
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import formataddr
from urllib.parse import quote

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Min, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext as _
from django_tasks import task, task_backends
from wagtail.log_actions import log

from samizdat.newsroom.models import BreakingNews, PostPage, ServicePage
from samizdat.publishing.services import WORKER_ID
from samizdat.theme.jinja import date as local_date

from .models import Delivery, EditionMail, Message, SubscribeAttempt, Subscriber

logger = logging.getLogger(__name__)

CONFIRM_SALT = "samizdat.mail.confirm"
UNSUBSCRIBE_SALT = "samizdat.mail.unsubscribe"
# The opt-in link works this long; an unconfirmed address is deleted after it.
CONFIRM_MAX_AGE = timedelta(days=3)
# One confirmation mail per address and edition in this time, whatever is asked.
RESEND_AFTER = timedelta(minutes=10)
# Subscription requests (form or e-mail) per address, and per client IP, in a window.
LIMIT_PER_ADDRESS = (3, timedelta(days=1))
LIMIT_PER_IP = (20, timedelta(hours=1))
# Most posts a digest lists (it stays far below 30 KB); teasers are cut to this many characters.
DIGEST_MAX_POSTS = 40
TEASER_CHARS = 300
UNSUBSCRIBE_MARK = "@@UNSUBSCRIBE@@"
ADDRESS_LIKE = re.compile(r"<?[^\s<>@]+@[^\s<>@]+>?")


class MailLinkError(Exception):
    """A confirmation or unsubscribe link that is not valid (`reason`: expired or invalid)."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


class NotSendable(Exception):
    """An item that may not be sent as an alert (unpublished, not showing, already sent)."""


# --- settings --------------------------------------------------------------------------------


def lease():
    return timedelta(seconds=getattr(settings, "SAMIZDAT_MAIL_LEASE_SECONDS", 60))


def retry_delays():
    """Seconds before each retry of a delivery that failed for a passing reason; after the
    last one it is reported as failed."""
    return list(getattr(settings, "SAMIZDAT_MAIL_RETRY_DELAYS", [60, 300, 1800, 7200]))


def mail_enabled():
    """News by e-mail is on once the origin's public address is set: every link in a mail
    points there."""
    return bool(getattr(settings, "SAMIZDAT_MAIL_ORIGIN", ""))


def origin_url(path):
    return (getattr(settings, "SAMIZDAT_MAIL_ORIGIN", "") or "http://localhost:8000").rstrip("/") + path


def scrub(text):
    """A server's answer without the address it may quote (for the send log)."""
    return ADDRESS_LIKE.sub("<address>", str(text))[:300]


# --- subscribing -----------------------------------------------------------------------------


def address_normalize(address):
    """The address as stored (lower case, trimmed); ValidationError if it is not one."""
    address = (address or "").strip()
    if len(address) > 254:
        raise ValidationError("too long")
    validate_email(address)
    return address.lower()


def _limit_key(kind, value):
    return hmac.new(settings.SECRET_KEY.encode(), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def _over_limit(key, limit, window):
    return SubscribeAttempt.objects.filter(key=key, at__gte=timezone.now() - window).count() >= limit


@transaction.atomic
def subscription_request(*, edition, address, ip=None):
    """Someone asked to subscribe `address` (the form, or an e-mail to the edition's address).
    Sends a confirmation mail at most every `RESEND_AFTER`, within the rate limits; answers
    nothing about whether the address is known (the caller shows the same page either way).
    Returns whether a confirmation mail was queued."""
    address = address_normalize(address)
    limits = [(_limit_key("address", address), *LIMIT_PER_ADDRESS)]
    if ip:
        limits.append((_limit_key("ip", ip), *LIMIT_PER_IP))
    if any(_over_limit(key, n, window) for key, n, window in limits):
        logger.info("subscription request to edition %s over the rate limit", edition.pk)
        return False
    SubscribeAttempt.objects.bulk_create([SubscribeAttempt(key=key) for key, _n, _w in limits])
    subscriber, _created = Subscriber.objects.get_or_create(edition=edition, address=address)
    now = timezone.now()
    if subscriber.confirmed_at and not subscriber.dead_at:
        return False  # subscribed already
    if subscriber.confirmation_sent_at and subscriber.confirmation_sent_at > now - RESEND_AFTER:
        return False
    Subscriber.objects.filter(pk=subscriber.pk).update(confirmation_sent_at=now)
    transaction.on_commit(lambda: confirmation_send.enqueue(subscriber.pk))
    return True


@transaction.atomic
def unsubscribe_request(*, edition, address, ip=None):
    """Someone wrote "unsubscribe" to the edition's address. A From can be forged, so nothing
    is deleted here: a subscribed address gets a mail with its unsubscribe link (within the
    same rate limits as subscribing). Returns whether one was queued."""
    address = address_normalize(address)
    limits = [(_limit_key("address", address), *LIMIT_PER_ADDRESS)]
    if ip:
        limits.append((_limit_key("ip", ip), *LIMIT_PER_IP))
    if any(_over_limit(key, n, window) for key, n, window in limits):
        return False
    SubscribeAttempt.objects.bulk_create([SubscribeAttempt(key=key) for key, _n, _w in limits])
    subscriber = Subscriber.objects.filter(edition=edition, address=address, confirmed_at__isnull=False).first()
    if subscriber is None:
        return False
    transaction.on_commit(lambda: unsubscribe_link_send.enqueue(subscriber.pk))
    return True


def _token(subscriber, salt):
    return signing.dumps([subscriber.pk, subscriber.secret], salt=salt)


def confirm_url(subscriber):
    path = reverse("mail:confirm", args=[subscriber.edition_id])
    return origin_url(f"{path}?t={_token(subscriber, CONFIRM_SALT)}")


def unsubscribe_url(subscriber):
    path = reverse("mail:unsubscribe", args=[subscriber.edition_id])
    return origin_url(f"{path}?t={_token(subscriber, UNSUBSCRIBE_SALT)}")


def _subscriber_from(token, *, salt, edition, max_age=None):
    """The subscriber a signed link names, None if it is gone; MailLinkError if the link was
    altered, made for another edition, or (opt-in) has expired."""
    try:
        pk, secret = signing.loads(token or "", salt=salt, max_age=max_age)
    except signing.SignatureExpired:
        raise MailLinkError("expired") from None
    except (signing.BadSignature, ValueError, TypeError):
        raise MailLinkError("invalid") from None
    subscriber = Subscriber.objects.filter(pk=pk).first()
    if subscriber is None or not hmac.compare_digest(subscriber.secret, str(secret)):
        return None
    if subscriber.edition_id != edition.pk:
        raise MailLinkError("invalid")
    return subscriber


def subscription_confirm(*, edition, token):
    """Open the opt-in link: the address is subscribed (a dead one comes back to life)."""
    subscriber = _subscriber_from(token, salt=CONFIRM_SALT, edition=edition, max_age=CONFIRM_MAX_AGE)
    if subscriber is None:
        raise MailLinkError("expired")  # deleted when it expired, or unsubscribed meanwhile
    if not subscriber.confirmed_at or subscriber.dead_at:
        Subscriber.objects.filter(pk=subscriber.pk).update(confirmed_at=timezone.now(), dead_at=None, dead_reason="")
    return subscriber


def subscriber_for_confirm(*, edition, token):
    """Check an opt-in link without acting on it (MailLinkError if it is refused)."""
    subscriber = _subscriber_from(token, salt=CONFIRM_SALT, edition=edition, max_age=CONFIRM_MAX_AGE)
    if subscriber is None:
        raise MailLinkError("expired")
    return subscriber


def subscriber_for_unsubscribe(*, edition, token):
    """The subscriber an unsubscribe link names (None: already gone)."""
    return _subscriber_from(token, salt=UNSUBSCRIBE_SALT, edition=edition)


def subscription_cancel(*, edition, token):
    """Unsubscribe: the row — and with it the address — is deleted, not flagged. Queued
    deliveries to it are dropped when their turn comes. Returns whether one was deleted."""
    subscriber = subscriber_for_unsubscribe(edition=edition, token=token)
    if subscriber is None:
        return False
    Subscriber.objects.filter(pk=subscriber.pk).delete()
    logger.info("a subscriber of edition %s unsubscribed", edition.pk)
    return True


def subscribers_prune():
    """Forget unconfirmed addresses whose link has expired, and old rate-limit counts."""
    now = timezone.now()
    Subscriber.objects.filter(confirmed_at__isnull=True, created_at__lt=now - CONFIRM_MAX_AGE).delete()
    SubscribeAttempt.objects.filter(at__lt=now - max(LIMIT_PER_ADDRESS[1], LIMIT_PER_IP[1])).delete()


def subscribers_export(*, edition, user):
    """The confirmed addresses of an edition, as (address, confirmed_at) rows, for someone
    holding `mail.view_addresses`. Every export is written to Wagtail's audit log (who, when,
    which edition, how many) — never what."""
    if not user.has_perm("mail.view_addresses"):
        raise PermissionDenied
    rows = list(
        Subscriber.objects.filter(edition=edition, confirmed_at__isnull=False, dead_at__isnull=True)
        .order_by("pk").values_list("address", "confirmed_at")
    )
    log(instance=edition, action="samizdat.mail_export", user=user, data={"count": len(rows)})
    logger.info("user %s exported the %d subscriber(s) of edition %s", user.pk, len(rows), edition.pk)
    return rows


def subscriber_counts():
    """Per edition id: confirmed, waiting for confirmation, dead. Counts only."""
    counts = {}
    rows = Subscriber.objects.values("edition_id").annotate(
        confirmed=Count("pk", filter=Q(confirmed_at__isnull=False, dead_at__isnull=True)),
        pending=Count("pk", filter=Q(confirmed_at__isnull=True)),
        dead=Count("pk", filter=Q(dead_at__isnull=False)),
    )
    for row in rows:
        counts[row.pop("edition_id")] = row
    return counts


# --- composing -------------------------------------------------------------------------------


@dataclass
class Item:
    title: str
    teaser: str
    url: str
    published_at: datetime | None = None


def edition_url(edition, path):
    """An absolute address of a reader path: the edition's public address when it has one,
    otherwise the origin."""
    base = (edition.base_url or "").rstrip("/")
    prefix = edition.reader_path.rstrip("/")
    if base and base.endswith(prefix) and path.startswith(prefix + "/"):
        return base + quote(path[len(prefix):])
    return origin_url(quote(path))


def _render(kind, context, edition):
    context = {
        **context,
        "edition": edition,
        "lang": edition.language_code,
        "direction": edition.direction,
        "unsubscribe_url": UNSUBSCRIBE_MARK,
        "front_url": edition_url(edition, edition.reader_path),
    }
    text = render_to_string(f"mail/{kind}.txt", context)
    html = render_to_string(f"mail/{kind}.html", context)
    return text, html


def message_compose(*, edition, kind, key, subject, heading, items, user=None):
    """An unsaved message: plain text and light HTML in the edition's language, times in its
    time zone."""
    with translation.override(edition.language_code), timezone.override(edition.zone):
        text, html = _render("message", {"heading": heading, "items": items, "zone": edition.zone}, edition)
        return Message(
            key=key, kind=kind, edition=edition, language=edition.language_code, subject=subject[:300],
            text=text, html=html, created_by=user if user and user.is_authenticated else None,
        )


def _post_item(post, edition):
    return Item(title=post.title, teaser=post.teaser[:TEASER_CHARS], url=edition_url(edition, post.reader_path),
                published_at=post.first_published_at)


def alert_compose_post(post, *, user=None):
    post = post.specific
    if not isinstance(post, PostPage) or not post.live:
        raise NotSendable(_("Only a published post can be sent as an alert."))
    edition = post.get_service()
    if edition is None or not edition.live:
        raise NotSendable(_("Only a published post can be sent as an alert."))
    with translation.override(edition.language_code):
        heading = _("Breaking news")
    return message_compose(edition=edition, kind=Message.ALERT, key=f"alert:post:{post.pk}", subject=post.title,
                           heading=heading, items=[_post_item(post, edition)], user=user)


def alert_compose_banner(banner, *, user=None):
    now = timezone.now()
    edition = banner.service
    if not (banner.starts_at <= now < banner.expires_at) or not edition.live:
        raise NotSendable(_("Only a banner that is showing now can be sent as an alert."))
    if banner.link_url.startswith("/"):
        url = edition_url(edition, banner.link_url)
    else:
        url = banner.link_url or edition_url(edition, edition.reader_path)
    with translation.override(edition.language_code):
        heading = _("Breaking news")
    return message_compose(edition=edition, kind=Message.ALERT, key=f"alert:banner:{banner.pk}", subject=banner.text,
                           heading=heading, items=[Item(title=banner.text, teaser="", url=url)], user=user)


def message_for_key(key):
    return Message.objects.filter(key=key).first()


def message_queue(message):
    """Save a composed message with one delivery per confirmed subscriber of its edition, and
    have the worker send it after commit. NotSendable if a message with its key exists."""
    if not mail_enabled():
        raise NotSendable(_("News by e-mail is not set up: SAMIZDAT_MAIL_ORIGIN is empty."))
    if Message.objects.filter(key=message.key).exists():
        raise NotSendable(_("This was sent already."))
    try:
        with transaction.atomic():
            message.lease_until = timezone.now() + lease()  # reserved for the task queued below
            message.save()
            subscribers = Subscriber.objects.filter(
                edition=message.edition, confirmed_at__isnull=False, dead_at__isnull=True
            ).values_list("pk", flat=True)
            Delivery.objects.bulk_create(
                (Delivery(message=message, subscriber_id=pk) for pk in subscribers.iterator()), batch_size=1000
            )
    except IntegrityError:
        raise NotSendable(_("This was sent already.")) from None
    transaction.on_commit(lambda: message_send.enqueue(message.pk))
    logger.info("message %s (%s) queued", message.pk, message.key)
    return message


def alert_send(item, *, user=None):
    """Queue an alert for a post or a banner (once per item)."""
    if isinstance(item, BreakingNews):
        return message_queue(alert_compose_banner(item, user=user))
    return message_queue(alert_compose_post(item, user=user))


def digest_settings(edition):
    return EditionMail.objects.filter(edition=edition).first() or EditionMail(edition=edition)


def digest_window(edition, day):
    """The 24 hours a digest for `day` covers: up to the edition's digest time that day."""
    config = digest_settings(edition)
    at = config.digest_time
    if isinstance(at, str):
        at = datetime.strptime(at, "%H:%M").time()
    end = datetime.combine(day, at, tzinfo=edition.zone)
    return end - timedelta(days=1), end


def digest_compose(edition, day):
    """The digest of `day`: the posts published in its window, oldest first (live ones only)."""
    start, end = digest_window(edition, day)
    posts = (
        PostPage.objects.live().descendant_of(edition).filter(first_published_at__gte=start, first_published_at__lt=end)
        .exclude(unlisted=True).order_by("first_published_at", "pk")[:DIGEST_MAX_POSTS]
    )
    items = [_post_item(post, edition) for post in posts]
    with translation.override(edition.language_code), timezone.override(edition.zone):
        # The day as the edition's readers write it (Solar Hijri in Persian).
        shown = local_date(end - timedelta(hours=12))
        subject = _("%(edition)s: the news of %(day)s") % {"edition": edition.title, "day": shown}
        heading = _("The news of the day")
    message = message_compose(edition=edition, kind=Message.DIGEST, key=f"digest:{edition.pk}:{day.isoformat()}",
                              subject=subject, heading=heading, items=items)
    return message, items


def digests_queue_due(now=None):
    """Queue each edition's digest once its local digest time has come today. A day without
    posts is recorded as a message with nothing to send (so it is decided once)."""
    now = now or timezone.now()
    queued = []
    if not mail_enabled():
        return queued
    for edition in ServicePage.objects.live():
        config = digest_settings(edition)
        if not config.digest_enabled:
            continue
        local = now.astimezone(edition.zone)
        start, end = digest_window(edition, local.date())
        if now < end or Message.objects.filter(key=f"digest:{edition.pk}:{local.date().isoformat()}").exists():
            continue
        message, items = digest_compose(edition, local.date())
        if not items:
            message.finished_at = now
            message.save()
            continue
        try:
            queued.append(message_queue(message))
        except NotSendable:
            pass  # another worker queued it meanwhile
    return queued


# --- sending ---------------------------------------------------------------------------------


def _email(message, subscriber, connection):
    link = unsubscribe_url(subscriber)
    edition = message.edition
    domain = getattr(settings, "SAMIZDAT_MAIL_LIST_DOMAIN", "localhost")
    sender = formataddr((edition.title, settings.SAMIZDAT_MAIL_FROM))
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.text.replace(UNSUBSCRIBE_MARK, link),
        # The envelope sender: the subscriber's bounce address when set (the From header stays).
        from_email=bounce_address(subscriber) or sender,
        to=[subscriber.address],
        connection=connection,
        headers={
            "From": sender,
            "List-Id": f"<{message.language}-{edition.pk}.{domain}>",
            "List-Unsubscribe": f"<{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Content-Language": message.language,
            "Auto-Submitted": "auto-generated",
        },
    )
    email.attach_alternative(message.html.replace(UNSUBSCRIBE_MARK, escape(link)), "text/html")
    return email


def _failure(exc):
    """What an exception from the SMTP backend means: ("dead", why) — the server refused the
    address for good; ("failed", why) — it refused this message for good; ("retry", why) —
    try again later (4xx, connection refused, timeout, disconnect)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, answer = next(iter(exc.recipients.values()))
        why = scrub(f"{code} {answer.decode(errors='replace') if isinstance(answer, bytes) else answer}")
        return ("dead" if 500 <= code < 600 else "retry"), why
    if isinstance(exc, smtplib.SMTPResponseException):
        answer = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
        why = scrub(f"{exc.smtp_code} {answer}")
        return ("failed" if 500 <= exc.smtp_code < 600 else "retry"), why
    return "retry", scrub(f"{exc.__class__.__name__}: {exc}")


def bounce_address(subscriber):
    """The envelope sender (Return-Path) of a mail to `subscriber` when
    SAMIZDAT_MAIL_BOUNCE_ADDRESS is set (VERP): bounces and complaints come back to an address
    that names the subscriber, with a keyed hash so nobody can forge one. None: not set."""
    pattern = getattr(settings, "SAMIZDAT_MAIL_BOUNCE_ADDRESS", "")
    if "{token}" not in pattern:
        return None
    return pattern.format(token=f"{subscriber.pk}-{_bounce_mac(subscriber.pk)}")


def _bounce_mac(pk):
    return hmac.new(settings.SECRET_KEY.encode(), f"bounce:{pk}".encode(), hashlib.sha256).hexdigest()[:16]


def subscriber_for_bounce(address):
    """The subscriber id a bounce address names, or None (not ours, or forged)."""
    pattern = getattr(settings, "SAMIZDAT_MAIL_BOUNCE_ADDRESS", "")
    if "{token}" not in pattern:
        return None
    before, after = (part.lower() for part in pattern.split("{token}", 1))
    address = address.strip().lower()
    if not (address.startswith(before) and address.endswith(after)):
        return None
    pk, _sep, mac = address[len(before): len(address) - len(after)].partition("-")
    if not pk.isdigit() or not hmac.compare_digest(mac, _bounce_mac(int(pk))):
        return None
    return int(pk)


def address_dead(subscriber_id, why):
    """Stop sending to an address: a permanent refusal, a hard bounce, a complaint. A DSN or
    feedback-loop reader calls this with the subscriber its VERP address or token names."""
    Subscriber.objects.filter(pk=subscriber_id).update(dead_at=timezone.now(), dead_reason=scrub(why)[:200])


def _lease_take(message_id):
    now = timezone.now()
    taken = (
        Message.objects.filter(pk=message_id, finished_at__isnull=True)
        .filter(Q(lease_owner="") | Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_owner=WORKER_ID[:100], lease_until=now + lease())
    )
    return taken == 1


def _lease_renew(message_id):
    return Message.objects.filter(pk=message_id, lease_owner=WORKER_ID[:100]).update(
        lease_until=timezone.now() + lease()
    ) == 1


def _source_gone(message):
    """An alert whose post was unpublished (or banner deleted) meanwhile sends no more."""
    kind, _sep, pk = message.key.partition(":")[2].partition(":")
    if message.kind != Message.ALERT:
        return False
    if kind == "post":
        return not PostPage.objects.live().filter(pk=pk).exists()
    if kind == "banner":
        return not BreakingNews.objects.filter(pk=pk).exists()
    return False


class _Pace:
    """At most `rate` messages a second (SAMIZDAT_MAIL_RATE; 0: as fast as the server takes)."""

    def __init__(self, rate):
        self.gap = 1.0 / rate if rate else 0.0
        self.next = time.monotonic()

    def wait(self):
        if self.gap:
            delay = self.next - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            self.next = max(self.next, time.monotonic()) + self.gap


def message_send_run(message_id):
    """Send a message's due deliveries, one SMTP transaction each (every subscriber gets their
    own unsubscribe link), over one connection. Only the worker holding the message's lease
    sends. Returns the counts by status, or None if another worker holds it."""
    if not _lease_take(message_id):
        return None
    message = Message.objects.select_related("edition").get(pk=message_id)
    # We hold the lease, so rows still `sending` belong to a worker that died mid-send.
    lost = Delivery.objects.filter(message=message, status=Delivery.SENDING).update(
        status=Delivery.UNKNOWN, error="the worker stopped while sending; not sent again"
    )
    if lost:
        logger.warning("message %s: %d delivery(ies) interrupted by a dead worker, not sent again", message.pk, lost)
    if _source_gone(message):
        Delivery.objects.filter(message=message, status=Delivery.QUEUED).update(status=Delivery.DROPPED,
                                                                                error="the item is no longer published")
    delays = retry_delays()
    pace = _Pace(getattr(settings, "SAMIZDAT_MAIL_RATE", 10))
    connection = None
    renewed = time.monotonic()
    try:
        while True:
            now = timezone.now()
            due = (
                Delivery.objects.filter(message=message, status=Delivery.QUEUED)
                .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
                .order_by("pk").values_list("pk", "subscriber_id", "attempts")[:500]
            )
            due = list(due)
            if not due:
                break
            subscribers = Subscriber.objects.in_bulk([s for _pk, s, _a in due if s])
            stop = False
            for pk, subscriber_id, attempts in due:
                if time.monotonic() - renewed > lease().total_seconds() / 3:
                    if not _lease_renew(message.pk):
                        logger.warning("message %s: lost its lease; another worker continues", message.pk)
                        return None
                    renewed = time.monotonic()
                subscriber = subscribers.get(subscriber_id)
                if subscriber is None or subscriber.dead_at or not subscriber.confirmed_at:
                    Delivery.objects.filter(pk=pk, status=Delivery.QUEUED).update(status=Delivery.DROPPED)
                    continue
                # Claimed in its own commit before any byte goes to the server.
                if not Delivery.objects.filter(pk=pk, status=Delivery.QUEUED).update(
                    status=Delivery.SENDING, attempts=F("attempts") + 1
                ):
                    continue
                pace.wait()
                try:
                    if connection is None:
                        connection = get_connection(fail_silently=False)
                        connection.open()
                    _email(message, subscriber, connection).send()
                except Exception as exc:  # noqa: BLE001 — every failure is recorded, none stops publishing
                    outcome, why = _failure(exc)
                    if connection is not None:
                        try:
                            connection.close()
                        except Exception:  # noqa: BLE001
                            pass
                        connection = None
                    server_failing, stop = _delivery_failed(message, pk, subscriber_id, attempts + 1, outcome, why, delays)
                    if server_failing:
                        break  # read the due rows again (a failing server with no delay: retried at once)
                else:
                    Delivery.objects.filter(pk=pk).update(status=Delivery.SENT, sent_at=timezone.now(), error="")
            if stop:
                break
    finally:
        if connection is not None:
            try:
                connection.close()
            except Exception:  # noqa: BLE001
                pass
        _after_run(message)
    return message_counts(message)


def _delivery_failed(message, pk, subscriber_id, attempt, outcome, why, delays):
    """Record a failed delivery. Answers (server failing, stop this run): when the server
    itself fails, the rest of the message waits with it — one back-off for all, not one
    failure per address."""
    if outcome == "dead":
        Delivery.objects.filter(pk=pk).update(status=Delivery.FAILED, error=why)
        address_dead(subscriber_id, why)
        logger.info("message %s: an address was refused for good (%s); no more mail to it", message.pk, why)
        return False, False
    if outcome == "failed":
        Delivery.objects.filter(pk=pk).update(status=Delivery.FAILED, error=why)
        logger.warning("message %s: the server refused one delivery: %s", message.pk, why)
        return False, False
    # The server is down, slow or busy: this delivery and the other due ones wait together.
    Message.objects.filter(pk=message.pk).update(last_error=why)
    if attempt > len(delays):
        Delivery.objects.filter(pk=pk).update(status=Delivery.FAILED, error=why)
        failed = Delivery.objects.filter(message=message, status=Delivery.QUEUED, attempts__gte=len(delays)).update(
            status=Delivery.FAILED, error=why, attempts=F("attempts") + 1
        )
        logger.error("message %s: sending failed %d times (%s); %d delivery(ies) given up",
                     message.pk, attempt, why, failed + 1)
        return True, True
    later = timezone.now() + timedelta(seconds=delays[attempt - 1])
    Delivery.objects.filter(pk=pk).update(status=Delivery.QUEUED, next_attempt_at=later, error=why)
    Delivery.objects.filter(message=message, status=Delivery.QUEUED).exclude(pk=pk).update(
        next_attempt_at=later, attempts=F("attempts") + 1, error=why
    )
    logger.warning("message %s: sending failed (attempt %d: %s); retrying in %ss", message.pk, attempt, why,
                   delays[attempt - 1])
    return True, delays[attempt - 1] > 0


def _after_run(message):
    """Release the lease; finish the message, or have it resumed when its retries are due."""
    waiting = Delivery.objects.filter(message=message, status=Delivery.QUEUED)
    if waiting.exists():
        Message.objects.filter(pk=message.pk, lease_owner=WORKER_ID[:100]).update(lease_owner="", lease_until=None)
        when = waiting.aggregate(t=Min("next_attempt_at"))["t"]
        backend = task_backends["default"]
        if when and when > timezone.now() and backend.supports_defer:
            message_send.using(run_after=when).enqueue(message.pk)
        # Otherwise the worker's clock (`mail_tick`) resumes it.
    else:
        Message.objects.filter(pk=message.pk).update(lease_owner="", lease_until=None, finished_at=timezone.now())
        logger.info("message %s finished: %s", message.pk, message_counts(message))


def message_counts(message):
    """Deliveries by status — the send log shows these, never who."""
    counts = dict.fromkeys((s for s, _label in Delivery.STATUSES), 0)
    for row in Delivery.objects.filter(message=message).values("status").annotate(n=Count("pk")):
        counts[row["status"]] = row["n"]
    return counts


def messages_resume():
    """Queue sending again for messages with due deliveries and nobody holding them: their
    task was lost, their worker died, or their retry time came (the worker's clock)."""
    now = timezone.now()
    free = Message.objects.filter(finished_at__isnull=True).filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
    for message in free:
        due = Delivery.objects.filter(message=message).filter(
            Q(status=Delivery.SENDING)
            | Q(status=Delivery.QUEUED, next_attempt_at__isnull=True)
            | Q(status=Delivery.QUEUED, next_attempt_at__lte=now)
        )
        if due.exists():
            Message.objects.filter(pk=message.pk).update(lease_owner="", lease_until=now + lease())
            message_send.enqueue(message.pk)
        elif not Delivery.objects.filter(message=message, status=Delivery.QUEUED).exists():
            Message.objects.filter(pk=message.pk).update(finished_at=now)


def mail_tick():
    """What time brings for mail (the worker's clock calls it; one worker at a time)."""
    digests_queue_due()
    messages_resume()
    subscribers_prune()


def unsubscribe_link_send_run(subscriber_id):
    """The answer to an "unsubscribe" mail: the subscriber's own unsubscribe link."""
    subscriber = Subscriber.objects.select_related("edition").filter(pk=subscriber_id).first()
    if subscriber is None:
        return
    edition = subscriber.edition
    with translation.override(edition.language_code):
        subject = _("Unsubscribe from %(edition)s") % {"edition": edition.title}
    # On failure nothing more: every mail the subscriber gets carries the link too.
    _personal_mail_send(subscriber, "unsubscribe", {"link": unsubscribe_url(subscriber)}, subject,
                        auto_submitted="auto-replied", what="unsubscribe link")


def _personal_mail_send(subscriber, template, context, subject, *, auto_submitted, what):
    """One mail to one subscriber (not a list message: no List-* headers), in the edition's
    language; answers the failure's outcome ("dead", "retry", …) or None when it was sent."""
    edition = subscriber.edition
    with translation.override(edition.language_code):
        text, html = _render(template, context, edition)
    email = EmailMultiAlternatives(
        subject=subject, body=text, from_email=formataddr((edition.title, settings.SAMIZDAT_MAIL_FROM)),
        to=[subscriber.address], headers={"Content-Language": edition.language_code, "Auto-Submitted": auto_submitted},
    )
    email.attach_alternative(html, "text/html")
    try:
        email.send()
    except Exception as exc:  # noqa: BLE001 — reported; the caller decides what follows
        outcome, why = _failure(exc)
        logger.warning("%s for edition %s not sent: %s", what, edition.pk, why)
        return outcome
    return None


def confirmation_send_run(subscriber_id):
    """The opt-in mail: a signed link that works for `CONFIRM_MAX_AGE`."""
    subscriber = Subscriber.objects.select_related("edition").filter(pk=subscriber_id).first()
    if subscriber is None or (subscriber.confirmed_at and not subscriber.dead_at):
        return
    edition = subscriber.edition
    with translation.override(edition.language_code):
        subject = _("Confirm your subscription to %(edition)s") % {"edition": edition.title}
    # On failure the reader may ask again after RESEND_AFTER.
    outcome = _personal_mail_send(
        subscriber, "confirm", {"confirm_url": confirm_url(subscriber), "days": CONFIRM_MAX_AGE.days}, subject,
        auto_submitted="auto-generated", what="confirmation mail",
    )
    if outcome is not None:
        if outcome == "dead":
            Subscriber.objects.filter(pk=subscriber.pk, confirmed_at__isnull=True).delete()
        else:
            Subscriber.objects.filter(pk=subscriber.pk).update(confirmation_sent_at=None)


# --- the tasks the worker runs ---------------------------------------------------------------


@task()
def message_send(message_id):
    return message_send_run(message_id)


@task()
def confirmation_send(subscriber_id):
    confirmation_send_run(subscriber_id)


@task()
def unsubscribe_link_send(subscriber_id):
    unsubscribe_link_send_run(subscriber_id)
