"""The rota engine: who is available, the order, and who receives a client (REC-ROT-*, REC-RET-*, REC-READY-1).

Nothing here touches the database or reads the clock; `reception.services` takes the snapshot under the
site's lock, asks these functions, and records what they decided.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum


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

    @property
    def earned_slot_status(self) -> str | None:
        """Passed over while away on extra work, they earn a priority slot (REC-ROT-5): held at once when the
        project manager approved the absence, pending their approval otherwise (PrioritySlot.Status values)."""
        if self.outcome == Outcome.SLOT_KEPT:
            return "active"
        if self.outcome == Outcome.SLOT_PENDING:
            return "pending"
        return None


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


# An absence's facts as reception.models.Absence stores them (its Reason and Approval values): rules import no models.
EXTRA_WORK = "extra_work"
APPROVED = "approved"
PENDING = "pending"


def member_availability(
    *,
    on_duty: bool,
    busy: bool,
    absence_reason: str | None,
    absence_approval: str | None,
    readiness_passed: bool | None,
) -> Availability:
    """Which state of a rota member wins, first match: off today's duty roster (REC-ROT-1); in a reception
    (REC-ROT-6: a reception is never broken off, so it outranks an absence recorded meanwhile); away from the post,
    on extra work approved or awaiting approval (REC-ROT-5) or without a valid reason (REC-ROT-4); not through
    today's readiness check, or not checked yet (REC-READY-1); else available.

    `readiness_passed`: the result of today's latest check, None when nobody has checked them yet.

    Decides: REC-READY-1.
    """
    if not on_duty:
        return Availability.OFF_DUTY
    if busy:
        return Availability.BUSY
    if absence_reason is not None:
        extra_work = absence_reason == EXTRA_WORK
        if extra_work and absence_approval == APPROVED:
            return Availability.AWAY_EXCUSED
        if extra_work and absence_approval == PENDING:
            return Availability.AWAY_PENDING
        return Availability.AWAY
    if not readiness_passed:
        return Availability.NOT_READY
    return Availability.AVAILABLE


def readiness_shown(readiness_passed: bool | None) -> str:
    """Today's readiness check as the board shows it (REC-READY-1): "passed", "failed" or "unchecked"."""
    if readiness_passed is None:
        return "unchecked"
    return "passed" if readiness_passed else "failed"


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

    Decides: REC-ROT-2.
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
    """Who receives the next new walk-in: the order (REC-ROT-1), passing over whoever is away or not ready (REC-ROT-4,
    REC-READY-1), a priority slot first (REC-ROT-5); nobody free, the client waits (REC-ROT-6).

    Decides: REC-ROT-1, REC-ROT-4, REC-ROT-5, REC-ROT-6.
    """
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
    """Who gives a duty reception (REC-ROT-8): the last normal-turn taker, else the one before, and so on.

    Decides: REC-ROT-8.
    """
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

    Decides: REC-ROT-7.
    """
    order = rolling_order(members, last_turn_member_id=last_turn_member_id, last_turn_position=last_turn_position)
    return [m for m in order if m.availability in AT_POST][:2]


@dataclass(frozen=True)
class OwnerRouting:
    """Where a returning client goes (REC-RET-1, REC-RET-2)."""

    kind: str  # "owner", "wait_owner", "duty", "wait_duty"
    salesperson_id: int | None
    rule_ids: tuple[str, ...] = field(default=())

    @property
    def waits(self) -> bool:
        """Nobody can receive the client yet: they wait, for the owner or for a duty receiver (REC-ROT-6)."""
        return self.kind in ("wait_owner", "wait_duty")

    @property
    def is_duty(self) -> bool:
        """Another salesperson receives the client for the absent owner (REC-RET-2, REC-ROT-8)."""
        return self.kind in ("duty", "wait_duty")


def route_returning_client(
    members: Sequence[MemberState],
    *,
    owner_id: int,
    last_turn_member_id: int | None,
    last_turn_position: int | None,
) -> OwnerRouting:
    """A returning client goes to their owner, or waits for them while they are with a client (REC-RET-1); when the
    owner is away, the last in the rota gives a duty reception, or the client waits until someone is free
    (REC-RET-2, REC-ROT-8).

    Decides: REC-RET-1, REC-RET-2.
    """
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


def duty_reception_slot(*, grants_priority: bool) -> str | None:
    """REC-ROT-8 (a site setting): after a duty reception, the duty salesperson takes the next new walk-in on a
    priority slot (REC-ROT-5); with the setting off, they earn nothing. The clause the slot is granted under, or
    None."""
    return "REC-ROT-8" if grants_priority else None


# The clause under which a client waiting for a named person is served, by the kind of their reception.
WAITING_FOR_RULE = {
    "returning": "REC-RET-1",
    "designated": "REC-DES-1",
    "switched": "REC-DES-2",
    "duty": "REC-DES-3",
}


class Served(StrEnum):
    WAITED_FOR = "waited_for"  # the person the client waits for is free
    OWNER = "owner"  # a duty client's owner came back to the post
    DUTY = "duty"  # a duty client is received by the last in the rota
    TURN = "turn"  # a new client is received by the rota


@dataclass(frozen=True)
class WaitingServed:
    """Who takes a waiting client now. `rule_ids[0]` is the clause the hand-over is recorded under; `turn`, for a
    new client, is the rota's decision (with its forfeits)."""

    served: Served
    salesperson_id: int | None
    rule_ids: tuple[str, ...]
    turn: TurnDecision | None = None


