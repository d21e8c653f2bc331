"""Clients arriving at the desk and leaving it: walk-ins, designated and returning clients, end, void, left."""

import datetime as dt

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from attribution.selectors import client_attribution, client_by_phone
from salesoffice.access import (
    require_site_perm,
)
from salesoffice.idempotency import fingerprint
from salesoffice.models import Site, display_name
from salesoffice.phones import normalise_phone

from .. import rules
from ..models import (
    PrioritySlot,
    Reception,
    RotaEvent,
    RotaMember,
    RotaState,
)
from .desk import (
    DeskError,
    DeskResult,
    DeskSnapshot,
    _bump,
    _cursor_args,
    _event,
    _existing,
    _is_site_supervisor,
    _last_taker_args,
    _lock_desk,
    _refuse,
    desk_settings_for,
    take_snapshot,
)
from .turns import _assign_walk_in, _duty_started, _serve_waiting


def walk_in_arrive(
    *,
    site: Site,
    actor: User,
    request_key: str,
    now: dt.datetime,
    client_label: str = "",
    introduced_by_old_client: bool = False,
) -> DeskResult:
    """A new walk-in: the rota decides who receives them (REC-ROT-1..6, REC-DES-4)."""
    require_site_perm(actor, site, "reception.operate_desk", _("Only front-desk staff of this site may do this."))
    request_fingerprint = fingerprint(
        {"arrival": "walk_in", "client_label": client_label, "introduced_by_old_client": introduced_by_old_client}
    )
    with transaction.atomic():
        desk = _lock_desk(site)
        if existing := _existing(site, request_key, request_fingerprint):
            return DeskResult(existing, duplicate=True)
        snapshot = take_snapshot(site, desk, now)
        try:
            decision = rules.next_walk_in(snapshot.members, **_cursor_args(snapshot))
        except rules.NobodyOnDuty as exc:
            raise DeskError(rules.nobody_on_duty_refusal().message) from exc
        reception = Reception(
            site=site,
            kind=Reception.Kind.ROTA,
            status=Reception.Status.WAITING,
            arrived_at=now,
            client_label=client_label,
            request_key=request_key,
            request_fingerprint=request_fingerprint,
            created_by=actor,
        )
        if decision.assignment == rules.Assignment.WAIT:
            reception.save()
            _bump(desk)
            event = _event(site, now, "client_waiting", "REC-ROT-6", actor=actor, reception=reception)
            return DeskResult(reception, [event])
        events = _assign_walk_in(site, now, snapshot, decision, reception)
        if rule_id := rules.introduction_noted(introduced_by_old_client=introduced_by_old_client):
            events.append(_event(site, now, "old_client_intro_new", rule_id, reception=reception))
        return DeskResult(reception, events)


def designated_arrive(
    *,
    site: Site,
    actor: User,
    request_key: str,
    now: dt.datetime,
    salesperson: User,
    client_label: str = "",
    introduced_by_old_client: bool = False,
) -> DeskResult:
    """A new client names a salesperson before substantive reception (REC-DES-1): not a rota turn.

    When an old client of that salesperson introduced the new one (ATT-REF-OLD a/b) and the salesperson is away,
    the last in the rota gives a duty reception and the client stays theirs, as for a returning client
    (REC-RET-2, REC-ROT-8)."""
    _require_designating(site=site, actor=actor, salesperson=salesperson)
    request_fingerprint = fingerprint(
        {
            "arrival": "designated",
            "salesperson": salesperson.pk,
            "client_label": client_label,
            "introduced_by_old_client": introduced_by_old_client,
        }
    )
    with transaction.atomic():
        desk = _lock_desk(site)
        if existing := _existing(site, request_key, request_fingerprint):
            return DeskResult(existing, duplicate=True)
        snapshot = take_snapshot(site, desk, now)
        state = snapshot.state_of(salesperson.pk)
        arrival = rules.designated_arrival(
            availability=state.availability if state else None,
            introduced_by_old_client=introduced_by_old_client,
            name=display_name(salesperson),
        )
        _refuse(arrival.refusal)
        if arrival.how == rules.Designated.DUTY:
            return _introduced_client_duty(
                site, desk, snapshot, salesperson, client_label, actor, now, request_key, request_fingerprint
            )
        reception = Reception(
            site=site,
            kind=Reception.Kind.DESIGNATED,
            arrived_at=now,
            client_label=client_label,
            request_key=request_key,
            request_fingerprint=request_fingerprint,
            created_by=actor,
        )
        event = _start_designated(
            site, desk, now, snapshot, reception, salesperson, waits=arrival.how == rules.Designated.WAIT, actor=actor
        )
        return DeskResult(reception, [event])


