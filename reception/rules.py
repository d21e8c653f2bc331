"""The reception rota as pure functions: a snapshot of the desk in, a decision with its clauses out.

Nothing here touches the database or reads the clock; `reception.services` takes the snapshot under the
site's lock, asks these functions, and records what they decided.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from salesoffice.phones import INVALID_MESSAGE, is_valid_phone


class Availability(StrEnum):
    AVAILABLE = "available"
    BUSY = "busy"  # in a reception (REC-ROT-6)
    AWAY = "away"  # not at post without a valid reason (REC-ROT-4)
    AWAY_PENDING = "away_pending"  # away on extra work, approval pending (REC-ROT-5)
    AWAY_EXCUSED = "away_excused"  # away on extra work the project manager approved (REC-ROT-5)
    NOT_READY = "not_ready"  # has not passed today's readiness check (REC-READY-1)
    OFF_DUTY = "off_duty"  # not on today's duty roster


# At the post: may serve a client who asks for them by name (REC-DES-1). Not being ready withholds rotation
# turns only (REC-READY-1).
AT_POST = frozenset({Availability.AVAILABLE, Availability.BUSY, Availability.NOT_READY})


@dataclass(frozen=True)
class MemberState:
    member_id: int
    salesperson_id: int
    position: int
    availability: Availability
    # Earliest-granted first; only slots that may be used now (REC-ROT-5).
    active_slot_ids: tuple[int, ...] = ()
    # The open absence already earned its one priority slot, so passing over them again earns nothing.
    absence_has_slot: bool = False
    # Today's readiness check (REC-READY-1): "passed", "failed" or "unchecked", as the board shows it.
    readiness: str = "unchecked"


class Outcome(StrEnum):
    FORFEIT = "forfeit"
    SLOT_KEPT = "slot_kept"
    SLOT_PENDING = "slot_pending"
    PASSED_OVER_EXCUSED = "passed_over_excused"


@dataclass(frozen=True)
class Skip:
    salesperson_id: int
    availability: Availability
    outcome: Outcome
    rule_id: str


class Assignment(StrEnum):
    ROTA = "rota"
    PRIORITY = "priority"
    WAIT = "wait"


@dataclass(frozen=True)
class TurnDecision:
    assignment: Assignment
    salesperson_id: int | None = None
    member_id: int | None = None
    slot_id: int | None = None
    skips: tuple[Skip, ...] = ()
    rule_ids: tuple[str, ...] = ()


class NobodyOnDuty(Exception):
    """No salesperson is on today's duty roster, so no walk-in can be received."""


def on_duty(members: Sequence[MemberState]) -> list[MemberState]:
    return sorted((m for m in members if m.availability != Availability.OFF_DUTY), key=lambda m: m.position)


def rolling_order(
    members: Sequence[MemberState],
    *,
    last_turn_member_id: int | None,
    last_turn_position: int | None,
) -> list[MemberState]:
    """Today's on-duty members from the one after the last normal turn, wrapping round (REC-ROT-2).

    `last_turn_position` places the cursor when the last taker is not on duty today; None starts at the top.
    """
    duty = on_duty(members)
    if not duty or last_turn_position is None:
        return duty
    for index, member in enumerate(duty):
        if member.member_id == last_turn_member_id:
            start = index + 1
            break
    else:
        start = next((i for i, m in enumerate(duty) if m.position > last_turn_position), 0)
    start %= len(duty)
    return duty[start:] + duty[:start]


def cursor_position(
    *,
    last_turn_position: int | None,
    last_turn_at: dt.datetime | None,
    today_starts_at: dt.datetime,
    carry_over: bool,
) -> int | None:
    """Where the cycle stands: carried over from earlier days, or back to the top each day (REC-ROT-2)."""
    if last_turn_position is None or last_turn_at is None:
        return None
    if not carry_over and last_turn_at < today_starts_at:
        return None
    return last_turn_position


def next_walk_in(
    members: Sequence[MemberState],
    *,
    last_turn_member_id: int | None,
    last_turn_position: int | None,
    exclude_salesperson_id: int | None = None,
    honour_priority: bool = True,
) -> TurnDecision:
    """Who receives the next new walk-in (REC-ROT-1, -4, -5, -6)."""
    duty = on_duty(members)
    if not duty:
        raise NobodyOnDuty
    eligible = [m for m in duty if m.salesperson_id != exclude_salesperson_id]

    # REC-ROT-5: a held priority slot takes the first walk-in ahead of the order; position unaffected.
    slot_holders = [
        m for m in eligible if honour_priority and m.active_slot_ids and m.availability == Availability.AVAILABLE
    ]
    if slot_holders:
        holder = min(slot_holders, key=lambda m: m.active_slot_ids[0])
        return TurnDecision(
            Assignment.PRIORITY,
            holder.salesperson_id,
            holder.member_id,
            holder.active_slot_ids[0],
            rule_ids=("REC-ROT-5",),
        )

    # REC-ROT-6 decision: when nobody eligible is free, the client waits and nobody forfeits.
    if not any(m.availability == Availability.AVAILABLE for m in eligible):
        return TurnDecision(Assignment.WAIT, rule_ids=("REC-ROT-6",))

    skips: list[Skip] = []
    order = rolling_order(members, last_turn_member_id=last_turn_member_id, last_turn_position=last_turn_position)
    for member in order:
        if member.salesperson_id == exclude_salesperson_id:
            continue
        if member.availability == Availability.AVAILABLE:
            return TurnDecision(
                Assignment.ROTA,
                member.salesperson_id,
                member.member_id,
                skips=tuple(skips),
                rule_ids=("REC-ROT-1", *dict.fromkeys(s.rule_id for s in skips)),
            )
        skips.append(_skip(member))
    raise AssertionError("an available member was found above but not in the order")


