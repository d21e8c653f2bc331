"""The register (ATT-REG-1..3): how long a registration holds, its periods and holder, what the register accepts
and the approval queue."""

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy as _

from salesoffice.timeutil import add_months, end_of_day, local_day, start_of_day

from .facts import REGISTRATION_VALID_MONTHS, Ownership, ReassignmentFact, RegisteredVisit

# --- the register (ATT-REG-1..3) ---------------------------------------------------------------------------


def registration_valid_until(visited_at: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """One month after the visit's day, to the end of that day (ATT-REG-2, RULES.md's month reading).

    Decides: ATT-REG-2.
    """
    return end_of_day(add_months(local_day(visited_at, zone), REGISTRATION_VALID_MONTHS), zone)


@dataclass(frozen=True)
class Period:
    """An unbroken stretch of one salesperson's valid registration of a client."""

    owner_id: int
    first: RegisteredVisit
    valid_until: dt.datetime
    renewals: tuple[RegisteredVisit, ...]
    ignored: tuple[RegisteredVisit, ...]  # other salespeople's entries made while it was valid (ATT-REG-3)
    ended_by: ReassignmentFact | None = None  # REC-NEW-4c cut it short: valid until just before the reassignment
    handed_over_by: ReassignmentFact | None = None  # REC-NEW-4c: the new salesperson's own earlier entries count


def counted_visits(visits: Iterable[RegisteredVisit], now: dt.datetime) -> list[RegisteredVisit]:
    """Entries that count at `now`: approved by then (ATT-REG-1), in the order they were registered (ATT-REG-3).

    Applies: ATT-REG-1, ATT-REG-3.
    """
    return sorted(
        (v for v in visits if v.approved_at is not None and v.approved_at <= now and v.registered_at <= now),
        key=lambda v: (v.registered_at, v.entry_id),
    )


def registration_periods(
    visits: Iterable[RegisteredVisit],
    *,
    now: dt.datetime,
    zone: ZoneInfo,
    takeovers: Sequence[tuple[dt.datetime, int]] = (),
    reassignments: Sequence[ReassignmentFact] = (),
) -> list[Period]:
    """The register's stretches of ownership. A takeover (a same-day recognition, REC-NEW-2a, or an old
    client's introduction, ATT-REF-OLD a/b) hands the running registration to another salesperson, whose own
    revisits from then on renew it (ATT-REG-2). A reassignment (REC-NEW-4c) ends the original salesperson's
    registration at its instant, and the new salesperson's registration is the one that counts.

    Applies: ATT-REG-2, ATT-REG-3.
    """
    return _periods(visits, now=now, zone=zone, takeovers=takeovers, reassignments=reassignments)[0]


# An instant before another: a registration ended by a reassignment is valid up to the instant before it.
_JUST_BEFORE = dt.timedelta(microseconds=1)


def _periods(
    visits: Iterable[RegisteredVisit],
    *,
    now: dt.datetime,
    zone: ZoneInfo,
    takeovers: Sequence[tuple[dt.datetime, int]] = (),
    reassignments: Sequence[ReassignmentFact] = (),
) -> tuple[list[Period], list[tuple[RegisteredVisit, ReassignmentFact]]]:
    """The periods, and the entries a reassignment made count for nothing (REC-NEW-4c), each with it."""
    periods: list[Period] = []
    voided: list[tuple[RegisteredVisit, ReassignmentFact]] = []
    moves = sorted((r for r in reassignments if r.at <= now), key=lambda r: r.at)
    waiting = list(moves)
    for visit in counted_visits(visits, now):
        # A reassignment at the same instant as an entry comes first: the new salesperson registering the client
        # the minute they take it over already counts.
        while waiting and waiting[0].at <= visit.registered_at:
            _reassign(periods, waiting.pop(0), takeovers, zone)
        current = periods[-1] if periods else None
        void = _void_by_reassignment(
            visit, moves, running=current is not None and visit.registered_at <= current.valid_until, zone=zone
        )
        if void is not None:
            voided.append((visit, void))
            continue
        if current is None or visit.registered_at > current.valid_until:
            periods.append(
                Period(visit.salesperson_id, visit, registration_valid_until(visit.visit_instant, zone), (), ())
            )
        elif visit.salesperson_id == _holder_at(current, takeovers, visit.registered_at):
            periods[-1] = dataclasses.replace(
                current,
                valid_until=max(current.valid_until, registration_valid_until(visit.visit_instant, zone)),
                renewals=(*current.renewals, visit),
            )
        else:
            periods[-1] = dataclasses.replace(current, ignored=(*current.ignored, visit))
    for move in waiting:
        _reassign(periods, move, takeovers, zone)
    return periods, voided


def _void_by_reassignment(
    visit: RegisteredVisit, moves: Sequence[ReassignmentFact], *, running: bool, zone: ZoneInfo
) -> ReassignmentFact | None:
    """REC-NEW-4c: from the reassignment on, the original salesperson's entries confer nothing; and while the client
    is free for the rest of that day, only the new salesperson's registration can make them the owner."""
    for move in moves:
        if visit.salesperson_id == move.from_salesperson_id and visit.registered_at >= move.at:
            return move
    latest = next((m for m in reversed(moves) if m.at <= visit.registered_at), None)
    if running or latest is None or latest.to_salesperson_id in (None, visit.salesperson_id):
        return None
    if visit.registered_at <= end_of_day(local_day(latest.at, zone), zone):
        return latest
    return None


def _reassign(
    periods: list[Period], move: ReassignmentFact, takeovers: Sequence[tuple[dt.datetime, int]], zone: ZoneInfo
) -> None:
    """End the original salesperson's running registration at the reassignment; the new salesperson's entries
    written while it ran (ignored then, ATT-REG-3) now count (REC-NEW-4c)."""
    if not periods or move.at > periods[-1].valid_until:
        return
    current = periods[-1]
    if _holder_at(current, takeovers, move.at) != move.from_salesperson_id:
        return
    periods[-1] = dataclasses.replace(current, valid_until=move.at - _JUST_BEFORE, ended_by=move)
    new_owner = move.to_salesperson_id
    theirs = [v for v in current.ignored if v.salesperson_id == new_owner]
    if new_owner is None or not theirs:  # no entry matches None: a client left waiting has nothing handed over
        return
    until = max(registration_valid_until(v.visit_instant, zone) for v in theirs)
    if until >= move.at:
        periods.append(Period(new_owner, theirs[0], until, tuple(theirs[1:]), (), handed_over_by=move))


def _holder_at(period: Period, takeovers: Sequence[tuple[dt.datetime, int]], at: dt.datetime) -> int:
    holder = period.owner_id
    for when, salesperson_id in sorted(takeovers):
        if period.first.registered_at <= when <= min(at, period.valid_until):
            holder = salesperson_id
    return holder


def current_period(
    visits: Iterable[RegisteredVisit],
    *,
    now: dt.datetime,
    zone: ZoneInfo,
    reassignments: Sequence[ReassignmentFact] = (),
) -> Period | None:
    periods = registration_periods(visits, now=now, zone=zone, reassignments=reassignments)
    if periods and now <= periods[-1].valid_until:
        return periods[-1]
    return None


def registered_owner(
    visits: Iterable[RegisteredVisit],
    *,
    now: dt.datetime,
    zone: ZoneInfo,
    reassignments: Sequence[ReassignmentFact] = (),
) -> Ownership:
    """Who holds the client on the register at `now`: the first valid registration wins, the owner's own
    approved revisits renew it, and when it lapses the client is free (ATT-REG-2, ATT-REG-3); a reassignment ends
    the original salesperson's registration (REC-NEW-4c).

    Decides: ATT-REG-3.
    Applies: ATT-REG-2.
    """
    period = current_period(visits, now=now, zone=zone, reassignments=reassignments)
    if period is None:
        return Ownership(
            None, None, None, ("ATT-REG-2",), str(_("No valid registration: the client is free (ATT-REG-2)."))
        )
    return Ownership(
        period.owner_id,
        period.valid_until,
        period.first.registered_at,
        ("ATT-REG-2", "ATT-REG-3"),
        str(
            _("Registered first and still valid until %(until)s (ATT-REG-2, ATT-REG-3).")
            % {"until": _day(period.valid_until, zone)}
        ),
        period.first.visit_instant,
    )


def _day(instant: dt.datetime, zone: ZoneInfo) -> str:
    return local_day(instant, zone).isoformat()


# --- what the register accepts, and the approval queue (ATT-REG-1) ----------------------------------------------

# A clock a little ahead of the server's (a phone, a tablet) is not a visit in the future.
CLOCK_TOLERANCE = dt.timedelta(minutes=2)


@dataclass(frozen=True)
class Decision:
    """A yes or no with the clause and a sentence a manager understands (empty when allowed)."""

    allowed: bool
    rule_ids: tuple[str, ...] = ()
    message: object = ""
    params: Mapping[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return str(self.message) % dict(self.params) if self.params else str(self.message)

    def __str__(self) -> str:
        return f"{self.text} ({', '.join(self.rule_ids)})" if self.rule_ids else self.text


def visit_instant_decision(
    visited_at: dt.datetime, *, now: dt.datetime, zone: ZoneInfo, may_backdate: bool, reason: str
) -> Decision:
    """ATT-REG-1 Decision: a visit is recorded when it happens. An instant in the future (beyond a clock's slip),
    or before the current day in the site's zone, is accepted only from the site supervisor or project manager,
    with a reason.

    Decides: ATT-REG-1.
    """
    future = visited_at > now + CLOCK_TOLERANCE
    earlier_day = visited_at < start_of_day(local_day(now, zone), zone)
    if not future and not earlier_day:
        return Decision(True)
    params = {"visited": _minute(visited_at, zone), "today": _day(now, zone)}
    if not may_backdate:
        message = (
            _(
                "A visit is recorded when it happens: %(visited)s is in the future. Only the site supervisor or "
                "the project manager may record it, with a reason."
            )
            if future
            else _(
                "A visit is recorded on the day it happens: %(visited)s is before today (%(today)s). Only the site "
                "supervisor or the project manager may record an earlier visit, with a reason."
            )
        )
        return Decision(False, ("ATT-REG-1",), message, params)
    if not reason.strip():
        message = (
            _("%(visited)s is in the future: say why it is recorded now.")
            if future
            else _("%(visited)s is before today (%(today)s): say why the visit is recorded late.")
        )
        return Decision(False, ("ATT-REG-1",), message, params)
    return Decision(True, ("ATT-REG-1",))


def _minute(instant: dt.datetime, zone: ZoneInfo) -> str:
    return instant.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def review_overdue_before(now: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """ATT-REG-1 Decision: an entry registered before this instant (the start of today, site zone) and still not
    reviewed is overdue: its day has ended.

    Applies: ATT-REG-1.
    """
    return start_of_day(local_day(now, zone), zone)


def entry_overdue(registered_at: dt.datetime, *, reviewed: bool, now: dt.datetime, zone: ZoneInfo) -> bool:
    """ATT-REG-1 Decision: an entry not reviewed by the end of the day it was registered on (site zone) is shown
    to the project manager as overdue. It blocks nothing (ATT-REG-3).

    Applies: ATT-REG-1.
    """
    return not reviewed and registered_at < review_overdue_before(now, zone)


def day_approval_decision(
    *,
    registered_at: dt.datetime,
    day: dt.date,
    possible_duplicates: Sequence[object],
    backdate_reason: str,
    zone: ZoneInfo,
) -> Decision:
    """ATT-REG-1, ATT-REG-3: may "approve all of this day" approve this entry? Only an entry registered on that day
    (site zone); never a likely duplicate, nor a visit recorded out of its day with a reason: those are reviewed one
    by one.

    Applies: ATT-REG-1, ATT-REG-3.
    """
    if local_day(registered_at, zone) != day:
        return Decision(
            False,
            ("ATT-REG-1",),
            _("Registered on %(registered)s, not on %(day)s."),
            {"registered": _day(registered_at, zone), "day": day.isoformat()},
        )
    if possible_duplicates:
        return Decision(False, ("ATT-REG-3",), _("Looks like a client already on the register: review it on its own."))
    if backdate_reason.strip():
        return Decision(
            False,
            ("ATT-REG-1",),
            _("Recorded out of its day, with a reason (%(reason)s): review it on its own."),
            {"reason": backdate_reason.strip()},
        )
    return Decision(True, ("ATT-REG-1",))
