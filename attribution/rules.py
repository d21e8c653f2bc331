"""Who a client belongs to, as pure functions of recorded facts and an instant (ATT-*, REC-NEW-2, REC-DES-2..4).

`attribute(facts, now=..., zone=...)` is the one place ownership is decided. It returns the owner, the
salesperson who follows the client up, each party's share of a future commission (percentages adding up to
100, composed as COM-3 says: client-level splits first, then joint ownership), whether a dispute holds the
commission, and a timeline of steps, each with the rule that decided it. Views, the reception desk, the
commission engine and the scenario runner all call it; nothing else re-derives ownership.
"""

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy as _

from salesoffice.timeutil import add_months, end_of_day, local_day, start_of_day

REGISTRATION_VALID_MONTHS = 1  # ATT-REG-2
RECOGNITION_WINDOW_MONTHS = 1  # REC-NEW-2c/d

HUNDRED = Decimal(100)

SALESPERSON = "salesperson"
REFERRER = "referrer"
PUBLIC_POOL = "public_pool"


# --- facts -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegisteredVisit:
    """A register entry as the rules see it. `registered_at` orders conflicting registrations (ATT-REG-3);
    `approved_at` is None until the project manager approves it (and stays None when rejected)."""

    entry_id: int
    salesperson_id: int
    registered_at: dt.datetime
    approved_at: dt.datetime | None
    visited_at: dt.datetime | None = None
    rejected: bool = False
    source: str = ""  # VisitEntry.Source value; "employee_referral" is a visit registered as a referral's (ATT-EMP-3)

    @property
    def visit_instant(self) -> dt.datetime:
        return self.visited_at or self.registered_at


@dataclass(frozen=True)
class ReassignmentFact:
    """REC-NEW-4c: a new client refused `from_salesperson_id` and the manager reassigned them by the rota, at `at`,
    to `to_salesperson_id` (None while the client waits for someone to come free)."""

    at: dt.datetime
    from_salesperson_id: int
    to_salesperson_id: int | None = None


@dataclass(frozen=True)
class RecognitionFact:
    """REC-NEW-2: `original_salesperson_id` recognised (or was recognised by) the client at `recognised_at`;
    `original_visits` are the register entries of the original salesperson's client record."""

    id: int
    original_salesperson_id: int
    recognised_at: dt.datetime
    original_visits: tuple[RegisteredVisit, ...] = ()
    original_reassignments: tuple[ReassignmentFact, ...] = ()  # REC-NEW-4c on the original client record


@dataclass(frozen=True)
class ReferralFact:
    id: int
    referrer_id: int
    appointment_date: dt.date
    registered_at: dt.datetime
    confirmed_at: dt.datetime | None = None


@dataclass(frozen=True)
class CompanyFact:
    id: int
    kind: str  # CompanyClientMark.Kind value
    contacted_at: dt.datetime
    marked_at: dt.datetime
    designated_salesperson_id: int | None = None


@dataclass(frozen=True)
class IntroductionFact:
    id: int
    introducer_id: int
    mode: str  # "a", "b" or "c" (ATT-REF-OLD)
    marked_at: dt.datetime
    declared_at: dt.datetime | None = None


@dataclass(frozen=True)
class SpouseFact:
    id: int
    spouse_client_id: int
    marked_at: dt.datetime
    spouse_visits: tuple[RegisteredVisit, ...] = ()


@dataclass(frozen=True)
class SwitchFact:
    """A manager assigned the salesperson the client insisted on (REC-DES-2 for a new client, REC-DES-3 for a
    returning one). `instigated` is the manager's finding when the switch was decided; `instigated_at` the instant
    the sales manager found it later, with `instigation_reason` (REC-DES-2's Decision)."""

    at: dt.datetime
    first_receiver_id: int
    named_id: int
    returning: bool
    instigated: bool = False
    instigated_at: dt.datetime | None = None
    instigation_reason: str = ""

    @property
    def found_instigated_at(self) -> dt.datetime | None:
        """When the named salesperson was established to have instigated the switch, if ever."""
        return self.at if self.instigated else self.instigated_at


@dataclass(frozen=True)
class DealFact:
    id: int
    salesperson_id: int | None  # None: a deal the company arranged, no salesperson took part (ATT-CO-5)
    signed_at: dt.datetime


@dataclass(frozen=True)
class DisputeFact:
    id: int
    written_at: dt.datetime
    decided_at: dt.datetime | None
    approved: bool | None
    shares: tuple[tuple[int | None, Decimal], ...] = ()  # (salesperson id, or None for the public pool; percent)


