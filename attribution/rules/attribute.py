"""The whole picture: `attribute` composes the register, recognitions, introductions, switches, spouses, company
marks, referrals and disputes into the owner, the shares and the timeline."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy as _

from .facts import HUNDRED, Attribution, ClientFacts, ReassignmentFact, RegisteredVisit, Step
from .parties import Party, _apply_introductions, _apply_recognitions, _apply_spouses, _apply_switches
from .register import Period, _day, _periods, registration_valid_until
from .splits import _client_level_split, apply_disputes

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
    instigation found later re-splits a deal signed before it, COM-4).

    Why one function: COM-3's order of composition is the order of these steps (registration, introductions and
    recognitions, switches, spouses, the client-level split, disputes); split, the order would be hidden."""
    steps: list[Step] = []
    moves = facts.reassignments
    periods, voided = _periods(facts.visits, now=now, zone=zone, reassignments=moves)
    if periods:
        takeover = _takeover(facts, periods, now, zone)
        if takeover is not None:
            periods, voided = _periods(facts.visits, now=now, zone=zone, takeovers=(takeover,), reassignments=moves)
    for stretch in periods:
        _narrate_period(stretch, facts, steps, zone)
    _narrate_reassignments(facts, voided, now, steps, zone)
    _narrate_uncounted(facts, now, steps, zone)
    period = periods[-1] if periods and now <= periods[-1].valid_until else None
    if periods and period is None and periods[-1].ended_by is None:
        _narrate_lapse(periods[-1], steps, zone)

    owner_id = period.owner_id if period else None
    follow_up_id = owner_id
    valid_until = period.valid_until if period else None
    parties: list[Party] = []
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


def _ownership_changes(
    facts: ClientFacts,
    periods: list[Period],
    now: dt.datetime,
    zone: ZoneInfo,
    steps: list[Step],
    parties: list[Party],
) -> tuple[int, int, list[Party], dt.datetime | None]:
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


def _takeover(
    facts: ClientFacts, periods: list[Period], now: dt.datetime, zone: ZoneInfo
) -> tuple[dt.datetime, int] | None:
    scratch: list[Step] = []
    owner_id, _follow_up, _parties, at = _ownership_changes(facts, periods, now, zone, scratch, [])
    if at is None or owner_id == periods[-1].owner_id:
        return None
    return at, owner_id


def _narrate_lapse(last: Period, steps: list[Step], zone: ZoneInfo) -> None:
    """ATT-REG-2: the last registration ran out by itself (no reassignment ended it); the client is free."""
    steps.append(
        Step(
            last.valid_until,
            ("ATT-REG-2",),
            _("The registration lapsed at the end of %(until)s: the client is free."),
            {"until": _day(last.valid_until, zone)},
        )
    )


def _narrate_reassignments(
    facts: ClientFacts,
    voided: list[tuple[RegisteredVisit, ReassignmentFact]],
    now: dt.datetime,
    steps: list[Step],
    zone: ZoneInfo,
) -> None:
    """REC-NEW-4c: each reassignment, and each entry it made count for nothing.

    Applies: REC-NEW-4.
    """
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


def _narrate_uncounted(facts: ClientFacts, now: dt.datetime, steps: list[Step], zone: ZoneInfo) -> None:
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
