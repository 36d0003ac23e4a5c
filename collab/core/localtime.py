"""Times in the users' local time zone (``BABEL_DEFAULT_TIMEZONE``, Europe/Berlin).

The database keeps naive UTC datetimes; pages show them in local time with the zone
("22.11.2026, 18:00 MEZ"), in the interface language's order, and forms take local times.
Conversions use :mod:`zoneinfo`, which knows summer time beyond 2037 (pytz does not).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from flask_babel import get_locale, get_timezone

__all__ = ["local_date", "local_time", "local_today", "local_zone", "to_local"]


def local_zone() -> ZoneInfo:
    """The zone in which users enter and read times (the request's Babel time zone)."""
    return ZoneInfo(str(get_timezone()))


def local_today() -> dt.date:
    """Today's date in the local zone: the day a "today" of the platform means (a survey
    round's last day, a membership's start, a snapshot's "Stand", the printed "Stand:"
    line). Not ``dt.date.today()`` nor the UTC date: from 23:00 UTC (22:00 in summer) the
    machine's clock, UTC on servers and CI, is still on the day before."""
    return dt.datetime.now(local_zone()).date()


def to_local(moment: dt.datetime) -> dt.datetime:
    """A datetime (naive means UTC) in the local zone."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(local_zone())


def lazy_local_time(moment: dt.datetime | None):
    """:func:`local_time` in the language it is read in (a lazy string; a notification
    keeps it as the moment, see :mod:`collab.notifications.services`)."""
    from flask_babel.speaklater import LazyString

    return LazyString(local_time, moment)


def local_time(moment: dt.datetime | None) -> str:
    """Date and time in local time with the zone: "22.11.2026, 18:00 MEZ" (German),
    "Nov 22, 2026, 6:00 PM CET" (English: Babel knows no short English name for Central
    European Time and would write "+0100", so the zone's own abbreviation is used).
    Naive datetimes are UTC."""
    if moment is None:
        return ""
    locale = get_locale()
    pattern = locale.datetime_formats["medium"].format(
        locale.time_formats["short"].pattern, locale.date_formats["medium"].pattern)
    local = to_local(moment)
    if locale.language == "de":
        return format_datetime(local, pattern + " z", tzinfo=local.tzinfo, locale=locale)
    return (format_datetime(local, pattern, tzinfo=local.tzinfo, locale=locale)
            + " " + local.tzname())


def local_date(moment: dt.datetime | dt.date | None) -> str:
    """The local calendar date of a UTC datetime (or a date), in the interface language."""
    if moment is None:
        return ""
    if isinstance(moment, dt.datetime):
        moment = to_local(moment).date()
    return format_date(moment, "medium", locale=get_locale())