@dataclass(frozen=True)
class ClientFacts:
    client_id: int
    visits: tuple[RegisteredVisit, ...]
    recognitions: tuple[RecognitionFact, ...] = ()
    referrals: tuple[ReferralFact, ...] = ()
    company: tuple[CompanyFact, ...] = ()
    introductions: tuple[IntroductionFact, ...] = ()
    spouses: tuple[SpouseFact, ...] = ()
    switches: tuple[SwitchFact, ...] = ()
    reassignments: tuple[ReassignmentFact, ...] = ()
    deals: tuple[DealFact, ...] = ()
    disputes: tuple[DisputeFact, ...] = ()
    names: Mapping[int, str] = field(default_factory=dict)

    def name(self, user_id: int | None) -> str:
        if user_id is None:
            return str(_("the public pool"))
        return self.names.get(user_id) or f"#{user_id}"


# --- results -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One line of the ownership timeline: when, which rule, and a sentence (rendered in the reader's language
    when shown, so the same result reads right in Chinese and English)."""

    at: dt.datetime
    rule_ids: tuple[str, ...]
    message: object  # a lazy translation with %(name)s placeholders
    params: Mapping[str, str] = field(default_factory=dict)
    outcome: str = "applied"  # "applied", "rejected" or "info"

    @property
    def text(self) -> str:
        return str(self.message) % dict(self.params) if self.params else str(self.message)

    def __str__(self) -> str:
        return f"{self.text} ({', '.join(self.rule_ids)})"


@dataclass(frozen=True)
class Share:
    kind: str  # SALESPERSON, REFERRER or PUBLIC_POOL
    user_id: int | None
    percent: Decimal
    rule_ids: tuple[str, ...]


@dataclass(frozen=True)
class Ownership:
    """Who holds the client by the register alone (ATT-REG-2/3)."""

    owner_id: int | None
    valid_until: dt.datetime | None
    first_registered_at: dt.datetime | None
    rule_ids: tuple[str, ...]
    explanation: str
    first_visit_at: dt.datetime | None = None


@dataclass(frozen=True)
class Attribution:
    owner_id: int | None  # who the client belongs to on the register, after recognitions and introductions
    follow_up_id: int | None  # who serves and follows the client up (REC-RET-1 routes returning clients here)
    valid_until: dt.datetime | None
    shares: tuple[Share, ...]
    on_hold: bool  # ATT-DISP-1: an opinion awaits the sales director
    steps: tuple[Step, ...]

    @property
    def rule_ids(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for step in self.steps:
            if step.outcome == "applied":
                seen.update(dict.fromkeys(step.rule_ids))
        return tuple(seen)

    @property
    def salesperson_ids(self) -> tuple[int, ...]:
        return tuple(s.user_id for s in self.shares if s.kind == SALESPERSON and s.user_id is not None)

    def share_of(self, kind: str, user_id: int | None = None) -> Decimal:
        return sum((s.percent for s in self.shares if s.kind == kind and s.user_id == user_id), Decimal(0))


# --- the register (ATT-REG-1..3) ---------------------------------------------------------------------------


def registration_valid_until(visited_at: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """One month after the visit's day, to the end of that day (ATT-REG-2, RULES.md's month reading)."""
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
    """Entries that count at `now`: approved by then (ATT-REG-1), in the order they were registered (ATT-REG-3)."""
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
    registration at its instant, and the new salesperson's registration is the one that counts."""
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


def _reassign(periods: list[Period], move: ReassignmentFact, takeovers, zone: ZoneInfo) -> None:
    """End the original salesperson's running registration at the reassignment; the new salesperson's entries
    written while it ran (ignored then, ATT-REG-3) now count (REC-NEW-4c)."""
    if not periods or move.at > periods[-1].valid_until:
        return
    current = periods[-1]
    if _holder_at(current, takeovers, move.at) != move.from_salesperson_id:
        return
    periods[-1] = dataclasses.replace(current, valid_until=move.at - _JUST_BEFORE, ended_by=move)
    theirs = [v for v in current.ignored if v.salesperson_id == move.to_salesperson_id]
    if not theirs:
        return
    until = max(registration_valid_until(v.visit_instant, zone) for v in theirs)
    if until >= move.at:
        periods.append(Period(move.to_salesperson_id, theirs[0], until, tuple(theirs[1:]), (), handed_over_by=move))


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
    the original salesperson's registration (REC-NEW-4c)."""
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
    with a reason."""
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
    reviewed is overdue: its day has ended."""
    return start_of_day(local_day(now, zone), zone)


