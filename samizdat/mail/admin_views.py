"""The editors' side of news by e-mail: send a post or banner as an alert (after a preview),
preview the next digest, and the send log with subscriber counts — counts only: no view
here shows an address."""

from datetime import timedelta

import csv

from django.contrib.auth.decorators import user_passes_test
from django.http import HttpResponse
from django.views.decorators.http import require_POST
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.admin import messages

from samizdat.newsroom import selectors
from samizdat.newsroom.models import PostPage, ServicePage

from . import services
from .models import Message, Subscriber


def may_see_log(user):
    return user.is_active and (user.is_superuser or user.has_perm("mail.view_message"))


def _alert_page(request, item, compose, back):
    """GET: the alert as subscribers will get it, and how many will; POST: send it."""
    try:
        message = compose(item, user=request.user)
    except services.NotSendable as refusal:
        message, refusal = None, str(refusal)
    else:
        refusal = ""
    sent = services.message_for_key(message.key) if message else None
    if request.method == "POST" and message and not sent:
        try:
            services.message_queue(message)
        except services.NotSendable as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, _("The alert is on its way."))
        return redirect(request.path)
    edition = message.edition if message else None
    return TemplateResponse(request, "mail/admin/alert.html", {
        "item": item, "message": message, "refusal": refusal, "sent": sent,
        "counts": services.message_counts(sent) if sent else None, "back": back,
        "subscribers": Subscriber.objects.filter(edition=edition, confirmed_at__isnull=False,
                                                 dead_at__isnull=True).count() if edition else 0,
    })


def alert_post(request, page_id):
    post = get_object_or_404(PostPage, pk=page_id)
    if not post.permissions_for_user(request.user).can_publish():
        raise PermissionDenied
    return _alert_page(request, post, services.alert_compose_post, "wagtailadmin_pages:edit")


def alert_banner(request, banner_id):
    banner = get_object_or_404(selectors.banners_for_user(request.user), pk=banner_id)
    if not request.user.has_perm("newsroom.change_breakingnews"):
        raise PermissionDenied
    return _alert_page(request, banner, services.alert_compose_banner, None)


@user_passes_test(may_see_log)
def overview(request):
    counts = services.subscriber_counts()
    editions = [
        {"edition": e, "counts": counts.get(e.pk, {"confirmed": 0, "pending": 0, "dead": 0}),
         "digest": services.digest_settings(e)}
        for e in ServicePage.objects.live().order_by("path")
    ]
    log = [{"message": m, "counts": services.message_counts(m)}
           for m in Message.objects.select_related("edition").order_by("-created_at")[:50]]
    return TemplateResponse(request, "mail/admin/overview.html", {
        "editions": editions, "log": log, "may_export": request.user.has_perm("mail.view_addresses"),
    })


@user_passes_test(may_see_log)
def digest_preview(request, edition_id):
    edition = get_object_or_404(ServicePage, pk=edition_id)
    local = timezone.now().astimezone(edition.zone)
    _start, end = services.digest_window(edition, local.date())
    day = local.date() if timezone.now() < end else local.date() + timedelta(days=1)
    message, items = services.digest_compose(edition, day)
    return TemplateResponse(request, "mail/admin/preview.html", {"message": message, "items": items, "day": day})


@require_POST
def export(request, edition_id):
    """The edition's confirmed addresses as CSV: `mail.view_addresses` only (administrators),
    a POST (never a link to follow), and each export in the audit log."""
    edition = get_object_or_404(ServicePage, pk=edition_id)
    rows = services.subscribers_export(edition=edition, user=request.user)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="subscribers-{edition.pk}.csv"'
    response["Cache-Control"] = "no-store"
    writer = csv.writer(response)
    writer.writerow(["address", "confirmed_at"])
    for address, confirmed_at in rows:
        writer.writerow([address, confirmed_at.isoformat()])
    return response
