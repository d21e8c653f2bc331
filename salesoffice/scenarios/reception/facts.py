"""The front desk's header sections and facts for scenario files (docs/scenarios.md). Every fact calls the
same service as the desk's view, at the step's instant, as the step's actor."""

import datetime as dt
from decimal import Decimal

from django.db.models import Max

from attribution import services as attribution_services
from attribution.models import Client
from reception import services
from reception.models import Absence, ChangeRequest, DeskSettings, Reception, RotaEvent, RotaMember, Violation
from salesoffice.roles import Role

from ..attribution.common import approver
from ..registry import ScenarioError, before_fact, fact, setup
from ..world import World

# Who does a fact when the step says no `by:`, in order of preference.
DESK = (Role.SITE_SUPERVISOR, Role.SALESPERSON)  # the desk buttons
SUPERVISOR = (Role.SITE_SUPERVISOR,)
MANAGER = (Role.SALES_MANAGER, Role.PROJECT_MANAGER)
PROJECT_MANAGER = (Role.PROJECT_MANAGER,)

DECISIONS = {
    "a": ChangeRequest.Decision.NOT_AT_FAULT,
    "not_at_fault": ChangeRequest.Decision.NOT_AT_FAULT,
    "b": ChangeRequest.Decision.GENERAL_FAULT,
    "general_fault": ChangeRequest.Decision.GENERAL_FAULT,
    "c": ChangeRequest.Decision.REASSIGN,
    "reassign": ChangeRequest.Decision.REASSIGN,
    "d": ChangeRequest.Decision.NAMED,
    "named": ChangeRequest.Decision.NAMED,
}


# --- header sections ---------------------------------------------------------------------------------------------


@setup("desk")
def desk(
    world: World,
    *,
    carry_over: bool = True,
    lunch: str = "12:00-13:30",
    duty_reception_priority: bool = True,
    void_window_minutes: int = 10,
):
    """The site's desk settings: REC-ROT-2 carry-over, REC-ROT-7 lunch hours, REC-ROT-8 duty-reception slot, the
    minutes in which a mis-tapped reception can be voided."""
    try:
        start, end = (dt.time.fromisoformat(part.strip()) for part in str(lunch).split("-"))
    except ValueError as exc:
        raise ScenarioError(f"desk: lunch is two times like 12:00-13:30, not {lunch!r}") from exc
    DeskSettings.objects.update_or_create(
        site=world.site,
        defaults={
            "carry_over_order": bool(carry_over),
            "lunch_start": start,
            "lunch_end": end,
            "duty_reception_grants_priority": bool(duty_reception_priority),
            "void_window_minutes": int(void_window_minutes),
        },
    )


@setup("rota", shorthand="order")
def rota(world: World, *, order: list):
    """The rota order, first to last (REC-ROT-1)."""
    for position, handle in enumerate(order, start=1):
        RotaMember.objects.create(site=world.site, salesperson=world.person(handle), position=position)


@before_fact
def _note_event_log(world: World) -> None:
    # Expectations about "the last fact's events" read the rota events recorded after this mark.
    world.data["rota_events_after"] = RotaEvent.objects.aggregate(last=Max("pk"))["last"] or 0


@fact("roster", shorthand="people", actor=SUPERVISOR)
def roster(world: World, *, people: list, day: str | None = None):
    """Who is on duty on `day` (default: the step's day)."""
    services.roster_set(
        site=world.site,
        day=dt.date.fromisoformat(str(day)) if day else world.now.astimezone(world.zone).date(),
        salesperson_ids={p.pk for p in world.persons(people or [])},
        actor=world.actor(),
        now=world.now,
    )


def _check(world: World, person, *, uniform: bool, materials: bool, sales_info: bool, note: str):
    return services.readiness_record(
        site=world.site,
        salesperson=person,
        uniform_ok=uniform,
        materials_ok=materials,
        sales_info_ok=sales_info,
        note=note,
        actor=world.actor(),
        now=world.now,
    )


@fact("ready", shorthand="people", actor=SUPERVISOR)
def ready(world: World, *, people):
    """Each passes the readiness check (REC-READY-1)."""
    for person in world.persons(people):
        _check(world, person, uniform=True, materials=True, sales_info=True, note="")


@fact("readiness", shorthand="who", actor=SUPERVISOR)
def readiness(
    world: World, *, who, uniform: bool = True, materials: bool = True, sales_info: bool = True, note: str = ""
):
    """A readiness check item by item (REC-READY-1); any false item fails it."""
    for person in world.persons(who):
        _check(world, person, uniform=uniform, materials=materials, sales_info=sales_info, note=note)


