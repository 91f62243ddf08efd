"""The clock: what changes on the reader site because time passed, not because someone
saved — a breaking-news banner starting or expiring, a pin running out, a scheduled
go-live or expiry time arriving. Read here; the worker (`tasks`) acts on it."""

import hashlib
import io
import json
import logging
from collections import defaultdict

from django.conf import settings
from django.core.management import call_command
from django.utils import timezone
from wagtail.models import Page, Revision

from samizdat.newsroom.models import BreakingNews, PostPage, ServicePage

logger = logging.getLogger(__name__)


def clock_state():
    """Per edition, a fingerprint of its time-dependent state now: active banners and pins."""
    now = timezone.now()
    state = defaultdict(list)
    active = BreakingNews.objects.filter(starts_at__lte=now, expires_at__gt=now).order_by("pk")
    for service_id, pk in active.values_list("service_id", "pk"):
        state[str(service_id)].append(f"b{pk}")
    services = list(ServicePage.objects.live().only("pk", "path"))
    pinned = PostPage.objects.live().filter(pinned_until__gt=now).order_by("pk").values_list("pk", "path")
    for pk, path in pinned:
        for service in services:
            if path.startswith(service.path):
                state[str(service.pk)].append(f"p{pk}")
    return {k: hashlib.sha256(json.dumps(v).encode()).hexdigest()[:12] for k, v in state.items()}


def clock_changed(before, after):
    """Ids of the editions whose banner or pins differ between two `clock_state()`s."""
    return sorted(int(k) for k in before.keys() | after.keys() if before.get(k) != after.get(k))


def _clock_file():
    return settings.DATA_DIR / "baked-clock.json"


def baked_clock_state():
    """The clock state the site last showed."""
    try:
        return json.loads(_clock_file().read_text())
    except (FileNotFoundError, ValueError):
        return {}


def baked_clock_state_save(state):
    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    _clock_file().write_text(json.dumps(state, sort_keys=True))


def scheduled_due():
    """Whether a scheduled go-live or expiry time has come (two cheap queries)."""
    now = timezone.now()
    return (
        Revision.objects.filter(approved_go_live_at__lte=now).exists()
        or Page.objects.filter(live=True, expire_at__lte=now).exists()
    )


def scheduled_publish_run():
    """Publish pages whose go-live time has come and unpublish expired ones (Wagtail's own
    command; its signals record the change like an editor's publish)."""
    due = Revision.objects.filter(approved_go_live_at__lt=timezone.now()).count()
    call_command("publish_scheduled", stdout=io.StringIO())
    if due:
        logger.info("published %d scheduled revision(s)", due)
