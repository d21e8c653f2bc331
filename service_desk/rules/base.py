"""What every SVC-* rule shares: the decision types, the deadline states, how an instant reads to a manager."""

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.utils import formats
from django.utils.translation import gettext as _

from salesoffice.phones import INVALID_MESSAGE as INVALID_PHONE
from salesoffice.phones import is_valid_phone


@dataclass(frozen=True)
class Deadline:
    due_at: dt.datetime
    rule_id: str
    explanation: str


@dataclass(frozen=True)
class Refusal:
    """A rule says no: `field` names the form field the message belongs next to (None: the whole form)."""

    rule_id: str
    message: str
    field: str | None = None


def _when(instant: dt.datetime, zone: ZoneInfo) -> str:
    return formats.date_format(instant.astimezone(zone), "Y-m-d H:i")


def _day(day: dt.date) -> str:
    return formats.date_format(day, "Y-m-d")


class State:
    OPEN = "open"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    ON_TIME = "on_time"
    LATE = "late"


def deadline_state(*, due_at: dt.datetime, done_at: dt.datetime | None, now: dt.datetime, remind_hours: int) -> str:
    """Where an item stands against its deadline at `now`. The deadline instant itself is still on time."""
    if done_at is not None and done_at <= now:
        return State.ON_TIME if done_at <= due_at else State.LATE
    if now > due_at:
        return State.OVERDUE
    if now >= due_at - dt.timedelta(hours=remind_hours):
        return State.DUE_SOON
    return State.OPEN


def phone_refusals(phone: str, *, rule_id: str, field: str) -> list[Refusal]:
    """A phone typed at the desk is checked by the one validator; blank is for the caller to require or not."""
    if phone.strip() and not is_valid_phone(phone):
        return [Refusal(rule_id, str(INVALID_PHONE), field)]
    return []


def elsewhere_refusal(rule_id: str, field: str) -> Refusal:
    """A person named on a form (assignee, repair staff, responsible, person on duty) works at this office."""
    return Refusal(rule_id, _("This person works at another office."), field)


def first_only(*stages: list[Refusal]) -> list[Refusal]:
    """Checks made in stages: the first stage that refuses is the answer, the later ones are not asked."""
    for refusals in stages:
        if refusals:
            return refusals
    return []
