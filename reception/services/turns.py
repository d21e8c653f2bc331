"""Handing a client to a salesperson once the rules have decided: turns, forfeits, slots, waiting clients."""

import datetime as dt

from salesoffice.models import Site

from .. import rules
from ..models import (
    Absence,
    PrioritySlot,
    Reception,
    RotaEvent,
    RotaState,
)
from .desk import (
    DeskSnapshot,
    _bump,
    _cursor_args,
    _event,
    _take_turn,
    _unsaved_event,
    take_snapshot,
)


def _record_skips(
    site: Site,
    now: dt.datetime,
    snapshot: DeskSnapshot,
    decision: rules.TurnDecision,
    reception: Reception,
) -> list[RotaEvent]:
    """The forfeits' events, not saved yet (the caller saves them with the turn's), and their priority slots."""
    events = []
    taker = snapshot.name(decision.salesperson_id)
    for skip in decision.skips:
        events.append(
            _unsaved_event(
                site,
                now,
                f"skip_{skip.outcome}_{skip.availability}",
                skip.rule_id,
                salesperson_id=skip.salesperson_id,
                reception=reception,
                name=snapshot.name(skip.salesperson_id),
                to=taker,
            )
        )
        if skip.earned_slot_status is not None:
            absence = Absence.objects.get(site=site, salesperson_id=skip.salesperson_id, ended_at__isnull=True)
            PrioritySlot.objects.create(
                site=site,
                salesperson_id=skip.salesperson_id,
                rule_id="REC-ROT-5",
                granted_at=now,
                absence=absence,
                # The walk-in whose turn passed them over: voiding it (reception_void) takes the slot back.
                earned_by=reception,
                status=PrioritySlot.Status(skip.earned_slot_status),
            )
    return events


def _assign_walk_in(
    site: Site,
    now: dt.datetime,
    snapshot: DeskSnapshot,
    decision: rules.TurnDecision,
    reception: Reception,
) -> list[RotaEvent]:
    """Apply a TurnDecision to a reception: start it, move the cursor or spend the slot, record why."""
    reception.salesperson_id = decision.salesperson_id
    reception.status = Reception.Status.ACTIVE
    reception.started_at = now
    reception.consumed_turn = decision.assignment == rules.Assignment.ROTA
    if decision.assignment == rules.Assignment.PRIORITY:
        reception.kind = Reception.Kind.PRIORITY
    reception.save()
    events = _record_skips(site, now, snapshot, decision, reception)
    if decision.assignment == rules.Assignment.PRIORITY:
        # next_walk_in names the slot whenever it assigns by priority (REC-ROT-5).
        assert decision.slot_id is not None
        slot = PrioritySlot.objects.select_for_update().get(pk=decision.slot_id)
        slot.status = PrioritySlot.Status.USED
        slot.used_by = reception
        slot.used_at = now
        slot.save(update_fields=["status", "used_by", "used_at"])
        _bump(snapshot.state)
        events.append(
            _unsaved_event(
                site,
                now,
                "priority_used",
                "REC-ROT-5",
                salesperson_id=decision.salesperson_id,
                reception=reception,
                name=snapshot.name(decision.salesperson_id),
            )
        )
    else:
        # A turn by the order always names the rota member who takes it (REC-ROT-1).
        assert decision.member_id is not None
        _take_turn(snapshot.state, decision.member_id, now)
        events.append(
            _unsaved_event(
                site,
                now,
                "turn_taken",
                "REC-ROT-1",
                salesperson_id=decision.salesperson_id,
                reception=reception,
                name=snapshot.name(decision.salesperson_id),
            )
        )
    # One INSERT for the forfeits and the turn: a busy desk passes over several people on every arrival.
    return RotaEvent.objects.bulk_create(events)