def _require_designating(*, site: Site, actor: User, salesperson: User) -> None:
    """Front-desk staff record a designated arrival, but a salesperson never for a client asking for themselves,
    unless they are the site supervisor (REC-ROT-1 over REC-DES-1): a 403, as for any act they may not do."""
    require_site_perm(actor, site, "reception.operate_desk", _("Only front-desk staff of this site may do this."))
    _refuse(
        rules.self_designation_refusal(
            actor_id=actor.pk,
            named_id=salesperson.pk,
            # Read only when it matters: the actor names themselves.
            actor_is_supervisor=actor.pk == salesperson.pk and _is_site_supervisor(actor, site),
            name=display_name(salesperson),
        ),
        permission=True,
    )


def _start_designated(
    site: Site,
    desk: RotaState,
    now: dt.datetime,
    snapshot: DeskSnapshot,
    reception: Reception,
    salesperson: User,
    *,
    waits: bool,
    actor: User,
) -> RotaEvent:
    """Record a designated client with the salesperson they named, or waiting for them (REC-DES-1)."""
    if waits:
        reception.status = Reception.Status.WAITING
        reception.waiting_for = salesperson
    else:
        reception.status = Reception.Status.ACTIVE
        reception.salesperson = salesperson
        reception.started_at = now
    reception.save()
    _bump(desk)
    return _event(
        site,
        now,
        "designated_wait" if waits else "designated",
        "REC-DES-1",
        salesperson_id=salesperson.pk,
        actor=actor,
        reception=reception,
        name=snapshot.name(salesperson.pk),
        by=display_name(actor),
    )


def _introduced_client_duty(
    site: Site,
    desk: RotaState,
    snapshot: DeskSnapshot,
    salesperson: User,
    client_label: str,
    actor: User,
    now: dt.datetime,
    request_key: str,
    request_fingerprint: str,
) -> DeskResult:
    """ATT-REF-OLD a/b with the old client's salesperson away: a duty reception by the last in the rota."""
    routing = rules.route_returning_client(snapshot.members, owner_id=salesperson.pk, **_last_taker_args(snapshot))
    reception = Reception(
        site=site,
        kind=Reception.Kind.DUTY,
        arrived_at=now,
        client_label=client_label,
        owner=salesperson,
        request_key=request_key,
        request_fingerprint=request_fingerprint,
        created_by=actor,
    )
    if routing.kind == "duty":
        reception.status = Reception.Status.ACTIVE
        reception.salesperson_id = routing.salesperson_id
        reception.started_at = now
        reception.save()
        events = _duty_started(site, now, snapshot, reception)
    else:
        reception.status = Reception.Status.WAITING
        reception.save()
        events = [_event(site, now, "duty_wait", "REC-RET-2", reception=reception, owner=snapshot.name(salesperson.pk))]
    _bump(desk)
    return DeskResult(reception, events)


def returning_arrive(
    *,
    site: Site,
    actor: User,
    request_key: str,
    now: dt.datetime,
    phone: str,
    party_new_clients: int = 0,
) -> DeskResult:
    """A client who has been before goes to the owner on the register (REC-NEW-1, REC-RET-1/2, REC-ROT-9)."""
    require_site_perm(actor, site, "reception.operate_desk", _("Only front-desk staff of this site may do this."))
    normalised = normalise_phone(phone)
    request_fingerprint = fingerprint(
        {"arrival": "returning", "phone": normalised, "party_new_clients": party_new_clients}
    )
    with transaction.atomic():
        desk = _lock_desk(site)
        if existing := _existing(site, request_key, request_fingerprint):
            return DeskResult(existing, duplicate=True)
        client = client_by_phone(normalised_phone=normalised)
        # The register decides, after recognitions and introductions: the salesperson who now follows the
        # client up is the one the client goes to (REC-RET-1, REC-NEW-2c).
        attribution = client_attribution(client=client, site=site, now=now) if client else None
        owner_id = attribution.follow_up_id if attribution else None
        _refuse(rules.returning_client_refusal(owner_id=owner_id))
        # Past the refusal the register named an owner, which it does only for a client it found (REC-NEW-1).
        assert client is not None and owner_id is not None
        snapshot = take_snapshot(site, desk, now)
        routing = rules.route_returning_client(snapshot.members, owner_id=owner_id, **_last_taker_args(snapshot))
        reception = Reception(
            site=site,
            kind=Reception.Kind.DUTY if routing.is_duty else Reception.Kind.RETURNING,
            arrived_at=now,
            client=client,
            client_label=client.name,
            owner_id=owner_id,
            party_new_clients=party_new_clients,
            request_key=request_key,
            request_fingerprint=request_fingerprint,
            created_by=actor,
        )
        events = _start_returning(
            site, now, snapshot, routing, reception, owner_name=snapshot.name(owner_id) or _("the owner")
        )
        if rule_id := rules.party_noted(party_new_clients=party_new_clients):
            events.append(
                _event(site, now, "one_reception_party", rule_id, reception=reception, count=party_new_clients)
            )
        _bump(desk)
        return DeskResult(reception, events)