def _skip(member: MemberState) -> Skip:
    match member.availability:
        case Availability.BUSY:
            return Skip(member.salesperson_id, member.availability, Outcome.FORFEIT, "REC-ROT-6")
        case Availability.NOT_READY:
            return Skip(member.salesperson_id, member.availability, Outcome.FORFEIT, "REC-READY-1")
        case Availability.AWAY_EXCUSED if member.absence_has_slot:
            return Skip(member.salesperson_id, member.availability, Outcome.PASSED_OVER_EXCUSED, "REC-ROT-5")
        case Availability.AWAY_EXCUSED:
            return Skip(member.salesperson_id, member.availability, Outcome.SLOT_KEPT, "REC-ROT-5")
        case Availability.AWAY_PENDING if member.absence_has_slot:
            return Skip(member.salesperson_id, member.availability, Outcome.PASSED_OVER_EXCUSED, "REC-ROT-5")
        case Availability.AWAY_PENDING:
            return Skip(member.salesperson_id, member.availability, Outcome.SLOT_PENDING, "REC-ROT-5")
        case _:
            return Skip(member.salesperson_id, member.availability, Outcome.FORFEIT, "REC-ROT-4")


def last_in_rota(
    members: Sequence[MemberState],
    *,
    last_turn_member_id: int | None,
    last_turn_position: int | None,
    exclude_salesperson_id: int | None = None,
) -> MemberState | None:
    """Who gives a duty reception (REC-ROT-8): the last normal-turn taker, else the one before, and so on."""
    order = rolling_order(members, last_turn_member_id=last_turn_member_id, last_turn_position=last_turn_position)
    for member in reversed(order):
        if member.salesperson_id != exclude_salesperson_id and member.availability == Availability.AVAILABLE:
            return member
    return None


def lunch_duty(
    members: Sequence[MemberState],
    *,
    last_turn_member_id: int | None,
    last_turn_position: int | None,
) -> list[MemberState]:
    """The first two in the current order keep the desk at lunch (REC-ROT-7).

    Someone away from the post cannot keep the desk, so the duty passes to the next at the post.
    """
    order = rolling_order(members, last_turn_member_id=last_turn_member_id, last_turn_position=last_turn_position)
    return [m for m in order if m.availability in AT_POST][:2]


@dataclass(frozen=True)
class OwnerRouting:
    """Where a returning client goes (REC-RET-1, REC-RET-2)."""

    kind: str  # "owner", "wait_owner", "duty", "wait_duty"
    salesperson_id: int | None
    rule_ids: tuple[str, ...] = field(default=())


def route_returning_client(
    members: Sequence[MemberState],
    *,
    owner_id: int,
    last_turn_member_id: int | None,
    last_turn_position: int | None,
) -> OwnerRouting:
    owner = next((m for m in members if m.salesperson_id == owner_id), None)
    owner_availability = owner.availability if owner else Availability.OFF_DUTY
    # REC-READY-1 withholds rotation turns only; an owner at the post serves their own client even before
    # passing the day's check.
    if owner_availability in (Availability.AVAILABLE, Availability.NOT_READY):
        return OwnerRouting("owner", owner_id, ("REC-RET-1",))
    if owner_availability == Availability.BUSY:
        # REC-ROT-6: the owner cannot break off a reception; the client waits for them.
        return OwnerRouting("wait_owner", owner_id, ("REC-RET-1", "REC-ROT-6"))
    duty = last_in_rota(
        members,
        last_turn_member_id=last_turn_member_id,
        last_turn_position=last_turn_position,
        exclude_salesperson_id=owner_id,
    )
    if duty is None:
        return OwnerRouting("wait_duty", None, ("REC-RET-2", "REC-ROT-6"))
    return OwnerRouting("duty", duty.salesperson_id, ("REC-RET-2", "REC-ROT-8"))


def phone_inquiry_problems(*, caller_name: str, caller_phone: str) -> dict[str, str]:
    """REC-NEW-3: a call is logged with the caller's data as far as possible: a valid phone or at least a name.
    Field name -> message; empty when the inquiry may be logged."""
    problems: dict[str, str] = {}
    if caller_phone.strip() and not is_valid_phone(caller_phone):
        problems["caller_phone"] = str(INVALID_MESSAGE)
    if not caller_name.strip() and not caller_phone.strip():
        problems["caller_name"] = str(_("REC-NEW-3: enter the caller's name or phone."))
    return problems


