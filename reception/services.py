"""State changes of the reception desk. Each takes `now`, runs atomically under the site's desk lock, asks
`reception.rules` for the decision and records it as RotaEvents that carry the clause."""

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils.translation import gettext as _

from attribution.selectors import client_attribution, client_by_phone
from attribution.services import desk_decision_recorded
from salesoffice.access import (
    acts_as_on_site,
    is_site_project_manager,
    require_site_perm,
)
from salesoffice.idempotency import KeyReused, fingerprint
from salesoffice.models import NAME_FIELDS, Notification, Site, SiteMembership, display_name, display_name_of
from salesoffice.notifications import notify
from salesoffice.outbox import task_enqueue
from salesoffice.phones import normalise_phone
from salesoffice.roles import Role
from salesoffice.timeutil import local_day, start_of_day

from . import rules
from .models import (
    Absence,
    ChangeRequest,
    DeskSettings,
    DutyAssignment,
    PhoneInquiry,
    PrioritySlot,
    ReadinessCheck,
    Reception,
    RotaEvent,
    RotaMember,
    RotaState,
    Violation,
)
from .rules import Availability, MemberState


class DeskError(ValidationError):
    """A desk action the rules refuse; the message says why and which clause."""


class DeskKeyReused(DeskError, KeyReused):
    """A desk form's request key sent again with other content (salesoffice.idempotency): nothing is recorded."""


@dataclass
class DeskSnapshot:
    state: RotaState
    settings: DeskSettings
    members: list[MemberState]
    names: dict[int, str]
    last_turn_position: int | None
    # Where the most recent normal-turn taker stands, even when today's order restarted from the top.
    last_taker_position: int | None = None

    def name(self, salesperson_id: int | None) -> str:
        return self.names.get(salesperson_id, "") if salesperson_id else ""

    def state_of(self, salesperson_id: int) -> MemberState | None:
        return next((m for m in self.members if m.salesperson_id == salesperson_id), None)


@dataclass
class DeskResult:
    reception: Reception | None
    events: list[RotaEvent] = field(default_factory=list)
    duplicate: bool = False


def desk_settings_for(site: Site) -> DeskSettings:
    settings, _created = DeskSettings.objects.get_or_create(site=site)
    return settings


def rota_state_for(site: Site) -> RotaState:
    # Bare, as _lock_desk: take_snapshot finds the last taker among the rota it reads anyway.
    state = RotaState.objects.filter(site=site).first()
    if state is None:
        state, _created = RotaState.objects.get_or_create(site=site)
    return state


def _is_site_supervisor(actor: AbstractBaseUser, site: Site) -> bool:
    return acts_as_on_site(actor, site, Role.SITE_SUPERVISOR)


def _refuse(refusal: rules.Refusal | None, *, permission: bool = False) -> None:
    """Raise the rules' refusal: PermissionDenied when it is about who acts (a 403 in the views)."""
    if refusal is None:
        return
    raise (PermissionDenied if permission else DeskError)(refusal.message)


def require_own_presence(*, site: Site, salesperson: AbstractBaseUser, actor: AbstractBaseUser) -> None:
    """Only the person themselves or the site supervisor changes their presence at the post (REC-ROT-4)."""
    _refuse(
        rules.presence_change_refusal(
            actor_id=actor.pk,
            salesperson_id=salesperson.pk,
            actor_is_supervisor=actor.pk != salesperson.pk and _is_site_supervisor(actor, site),
            name=display_name(salesperson),
        ),
        permission=True,
    )


def _lock_desk(site: Site) -> RotaState:
    # Every rota decision of a site queues on this row, so two terminals never hand out the same turn.
    # The row is locked bare, without select_related: when SELECT ... FOR UPDATE has to wait, PostgreSQL
    # re-reads only the locked row, so a joined last taker came back as it was before the wait. Under
    # contention the cursor then fell back to the top of the order and recorded spurious forfeits of everyone
    # already busy. The last taker is read lazily (take_snapshot), after the lock is held, so it is current.
    state = RotaState.objects.select_for_update().filter(site=site).first()
    if state is None:
        RotaState.objects.get_or_create(site=site)
        state = RotaState.objects.select_for_update().get(site=site)
    return state


def _desk_facts(site: Site, today: dt.date, now: dt.datetime) -> tuple:
    """Who is on duty today, whose latest readiness check passed, who is away (reason, approval, whether the
    absence already earned a slot), who is busy, and the active priority slots (oldest first) of each.

    Plain SQL: every board render and every desk action reads these, and building the five querysets cost
    Python three times what running them did (about 1.5 ms of the desk's CPU each time, measured). The
    statements are the ones the ORM wrote, on the same indexes.
    """
    ops = connection.ops
    day, instant = ops.adapt_datefield_value(today), ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT salesperson_id FROM {DutyAssignment._meta.db_table} WHERE site_id = %s AND day = %s",
            [site.pk, day],
        )
        on_duty = {salesperson_id for (salesperson_id,) in cursor.fetchall()}
        # In time order, so the last check of each person is the one that counts.
        cursor.execute(
            f"SELECT salesperson_id, uniform_ok AND materials_ok AND sales_info_ok FROM {ReadinessCheck._meta.db_table}"
            " WHERE site_id = %s AND day = %s AND checked_at <= %s ORDER BY checked_at, id",
            [site.pk, day, instant],
        )
        latest_check = {salesperson_id: bool(passed) for salesperson_id, passed in cursor.fetchall()}
        cursor.execute(
            f"SELECT a.salesperson_id, a.reason, a.approval,"
            # A slot taken back (a voided walk-in, a rejected absence) was never earned.
            f" EXISTS (SELECT 1 FROM {PrioritySlot._meta.db_table} s WHERE s.absence_id = a.id AND s.status <> %s)"
            f" FROM {Absence._meta.db_table} a WHERE a.site_id = %s AND a.ended_at IS NULL",
            [PrioritySlot.Status.CANCELLED.value, site.pk],
        )
        absences = {
            salesperson_id: {"reason": reason, "approval": approval, "has_slot": bool(has_slot)}
            for salesperson_id, reason, approval, has_slot in cursor.fetchall()
        }
        cursor.execute(
            f"SELECT salesperson_id FROM {Reception._meta.db_table} WHERE site_id = %s AND status = %s",
            [site.pk, Reception.Status.ACTIVE.value],
        )
        busy = {salesperson_id for (salesperson_id,) in cursor.fetchall()}
        cursor.execute(
            f"SELECT salesperson_id, id FROM {PrioritySlot._meta.db_table} WHERE site_id = %s AND status = %s"
            " ORDER BY granted_at, id",
            [site.pk, PrioritySlot.Status.ACTIVE.value],
        )
        slots: dict[int, list[int]] = {}
        for salesperson_id, slot_id in cursor.fetchall():
            slots.setdefault(salesperson_id, []).append(slot_id)
    return on_duty, latest_check, absences, busy, slots


