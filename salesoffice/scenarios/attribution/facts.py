"""The client register's facts for scenario files (docs/scenarios.md). Every fact calls attribution's own
service at the step's instant, as the step's actor."""

from attribution import services
from attribution.models import DisputeOpinion, FollowUp, OldClientIntroduction, VisitEntry
from reception.models import ChangeRequest, Reception
from salesoffice.roles import Role
from salesoffice.timeutil import local_day

from ..registry import ScenarioError, fact
from ..world import World
from .common import (
    COMPANY_KINDS,
    CORRECTORS,
    EMPLOYEES,
    MANAGERS,
    POOL,
    PROJECT_MANAGER,
    _by_or,
    _client,
    _date,
    _decimal,
    _entry,
    _first_with,
    _instant,
    _latest_referral,
    _person_or_none,
    _phones,
)

# --- the register (ATT-REG-1..3) ---------------------------------------------------------------------------------


@fact("register", actor=Role.SALESPERSON)
def register(
    world: World,
    *,
    salesperson,
    client=None,
    name: str = "",
    phone=None,
    source: str = VisitEntry.Source.WALK_IN,
    received_by=None,
    id_number: str = "",
    reception=None,
    note: str = "",
    visited_at=None,
    reason: str = "",
):
    """A visit on the register for `salesperson` (ATT-REG-1), written by them unless `by:` says who. A new client
    gives `name` and `phone` (one or a list); a revisit names the `client`. `as:` names the client. `visited_at`: when
    the visit happened (default: now); out of its day only from the site supervisor or project manager with a
    `reason` (ATT-REG-1 Decision)."""
    if source not in VisitEntry.Source.values:
        raise ScenarioError(f"register: source is one of {', '.join(VisitEntry.Source.values)}, not {source!r}")
    if client is not None:
        known = _client(world, client)
        name = name or known.name
        phones = _phones(phone) if phone is not None else [known.phone]
    elif phone is None:
        raise ScenarioError("register: give the client's name and phone, or client: (a name from as:)")
    else:
        phones = _phones(phone)
        name = name or (world.step.name if world.step and world.step.name else "Client")
    person = world.person(salesperson)
    result = services.visit_register(
        site=world.site,
        actor=_by_or(world, person),
        salesperson=person,
        name=str(name),
        phones=phones,
        now=world.now,
        id_number=str(id_number),
        source=source,
        received_by=_person_or_none(world, received_by),
        reception=None if reception is None else world.get(reception, Reception),
        note=note,
        visited_at=None if visited_at is None else world.instant(visited_at),
        backdate_reason=str(reason),
    )
    world.data["duplicates"] = [world.name_of(c) for c in result.possible_duplicates]
    return result.client


def _review(world: World, fact_name: str, *, client, approve: bool, reason: str, entry, salesperson):
    target = _entry(world, fact_name, _client(world, client), entry=entry, salesperson=salesperson, unreviewed=True)
    return services.visit_review(entry=target, actor=world.actor(), approve=approve, now=world.now, reason=reason)


@fact("approve", shorthand="client", actor=PROJECT_MANAGER)
def approve(world: World, *, client, entry=None, salesperson=None):
    """The project manager approves the client's oldest entry awaiting review (of `salesperson`, or entry number
    `entry`): from now on it counts (ATT-REG-1)."""
    return _review(world, "approve", client=client, approve=True, reason="", entry=entry, salesperson=salesperson)


@fact("approve_day", shorthand="day", actor=PROJECT_MANAGER)
def approve_day(world: World, *, day=None):
    """ "Approve all of this day": the project manager approves the entries registered on `day` (default: the step's
    day, site zone), leaving likely duplicates and visits recorded out of their time for a review of their own
    (ATT-REG-1, ATT-REG-3). `expect: {day_approval: ...}` checks what it did."""
    when = local_day(world.now, world.zone) if day is None else _date(day, "approve_day: day")
    done = services.visit_review_day(site=world.site, actor=world.actor(), day=when, now=world.now)
    world.data["day_approval"] = {"approved": done.approved, "left": [world.name_of(e.client) for e, _why in done.left]}
    return done


@fact("reject", shorthand="client", actor=PROJECT_MANAGER)
def reject(world: World, *, client, reason: str = "", entry=None, salesperson=None):
    """The project manager rejects an entry, with the reason: it never counts (ATT-REG-1, ATT-REG-3)."""
    return _review(world, "reject", client=client, approve=False, reason=reason, entry=entry, salesperson=salesperson)