def _start_returning(
    site: Site,
    now: dt.datetime,
    snapshot: DeskSnapshot,
    routing: rules.OwnerRouting,
    reception: Reception,
    *,
    owner_name: str,
) -> list[RotaEvent]:
    """Record a returning client's reception where the rules routed it (REC-RET-1, REC-RET-2, REC-ROT-8)."""
    if routing.waits:
        reception.status = Reception.Status.WAITING
        if not routing.is_duty:
            reception.waiting_for_id = routing.salesperson_id
    else:
        reception.status = Reception.Status.ACTIVE
        reception.salesperson_id = routing.salesperson_id
        reception.started_at = now
    reception.save()
    if routing.is_duty:
        if routing.waits:
            return [_event(site, now, "duty_wait", "REC-RET-2", reception=reception, owner=owner_name)]
        return _duty_started(site, now, snapshot, reception)
    return [
        _event(
            site,
            now,
            "returning_wait" if routing.waits else "returning_owner",
            "REC-RET-1",
            salesperson_id=routing.salesperson_id,
            reception=reception,
            name=owner_name,
            client=reception.client_label,
        )
    ]


def reception_end(*, reception: Reception, actor: User, now: dt.datetime) -> DeskResult:
    """The client is seen out; the salesperson is free again and takes any waiting client."""
    require_site_perm(
        actor, reception.site, "reception.operate_desk", _("Only front-desk staff of this site may do this.")
    )
    site = reception.site
    with transaction.atomic():
        desk = _lock_desk(site)
        # With its salesperson, who is named in the event below (of=self: the salesperson's row is not locked).
        reception = Reception.objects.select_for_update(of=("self",)).select_related("salesperson").get(pk=reception.pk)
        if reception.status != Reception.Status.ACTIVE:
            # A second press of "reception ended" finds it ended already and changes nothing.
            return DeskResult(reception, duplicate=True)
        reception.status = Reception.Status.ENDED
        reception.ended_at = now
        reception.save(update_fields=["status", "ended_at"])
        _bump(desk)
        events = [
            _event(
                site,
                now,
                "reception_ended",
                "REC-NEW-5",  # seeing the client out (REC-ROT-6 is about being busy, not about ending)
                salesperson_id=reception.salesperson_id,
                actor=actor,
                reception=reception,
                name=display_name(reception.salesperson),
            )
        ]
        events += _serve_waiting(site, desk, now)
        return DeskResult(reception, events)