@fact("morning_check", actor=SUPERVISOR)
def morning_check(world: World, *, rows: dict):
    """The morning check as one grid, one save (REC-READY-1): `rows: {person: pass}` or `rows: {person: {uniform,
    materials, sales_info, note}}` (each check true unless given false)."""
    results = []
    for handle, row in rows.items():
        row = {} if row in ("pass", True, None) else dict(row)
        unknown = set(row) - {"uniform", "materials", "sales_info", "note"}
        if unknown:
            raise ScenarioError(f"morning_check: unknown {', '.join(sorted(unknown))} for {handle}")
        results.append(
            services.ReadinessResult(
                salesperson=world.person(handle),
                uniform_ok=bool(row.get("uniform", True)),
                materials_ok=bool(row.get("materials", True)),
                sales_info_ok=bool(row.get("sales_info", True)),
                note=str(row.get("note", "")),
            )
        )
    return services.readiness_record_day(site=world.site, results=results, actor=world.actor(), now=world.now)


@fact("walk_in", shorthand="client", actor=DESK)
def walk_in(world: World, *, client: str = "", introduced_by_old_client: bool = False):
    """A new walk-in: the rota decides (REC-ROT-1..6, REC-DES-4)."""
    return services.walk_in_arrive(
        site=world.site,
        actor=world.actor(),
        request_key=world.request_key(),
        now=world.now,
        client_label=str(client),
        introduced_by_old_client=introduced_by_old_client,
    ).reception


@fact("designated", shorthand="salesperson", actor=DESK)
def designated(world: World, *, salesperson, client: str = "", introduced_by_old_client: bool = False):
    """A new client names a salesperson before substantive reception (REC-DES-1); with
    `introduced_by_old_client`, an old client of that salesperson sent them (ATT-REF-OLD a/b)."""
    return services.designated_arrive(
        site=world.site,
        actor=world.actor(),
        request_key=world.request_key(),
        now=world.now,
        salesperson=world.person(salesperson),
        client_label=str(client),
        introduced_by_old_client=introduced_by_old_client,
    ).reception


@fact("returning", shorthand="client", actor=DESK)
def returning(world: World, *, client=None, phone=None, party_new_clients: int = 0):
    """A client who has been before, found by phone on the register (REC-NEW-1, REC-RET-1/2, REC-ROT-9)."""
    if (client is None) == (phone is None):
        raise ScenarioError("returning: give either client: (a name from registered_client) or phone:")
    return services.returning_arrive(
        site=world.site,
        actor=world.actor(),
        request_key=world.request_key(),
        now=world.now,
        phone=str(phone) if phone is not None else world.get(client, Client).phone,
        party_new_clients=party_new_clients,
    ).reception


@fact("end", shorthand="reception", actor=DESK)
def end(world: World, *, reception):
    """The client is seen out."""
    return services.reception_end(
        reception=world.get(reception, Reception), actor=world.actor(), now=world.now
    ).reception


@fact("void", shorthand="reception", actor=SUPERVISOR)
def void(world: World, *, reception, reason: str = "pressed by mistake"):
    """The supervisor voids a reception recorded by mistake, within the site's window: the rota returns."""
    return services.reception_void(
        reception=world.get(reception, Reception), reason=str(reason), actor=world.actor(), now=world.now
    ).reception


@fact("left", shorthand="reception", actor=DESK)
def left(world: World, *, reception):
    """A waiting client left without being served (REC-ROT-6)."""
    return services.reception_left(
        reception=world.get(reception, Reception), actor=world.actor(), now=world.now
    ).reception


@fact("away", shorthand="who", actor=DESK)
def away(world: World, *, who, reason: str = "unexcused", detail: str = ""):
    """The salesperson leaves the post: `unexcused` (REC-ROT-4) or `extra_work` for a superior (REC-ROT-5)."""
    if reason not in Absence.Reason.values:
        raise ScenarioError(f"away: reason is one of {', '.join(Absence.Reason.values)}, not {reason!r}")
    return services.absence_start(
        site=world.site, salesperson=world.person(who), reason=reason, detail=detail, actor=world.actor(), now=world.now
    )


@fact("back", shorthand="who", actor=DESK)
def back(world: World, *, who):
    """Back at post."""
    services.absence_end(site=world.site, salesperson=world.person(who), actor=world.actor(), now=world.now)