def serve_waiting_client(
    members: Sequence[MemberState],
    *,
    kind: str,
    waiting_for_id: int | None,
    owner_id: int | None,
    refused: frozenset[int] | set[int],
    last_turn_member_id: int | None,
    last_turn_position: int | None,
    last_taker_member_id: int | None,
    last_taker_position: int | None,
) -> WaitingServed | None:
    """Whether a waiting client is taken now, and by whom (REC-ROT-6: nobody forfeits a turn for them); None: they
    go on waiting. `kind` is their reception's kind; `refused`, for a reassigned client, everyone they refused.

    - Waiting for a named person (owner, designated, switched; REC-RET-1, REC-DES-1, REC-DES-2): that person,
      once at post and free; not being through the readiness check withholds rotation turns only (REC-READY-1).
    - A duty client is routed again as on arrival (REC-RET-1, REC-RET-2): an owner back at post before anyone was
      free to give the duty reception is no longer absent and serves their own client; a busy owner is waited for.
    - A new client goes by the rota among those free (REC-ROT-1, REC-ROT-5). A reassigned one never goes back to
      anyone they refused, and goes by the order itself, not to a priority-slot holder (REC-NEW-4c)."""
    if waiting_for_id:
        state = next((m for m in members if m.salesperson_id == waiting_for_id), None)
        if state is None or state.availability not in (Availability.AVAILABLE, Availability.NOT_READY):
            return None
        return WaitingServed(Served.WAITED_FOR, waiting_for_id, (WAITING_FOR_RULE.get(kind, "REC-DES-1"),))
    if kind == "duty":
        routing = route_returning_client(
            members,
            owner_id=owner_id or 0,
            last_turn_member_id=last_taker_member_id,
            last_turn_position=last_taker_position,
        )
        if routing.kind == "owner":
            return WaitingServed(Served.OWNER, routing.salesperson_id, ("REC-RET-1",))
        if routing.kind == "duty":
            return WaitingServed(Served.DUTY, routing.salesperson_id, ("REC-ROT-8", "REC-RET-2"))
        return None
    available = [m for m in members if m.availability == Availability.AVAILABLE and m.salesperson_id not in refused]
    if not available:
        return None
    turn = next_walk_in(
        available,
        honour_priority=kind != "reassigned",
        last_turn_member_id=last_turn_member_id,
        last_turn_position=last_turn_position,
    )
    return WaitingServed(Served.TURN, turn.salesperson_id, ("REC-ROT-6", *turn.rule_ids), turn)


def reassignment_turn(
    members: Sequence[MemberState],
    *,
    refused: frozenset[int] | set[int],
    last_turn_member_id: int | None,
    last_turn_position: int | None,
) -> TurnDecision:
    """Who receives a client reassigned after a change request (REC-NEW-4c): the rota order itself, not a
    priority-slot holder, and never anyone the client has refused along the way; with everyone on duty refused, the
    client waits for the manager (REC-ROT-6)."""
    candidates = [m for m in members if m.salesperson_id not in refused]
    try:
        return next_walk_in(
            candidates,
            honour_priority=False,
            last_turn_member_id=last_turn_member_id,
            last_turn_position=last_turn_position,
        )
    except NobodyOnDuty:
        return TurnDecision(Assignment.WAIT, rule_ids=("REC-NEW-4", "REC-ROT-6"))
