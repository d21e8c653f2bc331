"""Plausible dates: the one definition of how far back and how far ahead a typed date may lie, per kind of date.

A date outside its range is refused next to its field with the range it must fall in, before any service adds a
timedelta to it or converts its zone: year 1 would overflow there (a 500), and year 9999 would be written to a
register or ledger that outlives everyone who could correct it. The kinds, read from RULES.md:

- HAPPENED: something that has taken place (a visit, a recognition, a contract signed, a violation, a first contact).
  The rules themselves judge a future instant (ATT-REG-1: only a supervisor, with a reason); the range only keeps
  it near enough to be a slip or an entry made ahead, never a different century.
- SCHEDULED: something planned (an appointment, a follow-up, a deadline, a shift, a campaign, a referral's visit).
- PERIOD: a day or month a page is asked about (a report, a roster, a filter).
- BIRTHDAY: a person's birthday (VIP-DISC-3): a living person's, not one in the future.
"""

import datetime as dt
import re
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .timeutil import add_months

# Before the software, and before any office it runs: nothing the offices record happened earlier.
EARLIEST = dt.date(2000, 1, 1)


@dataclass(frozen=True)
class DateRange:
    earliest: dt.date
    months_ahead: int  # the latest plausible day is today plus this many months (0: today)

    def latest(self, today: dt.date) -> dt.date:
        return add_months(today, self.months_ahead)

    def problem(self, day: dt.date, today: dt.date) -> str | None:
        """Why `day` is implausible here, or None."""
        latest = self.latest(today)
        if self.earliest <= day <= latest:
            return None
        # ISO dates: what the date inputs send, and read alike in every language.
        return _("Enter a date from %(earliest)s to %(latest)s.") % {
            "earliest": self.earliest.isoformat(),
            "latest": latest.isoformat(),
        }


HAPPENED = DateRange(EARLIEST, months_ahead=1)
SCHEDULED = DateRange(EARLIEST, months_ahead=24)
PERIOD = DateRange(EARLIEST, months_ahead=24)
BIRTHDAY = DateRange(dt.date(1900, 1, 1), months_ahead=0)


def today() -> dt.date:
    # A bound of months, not a rule: the current zone's day is near enough to the site's.
    return timezone.localdate()


class _Bounded:
    """Refuses a value whose own calendar day (in the zone it was typed in, never converted) is outside the range."""

    def __init__(self, *args, plausible: DateRange, **kwargs):
        self.plausible = plausible
        self.today: dt.date | None = None  # a form that knows the site's day sets it
        super().__init__(*args, **kwargs)

    def validate(self, value):
        super().validate(value)
        if value in self.empty_values:
            return
        day = value.date() if isinstance(value, dt.datetime) else value
        problem = self.plausible.problem(day, self.today or today())
        if problem:
            raise ValidationError(problem, code="implausible_date")

    def widget_attrs(self, widget):
        # The date picker starts at the same day (a hint; the server decides). No "max": fields are built once per
        # process, and a latest day fixed then would go stale.
        attrs = super().widget_attrs(widget)
        if getattr(widget, "input_type", "") == "date":
            attrs["min"] = self.plausible.earliest.isoformat()
        return attrs


class BoundedDateField(_Bounded, forms.DateField):
    pass


class BoundedDateTimeField(_Bounded, forms.DateTimeField):
    pass


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def query_month(raw: str, plausible: DateRange = PERIOD) -> dt.date | None:
    """A ?month=YYYY-MM of a page's query string as its first day, or None when it names no plausible month."""
    match = _MONTH.match(raw or "")
    if match is None:
        return None
    year, month = int(match[1]), int(match[2])
    if not 1 <= month <= 12:
        return None
    first = dt.date(year, month, 1)
    if plausible.problem(first, today().replace(day=1)):
        return None
    return first