def reception_void(*, reception: Reception, reason: str, actor: User, now: dt.datetime) -> DeskResult:
    """The site supervisor voids a reception recorded by mistake, within the site's window: the rota returns to
    where it was (the order's cursor, a priority slot it used, slots its forfeits earned), the salesperson is free
    again, and the void is in the decisions log with its reason."""
    site = reception.site
    require_site_perm(actor, site, "reception.operate_desk", _("Only front-desk staff of this site may do this."))
    with transaction.atomic():
        desk = _lock_desk(site)
        reception = Reception.objects.select_for_update(of=("self",)).select_related("salesperson").get(pk=reception.pk)
        turns = _standing_turns(site)
        earned = PrioritySlot.objects.select_for_update().filter(earned_by=reception)
        settings = desk_settings_for(site)
        actor_is_supervisor = _is_site_supervisor(actor, site)
        _refuse(
            rules.void_refusal(
                actor_is_supervisor=actor_is_supervisor,
                reason=reason,
                status=reception.status,
                arrived_at=reception.arrived_at,
                now=now,
                window=dt.timedelta(minutes=settings.void_window_minutes),
                later_turn_taken=rules.later_turn_taken(
                    consumed_turn=reception.consumed_turn,
                    latest_turn_reception_id=turns[0][0] if turns else None,
                    reception_id=reception.pk,
                ),
                earned_slot_used=earned.filter(status=PrioritySlot.Status.USED).exists(),
                continues_another=reception.replaces_id is not None,
            ),
            permission=not actor_is_supervisor,
        )
        was_active = reception.status == Reception.Status.ACTIVE
        reception.status = Reception.Status.VOIDED
        reception.ended_at = now
        reception.save(update_fields=["status", "ended_at"])
        slot_restored, slots_taken_back = _rota_restored(site, desk, reception, turns, earned)
        _bump(desk)
        events = [
            _event(
                site,
                now,
                "reception_voided",
                "REC-ROT-1",
                salesperson_id=reception.salesperson_id,
                actor=actor,
                reception=reception,
                name=display_name(reception.salesperson) if reception.salesperson else "",
                by=display_name(actor),
                reason=reason.strip(),
                turn_returned=reception.consumed_turn,
                slot_returned=bool(slot_restored),
                slots_taken_back=slots_taken_back,
            )
        ]
        if was_active:
            events += _serve_waiting(site, desk, now)
        return DeskResult(reception, events)


def _standing_turns(site: Site) -> list[tuple[int, int, dt.datetime]]:
    """The two latest normal turns still standing, latest first: a reception's turn can be taken back only while it
    is the latest, and the one before it is where the order returns to."""
    return list(
        RotaEvent.objects.filter(site=site, kind="turn_taken")
        .exclude(reception__status=Reception.Status.VOIDED)
        .order_by("-at", "-pk")
        .values_list("reception_id", "salesperson_id", "at")[:2]
    )


def _rota_restored(
    site: Site,
    desk: RotaState,
    reception: Reception,
    turns: list[tuple[int, int, dt.datetime]],
    earned: QuerySet[PrioritySlot],
) -> tuple[int, int]:
    """Put the rota back to where it was before a voided reception (REC-ROT-1): the cursor to the turn before it,
    the priority slot it used held again, the slots its forfeits earned taken back. `turns`: the two latest normal
    turns still standing. Returns how many slots were restored and taken back."""
    if reception.consumed_turn:
        previous = turns[1] if len(turns) > 1 else None
        desk.last_turn_member = (
            RotaMember.objects.filter(site=site, salesperson_id=previous[1]).first() if previous else None
        )
        desk.last_turn_at = previous[2] if previous else None
        desk.save(update_fields=["last_turn_member", "last_turn_at"])
    slot_restored = PrioritySlot.objects.filter(used_by=reception).update(
        status=PrioritySlot.Status.ACTIVE, used_by=None, used_at=None
    )
    slots_taken_back = earned.exclude(status=PrioritySlot.Status.CANCELLED).update(status=PrioritySlot.Status.CANCELLED)
    return slot_restored, slots_taken_back


def reception_left(*, reception: Reception, actor: User, now: dt.datetime) -> DeskResult:
    """A waiting client left without being served: nobody is handed them any more (REC-ROT-6)."""
    site = reception.site
    require_site_perm(actor, site, "reception.operate_desk", _("Only front-desk staff of this site may do this."))
    with transaction.atomic():
        desk = _lock_desk(site)
        reception = Reception.objects.select_for_update().get(pk=reception.pk)
        if reception.status == Reception.Status.LEFT:
            return DeskResult(reception, duplicate=True)  # a second press finds them gone already
        _refuse(rules.leave_refusal(status=reception.status))
        reception.status = Reception.Status.LEFT
        reception.ended_at = now
        reception.save(update_fields=["status", "ended_at"])
        _bump(desk)
        waited = int((now - reception.arrived_at).total_seconds() // 60)
        event = _event(
            site,
            now,
            "client_left",
            "REC-ROT-6",
            actor=actor,
            reception=reception,
            client=reception.client_label,
            minutes=waited,
            by=display_name(actor),
        )
        return DeskResult(reception, [event])
