"""Reader dates are in the edition's time zone, calendar and digits, without seconds, and
name the zone; `<time datetime>` stays ISO 8601."""

import re
import zoneinfo
from datetime import datetime as dt
from datetime import timezone as tz

import pytest
from django.utils import timezone, translation

from samizdat.core.rendering import render_in_language, render_language, render_zone
from samizdat.newsroom.models import PostPage, ServicePage
from samizdat.core.dates import date, datetime
from samizdat.theme.jinja import isotime
from tests.conftest import read

# 21:25 UTC on 28 November 2026 is past midnight in Tehran and Moscow.
MOMENT = dt(2026, 11, 28, 21, 25, 7, tzinfo=tz.utc)


def _in(language, zone, fn):
    return render_in_language(language, lambda: fn(MOMENT), zone=zoneinfo.ZoneInfo(zone))


@pytest.mark.parametrize(
    "language, zone, expected_date, expected_datetime",
    [
        ("en", "Europe/London", "November 28, 2026", "November 28, 2026, 21:25 London time"),
        ("fa", "Asia/Tehran", "۸ آذر ۱۴۰۵", "۸ آذر ۱۴۰۵، ساعت ۰۰:۵۵ به وقت تهران"),
        ("ru", "Europe/Moscow", "29 ноября 2026\u202fг.", "29 ноября 2026\u202fг., 00:25 (Москва)"),
    ],
)
def test_dates_are_in_the_editions_zone_calendar_and_digits(language, zone, expected_date, expected_datetime):
    assert _in(language, zone, date) == expected_date
    assert _in(language, zone, datetime) == expected_datetime
    assert isotime(MOMENT) == "2026-11-28T21:25:07+00:00"
    assert timezone.get_current_timezone_name() == "UTC", "the zone is the render's only"


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "fa", "ru"])
def test_a_baked_post_shows_its_time_in_the_editions_zone(site_dir, language):
    edition = ServicePage.objects.get(language_code=language)
    post = PostPage.objects.live().descendant_of(edition).order_by("-first_published_at").first()
    html = read(site_dir, post.reader_path)
    shown = re.search(r'<p class="meta"><time datetime="([^"]+)">([^<]+)</time>', html)
    assert shown.group(1) == isotime(post.published_at)
    expected = render_in_language(language, lambda: datetime(post.published_at), zone=edition.zone)
    assert shown.group(2) == expected
    assert not re.search(r"\d:\d\d:\d\d|[۰-۹]:[۰-۹]{2}:[۰-۹]{2}", shown.group(2)), "no seconds"
    assert {"en": "London", "fa": "تهران", "ru": "Москва"}[language] in expected


@pytest.mark.parametrize("language, zone", [("fa", "Asia/Tehran"), ("pt-BR", "America/Sao_Paulo"), (None, "UTC")])
def test_a_render_knows_its_language_and_zone_as_django_has_them(language, zone):
    """`render_language`/`render_zone` read the render's own record (Django's are slow to
    read); they answer what Django has active, inside a render and outside one."""
    def seen():
        return render_language(), translation.get_language(), render_zone(), timezone.get_current_timezone()

    inside = render_in_language(language, seen, zone=zoneinfo.ZoneInfo(zone))
    assert inside[0] == inside[1] and inside[2] == inside[3] == zoneinfo.ZoneInfo(zone)
    with translation.override("ru"), timezone.override(zoneinfo.ZoneInfo("Europe/Moscow")):
        outside = seen()  # after the render: its record is gone
    assert outside == ("ru", "ru", zoneinfo.ZoneInfo("Europe/Moscow"), zoneinfo.ZoneInfo("Europe/Moscow"))
