"""Subscribe, confirm and unsubscribe: plain forms that work without JavaScript.

No CSRF token: the subscribe form sits on baked static pages (and mirrors) that cannot carry
one. It is safe without: a subscribe POST only ever sends a confirmation mail (rate-limited
per address and per IP, at most one per `RESEND_AFTER`, a honeypot field for bots), and every
answer is the same whether the address is known or not. Confirm and unsubscribe act only
with a signed link, which is itself the proof; a GET only shows a button (mail scanners
follow links), the POST acts — and the RFC 8058 one-click POST from a mail program too.
"""


from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from samizdat.core.clients import client_key
from samizdat.newsroom.models import ServicePage

from . import services


def inbound_address(edition):
    """The address readers may write "subscribe" to, or "" (SAMIZDAT_MAIL_INBOUND_ADDRESS)."""
    pattern = getattr(settings, "SAMIZDAT_MAIL_INBOUND_ADDRESS", "")
    return pattern.format(edition=edition.slug) if pattern else ""


def _edition(pk, *, live=True):
    """The edition of the URL; subscribing needs a live one and news by e-mail set up, while
    leaving works whatever became of either."""
    editions = ServicePage.objects.live() if live else ServicePage.objects.all()
    edition = editions.filter(pk=pk).first()
    if edition is None or (live and not services.mail_enabled()):
        raise Http404("No such edition")
    return edition


def _page(request, edition, *, title, lines=(), form=None, button="", status=200, action=""):
    with translation.override(edition.language_code):
        context = {
            "edition": edition, "lang": edition.language_code, "direction": edition.direction,
            "title": str(title), "lines": [str(line) for line in lines], "form": form, "button": str(button),
            "action": action, "front_url": services.edition_url(edition, edition.reader_path),
            "inbound": inbound_address(edition) if form == "subscribe" else "",
        }
        response = TemplateResponse(request, "mail/page.html", context, status=status)
        response.render()
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"  # the token is in the address
    return response


def _link_refused(request, edition, error):
    with translation.override(edition.language_code):
        if error.reason == "expired":
            title = _("This link has expired")
            lines = [_("Links to confirm a subscription work for a few days. Subscribe again to get a new one.")]
        else:
            title = _("This link is not valid")
            lines = [_("It may have been cut or changed on the way. Copy the whole link from the message, or subscribe again.")]
        return _page(request, edition, title=title, lines=lines, form="subscribe", status=400,
                     action=reverse("mail:subscribe", args=[edition.pk]))


@csrf_exempt
@require_http_methods(["GET", "POST"])
def subscribe(request, edition):
    edition = _edition(edition)
    action = reverse("mail:subscribe", args=[edition.pk])
    with translation.override(edition.language_code):
        if request.method == "GET":
            return _page(request, edition, title=_("News by e-mail"), form="subscribe", action=action)
        if request.POST.get("website"):
            pass  # a bot filled the hidden field: the same answer, nothing sent
        else:
            try:
                services.subscription_request(edition=edition, address=request.POST.get("address", ""),
                                              ip=client_key(request))
            except ValidationError:
                return _page(request, edition, title=_("News by e-mail"), status=400, form="subscribe", action=action,
                             lines=[_("That does not look like an e-mail address.")])
        return _page(request, edition, title=_("Check your inbox"), lines=[
            _("If the address is right, a message is on its way to it. Open the link in it to confirm."),
            _("Nothing is sent to the address before it is confirmed."),
        ])


@csrf_exempt
@require_http_methods(["GET", "POST"])
def confirm(request, edition):
    edition = _edition(edition)
    token = request.GET.get("t", "")
    with translation.override(edition.language_code):
        try:
            if request.method == "GET":
                # Only check it: mail scanners open links, and a scanner must not subscribe anyone.
                services.subscriber_for_confirm(edition=edition, token=token)
                return _page(request, edition, title=_("Confirm your subscription"), form="button",
                             button=_("Yes, send me the news"), action=request.get_full_path())
            services.subscription_confirm(edition=edition, token=token)
        except services.MailLinkError as error:
            return _link_refused(request, edition, error)
        return _page(request, edition, title=_("You are subscribed"), lines=[
            _("The news of %(edition)s will come to this address. Every message has a link to unsubscribe.")
            % {"edition": edition.title},
        ])


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, edition):
    edition = _edition(edition, live=False)
    token = request.GET.get("t", "")
    with translation.override(edition.language_code):
        try:
            if request.method == "GET":
                if services.subscriber_for_unsubscribe(edition=edition, token=token) is None:
                    return _page(request, edition, title=_("You are unsubscribed"),
                                 lines=[_("This address receives nothing more from us; it has been deleted.")])
                return _page(request, edition, title=_("Unsubscribe"), form="button", button=_("Unsubscribe"),
                             lines=[_("Press the button and we delete your address.")],
                             action=request.get_full_path())
            # The form's POST, or a mail program's one-click POST (RFC 8058).
            services.subscription_cancel(edition=edition, token=token)
        except services.MailLinkError as error:
            return _link_refused(request, edition, error)
        return _page(request, edition, title=_("You are unsubscribed"),
                     lines=[_("This address receives nothing more from us; it has been deleted.")])
