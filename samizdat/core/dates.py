"""Dates and numbers as an edition's readers and staff write them: its language's calendar
(Solar Hijri for Persian) and digits, in its time zone, which the date names. Reader pages
and admin screens share these, so a time reads the same in both."""

from functools import cache, lru_cache

import jdatetime
from babel import Locale
from babel.dates import format_date, get_timezone_location
from django.utils import timezone, translation

from .rendering import render_language, render_zone


def current_locale():
    return (render_language() or "en").replace("-", "_")


# Unicode digits of the numbering systems CLDR names as a locale's default (Babel knows
# which system a locale uses, but formats with ASCII digits).
NATIVE_DIGITS = {"arabext": "۰۱۲۳۴۵۶۷۸۹", "arab": "٠١٢٣٤٥٦٧٨٩"}


@cache
def _digits(locale):
    native = NATIVE_DIGITS.get(Locale.parse(locale).default_numbering_system)
    return str.maketrans("0123456789", native) if native else None


def localize_digits(text, locale=None):
    table = _digits(locale or current_locale())
    return text.translate(table) if table else text


def _solar_hijri(value):
    day = jdatetime.date.fromgregorian(date=value, locale="fa_IR")
    return f"{day.day} {day.strftime('%B')} {day.year}"


def _local(value, zone=None):
    """`value` in `zone`, or the time zone being rendered: the edition's (`render_in_language`)."""
    return timezone.localtime(value, zone or render_zone())


@lru_cache(maxsize=8192)
def _day_text(day, locale):
    """A calendar day as `locale` writes it, digits included: computed once per day and
    language (a full bake shows the same few thousand days on tens of thousands of pages)."""
    text = _solar_hijri(day) if locale == "fa" else format_date(day, format="long", locale=locale)
    return localize_digits(text, locale)


def _day(value, locale):
    return _day_text(value.date(), locale)


def date(value, zone=None):
    """A date as readers of the current language write it (Solar Hijri for Persian), on the
    edition's calendar day."""
    if not value:
        return ""
    return _day(_local(value, zone), current_locale())


def zone_name(zone=None, locale=None):
    """The time zone as readers name it: its city ("London", "تهران", "Москва") or "UTC"."""
    return _zone_name(zone or render_zone(), locale or current_locale())


@lru_cache(maxsize=256)
def _zone_name(zone, locale):
    return get_timezone_location(zone, locale=locale, return_city=True)


def datetime(value, zone=None):
    """Date, hours and minutes (no seconds) in the edition's time zone, which it names:
    "November 28, 2026, 21:25 London time", "۸ آذر ۱۴۰۵، ساعت ۰۰:۵۵ به وقت تهران"."""
    if not value:
        return ""
    value, locale = _local(value, zone), current_locale()
    text = translation.gettext("%(date)s, %(time)s %(zone)s time") % {
        "date": _day(value, locale), "time": f"{value:%H:%M}", "zone": zone_name(value.tzinfo, locale),
    }
    return localize_digits(text, locale)  # the day's digits are native already; the rest now


