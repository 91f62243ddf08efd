"""Subscribing by e-mail: an SMTP or LMTP listener (`samizdat mail-inbound`) that takes mail
to an edition's subscription address (SAMIZDAT_MAIL_INBOUND_ADDRESS, e.g.
subscribe-{edition}@news.example.org — the mail server in front hands it over by LMTP or
forwards it by SMTP). A message whose subject or first lines hold the word "subscribe" (or
the Persian or Russian word) starts the same double opt-in as the web form: the sender gets a
confirmation mail, so a forged From subscribes nobody. Delivery reports and complaints sent
back to a subscriber's bounce address (SAMIZDAT_MAIL_BOUNCE_ADDRESS, VERP) stop mail to a dead
address. "unsubscribe" («لغو اشتراک»,
«отписаться») is answered, if the sender is subscribed, with their unsubscribe link — a forged
From unsubscribes nobody either.
"""

import asyncio
import email
import logging
import re
from email import policy
from email.utils import parseaddr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import close_old_connections

from samizdat.newsroom.models import ServicePage

from . import services

logger = logging.getLogger(__name__)

SUBSCRIBE_WORDS = {"subscribe", "اشتراک", "عضویت", "подписаться", "подписка", "подписку"}
UNSUBSCRIBE_WORDS = {"unsubscribe", "لغو", "отписаться", "отписка", "отписку"}
WORD = re.compile(r"\w+", re.UNICODE)


def edition_for_address(address):
    """The live edition whose subscription address this is, or None."""
    close_old_connections()  # a long-running listener must not hold a dead connection
    pattern = getattr(settings, "SAMIZDAT_MAIL_INBOUND_ADDRESS", "")
    if not pattern or "{edition}" not in pattern:
        return None
    before, after = pattern.split("{edition}", 1)
    address = address.strip().lower()
    if not (address.startswith(before.lower()) and address.endswith(after.lower())):
        return None
    slug = address[len(before): len(address) - len(after)]
    return ServicePage.objects.live().filter(slug__iexact=slug).first() if slug else None


def wants(message):
    """"subscribe", "unsubscribe" or None: what the subject or the first lines of the text ask
    ("لغو اشتراک", cancel subscription, is an unsubscribe)."""
    text = str(message.get("subject", ""))
    body = message.get_body(preferencelist=("plain",)) if message.is_multipart() else message
    if body is not None and body.get_content_type() == "text/plain":
        try:
            text += "\n" + "\n".join(body.get_content().splitlines()[:5])
        except (LookupError, ValueError):
            pass
    words = {w.casefold() for w in WORD.findall(text)}
    if UNSUBSCRIBE_WORDS & words:
        return "unsubscribe"
    if SUBSCRIBE_WORDS & words:
        return "subscribe"
    return None


def report_failure(message):
    """Why a delivery report (RFC 3464) or a complaint (ARF, RFC 5965) means the address must
    get no more mail, or "" if it does not (a delay, a success, a temporary failure)."""
    if message.get_content_type() != "multipart/report":
        return ""
    kind = message.get_param("report-type", "").lower()
    if kind == "feedback-report":
        return "complaint (feedback loop)"
    if kind != "delivery-status":
        return ""
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        for block in part.get_payload():
            action = str(block.get("action", "")).strip().lower()
            status = str(block.get("status", "")).strip()
            if action == "failed" and status.startswith("5"):
                return f"bounce: {status} {str(block.get('diagnostic-code', '')).strip()}"
    return ""


def inbound_receive(*, recipients, content, peer=None):
    """Handle one received message (in a thread: it uses the database)."""
    close_old_connections()
    message = email.message_from_bytes(content, policy=policy.default)
    bounced = [pk for pk in map(services.subscriber_for_bounce, recipients) if pk]
    if bounced:
        why = report_failure(message)
        for pk in bounced if why else ():
            services.address_dead(pk, why)
        logger.info("inbound mail: a report for %d subscriber(s): %s", len(bounced), why or "nothing to do")
        return 0
    sender = parseaddr(str(message.get("reply-to") or message.get("from") or ""))[1]
    asks = wants(message)
    if not sender or asks is None:
        return 0
    request = services.subscription_request if asks == "subscribe" else services.unsubscribe_request
    asked = 0
    for recipient in recipients:
        edition = edition_for_address(recipient)
        if edition is None:
            continue
        try:
            request(edition=edition, address=sender, ip=peer)
            asked += 1
        except ValidationError:
            pass
    logger.info("inbound mail: %d %s request(s)", asked, asks)
    return asked


class InboundHandler:
    """aiosmtpd handler: refuses recipients that are no subscription address, accepts the rest."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        loop = asyncio.get_running_loop()
        edition = await loop.run_in_executor(None, edition_for_address, address)
        if edition is None and services.subscriber_for_bounce(address) is None:
            return "550 5.1.1 No such subscription address here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        loop = asyncio.get_running_loop()
        peer = session.peer[0] if isinstance(session.peer, tuple) else None
        try:
            await loop.run_in_executor(
                None, lambda: inbound_receive(recipients=envelope.rcpt_tos, content=envelope.original_content
                                              or envelope.content, peer=peer)
            )
        except Exception:  # noqa: BLE001 — logged; the sender's server may try again
            logger.exception("inbound mail could not be handled")
            return "451 4.3.0 Try again later"
        return "250 OK"