@dataclass(frozen=True)
class Refusal:
    """A desk action the regulations refuse: the clause and a sentence a manager understands."""

    rule_id: str
    message: str


def self_designation_refusal(*, actor_id: int, named_id: int, actor_is_supervisor: bool, name: str) -> Refusal | None:
    """REC-ROT-1 over REC-DES-1: a salesperson cannot record a client "asking for" themselves, or the side door
    would let them take walk-ins outside the rota (grabbing, seed 1.3.9). The site supervisor, or any other person
    at the desk, records a designated arrival."""
    if actor_id != named_id or actor_is_supervisor:
        return None
    return Refusal(
        "REC-ROT-1",
        str(
            _(
                "%(name)s cannot record a client asking for themselves: the site supervisor or another colleague "
                "at the desk records it (REC-ROT-1, REC-DES-1)."
            )
        )
        % {"name": name},
    )


def presence_change_refusal(
    *, actor_id: int, salesperson_id: int, actor_is_supervisor: bool, name: str
) -> Refusal | None:
    """REC-ROT-4: whether someone is at their post decides who gets turns, so only the person themselves or the
    site supervisor says they left or are back; a colleague pressing it could hand them (or keep from them) a
    client."""
    if actor_id == salesperson_id or actor_is_supervisor:
        return None
    return Refusal(
        "REC-ROT-4",
        str(_("Only %(name)s or the site supervisor may change %(name)s's presence at the post (REC-ROT-4)."))
        % {"name": name},
    )


def roster_refusals(*, day: dt.date, today: dt.date, taken_off_busy: Sequence[str]) -> list[Refusal]:
    """A roster cannot contradict the floor (REC-ROT-1, REC-ROT-6): a past day's roster is history, and nobody is
    taken off duty today while in a reception. `taken_off_busy`: names of those the new roster takes off who are
    with a client now."""
    refusals: list[Refusal] = []
    if day < today:
        refusals.append(
            Refusal(
                "REC-ROT-1",
                str(_("The roster for %(day)s is in the past and cannot be changed.")) % {"day": day.isoformat()},
            )
        )
    elif day == today and taken_off_busy:
        refusals.append(
            Refusal(
                "REC-ROT-6",
                str(
                    _(
                        "%(names)s cannot be taken off duty on %(day)s: in a reception now (REC-ROT-6). Save the "
                        "roster again once the reception has ended."
                    )
                )
                % {"names": ", ".join(taken_off_busy), "day": day.isoformat()},
            )
        )
    return refusals


OPEN_STATUSES = frozenset({"waiting", "active"})


def void_refusal(
    *,
    actor_is_supervisor: bool,
    reason: str,
    status: str,
    arrived_at: dt.datetime,
    now: dt.datetime,
    window: dt.timedelta,
    later_turn_taken: bool,
    earned_slot_used: bool,
    continues_another: bool = False,
) -> Refusal | None:
    """A reception pressed by mistake can be voided by the site supervisor, with a reason, within the site's window
    after the arrival (its last second included), while nothing later rests on it: the rota then returns to where it
    was (REC-ROT-1). `later_turn_taken`: a later walk-in took a normal turn after this one took its turn, so the
    order has moved on; `earned_slot_used`: a priority slot this reception earned has been used since."""
    if not actor_is_supervisor:
        return Refusal("REC-ROT-1", str(_("Only the site supervisor may void a reception (REC-ROT-1).")))
    if not reason.strip():
        return Refusal("REC-ROT-1", str(_("Say why the reception is voided.")))
    if status not in OPEN_STATUSES:
        return Refusal("REC-ROT-1", str(_("Only a waiting or ongoing reception can be voided.")))
    if continues_another:
        # A client switched or reassigned by a manager's decision (REC-NEW-4, REC-DES-2/3) was not a tap at the desk.
        return Refusal(
            "REC-NEW-4",
            str(_("This reception continues another after a manager's decision: it is not a mis-tap (REC-NEW-4).")),
        )
    if now > arrived_at + window:
        return Refusal(
            "REC-ROT-1",
            str(
                _(
                    "A reception can be voided only within %(minutes)s minutes of the arrival; this one is older "
                    "(REC-ROT-1)."
                )
            )
            % {"minutes": int(window.total_seconds() // 60)},
        )
    if later_turn_taken:
        return Refusal(
            "REC-ROT-1",
            str(_("A later walk-in has taken a turn since: void that reception first, then this one (REC-ROT-1).")),
        )
    if earned_slot_used:
        return Refusal(
            "REC-ROT-5",
            str(_("A priority slot this reception earned has been used since: it cannot be voided (REC-ROT-5).")),
        )
    return None


def leave_refusal(*, status: str) -> Refusal | None:
    """A waiting client may leave without being served (REC-ROT-6); one already with a salesperson has not waited."""
    if status == "waiting":
        return None
    return Refusal("REC-ROT-6", str(_("Only a waiting client can leave without being served (REC-ROT-6).")))