def take_snapshot(
    site: Site, desk: RotaState, now: dt.datetime, *, settings: DeskSettings | None = None
) -> DeskSnapshot:
    """The desk as the rules see it at `now`: a fixed number of queries, whatever the history holds. `settings`,
    when given, are the site's desk settings read in this request (the board reads them with the site)."""
    zone = site.zone
    today = local_day(now, zone)
    settings = settings or desk_settings_for(site)
    rota = list(
        RotaMember.objects.filter(site=site, active=True)
        .order_by("position")
        .values_list("pk", "salesperson_id", "position", *(f"salesperson__{f}" for f in NAME_FIELDS))
    )
    on_duty, latest_check, absences, busy, slots = _desk_facts(site, today, now)

    members: list[MemberState] = []
    names: dict[int, str] = {}
    for member_id, sp, position, *name in rota:
        names[sp] = display_name_of(*name)
        absence = absences.get(sp)
        if sp not in on_duty:
            availability = Availability.OFF_DUTY
        elif sp in busy:
            availability = Availability.BUSY
        elif absence is not None:
            extra_work = absence["reason"] == Absence.Reason.EXTRA_WORK
            if extra_work and absence["approval"] == Absence.Approval.APPROVED:
                availability = Availability.AWAY_EXCUSED
            elif extra_work and absence["approval"] == Absence.Approval.PENDING:
                availability = Availability.AWAY_PENDING
            else:
                availability = Availability.AWAY
        elif not latest_check.get(sp, False):
            availability = Availability.NOT_READY
        else:
            availability = Availability.AVAILABLE
        members.append(
            MemberState(
                member_id=member_id,
                salesperson_id=sp,
                position=position,
                availability=availability,
                active_slot_ids=tuple(slots.get(sp, ())),
                absence_has_slot=bool(absence and absence["has_slot"]),
                readiness=("unchecked" if sp not in latest_check else ("passed" if latest_check[sp] else "failed")),
            )
        )
    # The last taker is nearly always in today's rota, already read; otherwise (left the rota) one query.
    last_member_position = {m.member_id: m.position for m in members}.get(desk.last_turn_member_id)
    if last_member_position is None and desk.last_turn_member_id:
        last_member_position = RotaMember.objects.values_list("position", flat=True).get(pk=desk.last_turn_member_id)
    last_position = rules.cursor_position(
        last_turn_position=last_member_position,
        last_turn_at=desk.last_turn_at,
        today_starts_at=start_of_day(today, zone),
        carry_over=settings.carry_over_order,
    )
    return DeskSnapshot(
        state=desk,
        settings=settings,
        members=members,
        names=names,
        last_turn_position=last_position,
        last_taker_position=last_member_position,
    )


def _cursor_args(snapshot: DeskSnapshot) -> dict:
    last = snapshot.state.last_turn_member_id if snapshot.last_turn_position is not None else None
    return {"last_turn_member_id": last, "last_turn_position": snapshot.last_turn_position}


def _last_taker_args(snapshot: DeskSnapshot) -> dict:
    """REC-ROT-8: "the last in the rota" is whoever most recently took a normal turn, also on a day whose order
    restarted from the top (REC-ROT-2 setting) and has had no turn yet."""
    return {
        "last_turn_member_id": snapshot.state.last_turn_member_id,
        "last_turn_position": snapshot.last_taker_position,
    }


def _unsaved_event(
    site: Site,
    now: dt.datetime,
    kind: str,
    rule_id: str,
    *,
    salesperson_id: int | None = None,
    actor: AbstractBaseUser | None = None,
    reception: Reception | None = None,
    **params,
) -> RotaEvent:
    return RotaEvent(
        site=site,
        at=now,
        kind=kind,
        rule_id=rule_id,
        salesperson_id=salesperson_id,
        actor=actor,
        reception=reception,
        params=params,
    )


def _event(*args, **kwargs) -> RotaEvent:
    """A RotaEvent saved at once; the arguments are those of _unsaved_event."""
    event = _unsaved_event(*args, **kwargs)
    event.save()
    return event


def _bump(desk: RotaState, *extra_fields: str) -> None:
    desk.version += 1
    desk.save(update_fields=["version", *extra_fields])


def _take_turn(desk: RotaState, member_id: int, now: dt.datetime) -> None:
    desk.last_turn_member_id = member_id
    desk.last_turn_at = now
    _bump(desk, "last_turn_member", "last_turn_at")