@fact("correct", actor=CORRECTORS)
def correct(world: World, *, client, note: str, entry=None, salesperson=None, visited_at=None):
    """A correction of the client's latest entry (or entry number `entry`): a new entry referencing it, counting
    once approved (ATT-REG-1). `salesperson` and `visited_at` are the corrected values."""
    target = _entry(world, "correct", _client(world, client), entry=entry, salesperson=None, unreviewed=False)
    return services.visit_correct(
        entry=target,
        actor=_by_or(world, _first_with(world, CORRECTORS) or target.salesperson),
        now=world.now,
        note=note,
        salesperson=_person_or_none(world, salesperson),
        visited_at=None if visited_at is None else world.instant(visited_at),
    )


# --- facts the managers record -----------------------------------------------------------------------------------


@fact("recognise", actor=MANAGERS)
def recognise(world: World, *, client, original, salesperson=None, recognised_at=None, note: str = ""):
    """REC-NEW-2: `client`, served as new, is `original`, the client record of `salesperson` (default: the
    salesperson of that record's latest entry), recognised at `recognised_at` (default: now)."""
    original_client = _client(world, original)
    if salesperson is None:
        original_salesperson = _entry(world, "recognise", original_client, unreviewed=False).salesperson
    else:
        original_salesperson = world.person(salesperson)
    recognition, _verdict = services.recognition_record(
        site=world.site,
        client=_client(world, client),
        original_client=original_client,
        original_salesperson=original_salesperson,
        recognised_at=_instant(world, recognised_at),
        actor=world.actor(),
        now=world.now,
        note=note,
    )
    return recognition


@fact("instigation", actor=(Role.SALES_MANAGER,))
def instigation(world: World, *, switch, reason: str):
    """REC-DES-2: the sales manager finds, after the switch, that the named salesperson instigated it. `switch` names
    the reception the switch was decided on, or the one the client continued in (`change_request`'s `as:`)."""

    reception = world.get(switch, Reception)
    requests = ChangeRequest.objects.filter(decision=ChangeRequest.Decision.NAMED).order_by("-decided_at", "-pk")
    change_request = (
        requests.filter(reception=reception).first()
        or (requests.filter(reception_id=reception.replaces_id).first() if reception.replaces_id else None)
        or ChangeRequest.objects.filter(reception=reception).order_by("-decided_at", "-pk").first()
    )
    if change_request is None:
        raise ScenarioError(f"instigation: no change request on reception {switch!r}")
    return services.instigation_record(change_request=change_request, actor=world.actor(), reason=reason, now=world.now)


@fact("spouses", actor=MANAGERS)
def spouses(world: World, *, client, spouse):
    """ATT-SPOUSE: the two clients are found to be a couple."""
    return services.spouse_link(
        site=world.site,
        client=_client(world, client),
        spouse=_client(world, spouse),
        actor=world.actor(),
        now=world.now,
    )


@fact("company_client", shorthand="client", actor=MANAGERS)
def company_client(world: World, *, client, kind: str = "followed_up", contacted_at=None, designated=None):
    """ATT-CO-1..5: the company contacted the client at `contacted_at` (default now) and brought them; `kind`
    followed_up (ATT-CO-3), direct_sales (ATT-CO-4) or direct_other (ATT-CO-5); `designated`: the salesperson
    leadership named (ATT-CO-2)."""
    if str(kind) not in COMPANY_KINDS:
        raise ScenarioError(f"company_client: kind is one of {', '.join(COMPANY_KINDS)}, not {kind!r}")
    return services.company_mark(
        site=world.site,
        client=_client(world, client),
        kind=COMPANY_KINDS[str(kind)],
        contacted_at=_instant(world, contacted_at),
        actor=world.actor(),
        now=world.now,
        designated_salesperson=_person_or_none(world, designated),
    )


@fact("introduced", actor=MANAGERS)
def introduced(world: World, *, client, salesperson, mode: str, declared_at=None, appointment_at=None):
    """ATT-REF-OLD: `client` was introduced by an old client of `salesperson` (A); `mode` a (A declared it at
    `declared_at`), b (the old client brought them) or c (they came alone)."""
    if str(mode) not in OldClientIntroduction.Mode.values:
        raise ScenarioError(f"introduced: mode is a, b or c, not {mode!r}")
    return services.introduction_record(
        site=world.site,
        client=_client(world, client),
        introducer=world.person(salesperson),
        mode=str(mode),
        actor=world.actor(),
        now=world.now,
        declared_at=None if declared_at is None else world.instant(declared_at),
        appointment_at=None if appointment_at is None else world.instant(appointment_at),
    )