def entry_overdue(registered_at: dt.datetime, *, reviewed: bool, now: dt.datetime, zone: ZoneInfo) -> bool:
    """ATT-REG-1 Decision: an entry not reviewed by the end of the day it was registered on (site zone) is shown
    to the project manager as overdue. It blocks nothing (ATT-REG-3)."""
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
    by one."""
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


# --- recognitions (REC-NEW-2) ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecognitionVerdict:
    case: str  # "a" (same day: original takes over), "c" (within the month: 50/50), or "" when refused
    rule_ids: tuple[str, ...]
    message: object
    params: Mapping[str, str]

    @property
    def accepted(self) -> bool:
        return bool(self.case)

    @property
    def text(self) -> str:
        return str(self.message) % dict(self.params)


def recognition_window_end(new_visit_at: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """One month after the visit served as new, to the end of that day (REC-NEW-2c)."""
    return end_of_day(add_months(local_day(new_visit_at, zone), RECOGNITION_WINDOW_MONTHS), zone)


def judge_recognition(
    *,
    original_salesperson_id: int,
    original_visits: Sequence[RegisteredVisit],
    new_visit_at: dt.datetime,
    new_salesperson_id: int,
    recognised_at: dt.datetime,
    deals: Sequence[DealFact],
    zone: ZoneInfo,
    names: Mapping[int, str],
    reassignments: Sequence[ReassignmentFact] = (),
) -> RecognitionVerdict:
    """REC-NEW-2 a-d for a recognition at `recognised_at` of a client served as new at `new_visit_at`. A salesperson
    the client was reassigned away from (REC-NEW-4c) has no claim from that instant on."""
    params = {
        "original": names.get(original_salesperson_id, f"#{original_salesperson_id}"),
        "new": names.get(new_salesperson_id, f"#{new_salesperson_id}"),
        "visit": _day(new_visit_at, zone),
        "until": _day(recognition_window_end(new_visit_at, zone), zone),
    }
    if original_salesperson_id == new_salesperson_id:
        return RecognitionVerdict(
            "", ("REC-NEW-2",), _("%(original)s already serves this client: nothing to recognise."), params
        )
    refused = [r for r in reassignments if r.from_salesperson_id == original_salesperson_id and r.at <= recognised_at]
    if refused:
        params["day"] = _day(refused[0].at, zone)
        return RecognitionVerdict(
            "",
            ("REC-NEW-4c",),
            _(
                "The client refused %(original)s and was reassigned on %(day)s: from then on %(original)s has no "
                "right to the client, not even by recognising them."
            ),
            params,
        )
    held = registered_owner(original_visits, now=new_visit_at, zone=zone, reassignments=reassignments)
    if held.owner_id != original_salesperson_id:
        return RecognitionVerdict(
            "",
            ("REC-NEW-2", "ATT-REG-2"),
            _(
                "%(original)s had no valid registration of this client on %(visit)s, the day it was served as new, "
                "so has no claim."
            ),
            params,
        )
    visit_day = local_day(new_visit_at, zone)
    on_the_spot = [
        d for d in deals if local_day(d.signed_at, zone) == visit_day and new_visit_at <= d.signed_at <= recognised_at
    ]
    if on_the_spot:
        return RecognitionVerdict(
            "",
            ("REC-NEW-2b",),
            _(
                "%(new)s closed a deal on the spot on %(visit)s before any recognition: client and commission "
                "belong wholly to %(new)s. A later claim can only be taken to a dispute (ATT-DISP-1)."
            ),
            params,
        )
    if local_day(recognised_at, zone) == visit_day:
        return RecognitionVerdict(
            "a",
            ("REC-NEW-2a",),
            _("%(original)s recognised the client on the day of the visit (%(visit)s): %(original)s takes over."),
            params,
        )
    if recognised_at <= recognition_window_end(new_visit_at, zone):
        return RecognitionVerdict(
            "c",
            ("REC-NEW-2c",),
            _(
                "%(original)s recognised the client within one month of %(visit)s: %(new)s follows the client up "
                "and %(original)s and %(new)s share 50/50."
            ),
            params,
        )
    return RecognitionVerdict(
        "",
        ("REC-NEW-2d",),
        _(
            "The month after %(visit)s ended on %(until)s without a recognition: client and commission belong "
            "wholly to %(new)s."
        ),
        params,
    )


# --- referrals (ATT-EMP-1..5) ------------------------------------------------------------------------------

REFERRAL_PENDING = "pending"
REFERRAL_VALID = "valid"
REFERRAL_LAPSED = "lapsed"
REFERRAL_VOID = "void"
REFERRAL_REJECTED = "rejected"


@dataclass(frozen=True)
class ReferralStatus:
    status: str
    rule_ids: tuple[str, ...]
    message: object

    @property
    def text(self) -> str:
        return str(self.message)


def referral_status(
    referral: ReferralFact, visits: Sequence[RegisteredVisit], *, now: dt.datetime, zone: ZoneInfo
) -> ReferralStatus:
    """ATT-EMP-1..4: where a referral stands at `now`. It is only ever decided by timestamps, so a lapse at
    the end of the appointment day holds whether or not a job noticed it (ATT-EMP-2)."""
    day_start = start_of_day(referral.appointment_date, zone)
    day_end = end_of_day(referral.appointment_date, zone)
    seen = [v for v in visits if v.registered_at <= now]
    if registered_owner(seen, now=referral.registered_at, zone=zone).owner_id is not None or any(
        referral.registered_at <= v.visit_instant < day_start for v in seen
    ):
        return ReferralStatus(
            REFERRAL_REJECTED,
            ("ATT-EMP-3",),
            _("A salesperson had already registered the client before the referral: the claim is rejected."),
        )
    came = any(day_start <= v.visit_instant <= day_end for v in seen)
    confirmed = referral.confirmed_at is not None and day_start <= referral.confirmed_at <= min(day_end, now)
    if served_as_new_first(referral, seen, zone=zone):
        # ATT-EMP-4 Decision: the client was served and registered as new before any confirmation: void at once, on
        # the appointment day too; a signature recorded afterwards changes nothing.
        return ReferralStatus(
            REFERRAL_VOID,
            ("ATT-EMP-4",),
            _(
                "The referral was not confirmed before the client was served and registered as new: the referral "
                "is void."
            ),
        )
    if came and confirmed:
        return ReferralStatus(
            REFERRAL_VALID,
            ("ATT-EMP-3",),
            _("The client came on the appointment day and the project manager confirmed the referral."),
        )
    if confirmed and now <= day_end:
        # The referrer phoned ahead and the project manager signed: valid as soon as the client comes today.
        return ReferralStatus(
            REFERRAL_PENDING,
            ("ATT-EMP-3",),
            _("Confirmed by the project manager; awaiting the client's visit today."),
        )
    if now <= day_end:
        return ReferralStatus(
            REFERRAL_PENDING, ("ATT-EMP-1",), _("Registered; awaiting the client's visit on the appointment day.")
        )
    if not came:
        return ReferralStatus(
            REFERRAL_LAPSED,
            ("ATT-EMP-2",),
            _("The client did not come on the appointment day: the referral lapsed at the end of that day."),
        )
    return ReferralStatus(
        REFERRAL_VOID,
        ("ATT-EMP-4",),
        _("The referral was not confirmed at the visit and the client was served as new: the referral is void."),
    )


REFERRAL_SOURCE = "employee_referral"  # VisitEntry.Source.EMPLOYEE_REFERRAL


def served_as_new_first(referral: ReferralFact, visits: Sequence[RegisteredVisit], *, zone: ZoneInfo) -> bool:
    """ATT-EMP-4: on the appointment day, a salesperson registered the client as new (not as the referral's visit,
    ATT-EMP-3) before the project manager confirmed the referral. An entry the project manager rejected never
    counts; an entry written at the very instant of an accepted confirmation came after it (the confirmation was
    accepted, so the entry was not yet on the register)."""
    day_start = start_of_day(referral.appointment_date, zone)
    day_end = end_of_day(referral.appointment_date, zone)
    return any(
        day_start <= v.visit_instant <= day_end
        and v.source != REFERRAL_SOURCE
        and not v.rejected
        and (referral.confirmed_at is None or v.registered_at < referral.confirmed_at)
        for v in visits
    )


# --- company clients (ATT-CO-1) ----------------------------------------------------------------------------


def company_mark_valid(mark: CompanyFact, visits: Sequence[RegisteredVisit], *, zone: ZoneInfo) -> bool:
    """ATT-CO-1: "a client who had already visited and been registered before that contact is not a company
    client": any approved registration before the contact, lapsed or not, rules it out."""
    return not counted_visits((v for v in visits if v.registered_at < mark.contacted_at), mark.contacted_at)