@fact("absence_decision", actor=PROJECT_MANAGER)
def absence_decision(world: World, *, who, approved: bool):
    """The project manager approves or rejects the person's latest extra-work absence (REC-ROT-5)."""
    absence = Absence.objects.filter(site=world.site, salesperson=world.person(who)).order_by("-started_at").first()
    if absence is None:
        raise ScenarioError(f"absence_decision: {who} has not been away")
    return services.absence_decide(absence=absence, approve=approved, actor=world.actor(), now=world.now)


@fact("violation", actor=MANAGER)
def violation(
    world: World,
    *,
    who,
    clause: str,
    description: str = "",
    penalty: str = "",
    penalty_amount=None,
    occurred_at=None,
):
    """A breach recorded with its clause, e.g. REC-READY-2/materials (REC-READY-2, REC-NEW-5)."""
    if clause not in Violation.Clause.values:
        raise ScenarioError(f"violation: clause is one of {', '.join(Violation.Clause.values)}, not {clause!r}")
    return services.violation_record(
        site=world.site,
        salesperson=world.person(who),
        clause=clause,
        description=description or clause,
        penalty=penalty,
        penalty_amount=None if penalty_amount is None else Decimal(str(penalty_amount)),
        occurred_at=world.now if occurred_at is None else world.instant(occurred_at),
        actor=world.actor(),
        now=world.now,
    )


def _member(world: World, handle) -> RotaMember:
    member = RotaMember.objects.filter(site=world.site, salesperson=world.person(handle)).first()
    if member is None:
        raise ScenarioError(f"{handle} is not in the rota")
    return member


@fact("swap", actor=SUPERVISOR)
def swap(world: World, *, first, second, reason: str = ""):
    """Two places of the order swapped, with the reason (REC-ROT-3)."""
    services.rota_swap(
        site=world.site,
        first=_member(world, first),
        second=_member(world, second),
        reason=reason,
        actor=world.actor(),
        now=world.now,
    )


@fact("move", actor=SUPERVISOR)
def move(world: World, *, who, direction: str, reason: str = ""):
    """One place `up` or `down` the order (REC-ROT-3)."""
    if direction not in ("up", "down"):
        raise ScenarioError(f"move: direction is up or down, not {direction!r}")
    services.rota_move(
        member=_member(world, who),
        offset=-1 if direction == "up" else 1,
        reason=reason,
        actor=world.actor(),
        now=world.now,
    )


@fact("change_request", actor=MANAGER)
def change_request(
    world: World,
    *,
    reception,
    decision: str,
    named=None,
    grant_priority: bool = False,
    instigated: bool = False,
    note: str = "",
):
    """The manager's decision on a client's request for another salesperson (REC-NEW-4 a/b/c, REC-DES-2/3 `named`).
    `as:` names the reception the client continues in (the replacement after c or named)."""
    if decision not in DECISIONS:
        raise ScenarioError(f"change_request: decision is one of {', '.join(DECISIONS)}, not {decision!r}")
    return services.change_request_decide(
        reception=world.get(reception, Reception),
        decision=DECISIONS[decision],
        note=note,
        grant_priority=grant_priority,
        actor=world.actor(),
        now=world.now,
        request_key=world.request_key(),
        requested_salesperson=None if named is None else world.person(named),
        instigated=instigated,
    ).reception


@fact("phone_inquiry", actor=(Role.SALESPERSON, Role.SITE_SUPERVISOR))
def phone_inquiry(
    world: World,
    *,
    caller: str = "",
    phone="",
    new_to_project: bool = True,
    invited_to_visit: bool = False,
    notes: str = "",
):
    """A call logged for reference only (REC-NEW-3)."""
    return services.phone_inquiry_log(
        site=world.site,
        actor=world.actor(),
        now=world.now,
        caller_name=caller,
        caller_phone=str(phone),
        new_to_project=new_to_project,
        invited_to_visit=invited_to_visit,
        notes=notes,
    )


@fact("registered_client", actor=PROJECT_MANAGER)
def registered_client(world: World, *, owner, phone, name: str = "", registered_at=None, approved: bool = True):
    """A client on the visit register for `owner` (ATT-REG-1): the owner registers the visit, and the project
    manager (the step's actor) approves it at the same instant unless `approved: false`."""
    at = world.now if registered_at is None else world.instant(registered_at)
    label = name or (world.step.name if world.step and world.step.name else "Client")
    salesperson = world.person(owner)
    result = attribution_services.visit_register(
        site=world.site, actor=salesperson, salesperson=salesperson, name=label, phones=[str(phone)], now=at
    )
    if approved:
        attribution_services.visit_review(entry=result.entry, actor=approver(world), approve=True, now=at)
    return result.client