# --- employee referrals (ATT-EMP-1..5) ---------------------------------------------------------------------------


@fact("referral", actor=EMPLOYEES)
def referral(world: World, *, name: str, phone, appointment=None, note: str = ""):
    """ATT-EMP-1: the step's actor (the referrer) registers a referral with the appointment date (default: the
    step's day). `as:` names the client."""
    day = local_day(world.now, world.zone) if appointment is None else _date(appointment, "referral: appointment")
    made = services.referral_register(
        site=world.site,
        actor=world.actor(),
        name=str(name),
        phone=str(phone),
        appointment_date=day,
        now=world.now,
        note=note,
    )
    return made.client


@fact("confirm_referral", shorthand="client", actor=PROJECT_MANAGER)
def confirm_referral(world: World, *, client):
    """ATT-EMP-3: the project manager checks the client's latest referral form and signs it."""
    return services.referral_confirm(referral=_latest_referral(world, client), actor=world.actor(), now=world.now)


# --- deals and disputes ------------------------------------------------------------------------------------------


@fact("dispute_opinion", actor=PROJECT_MANAGER)
def dispute_opinion(world: World, *, client, shares: dict, reasoning: str):
    """ATT-DISP-1: the project manager's opinion: `shares` maps each party (a person, or `pool`) to a percent."""
    if not isinstance(shares, dict):
        raise ScenarioError("dispute_opinion: shares maps parties to percents, e.g. {ann: 60, bob: 40}")
    proposed = [
        (None if str(party) == POOL else world.person(party), _decimal(pct, "dispute_opinion: shares"))
        for party, pct in shares.items()
    ]
    return services.dispute_open(
        site=world.site,
        client=_client(world, client),
        actor=world.actor(),
        reasoning=reasoning,
        shares=proposed,
        now=world.now,
    )


@fact("dispute_ruling", actor=Role.SALES_DIRECTOR)
def dispute_ruling(world: World, *, client, approved: bool, note: str = ""):
    """ATT-DISP-1: the sales director approves or rejects the client's latest opinion."""
    opinion = (
        DisputeOpinion.objects.filter(site=world.site, client=_client(world, client)).order_by("-written_at").first()
    )
    if opinion is None:
        raise ScenarioError(f"dispute_ruling: {client} has no dispute opinion")
    return services.dispute_decide(
        opinion=opinion, actor=world.actor(), approve=bool(approved), now=world.now, note=note
    )


# --- follow-ups (ATT-FU-1/2) -------------------------------------------------------------------------------------


@fact("follow_up_plan", shorthand="client", actor=Role.SALESPERSON)
def follow_up_plan(world: World, *, client, planned_for=None, kind: str = "call", plan: str = "", grade: str = ""):
    """ATT-FU-1: the step's actor plans a contact with the client (and may grade the client)."""
    if kind not in FollowUp.Kind.values:
        raise ScenarioError(f"follow_up_plan: kind is one of {', '.join(FollowUp.Kind.values)}, not {kind!r}")
    return services.follow_up_plan(
        site=world.site,
        client=_client(world, client),
        actor=world.actor(),
        planned_for=_instant(world, planned_for),
        now=world.now,
        kind=kind,
        plan=plan,
        grade=str(grade),
    )


@fact("follow_up_done", actor=Role.SALESPERSON)
def follow_up_done(world: World, *, client, outcome: str):
    """ATT-FU-1: what came of the client's earliest open follow-up."""
    open_one = (
        FollowUp.objects.filter(site=world.site, client=_client(world, client), done_at__isnull=True)
        .order_by("planned_for", "pk")
        .first()
    )
    if open_one is None:
        raise ScenarioError(f"follow_up_done: {client} has no open follow-up")
    return services.follow_up_done(follow_up=open_one, actor=world.actor(), outcome=outcome, now=world.now)


@fact("approvals_reminder_job")
def approvals_reminder_job(world: World) -> None:
    """The scheduler's reminder job runs now: register days and opinions still waiting NOTIFY_REMINDER_AFTER after
    they were submitted remind their approvers, once each (ATT-REG-1, ATT-DISP-1)."""
    services.approvals_remind(now=world.now)
