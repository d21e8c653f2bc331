"""Time as RULES.md reads it: an explicit instant, and "a day" in the site's own zone."""

import calendar
import datetime as dt
from zoneinfo import ZoneInfo


def local_day(instant: dt.datetime, zone: ZoneInfo) -> dt.date:
    if instant.tzinfo is None:
        raise ValueError("naive datetimes are not instants")
    return instant.astimezone(zone).date()


def start_of_day(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=zone)


def end_of_day(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    """The last instant of the day; intervals that 'run to the end of day D' are closed at this instant."""
    return dt.datetime.combine(day, dt.time.max, tzinfo=zone)


def day_bounds(day: dt.date, zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """Half-open [start, next start) of a local day, safe for range queries."""
    return start_of_day(day, zone), start_of_day(day + dt.timedelta(days=1), zone)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day N months later, clamped to that month's last day (Jan 31 + 1 month -> Feb 28/29)."""
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def month_bounds(year: int, month: int, zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    first = dt.date(year, month, 1)
    return start_of_day(first, zone), start_of_day(add_months(first, 1), zone)