# --- the whole picture -------------------------------------------------------------------------------------


def attribute(
    facts: ClientFacts,
    *,
    now: dt.datetime,
    zone: ZoneInfo,
    after_sales_id: int | None = None,
    findings_until: dt.datetime | None = None,
) -> Attribution:
    """Owner, follow-up salesperson, shares of a future commission and the explained timeline at `now`.

    `after_sales_id` is the salesperson doing the after-sales of a deal the company arranged directly, without a
    reception (ATT-CO-4): with no registration, the salespeople's 30% is theirs.
    `findings_until` (default `now`): a finding about the past recorded by then counts at `now` too (REC-DES-2's
    instigation found later re-splits a deal signed before it, COM-4)."""
    steps: list[Step] = []
    moves = facts.reassignments
    periods, voided = _periods(facts.visits, now=now, zone=zone, reassignments=moves)
    if periods:
        takeover = _takeover(facts, periods, now, zone)
        if takeover is not None:
            periods, voided = _periods(facts.visits, now=now, zone=zone, takeovers=(takeover,), reassignments=moves)
    for period in periods:
        _narrate_period(period, facts, steps, zone)
    _narrate_reassignments(facts, voided, now, steps, zone)
    _narrate_uncounted(facts, now, steps, zone)
    period = periods[-1] if periods and now <= periods[-1].valid_until else None
    if periods and period is None and periods[-1].ended_by is None:
        steps.append(
            Step(
                periods[-1].valid_until,
                ("ATT-REG-2",),
                _("The registration lapsed at the end of %(until)s: the client is free."),
                {"until": _day(periods[-1].valid_until, zone)},
            )
        )

    owner_id = period.owner_id if period else None
    follow_up_id = owner_id
    valid_until = period.valid_until if period else None
    parties: list[tuple[int, Decimal, tuple[str, ...]]] = []
    if owner_id is not None:
        parties = [(owner_id, HUNDRED, ("ATT-REG-3",))]

    if period is not None:
        owner_id, follow_up_id, parties, _at = _ownership_changes(facts, periods, now, zone, steps, parties)
        follow_up_id, parties = _apply_switches(
            facts, period, now, findings_until or now, zone, steps, owner_id, follow_up_id, parties
        )
        parties = _apply_spouses(facts, period, now, zone, steps, parties)

    if period is None and after_sales_id is not None:
        parties = [(after_sales_id, HUNDRED, ())]
    shares = _client_level_split(facts, period, now, zone, steps, parties)
    shares, on_hold = apply_disputes(facts, now, steps, shares)
    awaiting_approval = any(v.approved_at is None and not v.rejected and v.registered_at <= now for v in facts.visits)
    if not shares and not on_hold and not awaiting_approval:
        steps.append(
            Step(
                now,
                ("ATT-DISP-1",),
                _("No valid owner: a deal for this client goes to the dispute queue, not to a guess."),
                outcome="info",
            )
        )
    steps.sort(key=lambda s: s.at)
    return Attribution(owner_id, follow_up_id, valid_until, tuple(shares), on_hold, tuple(steps))