def _duty_started(site: Site, now: dt.datetime, snapshot: DeskSnapshot, reception: Reception) -> list[RotaEvent]:
    """Record a duty reception that started (REC-ROT-8), and the priority slot the site's setting grants for it."""
    # Callers start the reception with the salesperson the rules chose for the duty before recording it.
    assert reception.salesperson_id is not None
    events = [
        _event(
            site,
            now,
            "duty_reception",
            "REC-ROT-8",
            salesperson_id=reception.salesperson_id,
            reception=reception,
            name=snapshot.name(reception.salesperson_id),
            owner=snapshot.name(reception.owner_id),
        ),
    ]
    if rule_id := rules.duty_reception_slot(grants_priority=snapshot.settings.duty_reception_grants_priority):
        PrioritySlot.objects.create(
            site=site,
            salesperson_id=reception.salesperson_id,
            rule_id=rule_id,
            status=PrioritySlot.Status.ACTIVE,
            granted_at=now,
            earned_by=reception,
        )
        events.append(
            _event(
                site,
                now,
                "duty_slot",
                rule_id,
                salesperson_id=reception.salesperson_id,
                reception=reception,
                name=snapshot.name(reception.salesperson_id),
            )
        )
    return events


def _refused_salespeople(reception: Reception) -> set[int]:
    """Everyone a reassigned client has refused along the chain of REC-NEW-4c byes: none gets them back."""
    refused: set[int] = set()
    current = reception
    while current.replaces_id is not None:
        current = Reception.objects.only("pk", "salesperson_id", "replaces_id", "kind").get(pk=current.replaces_id)
        if current.status == Reception.Status.BYE and current.salesperson_id:
            refused.add(current.salesperson_id)
    return refused


def _serve_waiting(site: Site, desk: RotaState, now: dt.datetime) -> list[RotaEvent]:
    """Hand waiting clients to whoever is free, oldest first, as the rules decide (REC-ROT-6: nobody forfeits for
    them)."""
    events: list[RotaEvent] = []
    waiting = list(Reception.objects.filter(site=site, status=Reception.Status.WAITING).order_by("arrived_at", "pk"))
    for reception in waiting:
        snapshot = take_snapshot(site, desk, now)
        # A client's refusals are read only where they count: a reassigned client waiting for the rota (REC-NEW-4c).
        reassigned = reception.kind == Reception.Kind.REASSIGNED and not reception.waiting_for_id
        served = rules.serve_waiting_client(
            snapshot.members,
            kind=reception.kind,
            waiting_for_id=reception.waiting_for_id,
            owner_id=reception.owner_id,
            refused=_refused_salespeople(reception) if reassigned else set(),
            **_cursor_args(snapshot),
            # REC-ROT-8: the last normal-turn taker gives a duty reception (see _last_taker_args).
            last_taker_member_id=snapshot.state.last_turn_member_id,
            last_taker_position=snapshot.last_taker_position,
        )
        if served is None:
            continue
        if served.turn is not None:
            events += _assign_walk_in(site, now, snapshot, served.turn, reception)
            events.append(_waiting_served_event(site, now, snapshot, reception, served))
            continue
        reception.salesperson_id = served.salesperson_id
        reception.status = Reception.Status.ACTIVE
        reception.started_at = now
        if served.served == rules.Served.DUTY:
            reception.save(update_fields=["salesperson", "status", "started_at"])
            events += _duty_started(site, now, snapshot, reception)
        else:
            if served.served == rules.Served.OWNER:  # the owner is back: no longer a duty reception (REC-RET-1)
                reception.kind = Reception.Kind.RETURNING
                reception.save(update_fields=["kind", "salesperson", "status", "started_at"])
            else:
                reception.save(update_fields=["salesperson", "status", "started_at"])
            events.append(_waiting_served_event(site, now, snapshot, reception, served))
        _bump(desk)
    return events


def _waiting_served_event(
    site: Site, now: dt.datetime, snapshot: DeskSnapshot, reception: Reception, served: rules.WaitingServed
) -> RotaEvent:
    return _event(
        site,
        now,
        "waiting_served",
        served.rule_ids[0],
        salesperson_id=served.salesperson_id,
        reception=reception,
        name=snapshot.name(served.salesperson_id),
    )