def _existing(site: Site, request_key: str, request_fingerprint: str) -> Reception | None:
    """The reception this very request recorded already (a double click, a retry), if any. The same key with other
    content is another request reusing a form's key: refused, never answered with the first reception."""
    existing = Reception.objects.filter(site=site, request_key=request_key).first()
    # Receptions recorded before fingerprints were kept have none: a retry of those replays as it always did.
    if existing is not None and existing.request_fingerprint and existing.request_fingerprint != request_fingerprint:
        raise DeskKeyReused(
            {
                "request_key": _(
                    "This form was already sent with other entries (reception #%(id)s): nothing was recorded. "
                    "Check the entries and send the form again."
                )
                % {"id": existing.pk}
            }
        )
    return existing


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
        if skip.outcome in (rules.Outcome.SLOT_KEPT, rules.Outcome.SLOT_PENDING):
            absence = Absence.objects.get(site=site, salesperson_id=skip.salesperson_id, ended_at__isnull=True)
            PrioritySlot.objects.create(
                site=site,
                salesperson_id=skip.salesperson_id,
                rule_id="REC-ROT-5",
                granted_at=now,
                absence=absence,
                # The walk-in whose turn passed them over: voiding it (reception_void) takes the slot back.
                earned_by=reception,
                status=(
                    PrioritySlot.Status.ACTIVE
                    if skip.outcome == rules.Outcome.SLOT_KEPT
                    else PrioritySlot.Status.PENDING
                ),
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


def walk_in_arrive(
    *,
    site: Site,
    actor: AbstractBaseUser,
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
            raise DeskError(_("Nobody is on duty today: put salespeople on the roster first (REC-ROT-1).")) from exc
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
        if introduced_by_old_client:
            events.append(_event(site, now, "old_client_intro_new", "REC-DES-4", reception=reception))
        return DeskResult(reception, events)


def designated_arrive(
    *,
    site: Site,
    actor: AbstractBaseUser,
    request_key: str,
    now: dt.datetime,
    salesperson: AbstractBaseUser,
    client_label: str = "",
    introduced_by_old_client: bool = False,
) -> DeskResult:
    """A new client names a salesperson before substantive reception (REC-DES-1): not a rota turn.

    When an old client of that salesperson introduced the new one (ATT-REF-OLD a/b) and the salesperson is away,
    the last in the rota gives a duty reception and the client stays theirs, as for a returning client
    (REC-RET-2, REC-ROT-8)."""
    require_site_perm(actor, site, "reception.operate_desk", _("Only front-desk staff of this site may do this."))
    _refuse(
        rules.self_designation_refusal(
            actor_id=actor.pk,
            named_id=salesperson.pk,
            actor_is_supervisor=actor.pk == salesperson.pk and _is_site_supervisor(actor, site),
            name=display_name(salesperson),
        ),
        permission=True,
    )
    recorded_by = display_name(actor)
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
        if state is None:
            raise DeskError(_("%(name)s is not in this site's rota.") % {"name": display_name(salesperson)})
        if state.availability not in rules.AT_POST:
            if introduced_by_old_client:
                return _introduced_client_duty(
                    site, desk, snapshot, salesperson, client_label, actor, now, request_key, request_fingerprint
                )
            raise DeskError(
                _("%(name)s is not at post: the client may wait for them or be received by the rota (REC-DES-1).")
                % {"name": display_name(salesperson)}
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
        if state.availability == Availability.BUSY:
            reception.status = Reception.Status.WAITING
            reception.waiting_for = salesperson
            reception.save()
            _bump(desk)
            return DeskResult(
                reception,
                [
                    _event(
                        site,
                        now,
                        "designated_wait",
                        "REC-DES-1",
                        salesperson_id=salesperson.pk,
                        actor=actor,
                        reception=reception,
                        name=snapshot.name(salesperson.pk),
                        by=recorded_by,
                    ),
                ],
            )
        reception.status = Reception.Status.ACTIVE
        reception.salesperson = salesperson
        reception.started_at = now
        reception.save()
        _bump(desk)
        return DeskResult(
            reception,
            [
                _event(
                    site,
                    now,
                    "designated",
                    "REC-DES-1",
                    salesperson_id=salesperson.pk,
                    actor=actor,
                    reception=reception,
                    name=snapshot.name(salesperson.pk),
                    by=recorded_by,
                ),
            ],
        )


def _introduced_client_duty(
    site: Site,
    desk: RotaState,
    snapshot: DeskSnapshot,
    salesperson: AbstractBaseUser,
    client_label: str,
    actor: AbstractBaseUser,
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
    actor: AbstractBaseUser,
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
        if owner_id is None:
            raise DeskError(
                _(
                    "No valid registration for this phone on this site: receive the client as new by the rota "
                    "(REC-NEW-2)."
                )
            )
        snapshot = take_snapshot(site, desk, now)
        routing = rules.route_returning_client(snapshot.members, owner_id=owner_id, **_last_taker_args(snapshot))
        owner_name = snapshot.name(owner_id) or _("the owner")
        reception = Reception(
            site=site,
            arrived_at=now,
            client=client,
            client_label=client.name,
            owner_id=owner_id,
            party_new_clients=party_new_clients,
            request_key=request_key,
            request_fingerprint=request_fingerprint,
            created_by=actor,
        )
        events: list[RotaEvent] = []
        if routing.kind == "owner":
            reception.kind = Reception.Kind.RETURNING
            reception.status = Reception.Status.ACTIVE
            reception.salesperson_id = owner_id
            reception.started_at = now
            reception.save()
            events.append(
                _event(
                    site,
                    now,
                    "returning_owner",
                    "REC-RET-1",
                    salesperson_id=owner_id,
                    reception=reception,
                    name=owner_name,
                    client=client.name,
                )
            )
        elif routing.kind == "wait_owner":
            reception.kind = Reception.Kind.RETURNING
            reception.status = Reception.Status.WAITING
            reception.waiting_for_id = owner_id
            reception.save()
            events.append(
                _event(
                    site,
                    now,
                    "returning_wait",
                    "REC-RET-1",
                    salesperson_id=owner_id,
                    reception=reception,
                    name=owner_name,
                    client=client.name,
                )
            )
        elif routing.kind == "duty":
            reception.kind = Reception.Kind.DUTY
            reception.status = Reception.Status.ACTIVE
            reception.salesperson_id = routing.salesperson_id
            reception.started_at = now
            reception.save()
            events += _duty_started(site, now, snapshot, reception)
        else:
            reception.kind = Reception.Kind.DUTY
            reception.status = Reception.Status.WAITING
            reception.save()
            events.append(_event(site, now, "duty_wait", "REC-RET-2", reception=reception, owner=owner_name))
        if party_new_clients:
            events.append(
                _event(site, now, "one_reception_party", "REC-ROT-9", reception=reception, count=party_new_clients)
            )
        _bump(desk)
        return DeskResult(reception, events)


def _duty_started(site: Site, now: dt.datetime, snapshot: DeskSnapshot, reception: Reception) -> list[RotaEvent]:
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
    if snapshot.settings.duty_reception_grants_priority:
        PrioritySlot.objects.create(
            site=site,
            salesperson_id=reception.salesperson_id,
            rule_id="REC-ROT-8",
            status=PrioritySlot.Status.ACTIVE,
            granted_at=now,
            earned_by=reception,
        )
        events.append(
            _event(
                site,
                now,
                "duty_slot",
                "REC-ROT-8",
                salesperson_id=reception.salesperson_id,
                reception=reception,
                name=snapshot.name(reception.salesperson_id),
            )
        )
    return events


WAITING_FOR_RULE = {
    Reception.Kind.RETURNING: "REC-RET-1",
    Reception.Kind.DESIGNATED: "REC-DES-1",
    Reception.Kind.SWITCHED: "REC-DES-2",
    Reception.Kind.DUTY: "REC-DES-3",
}


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
    """Hand waiting clients to whoever is free, oldest first (REC-ROT-6: nobody forfeits for them)."""
    events: list[RotaEvent] = []
    waiting = list(Reception.objects.filter(site=site, status=Reception.Status.WAITING).order_by("arrived_at", "pk"))
    for reception in waiting:
        snapshot = take_snapshot(site, desk, now)
        if reception.waiting_for_id:
            state = snapshot.state_of(reception.waiting_for_id)
            if state is None or state.availability not in (Availability.AVAILABLE, Availability.NOT_READY):
                continue
            reception.salesperson_id = reception.waiting_for_id
            reception.status = Reception.Status.ACTIVE
            reception.started_at = now
            reception.save(update_fields=["salesperson", "status", "started_at"])
            rule = WAITING_FOR_RULE.get(reception.kind, "REC-DES-1")
            events.append(
                _event(
                    site,
                    now,
                    "waiting_served",
                    rule,
                    salesperson_id=reception.salesperson_id,
                    reception=reception,
                    name=snapshot.name(reception.salesperson_id),
                )
            )
            _bump(desk)
        elif reception.kind == Reception.Kind.DUTY:
            # Routed again as on arrival (REC-RET-1/2): an owner back at post before anyone was free to give the
            # duty reception is no longer absent and serves their own client. Before, the client went on waiting
            # for a duty receiver while the owner stood free. A busy owner is waited for, as on arrival.
            routing = rules.route_returning_client(
                snapshot.members, owner_id=reception.owner_id, **_last_taker_args(snapshot)
            )
            if routing.kind not in ("owner", "duty"):
                continue
            reception.salesperson_id = routing.salesperson_id
            reception.status = Reception.Status.ACTIVE
            reception.started_at = now
            if routing.kind == "owner":
                reception.kind = Reception.Kind.RETURNING
                reception.save(update_fields=["kind", "salesperson", "status", "started_at"])
                events.append(
                    _event(
                        site,
                        now,
                        "waiting_served",
                        "REC-RET-1",
                        salesperson_id=reception.salesperson_id,
                        reception=reception,
                        name=snapshot.name(reception.salesperson_id),
                    )
                )
            else:
                reception.save(update_fields=["salesperson", "status", "started_at"])
                events += _duty_started(site, now, snapshot, reception)
            _bump(desk)
        else:
            # REC-NEW-4c: a reassigned client never goes back to the salesperson they refused (who lost every
            # right to them), and goes by the rota order itself, not to a priority-slot holder; without this a
            # waiting replacement was handed straight back to the original once anyone came free.
            reassigned = reception.kind == Reception.Kind.REASSIGNED
            refused = _refused_salespeople(reception) if reassigned else set()
            available = [
                m
                for m in snapshot.members
                if m.availability == Availability.AVAILABLE and m.salesperson_id not in refused
            ]
            if not available:
                continue
            decision = rules.next_walk_in(available, honour_priority=not reassigned, **_cursor_args(snapshot))
            events += _assign_walk_in(site, now, snapshot, decision, reception)
            events.append(
                _event(
                    site,
                    now,
                    "waiting_served",
                    "REC-ROT-6",
                    salesperson_id=decision.salesperson_id,
                    reception=reception,
                    name=snapshot.name(decision.salesperson_id),
                )
            )
    return events


def reception_end(*, reception: Reception, actor: AbstractBaseUser, now: dt.datetime) -> DeskResult:
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


def reception_void(*, reception: Reception, reason: str, actor: AbstractBaseUser, now: dt.datetime) -> DeskResult:
    """The site supervisor voids a reception recorded by mistake, within the site's window: the rota returns to
    where it was (the order's cursor, a priority slot it used, slots its forfeits earned), the salesperson is free
    again, and the void is in the decisions log with its reason."""
    site = reception.site
    require_site_perm(actor, site, "reception.operate_desk", _("Only front-desk staff of this site may do this."))
    with transaction.atomic():
        desk = _lock_desk(site)
        reception = Reception.objects.select_for_update(of=("self",)).select_related("salesperson").get(pk=reception.pk)
        # The normal turns still standing, latest first: this reception's turn can be taken back only while it is
        # the latest, and the one before it is where the order returns to.
        turns = list(
            RotaEvent.objects.filter(site=site, kind="turn_taken")
            .exclude(reception__status=Reception.Status.VOIDED)
            .order_by("-at", "-pk")
            .values_list("reception_id", "salesperson_id", "at")[:2]
        )
        later_turn_taken = reception.consumed_turn and bool(turns) and turns[0][0] != reception.pk
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
                later_turn_taken=later_turn_taken,
                earned_slot_used=earned.filter(status=PrioritySlot.Status.USED).exists(),
                continues_another=reception.replaces_id is not None,
            ),
            permission=not actor_is_supervisor,
        )
        was_active = reception.status == Reception.Status.ACTIVE
        reception.status = Reception.Status.VOIDED
        reception.ended_at = now
        reception.save(update_fields=["status", "ended_at"])
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
        slots_taken_back = earned.exclude(status=PrioritySlot.Status.CANCELLED).update(
            status=PrioritySlot.Status.CANCELLED
        )
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


def reception_left(*, reception: Reception, actor: AbstractBaseUser, now: dt.datetime) -> DeskResult:
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


def absence_start(
    *,
    site: Site,
    salesperson: AbstractBaseUser,
    reason: str,
    detail: str,
    actor: AbstractBaseUser,
    now: dt.datetime,
) -> Absence:
    """The salesperson leaves the post; extra work assigned by a superior waits for the PM (REC-ROT-4/5)."""
    require_site_perm(actor, site, "reception.operate_desk", _("Only front-desk staff of this site may do this."))
    require_own_presence(site=site, salesperson=salesperson, actor=actor)
    with transaction.atomic():
        desk = _lock_desk(site)
        if Reception.objects.filter(site=site, salesperson=salesperson, status=Reception.Status.ACTIVE).exists():
            raise DeskError(
                _("%(name)s is in a reception and cannot break it off (REC-ROT-6).")
                % {"name": display_name(salesperson)}
            )
        if Absence.objects.filter(site=site, salesperson=salesperson, ended_at__isnull=True).exists():
            raise DeskError(_("%(name)s is already away.") % {"name": display_name(salesperson)})
        approval = Absence.Approval.PENDING if reason == Absence.Reason.EXTRA_WORK else Absence.Approval.NOT_NEEDED
        try:
            absence = Absence.objects.create(
                site=site,
                salesperson=salesperson,
                reason=reason,
                detail=detail,
                started_at=now,
                approval=approval,
                recorded_by=actor,
            )
        except IntegrityError as exc:  # the partial unique index: two presses at once
            raise DeskError(_("%(name)s is already away.") % {"name": display_name(salesperson)}) from exc
        _bump(desk)
        if reason == Absence.Reason.EXTRA_WORK:
            # In this transaction: kept if the broker is down (the drain publishes it), dropped if this rolls back.
            task_enqueue("reception.tasks.remind_pending_absence_approvals", now=now)
        rule = "REC-ROT-5" if reason == Absence.Reason.EXTRA_WORK else "REC-ROT-4"
        _event(
            site,
            now,
            f"away_{reason}",
            rule,
            salesperson_id=salesperson.pk,
            actor=actor,
            name=display_name(salesperson),
            detail=detail,
        )
        return absence


def absence_end(*, site: Site, salesperson: AbstractBaseUser, actor: AbstractBaseUser, now: dt.datetime) -> DeskResult:
    """Back at post: the salesperson is eligible again and takes any waiting client (REC-ROT-5, REC-ROT-6)."""
    require_site_perm(actor, site, "reception.operate_desk", _("Only front-desk staff of this site may do this."))
    require_own_presence(site=site, salesperson=salesperson, actor=actor)
    with transaction.atomic():
        desk = _lock_desk(site)
        absence = (
            Absence.objects.select_for_update()
            .filter(site=site, salesperson=salesperson, ended_at__isnull=True)
            .first()
        )
        if absence is None:
            return DeskResult(None, duplicate=True)
        absence.ended_at = now
        absence.save(update_fields=["ended_at"])
        _bump(desk)
        events = [
            _event(
                site,
                now,
                "back_at_post",
                "REC-ROT-4",
                salesperson_id=salesperson.pk,
                actor=actor,
                name=display_name(salesperson),
            )
        ]
        events += _serve_waiting(site, desk, now)
        return DeskResult(None, events)


def absence_decide(*, absence: Absence, approve: bool, actor: AbstractBaseUser, now: dt.datetime) -> Absence:
    """The site's project manager verifies extra work (REC-ROT-5); rejected, any passed turn is forfeit."""
    site = absence.site
    if not is_site_project_manager(actor, site):
        raise PermissionDenied(_("Only this site's project manager may approve an absence (REC-ROT-5)."))
    with transaction.atomic():
        desk = _lock_desk(site)
        absence = Absence.objects.select_for_update().get(pk=absence.pk)
        if absence.approval != Absence.Approval.PENDING:
            raise DeskError(_("This absence has been decided already."))
        absence.approval = Absence.Approval.APPROVED if approve else Absence.Approval.REJECTED
        absence.decided_by = actor
        absence.decided_at = now
        absence.save(update_fields=["approval", "decided_by", "decided_at"])
        pending = PrioritySlot.objects.select_for_update().filter(absence=absence, status=PrioritySlot.Status.PENDING)
        had_pending_slot = pending.exists()
        pending.update(status=PrioritySlot.Status.ACTIVE if approve else PrioritySlot.Status.CANCELLED)
        name = display_name(absence.salesperson)
        if approve:
            _event(
                site,
                now,
                "absence_approved",
                "REC-ROT-5",
                salesperson_id=absence.salesperson_id,
                actor=actor,
                name=name,
                slot=had_pending_slot,
            )
        else:
            _event(
                site,
                now,
                "absence_rejected",
                "REC-ROT-4",
                salesperson_id=absence.salesperson_id,
                actor=actor,
                name=name,
                slot=had_pending_slot,
            )
        _bump(desk)
        _serve_waiting(site, desk, now)
        _close_absence_reminders(absence=absence, now=now)
        return absence


def _close_absence_reminders(*, absence: Absence, now: dt.datetime) -> None:
    """The project managers' "awaits your approval" notes now say how it was decided, and are read: the absence
    no longer waits for anyone. One note per manager of the site."""
    notes = Notification.objects.select_for_update().filter(
        kind="absence_pending", key__startswith=f"absence-pending:{absence.pk}:"
    )
    for note in notes:
        note.params = {**note.params, "decision": absence.approval}
        note.read_at = note.read_at or now
        note.save(update_fields=["params", "read_at"])


def absence_approval_reminders(*, now: dt.datetime) -> int:
    """Notify every project manager of a site about each extra-work absence awaiting their approval (REC-ROT-5).

    Idempotent: one notification per absence and manager, however often it runs.
    """
    pending = Absence.objects.filter(approval=Absence.Approval.PENDING).select_related("site", "salesperson")
    site_ids = {absence.site_id for absence in pending}
    managers = SiteMembership.objects.filter(
        site_id__in=site_ids, user__groups__name=Role.PROJECT_MANAGER.value, user__is_active=True
    ).values_list("site_id", "user_id")
    managers_by_site: dict[int, list[int]] = {}
    for site_id, manager_id in managers:
        managers_by_site.setdefault(site_id, []).append(manager_id)
    made = 0
    for absence in pending:
        for manager_id in managers_by_site.get(absence.site_id, []):
            made += notify(
                recipient_id=manager_id,
                key=f"absence-pending:{absence.pk}:{manager_id}",
                kind="absence_pending",
                rule_id="REC-ROT-5",
                site=absence.site,
                now=now,
                params={"name": display_name(absence.salesperson), "detail": absence.detail, "site": absence.site.name},
                link=reverse("reception:absences", kwargs={"site": absence.site.code}),
            )
    return made


def readiness_record(
    *,
    site: Site,
    salesperson: AbstractBaseUser,
    uniform_ok: bool,
    materials_ok: bool,
    sales_info_ok: bool,
    note: str,
    actor: AbstractBaseUser,
    now: dt.datetime,
) -> ReadinessCheck:
    """The supervisor's morning check (REC-READY-1); failing it removes the person from the turns."""
    require_site_perm(
        actor, site, "reception.check_readiness", _("Only the site supervisor may record readiness checks.")
    )
    with transaction.atomic():
        desk = _lock_desk(site)
        check = ReadinessCheck.objects.create(
            site=site,
            salesperson=salesperson,
            day=local_day(now, site.zone),
            checked_at=now,
            checked_by=actor,
            uniform_ok=uniform_ok,
            materials_ok=materials_ok,
            sales_info_ok=sales_info_ok,
            note=note,
        )
        _event(
            site,
            now,
            "ready" if check.passed else "not_ready",
            "REC-READY-1",
            salesperson_id=salesperson.pk,
            actor=actor,
            name=display_name(salesperson),
        )
        _bump(desk)
        if check.passed:
            _serve_waiting(site, desk, now)
        return check


@dataclass(frozen=True)
class ReadinessResult:
    """One row of the morning check: the salesperson and the three checks (REC-READY-1)."""

    salesperson: AbstractBaseUser
    uniform_ok: bool
    materials_ok: bool
    sales_info_ok: bool
    note: str = ""


def readiness_record_day(
    *, site: Site, results: list[ReadinessResult], actor: AbstractBaseUser, now: dt.datetime
) -> list[ReadinessCheck]:
    """The morning check as one grid (REC-READY-1): every row checked at once, under one lock, for people on today's
    roster only; whoever passes takes a client already waiting."""
    require_site_perm(
        actor, site, "reception.check_readiness", _("Only the site supervisor may record readiness checks.")
    )
    if not results:
        raise DeskError(_("Mark at least one salesperson as checked now (REC-READY-1)."))
    today = local_day(now, site.zone)
    with transaction.atomic():
        desk = _lock_desk(site)
        on_duty = set(DutyAssignment.objects.filter(site=site, day=today).values_list("salesperson_id", flat=True))
        off = [display_name(r.salesperson) for r in results if r.salesperson.pk not in on_duty]
        if off:
            raise DeskError(
                _("%(names)s is not on today's duty roster: only people on duty are checked (REC-READY-1).")
                % {"names": ", ".join(off)}
            )
        checks = ReadinessCheck.objects.bulk_create(
            [
                ReadinessCheck(
                    site=site,
                    salesperson=r.salesperson,
                    day=today,
                    checked_at=now,
                    checked_by=actor,
                    uniform_ok=r.uniform_ok,
                    materials_ok=r.materials_ok,
                    sales_info_ok=r.sales_info_ok,
                    note=r.note,
                )
                for r in results
            ]
        )
        RotaEvent.objects.bulk_create(
            [
                _unsaved_event(
                    site,
                    now,
                    "ready" if check.passed else "not_ready",
                    "REC-READY-1",
                    salesperson_id=check.salesperson.pk,
                    actor=actor,
                    name=display_name(check.salesperson),
                )
                for check in checks
            ]
        )
        _bump(desk)
        if any(check.passed for check in checks):
            _serve_waiting(site, desk, now)
        return checks


def violation_record(
    *,
    site: Site,
    salesperson: AbstractBaseUser,
    clause: str,
    description: str,
    penalty: str,
    penalty_amount,
    occurred_at: dt.datetime,
    actor: AbstractBaseUser,
    now: dt.datetime,
) -> Violation:
    """A breach with its clause, kept with the recording manager and penalty (REC-READY-2, REC-NEW-5)."""
    require_site_perm(
        actor, site, "reception.record_violation", _("Only a manager may record a violation (REC-READY-2).")
    )
    if occurred_at > now:
        raise DeskError({"occurred_at": _("A violation cannot be recorded for a time in the future.")})
    violation = Violation.objects.create(
        site=site,
        salesperson=salesperson,
        clause=clause,
        description=description,
        penalty=penalty,
        penalty_amount=penalty_amount,
        occurred_at=occurred_at,
        recorded_by=actor,
        recorded_at=now,
    )
    rule = clause.split("/")[0]
    _event(
        site,
        now,
        "violation",
        rule,
        salesperson_id=salesperson.pk,
        actor=actor,
        name=display_name(salesperson),
        clause=clause,
    )
    # Its event shows on the board: move the version on so terminals re-render (no desk lock is needed for this).
    RotaState.objects.filter(site=site).update(version=F("version") + 1)
    return violation


def rota_swap(
    *,
    site: Site,
    first: RotaMember,
    second: RotaMember,
    reason: str,
    actor: AbstractBaseUser,
    now: dt.datetime,
) -> None:
    """Swap two places in the order; only the site supervisor may, and the reason is kept (REC-ROT-3)."""
    # REC-ROT-3 says *the site's* supervisor: the permission alone would let a supervisor of another site reorder
    # this site's rota whenever the service is called outside the views (which check the site).
    require_site_perm(
        actor, site, "reception.manage_rota", _("Only the site supervisor may change the rota order (REC-ROT-3).")
    )
    if not reason.strip():
        raise DeskError({"reason": _("Say why the order changes (REC-ROT-3).")})
    with transaction.atomic():
        desk = _lock_desk(site)
        pair = list(RotaMember.objects.select_for_update().filter(site=site, pk__in=[first.pk, second.pk]))
        if len(pair) != 2:
            raise DeskError(_("Choose two different salespeople of this site's rota."))
        a, b = pair
        a.position, b.position = b.position, a.position
        a.save(update_fields=["position"])
        b.save(update_fields=["position"])
        _event(
            site,
            now,
            "rota_swap",
            "REC-ROT-3",
            salesperson_id=a.salesperson_id,
            actor=actor,
            name=display_name(a.salesperson),
            other=display_name(b.salesperson),
            reason=reason,
            by=display_name(actor),
        )
        _bump(desk)


def rota_move(*, member: RotaMember, offset: int, reason: str, actor: AbstractBaseUser, now: dt.datetime) -> None:
    """Move one place up (-1) or down (+1): a swap with the neighbour (REC-ROT-3)."""
    neighbours = RotaMember.objects.filter(site=member.site, active=True)
    neighbour = (
        neighbours.filter(position__lt=member.position).order_by("-position").first()
        if offset < 0
        else neighbours.filter(position__gt=member.position).order_by("position").first()
    )
    if neighbour is None:
        raise DeskError(_("%(name)s cannot move further.") % {"name": display_name(member.salesperson)})
    rota_swap(site=member.site, first=member, second=neighbour, reason=reason, actor=actor, now=now)


def roster_set(
    *,
    site: Site,
    day: dt.date,
    salesperson_ids: set[int],
    actor: AbstractBaseUser,
    now: dt.datetime,
) -> None:
    """Who is on duty on `day`; people taken off keep their place in the order. A past day's roster, or one that
    takes someone off duty while they are with a client, is refused with the reason (REC-ROT-1, REC-ROT-6)."""
    require_site_perm(actor, site, "reception.manage_roster", _("Only the site supervisor may set the duty roster."))
    with transaction.atomic():
        desk = _lock_desk(site)
        allowed = set(RotaMember.objects.filter(site=site, active=True).values_list("salesperson_id", flat=True))
        unknown = salesperson_ids - allowed
        if unknown:
            raise DeskError(_("Only salespeople of this site's rota can be put on duty."))
        current = set(DutyAssignment.objects.filter(site=site, day=day).values_list("salesperson_id", flat=True))
        today = local_day(now, site.zone)
        taken_off_busy = []
        if day == today and current - salesperson_ids:
            taken_off_busy = sorted(
                display_name(reception.salesperson)
                for reception in Reception.objects.filter(
                    site=site, status=Reception.Status.ACTIVE, salesperson_id__in=current - salesperson_ids
                ).select_related("salesperson")
            )
        refusals = rules.roster_refusals(day=day, today=today, taken_off_busy=taken_off_busy)
        if refusals:
            raise DeskError([refusal.message for refusal in refusals])
        DutyAssignment.objects.filter(site=site, day=day, salesperson_id__in=current - salesperson_ids).delete()
        DutyAssignment.objects.bulk_create(
            [
                DutyAssignment(site=site, day=day, salesperson_id=sp, assigned_by=actor)
                for sp in salesperson_ids - current
            ],
            ignore_conflicts=True,
        )
        _event(site, now, "roster_set", "REC-ROT-1", actor=actor, day=day.isoformat(), count=len(salesperson_ids))
        _bump(desk)
        if day == today:
            _serve_waiting(site, desk, now)


def change_request_decide(
    *,
    reception: Reception,
    decision: str,
    note: str,
    grant_priority: bool,
    actor: AbstractBaseUser,
    now: dt.datetime,
    request_key: str,
    requested_salesperson: AbstractBaseUser | None = None,
    instigated: bool = False,
    record_violation: bool = True,
) -> DeskResult:
    """The manager's decision when a client asks for another salesperson mid-reception (REC-NEW-4, REC-DES-2/3).
    On a general fault the manager may record a violation (REC-NEW-4b); `record_violation` says whether they do."""
    site = reception.site
    require_site_perm(
        actor,
        site,
        "reception.decide_change_request",
        _("Only a manager may decide a change of salesperson (REC-NEW-4)."),
    )
    if decision not in ChangeRequest.Decision.values:
        raise DeskError({"decision": _("Choose one of the decisions.")})
    with transaction.atomic():
        desk = _lock_desk(site)
        reception = Reception.objects.select_for_update(of=("self",)).select_related("salesperson").get(pk=reception.pk)
        returning = reception.kind in RETURNING_KINDS
        if reception.status != Reception.Status.ACTIVE:
            raise DeskError(_("Only an ongoing reception can be changed."))
        if returning and decision in (ChangeRequest.Decision.GENERAL_FAULT, ChangeRequest.Decision.REASSIGN):
            raise DeskError(
                {
                    "decision": _(
                        "A returning client stays their owner's: the request is either refused or the named "
                        "salesperson gives a duty reception (REC-DES-3)."
                    )
                }
            )
        if decision == ChangeRequest.Decision.NAMED:
            if not returning and not acts_as_on_site(actor, site, Role.SALES_MANAGER):
                raise DeskError(
                    {
                        "decision": _(
                            "Only the sales manager may give a new client the salesperson they insist on (REC-DES-2)."
                        )
                    }
                )
            _check_named(snapshot=take_snapshot(site, desk, now), reception=reception, named=requested_salesperson)
        original = reception.salesperson
        ChangeRequest.objects.create(
            reception=reception,
            decision=decision,
            note=note,
            decided_by=actor,
            decided_at=now,
            grant_priority=grant_priority and decision == ChangeRequest.Decision.REASSIGN,
            requested_salesperson=requested_salesperson if decision == ChangeRequest.Decision.NAMED else None,
            instigated=instigated and decision == ChangeRequest.Decision.NAMED and not returning,
        )
        name = display_name(original)
        if decision == ChangeRequest.Decision.NOT_AT_FAULT:
            event = _event(
                site,
                now,
                "change_refused",
                "REC-NEW-4",
                salesperson_id=original.pk,
                actor=actor,
                reception=reception,
                name=name,
            )
            _bump(desk)
            return DeskResult(reception, [event])
        if decision == ChangeRequest.Decision.GENERAL_FAULT:
            if record_violation:
                violation_record(
                    site=site,
                    salesperson=original,
                    clause=Violation.Clause.GENERAL_FAULT,
                    description=note or _("General fault on a change request"),
                    penalty="",
                    penalty_amount=None,
                    occurred_at=now,
                    actor=actor,
                    now=now,
                )
            event = _event(
                site,
                now,
                "change_general_fault",
                "REC-NEW-4",
                salesperson_id=original.pk,
                actor=actor,
                reception=reception,
                name=name,
            )
            _bump(desk)
            return DeskResult(reception, [event])
        if decision == ChangeRequest.Decision.NAMED:
            return _switch_to_named(
                site=site,
                desk=desk,
                reception=reception,
                named=requested_salesperson,
                returning=returning,
                actor=actor,
                now=now,
                request_key=request_key,
            )
        # REC-NEW-4c: the client is new again, the original loses every right; their reception is a bye.
        reception.status = Reception.Status.BYE
        reception.ended_at = now
        reception.save(update_fields=["status", "ended_at"])
        events = [
            _event(
                site,
                now,
                "change_bye",
                "REC-NEW-4",
                salesperson_id=original.pk,
                actor=actor,
                reception=reception,
                name=name,
            )
        ]
        snapshot = take_snapshot(site, desk, now)
        replacement = Reception(
            site=site,
            kind=Reception.Kind.REASSIGNED,
            status=Reception.Status.WAITING,
            arrived_at=now,
            client=reception.client,
            client_label=reception.client_label,
            replaces=reception,
            request_key=request_key,
            created_by=actor,
        )
        # A reassignment goes by the rota order itself (REC-NEW-4c), not to a priority-slot holder, and never back
        # to anyone the client has refused along the way.
        refused = _refused_salespeople(replacement)
        candidates = [m for m in snapshot.members if m.salesperson_id not in refused]
        try:
            turn = rules.next_walk_in(candidates, honour_priority=False, **_cursor_args(snapshot))
        except rules.NobodyOnDuty:  # everyone on duty has been refused: the client waits for the manager
            turn = rules.TurnDecision(rules.Assignment.WAIT)
        if turn.assignment == rules.Assignment.WAIT:
            replacement.save()
            events.append(_event(site, now, "client_waiting", "REC-ROT-6", reception=replacement))
        else:
            events += _assign_walk_in(site, now, snapshot, turn, replacement)
        if grant_priority:
            PrioritySlot.objects.create(
                site=site,
                salesperson=original,
                rule_id="REC-NEW-4",
                status=PrioritySlot.Status.ACTIVE,
                granted_at=now,
                earned_by=reception,
            )
            events.append(
                _event(
                    site,
                    now,
                    "change_slot",
                    "REC-NEW-4",
                    salesperson_id=original.pk,
                    actor=actor,
                    reception=reception,
                    name=name,
                )
            )
        _bump(desk)
        # The bye frees the original salesperson: like any salesperson coming free, they take a client already
        # waiting (REC-ROT-6), never the replacement (see _serve_waiting). Without this they sat idle while an
        # earlier client waited, and the next new walk-in jumped the queue.
        events += _serve_waiting(site, desk, now)
        # The register follows by itself (REC-NEW-4c): the client's ownership and deals are read again.
        desk_decision_recorded(site=site, reception_ids=[reception.pk], now=now, actor=actor)
        return DeskResult(replacement, events)


RETURNING_KINDS = (Reception.Kind.RETURNING, Reception.Kind.DUTY)


def _check_named(*, snapshot: DeskSnapshot, reception: Reception, named: AbstractBaseUser | None) -> None:
    if named is None:
        raise DeskError({"requested_salesperson": _("Choose the salesperson the client asks for.")})
    if named.pk == reception.salesperson_id:
        raise DeskError({"requested_salesperson": _("The client is already with this salesperson.")})
    state = snapshot.state_of(named.pk)
    if state is None or state.availability not in rules.AT_POST:
        raise DeskError(
            {
                "requested_salesperson": _("%(name)s is not at post and cannot take the client now.")
                % {"name": display_name(named)}
            }
        )


def _switch_to_named(
    *,
    site: Site,
    desk: RotaState,
    reception: Reception,
    named: AbstractBaseUser,
    returning: bool,
    actor: AbstractBaseUser,
    now: dt.datetime,
    request_key: str,
) -> DeskResult:
    """The manager gives in to a client who insists (REC-DES-2 for a new client, REC-DES-3 for a returning one).

    Neither is a rota turn. The first receiver keeps the claim the commission rules give them (70% or 100%,
    REC-DES-2; all of it to the owner, REC-DES-3); the replacement reception points back at the first.
    """
    reception.status = Reception.Status.ENDED
    reception.ended_at = now
    reception.save(update_fields=["status", "ended_at"])
    snapshot = take_snapshot(site, desk, now)
    busy = snapshot.state_of(named.pk).availability == Availability.BUSY
    replacement = Reception.objects.create(
        site=site,
        kind=Reception.Kind.DUTY if returning else Reception.Kind.SWITCHED,
        status=Reception.Status.WAITING if busy else Reception.Status.ACTIVE,
        salesperson=None if busy else named,
        waiting_for=named if busy else None,
        started_at=None if busy else now,
        owner_id=reception.owner_id or (reception.salesperson_id if returning else None),
        client=reception.client,
        client_label=reception.client_label,
        party_new_clients=reception.party_new_clients,
        arrived_at=now,
        replaces=reception,
        request_key=request_key,
        created_by=actor,
    )
    rule = "REC-DES-3" if returning else "REC-DES-2"
    event = _event(
        site,
        now,
        "switched_to_named_duty" if returning else "switched_to_named",
        rule,
        salesperson_id=named.pk,
        actor=actor,
        reception=replacement,
        name=display_name(named),
        first=display_name(reception.salesperson),
    )
    _bump(desk)
    # The first receiver is free again and takes a client already waiting, as anyone coming free does (REC-ROT-6).
    return DeskResult(replacement, [event, *_serve_waiting(site, desk, now)])


def desk_changed(*, site: Site) -> None:
    """Something the board shows changed outside the desk's own actions (settings or the rota in the admin):
    terminals render the board again instead of being told it is unchanged, or served it from the cache."""
    RotaState.objects.filter(site=site).update(version=F("version") + 1)


def phone_inquiry_log(
    *,
    site: Site,
    actor: AbstractBaseUser,
    now: dt.datetime,
    caller_name: str,
    caller_phone: str,
    new_to_project: bool,
    invited_to_visit: bool,
    notes: str,
) -> PhoneInquiry:
    """Log a call for reference; it never establishes ownership of the caller (REC-NEW-3). The phone is checked
    and kept as typed; a call with neither a valid phone nor a name is refused (DeskError by field)."""
    problems = rules.phone_inquiry_problems(caller_name=caller_name, caller_phone=caller_phone)
    if problems:
        raise DeskError(problems)
    return PhoneInquiry.objects.create(
        site=site,
        taken_by=actor,
        taken_at=now,
        caller_name=caller_name.strip(),
        caller_phone=caller_phone.strip(),
        new_to_project=new_to_project,
        invited_to_visit=invited_to_visit,
        notes=notes,
    )