def _ownership_changes(facts, periods, now, zone, steps, parties):
    """Introductions, then recognitions, on the latest registration; returns who holds the client, who follows
    it up, the salesperson parties, and when a takeover happened (None if nobody took over)."""
    period = periods[-1]
    # Facts recorded before an earlier registration lapsed belong to that earlier ownership, not this one.
    since = periods[-2].valid_until if len(periods) > 1 else None
    owner_id = period.owner_id
    owner_id, follow_up_id, parties, intro_at = _apply_introductions(
        facts, period, since, now, steps, owner_id, parties
    )
    owner_id, follow_up_id, parties, recognised_at = _apply_recognitions(
        facts, period, now, zone, steps, owner_id, follow_up_id, parties
    )
    return owner_id, follow_up_id, parties, recognised_at or intro_at


def _takeover(facts, periods, now, zone) -> tuple[dt.datetime, int] | None:
    scratch: list[Step] = []
    owner_id, _follow_up, _parties, at = _ownership_changes(facts, periods, now, zone, scratch, [])
    if at is None or owner_id == periods[-1].owner_id:
        return None
    return at, owner_id


def _narrate_reassignments(facts, voided, now, steps, zone) -> None:
    """REC-NEW-4c: each reassignment, and each entry it made count for nothing."""
    for move in sorted(facts.reassignments, key=lambda r: r.at):
        if move.at > now:
            continue
        params = {"from": facts.name(move.from_salesperson_id), "to": facts.name(move.to_salesperson_id)}
        if move.to_salesperson_id is None:
            message = _(
                "The client refused %(from)s and the manager had them served anew by the rota: from this instant "
                "%(from)s's entries for this client confer nothing."
            )
        else:
            message = _(
                "The client refused %(from)s and the manager reassigned them to %(to)s by the rota: from this "
                "instant %(from)s's entries for this client confer nothing and %(to)s's registration counts."
            )
        steps.append(Step(move.at, ("REC-NEW-4c",), message, params))
    for visit, move in voided:
        params = {
            "name": facts.name(visit.salesperson_id),
            "day": _day(visit.registered_at, zone),
            "to": facts.name(move.to_salesperson_id),
        }
        if visit.salesperson_id == move.from_salesperson_id:
            message = _("%(name)s's entry of %(day)s confers nothing: the client was reassigned away from %(name)s.")
        else:
            message = _(
                "%(name)s's entry of %(day)s does not count: the client was reassigned to %(to)s that day, whose "
                "registration is the one that counts."
            )
        steps.append(Step(visit.registered_at, ("REC-NEW-4c",), message, params, outcome="rejected"))


def _narrate_uncounted(facts, now, steps, zone) -> None:
    for visit in facts.visits:
        if visit.registered_at > now or (visit.approved_at is not None and visit.approved_at <= now):
            continue
        params = {"name": facts.name(visit.salesperson_id), "day": _day(visit.registered_at, zone)}
        if visit.rejected:
            message = _("%(name)s's entry of %(day)s was rejected by the project manager: it never counts.")
        else:
            message = _(
                "%(name)s's entry of %(day)s awaits the project manager's approval; until then it does not count."
            )
        steps.append(Step(visit.registered_at, ("ATT-REG-1",), message, params, outcome="info"))


