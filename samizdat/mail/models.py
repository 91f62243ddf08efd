"""News by e-mail: who subscribed to which edition, what was sent, and to whom.

Addresses live in `Subscriber.address` only — never in a delivery, a log line or an error.
A subscriber who leaves is deleted (their deliveries keep counts, not the address).
"""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from samizdat.newsroom.models import ServicePage


def _secret():
    return secrets.token_hex(16)


class Subscriber(models.Model):
    """One address subscribed to one edition; unconfirmed until the link in the confirmation
    mail is opened (unconfirmed rows are deleted when the link expires)."""

    edition = models.ForeignKey(ServicePage, on_delete=models.CASCADE, related_name="+")
    address = models.EmailField(max_length=254)
    # Part of every signed link: a link made for a deleted subscription never works for a
    # new one with the same row id.
    secret = models.CharField(max_length=32, default=_secret)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    # A permanent refusal (5xx on RCPT, a hard bounce, a complaint) stops all sending.
    dead_at = models.DateTimeField(null=True, blank=True)
    dead_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["edition", "address"], name="mail_subscriber_unique")]
        indexes = [models.Index(fields=["edition", "confirmed_at"], name="mail_subscriber_edition")]
        permissions = [("view_addresses", "Can see subscriber addresses")]
        verbose_name = _("subscriber")

    def __str__(self):
        return f"subscriber {self.pk}"  # never the address: str() ends up in logs


class EditionMail(models.Model):
    """An edition's e-mail settings (an edition without a row uses the defaults)."""

    edition = models.OneToOneField(ServicePage, on_delete=models.CASCADE, related_name="+", verbose_name=_("edition"))
    digest_enabled = models.BooleanField(_("send a daily digest"), default=True)
    digest_time = models.TimeField(
        _("digest time"), default="07:00", help_text=_("In the edition's own time zone.")
    )

    class Meta:
        verbose_name = _("edition e-mail settings")
        verbose_name_plural = _("edition e-mail settings")

    def __str__(self):
        return str(self.edition)


class Message(models.Model):
    """One alert or digest of one edition. `key` says what it is about ("alert:post:12",
    "digest:5:2026-11-28"): unique, so nothing is sent twice for one item or day."""

    ALERT, DIGEST = "alert", "digest"
    key = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=10, choices=[(ALERT, _("alert")), (DIGEST, _("digest"))])
    edition = models.ForeignKey(ServicePage, on_delete=models.CASCADE, related_name="+")
    language = models.CharField(max_length=12)
    subject = models.CharField(max_length=300)
    text = models.TextField()
    html = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The worker sending it holds a lease it renews; a lease run out means that worker died.
    lease_owner = models.CharField(max_length=100, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)  # the server's last answer, scrubbed

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("message")

    def __str__(self):
        return self.subject


class Delivery(models.Model):
    """One message to one subscriber. Unique per (message, subscriber); marked `sending` in
    its own commit before the SMTP conversation and `sent` after it (see `services`)."""

    QUEUED, SENDING, SENT, FAILED, UNKNOWN, DROPPED = "queued", "sending", "sent", "failed", "unknown", "dropped"
    STATUSES = [
        (QUEUED, _("queued")),
        (SENDING, _("sending")),
        (SENT, _("sent")),
        (FAILED, _("failed")),
        # The worker died between handing it to SMTP and recording the answer: maybe sent.
        (UNKNOWN, _("unknown")),
        # The subscriber left or the address died before it was sent.
        (DROPPED, _("dropped")),
    ]
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.ForeignKey(Subscriber, null=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=10, choices=STATUSES, default=QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)  # the server's answer, never the address

    class Meta:
        constraints = [models.UniqueConstraint(fields=["message", "subscriber"], name="mail_delivery_once")]
        indexes = [models.Index(fields=["message", "status"], name="mail_delivery_status")]


class SubscribeAttempt(models.Model):
    """Rate limiting of the subscribe form and address: keyed by a keyed hash of the address
    or the client's IP, so neither is stored."""

    key = models.CharField(max_length=64, db_index=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
