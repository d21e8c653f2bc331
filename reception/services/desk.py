"""The desk's ground: its lock, the snapshot the rules read, and how decisions are recorded (RotaEvents)."""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, NoReturn, TypedDict, overload

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import F
from django.utils.translation import gettext as _

from salesoffice.access import (
    acts_as_on_site,
)
from salesoffice.idempotency import KeyReused
from salesoffice.models import NAME_FIELDS, Site, display_name, display_name_of
from salesoffice.roles import Role
from salesoffice.timeutil import local_day, start_of_day

from .. import rules
from ..models import (
    Absence,
    DeskSettings,
    DutyAssignment,
    PrioritySlot,
    ReadinessCheck,
    Reception,
    RotaEvent,
    RotaMember,
    RotaState,
)
from ..rules import MemberState


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


class _OpenAbsence(TypedDict):
    reason: str
    approval: str
    has_slot: bool


class _Cursor(TypedDict):
    """Where the rota's cursor stands, as the turn rules take it (their keyword arguments)."""

    last_turn_member_id: int | None
    last_turn_position: int | None


# On duty, latest readiness check passed (by salesperson), open absences, busy, active slot ids (by salesperson).
_DeskFacts = tuple[set[int], dict[int, bool], dict[int, _OpenAbsence], set[int], dict[int, list[int]]]


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


def _is_site_supervisor(actor: User, site: Site) -> bool:
    return acts_as_on_site(actor, site, Role.SITE_SUPERVISOR)


@overload
def _refuse(refusal: rules.Refusal, *, permission: bool = False) -> NoReturn: ...
@overload
def _refuse(refusal: rules.Refusal | None, *, permission: bool = False) -> None: ...
def _refuse(refusal: rules.Refusal | None, *, permission: bool = False) -> None:
    """Raise the rules' refusal: PermissionDenied when it is about who acts (a 403 in the views). A rule that always
    refuses (its return type is Refusal, not Refusal | None) makes the call never return, which mypy reads."""
    if refusal is None:
        return
    if permission:
        raise PermissionDenied(refusal.message)
    raise DeskError({refusal.field: refusal.message} if refusal.field else refusal.message)


def require_own_presence(*, site: Site, salesperson: User, actor: User) -> None:
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


def _desk_facts(site: Site, today: dt.date, now: dt.datetime) -> _DeskFacts:
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
            salesperson_id: _OpenAbsence(reason=reason, approval=approval, has_slot=bool(has_slot))
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
        readiness_passed = latest_check.get(sp)
        availability = rules.member_availability(
            on_duty=sp in on_duty,
            busy=sp in busy,
            absence_reason=absence["reason"] if absence else None,
            absence_approval=absence["approval"] if absence else None,
            readiness_passed=readiness_passed,
        )
        members.append(
            MemberState(
                member_id=member_id,
                salesperson_id=sp,
                position=position,
                availability=availability,
                active_slot_ids=tuple(slots.get(sp, ())),
                absence_has_slot=bool(absence and absence["has_slot"]),
                readiness=rules.readiness_shown(readiness_passed),
            )
        )
    # The last taker is nearly always in today's rota, already read; otherwise (left the rota) one query.
    last_id = desk.last_turn_member_id
    last_member_position = {m.member_id: m.position for m in members}.get(last_id) if last_id else None
    if last_member_position is None and last_id:
        last_member_position = RotaMember.objects.values_list("position", flat=True).get(pk=last_id)
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


def _cursor_args(snapshot: DeskSnapshot) -> _Cursor:
    last = snapshot.state.last_turn_member_id if snapshot.last_turn_position is not None else None
    return _Cursor(last_turn_member_id=last, last_turn_position=snapshot.last_turn_position)


def _last_taker_args(snapshot: DeskSnapshot) -> _Cursor:
    """REC-ROT-8: "the last in the rota" is whoever most recently took a normal turn, also on a day whose order
    restarted from the top (REC-ROT-2 setting) and has had no turn yet."""
    return _Cursor(
        last_turn_member_id=snapshot.state.last_turn_member_id,
        last_turn_position=snapshot.last_taker_position,
    )


def _unsaved_event(
    site: Site,
    now: dt.datetime,
    kind: str,
    rule_id: str,
    *,
    salesperson_id: int | None = None,
    actor: User | None = None,
    reception: Reception | None = None,
    **params: Any,
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


def _event(
    site: Site,
    now: dt.datetime,
    kind: str,
    rule_id: str,
    *,
    salesperson_id: int | None = None,
    actor: User | None = None,
    reception: Reception | None = None,
    **params: Any,
) -> RotaEvent:
    """A RotaEvent saved at once; the arguments are those of _unsaved_event."""
    event = _unsaved_event(
        site, now, kind, rule_id, salesperson_id=salesperson_id, actor=actor, reception=reception, **params
    )
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


def desk_changed(*, site: Site) -> None:
    """Something the board shows changed outside the desk's own actions (settings or the rota in the admin):
    terminals render the board again instead of being told it is unchanged, or served it from the cache."""
    RotaState.objects.filter(site=site).update(version=F("version") + 1)