def _narrate_period(period: Period, facts: ClientFacts, steps: list[Step], zone: ZoneInfo) -> None:
    owner = facts.name(period.owner_id)
    if period.handed_over_by is not None:
        steps.append(
            Step(
                period.handed_over_by.at,
                ("REC-NEW-4c", "ATT-REG-2"),
                _("%(owner)s's own entry of %(day)s counts from the reassignment: owner until %(until)s."),
                {
                    "owner": owner,
                    "day": _day(period.first.registered_at, zone),
                    "until": _day(period.valid_until, zone),
                },
            )
        )
    else:
        steps.append(
            Step(
                period.first.registered_at,
                ("ATT-REG-1", "ATT-REG-3"),
                _("%(owner)s registered the client first on %(day)s (approved): owner until %(until)s."),
                {
                    "owner": owner,
                    "day": _day(period.first.registered_at, zone),
                    "until": _day(registration_valid_until(period.first.visit_instant, zone), zone),
                },
            )
        )
    for renewal in period.renewals:
        steps.append(
            Step(
                renewal.registered_at,
                ("ATT-REG-2",),
                _("%(owner)s registered a revisit on %(day)s: the registration now runs to %(until)s."),
                {
                    "owner": facts.name(renewal.salesperson_id),
                    "day": _day(renewal.registered_at, zone),
                    "until": _day(registration_valid_until(renewal.visit_instant, zone), zone),
                },
            )
        )
    for other in period.ignored:
        steps.append(
            Step(
                other.registered_at,
                ("ATT-REG-3",),
                _("%(other)s's entry of %(day)s does not count: %(owner)s registered the client first."),
                {"other": facts.name(other.salesperson_id), "day": _day(other.registered_at, zone), "owner": owner},
                outcome="rejected",
            )
        )


def _apply_introductions(facts, period, since, now, steps, owner_id, parties):
    follow_up_id = owner_id
    taken_at = None
    first_visit = period.first.visit_instant
    for intro in sorted(facts.introductions, key=lambda i: i.marked_at):
        if intro.marked_at > now or (since is not None and intro.marked_at <= since):
            continue
        params = {"a": facts.name(intro.introducer_id), "owner": facts.name(owner_id)}
        if intro.mode == "c":
            steps.append(
                Step(
                    intro.marked_at,
                    ("ATT-REF-OLD c",),
                    _("Introduced by an old client of %(a)s who neither came nor phoned: the client is %(owner)s's."),
                    params,
                )
            )
            continue
        if intro.mode == "a" and (intro.declared_at is None or intro.declared_at > first_visit):
            steps.append(
                Step(
                    intro.marked_at,
                    ("ATT-REF-OLD a",),
                    _("%(a)s did not declare the introduction before the visit: no claim."),
                    params,
                    outcome="rejected",
                )
            )
            continue
        rule = f"ATT-REF-OLD {intro.mode}"
        owner_id = follow_up_id = intro.introducer_id
        taken_at = period.first.registered_at
        parties = [(owner_id, HUNDRED, (rule,))]
        message = (
            _("%(a)s declared the old client's introduction in advance: the client is %(a)s's.")
            if intro.mode == "a"
            else _("The old client brought the new client and asked for %(a)s: the client is %(a)s's.")
        )
        steps.append(Step(intro.marked_at, (rule,), message, params))
        break
    return owner_id, follow_up_id, parties, taken_at


def _apply_recognitions(facts, period, now, zone, steps, owner_id, follow_up_id, parties):
    new_salesperson = period.owner_id
    for recognition in sorted(facts.recognitions, key=lambda r: r.recognised_at):
        if recognition.recognised_at > now or recognition.recognised_at < period.first.visit_instant:
            continue
        verdict = judge_recognition(
            original_salesperson_id=recognition.original_salesperson_id,
            original_visits=recognition.original_visits,
            new_visit_at=period.first.visit_instant,
            new_salesperson_id=new_salesperson,
            recognised_at=recognition.recognised_at,
            deals=facts.deals,
            zone=zone,
            names=facts.names,
            reassignments=(*facts.reassignments, *recognition.original_reassignments),
        )
        steps.append(
            Step(
                recognition.recognised_at,
                verdict.rule_ids,
                verdict.message,
                verdict.params,
                outcome="applied" if verdict.accepted else "rejected",
            )
        )
        if verdict.case == "a":
            owner_id = follow_up_id = recognition.original_salesperson_id
            return owner_id, follow_up_id, [(owner_id, HUNDRED, ("REC-NEW-2a",))], recognition.recognised_at
        if verdict.case == "c":
            half = HUNDRED / 2
            # COM-2 ties go to the one who registered the client first: the original salesperson.
            return (
                owner_id,
                new_salesperson,
                [
                    (recognition.original_salesperson_id, half, ("REC-NEW-2c",)),
                    (new_salesperson, half, ("REC-NEW-2c",)),
                ],
                None,
            )
    return owner_id, follow_up_id, parties, None


