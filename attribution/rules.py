"""Ownership of a client by the visit register, as pure functions of recorded facts and an instant."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy as _

from salesoffice.timeutil import add_months, end_of_day, local_day

REGISTRATION_VALID_MONTHS = 1  # ATT-REG-2


@dataclass(frozen=True)
class RegisteredVisit:
    entry_id: int
    salesperson_id: int
    registered_at: dt.datetime
    approved_at: dt.datetime | None


@dataclass(frozen=True)
class Ownership:
    owner_id: int | None
    valid_until: dt.datetime | None
    first_registered_at: dt.datetime | None
    rule_ids: tuple[str, ...]
    explanation: str


def registration_valid_until(registered_at: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """One month after the visit's day, to the end of that day (ATT-REG-2, RULES.md's month reading)."""
    return end_of_day(add_months(local_day(registered_at, zone), REGISTRATION_VALID_MONTHS), zone)


def registered_owner(visits: Iterable[RegisteredVisit], *, now: dt.datetime, zone: ZoneInfo) -> Ownership:
    """Who holds the client at `now`: first valid registration wins, revisits by the owner renew it."""
    owner_id: int | None = None
    valid_until: dt.datetime | None = None
    first_registered_at: dt.datetime | None = None
    counted = sorted(
        (v for v in visits if v.approved_at is not None and v.approved_at <= now and v.registered_at <= now),
        key=lambda v: (v.registered_at, v.entry_id),
    )
    for visit in counted:
        if owner_id is None or visit.registered_at > valid_until:
            owner_id = visit.salesperson_id
            first_registered_at = visit.registered_at
            valid_until = registration_valid_until(visit.registered_at, zone)
        elif visit.salesperson_id == owner_id:
            valid_until = max(valid_until, registration_valid_until(visit.registered_at, zone))
        # A different salesperson's entry while the owner's registration is valid loses (ATT-REG-3).
    if owner_id is None or now > valid_until:
        return Ownership(
            None,
            None,
            None,
            ("ATT-REG-2",),
            str(_("No valid registration: the client is free (ATT-REG-2).")),
        )
    return Ownership(
        owner_id,
        valid_until,
        first_registered_at,
        ("ATT-REG-2", "ATT-REG-3"),
        str(
            _("Registered first and still valid until %(until)s (ATT-REG-2, ATT-REG-3).")
            % {"until": valid_until.astimezone(zone).strftime("%Y-%m-%d")}
        ),
    )