def _apply_switches(facts, period, now, findings_until, zone, steps, owner_id, follow_up_id, parties):
    for switch in sorted(facts.switches, key=lambda s: s.at):
        if switch.at > now or switch.at < period.first.visit_instant - dt.timedelta(days=1):
            continue
        params = {"first": facts.name(switch.first_receiver_id), "named": facts.name(switch.named_id)}
        if switch.returning:
            steps.append(
                Step(
                    switch.at,
                    ("REC-DES-3",),
                    _(
                        "The returning client insisted on %(named)s, who served as a duty reception: the whole "
                        "commission stays with %(first)s, who received the client first."
                    ),
                    params,
                )
            )
            return follow_up_id, [(switch.first_receiver_id, HUNDRED, ("REC-DES-3",))]
        if switch.instigated:
            steps.append(
                Step(
                    switch.at,
                    ("REC-DES-2",),
                    _("%(named)s instigated the switch: the whole commission goes to %(first)s, the first receiver."),
                    params,
                )
            )
            return switch.named_id, [(switch.first_receiver_id, HUNDRED, ("REC-DES-2",))]
        steps.append(
            Step(
                switch.at,
                ("REC-DES-2",),
                _("The client insisted on %(named)s after reception began: %(first)s 70%%, %(named)s 30%%."),
                params,
            )
        )
        found_at = switch.instigated_at
        if found_at is not None and found_at <= findings_until:
            steps.append(
                Step(
                    found_at,
                    ("REC-DES-2",),
                    _(
                        "On %(day)s the sales manager found that %(named)s instigated the switch (%(reason)s): the "
                        "whole commission goes to %(first)s, the first receiver."
                    ),
                    {**params, "day": _day(found_at, zone), "reason": switch.instigation_reason},
                )
            )
            return switch.named_id, [(switch.first_receiver_id, HUNDRED, ("REC-DES-2",))]
        return switch.named_id, [
            (switch.first_receiver_id, Decimal(70), ("REC-DES-2",)),
            (switch.named_id, Decimal(30), ("REC-DES-2",)),
        ]
    return follow_up_id, parties


def instigation_finding_refusal(switch: SwitchFact | None, *, already_found: bool, now: dt.datetime) -> Step | None:
    """REC-DES-2's Decision: the sales manager may find, at any time after a named switch of a new client, that the
    named salesperson instigated it. Why such a finding cannot be recorded, or None when it can."""
    if switch is None:
        return Step(
            now,
            ("REC-DES-2",),
            _("Only the switch of a new client to the salesperson they insisted on can be found instigated."),
            outcome="rejected",
        )
    if switch.returning:
        return Step(
            now,
            ("REC-DES-3",),
            _("A returning client's switch already leaves the whole commission with the owner: nothing to find."),
            outcome="rejected",
        )
    if switch.instigated or already_found:
        return Step(
            now,
            ("REC-DES-2",),
            _("The instigation of this switch is already established."),
            outcome="rejected",
        )
    if now < switch.at:
        return Step(now, ("REC-DES-2",), _("A finding comes after the switch it is about."), outcome="rejected")
    return None


def _apply_spouses(facts, period, now, zone, steps, parties):
    for spouse in sorted(facts.spouses, key=lambda s: s.marked_at):
        if spouse.marked_at > now:
            continue
        # Once found to be a couple, the spouse's salesperson at that moment serves them jointly for as long as
        # this client's registration lasts, even if the couple keep coming back to this side only (ATT-SPOUSE).
        other = current_period(spouse.spouse_visits, now=spouse.marked_at, zone=zone)
        if other is None or any(user_id == other.owner_id for user_id, _pct, _rules in parties):
            continue
        params = {"other": facts.name(other.owner_id), "mine": ", ".join(facts.name(p[0]) for p in parties)}
        steps.append(
            Step(
                spouse.marked_at,
                ("ATT-SPOUSE",),
                _("The client's spouse is registered by %(other)s: %(mine)s and %(other)s serve them jointly, 50/50."),
                params,
            )
        )
        halved = [(user_id, pct / 2, (*rules, "ATT-SPOUSE")) for user_id, pct, rules in parties]
        joint = (other.owner_id, HUNDRED / 2, ("ATT-SPOUSE",))
        # COM-2 ties go to whoever registered first.
        return [*halved, joint] if period.first.registered_at <= other.first.registered_at else [joint, *halved]
    return parties


def _client_level_split(facts, period, now, zone, steps, parties) -> list[Share]:
    """COM-3: company and referral splits apply to the client first; the salesperson part is then divided
    among the salesperson parties."""
    salesperson_part = HUNDRED
    client_rule: tuple[str, ...] = ()  # the client-level rule that sized the salespeople's part (COM-3)
    head: list[Share] = []
    tail: list[Share] = []
    # A deal the company arranged directly needs no reception, so no registration (ATT-CO-4, ATT-CO-5); every other
    # split starts from one.
    company = _valid_company_mark(facts, now, zone, steps, arranged_only=period is None)
    if company is not None:
        rule, salesperson_part, designated = _company_split(company)
        if designated:
            steps.append(
                Step(
                    company.marked_at,
                    ("ATT-CO-2",),
                    _("Leadership designated %(name)s for a company client: a duty reception, all to the pool."),
                    {"name": facts.name(company.designated_salesperson_id)},
                )
            )
        else:
            steps.append(Step(company.marked_at, (rule,), _company_sentence(rule)))
        client_rule = (rule,)
        pool = HUNDRED - salesperson_part
        if pool:
            tail.append(Share(PUBLIC_POOL, None, pool, (rule,)))
    elif period is not None:
        referral = _valid_referral(facts, now, zone, steps)
        if referral is not None:
            salesperson_part = Decimal(70)
            client_rule = ("ATT-EMP-5",)
            steps.append(
                Step(
                    referral.confirmed_at or now,
                    ("ATT-EMP-5",),
                    _("Valid referral by %(referrer)s: 30%% to the referrer, 70%% to the salespeople."),
                    {"referrer": facts.name(referral.referrer_id)},
                )
            )
            head.append(Share(REFERRER, referral.referrer_id, Decimal(30), ("ATT-EMP-5",)))
    if period is None and company is None:
        return []
    if salesperson_part and not parties:
        return []  # nobody to pay the salespeople's part: no split by the rules (ATT-DISP-1)
    if salesperson_part and parties:
        body = [
            Share(SALESPERSON, user_id, pct * salesperson_part / HUNDRED, (*rules, *client_rule))
            for user_id, pct, rules in parties
        ]
    else:
        body = []
    if not body and not head and not tail:
        return []
    return [*head, *body, *tail]


ARRANGED_KINDS = ("direct_sales", "direct_other")  # ATT-CO-4, ATT-CO-5: arranged directly, no reception


def _valid_company_mark(facts, now, zone, steps, *, arranged_only: bool = False) -> CompanyFact | None:
    for mark in sorted(facts.company, key=lambda m: m.marked_at):
        # A deal the company arranged is marked when it is entered, often after it was signed: the mark says how that
        # deal came about, so it holds from the company's contact. Other marks count from when they were recorded.
        effective = mark.contacted_at if mark.kind in ARRANGED_KINDS else mark.marked_at
        if effective > now or (arranged_only and mark.kind not in ARRANGED_KINDS):
            continue
        if company_mark_valid(mark, facts.visits, zone=zone):
            return mark
        steps.append(
            Step(
                mark.marked_at,
                ("ATT-CO-1",),
                _("Not a company client: the client was already registered before the company's contact."),
                outcome="rejected",
            )
        )
    return None


def _company_split(mark: CompanyFact) -> tuple[str, Decimal, bool]:
    if mark.designated_salesperson_id is not None:
        return "ATT-CO-2", Decimal(0), True
    return {
        "followed_up": ("ATT-CO-3", Decimal(70), False),
        "direct_sales": ("ATT-CO-4", Decimal(30), False),
        "direct_other": ("ATT-CO-5", Decimal(0), False),
    }[mark.kind]


def _company_sentence(rule: str):
    return {
        "ATT-CO-3": _("Company client followed up by the salesperson: 70% salesperson, 30% public pool."),
        "ATT-CO-4": _("Deal arranged by the company, after-sales by the salesperson: 30% salesperson, 70% pool."),
        "ATT-CO-5": _("Deal arranged by the company, after-sales by other staff: 100% public pool."),
    }[rule]


def _valid_referral(facts, now, zone, steps) -> ReferralFact | None:
    for referral in sorted(facts.referrals, key=lambda r: r.registered_at):
        if referral.registered_at > now:
            continue
        status = referral_status(referral, facts.visits, now=now, zone=zone)
        if status.status == REFERRAL_VALID:
            return referral
        if status.status != REFERRAL_PENDING:
            steps.append(
                Step(
                    end_of_day(referral.appointment_date, zone)
                    if status.status in (REFERRAL_LAPSED, REFERRAL_VOID)
                    else referral.registered_at,
                    status.rule_ids,
                    status.message,
                    outcome="rejected",
                )
            )
    return None


def apply_disputes(facts, now, steps, shares: list[Share]) -> tuple[list[Share], bool]:
    """ATT-DISP-1 over `shares`: an opinion not yet ruled on holds them; an approved ruling replaces them."""
    on_hold = False
    for dispute in sorted(facts.disputes, key=lambda d: d.written_at):
        if dispute.written_at > now:
            continue
        decided = dispute.decided_at is not None and dispute.decided_at <= now
        if not decided:
            on_hold = True
            steps.append(
                Step(
                    dispute.written_at,
                    ("ATT-DISP-1",),
                    _(
                        "The project manager wrote a dispute opinion: the commission is on hold until the director "
                        "rules."
                    ),
                )
            )
            continue
        if dispute.approved:
            shares = [
                Share(SALESPERSON if user_id else PUBLIC_POOL, user_id, Decimal(pct), ("ATT-DISP-1",))
                for user_id, pct in dispute.shares
            ]
            steps.append(
                Step(
                    dispute.decided_at,
                    ("ATT-DISP-1",),
                    _("The sales director approved the opinion: %(split)s."),
                    {"split": ", ".join(f"{facts.name(u)} {Decimal(p).normalize():f}%" for u, p in dispute.shares)},
                )
            )
        else:
            steps.append(
                Step(
                    dispute.decided_at,
                    ("ATT-DISP-1",),
                    _("The sales director rejected the opinion; the rules above stand."),
                    outcome="rejected",
                )
            )
    return shares, on_hold
