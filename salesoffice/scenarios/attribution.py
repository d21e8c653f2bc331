"""The client register's facts and expectations for scenario files (docs/scenarios.md, framework in
salesoffice/scenarios/). Every fact calls attribution's own service at the step's instant, as the step's actor;
every expectation reads `client_attribution`, the one place ownership is decided (attribution.rules.attribute)."""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.http import Http404

from attribution import rules, services
from attribution.access import client_for_user_or_404
from attribution.models import (
    Client,
    CompanyClientMark,
    DisputeOpinion,
    FollowUp,
    OldClientIntroduction,
    Referral,
    VisitEntry,
)
from attribution.selectors import client_attribution, client_list, overdue_entries
from reception.models import ChangeRequest, Reception
from salesoffice.models import SiteMembership
from salesoffice.roles import Role
from salesoffice.timeutil import local_day

from .registry import Check, ScenarioError, expect, fact, same, shown
from .world import World

PROJECT_MANAGER = (Role.PROJECT_MANAGER,)
MANAGERS = (Role.PROJECT_MANAGER, Role.SALES_MANAGER)  # attribution.record_client_facts
CORRECTORS = (Role.SITE_SUPERVISOR, Role.SALES_MANAGER)  # register for others, yet do not approve
# Anyone may refer a client (ATT-EMP-1); by default the first employee outside the sales team.
EMPLOYEES = (
    Role.SALES_ASSISTANT,
    Role.STORE_CLERK,
    Role.STORE_MANAGER,
    Role.OPERATIONS,
    Role.SERVICE_DESK_STAFF,
    Role.OFFICE_DIRECTOR,
    Role.ADMINISTRATOR,
    Role.REPAIR_LEAD,
    Role.REPAIR_STAFF,
)

COMPANY_KINDS = {
    "followed_up": CompanyClientMark.Kind.FOLLOWED_UP,
    "ATT-CO-3": CompanyClientMark.Kind.FOLLOWED_UP,
    "direct_sales": CompanyClientMark.Kind.DIRECT_SALES_AFTERCARE,
    "ATT-CO-4": CompanyClientMark.Kind.DIRECT_SALES_AFTERCARE,
    "direct_other": CompanyClientMark.Kind.DIRECT_OTHER_AFTERCARE,
    "ATT-CO-5": CompanyClientMark.Kind.DIRECT_OTHER_AFTERCARE,
}
POOL = "pool"


# --- helpers -----------------------------------------------------------------------------------------------------


def _by_or(world: World, default):
    """The step's `by:`, else `default` (e.g. the salesperson registering their own visit)."""
    return world.person(world.step.by) if world.step and world.step.by else default


def _first_with(world: World, roles) -> object | None:
    """The file's first person holding one of `roles`, in the order of the roles."""
    for role in roles:
        for handle, held in world.roles.items():
            if role in held:
                return world.people[handle]
    return None


def _person_or_none(world: World, value):
    return None if value is None or str(value) in ("", "nobody") else world.person(value)


def _instant(world: World, value) -> dt.datetime:
    return world.now if value is None else world.instant(value)


def _client(world: World, name) -> Client:
    return world.get(name, Client)


def _entries(world: World, client: Client) -> list[VisitEntry]:
    return list(
        VisitEntry.objects.filter(client=client, site=world.site)
        .select_related("approval")
        .order_by("registered_at", "pk")
    )


def _entry(world: World, fact_name: str, client: Client, *, entry=None, salesperson=None, unreviewed: bool):
    """The client's entry number `entry` (1 = the first registered), else the oldest one still awaiting review
    (`unreviewed`) or the latest one, of `salesperson` when given."""
    entries = _entries(world, client)
    if entry is not None:
        try:
            return entries[int(entry) - 1]
        except (IndexError, ValueError):
            raise ScenarioError(f"{fact_name}: {world.name_of(client)} has no entry {entry}") from None
    if salesperson is not None:
        entries = [e for e in entries if e.salesperson_id == world.person(salesperson).pk]
    if unreviewed:
        entries = [e for e in entries if not hasattr(e, "approval")]
        if not entries:
            raise ScenarioError(f"{fact_name}: {world.name_of(client)} has no entry awaiting review")
        return entries[0]
    if not entries:
        raise ScenarioError(f"{fact_name}: {world.name_of(client)} has no register entry")
    return entries[-1]


def _phones(value) -> list[str]:
    return [str(p) for p in (value if isinstance(value, list) else [value])]


def _decimal(value, where: str) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ScenarioError(f"{where}: {value!r} is not a number") from None


def approver(world: World):
    """The step's `by:`, else the file's first project manager, else one made quietly for files that never needed
    to name an approver (the desk's `registered_client`)."""
    known = _by_or(world, _first_with(world, PROJECT_MANAGER))
    if known is not None:
        return known
    if "approver" not in world.data:
        user = get_user_model().objects.create_user(username="scenario-approver", password=None, first_name="PM")
        user.groups.add(Group.objects.get(name=Role.PROJECT_MANAGER.value))
        SiteMembership.objects.create(site=world.site, user=user)
        world.data["approver"] = user
    return world.data["approver"]


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


def _latest_referral(world: World, client) -> Referral:
    found = Referral.objects.filter(site=world.site, client=_client(world, client)).order_by("-registered_at").first()
    if found is None:
        raise ScenarioError(f"{client} has no referral")
    return found


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


# --- expectations ------------------------------------------------------------------------------------------------


def _per_client(name: str, expected, example: str) -> dict:
    if not isinstance(expected, dict) or not expected:
        raise ScenarioError(f"{name}: maps clients to what is expected, e.g. {example}")
    return expected


def _each(name: str, expected, example: str, want, got) -> list[Check]:
    """One equality per client: `want(value as written)` against `got(client name)`."""
    return [
        same(f"{name.replace('_', ' ')} of {client}", want(value), got(client))
        for client, value in _per_client(name, expected, example).items()
    ]


def _attribution(world: World, client) -> rules.Attribution:
    return client_attribution(client=_client(world, client), site=world.site, now=world.now)


def _who(value) -> str | None:
    return None if value is None or str(value) == "nobody" else str(value)


@expect("owner")
def owner(world: World, expected) -> list[Check]:
    """Who holds each client (ATT-REG-2/3, REC-NEW-2a, ATT-REF-OLD): a person or nobody."""
    return _each("owner", expected, "{huang: ann}", _who, lambda c: world.handle(_attribution(world, c).owner_id))


@expect("follow_up")
def follow_up(world: World, expected) -> list[Check]:
    """Who serves and follows each client up (REC-RET-1, REC-NEW-2c, REC-DES-2)."""

    def follow_up_of(client) -> str | None:
        return world.handle(_attribution(world, client).follow_up_id)

    return _each("follow_up", expected, "{huang: ann}", _who, follow_up_of)


def _party(world: World, share: rules.Share) -> str:
    if share.kind == rules.PUBLIC_POOL:
        return POOL
    handle = world.handle(share.user_id)
    return f"referrer:{handle}" if share.kind == rules.REFERRER else str(handle)


def _pct(value: Decimal) -> str:
    return f"{value.normalize():f}"


@expect("shares")
def shares(world: World, expected) -> list[Check]:
    """Each client's shares of a commission now, all of them: {party: percent}, a party being a person,
    `referrer:<person>` or `pool` (COM-3 composition, ATT-*, REC-NEW-2, REC-DES-2/3)."""
    checks = []
    for client, parties in _per_client("shares", expected, "{huang: {ann: 50, bob: 50}}").items():
        if parties is not None and not isinstance(parties, dict):
            raise ScenarioError(f"shares: {client} maps parties to percents, e.g. {{ann: 70, pool: 30}}")
        want = {str(p): _pct(_decimal(v, "shares")) for p, v in (parties or {}).items()}
        got: dict[str, Decimal] = {}
        for share in _attribution(world, client).shares:
            party = _party(world, share)
            got[party] = got.get(party, Decimal(0)) + share.percent
        checks.append(same(f"shares of {client}", want, {p: _pct(v) for p, v in got.items()}))
    return checks


def _date(value, where: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ScenarioError(f"{where}: {value!r} is not a date like 2026-04-03") from None


@expect("valid_until")
def valid_until(world: World, expected) -> list[Check]:
    """The last day of each client's registration (ATT-REG-2), or nobody when the client is free."""
    checks = []
    for client, day in _per_client("valid_until", expected, "{huang: 2026-04-03}").items():
        want = None if _who(day) is None else _date(day, "valid_until").isoformat()
        until = _attribution(world, client).valid_until
        checks.append(same(f"valid until of {client}", want, until and local_day(until, world.zone).isoformat()))
    return checks


@expect("on_hold")
def on_hold(world: World, expected) -> list[Check]:
    """Whether each client's commission is on hold, an opinion awaiting the sales director (ATT-DISP-1)."""
    return _each("on_hold", expected, "{huang: true}", bool, lambda c: _attribution(world, c).on_hold)


@expect("rules")
def applied_rules(world: World, expected) -> list[Check]:
    """Rule IDs that applied to each client (among others), as the ownership timeline cites them."""
    checks = []
    for client, wanted in _per_client("rules", expected, "{huang: [REC-NEW-2c]}").items():
        wanted = [str(r) for r in (wanted if isinstance(wanted, list) else [wanted])]
        got = list(_attribution(world, client).rule_ids)
        checks.append(Check(f"rules of {client}", all(r in got for r in wanted), shown(wanted), shown(got)))
    return checks


@expect("referral_status")
def referral_status(world: World, expected) -> list[Check]:
    """Where each client's latest referral stands: pending, valid, lapsed, void or rejected (ATT-EMP-1..4)."""

    def status_of(client) -> str:
        return services.referral_state(_latest_referral(world, client), now=world.now).status

    return _each("referral_status", expected, "{li: valid}", str, status_of)


@expect("duplicates")
def duplicates(world: World, expected) -> Check:
    """The clients the last registration flagged as likely the same person (ATT-REG-3), in any order."""
    if "duplicates" not in world.data:
        raise ScenarioError("duplicates: no registration yet")
    want = sorted(str(c) for c in (expected if isinstance(expected, list) else [expected] if expected else []))
    return same("possible duplicates", want, sorted(world.data["duplicates"]))


def _review_state(entry: VisitEntry) -> str:
    approval = getattr(entry, "approval", None)
    if approval is None:
        return "pending"
    return "approved" if approval.approved else "rejected"


def _listed(what: str, items, recorded: list, fields: dict) -> Check:
    """Recorded rows against the file's list, each on the fields it names; rows beyond the list show as extra."""
    want, got = [], []
    for index, item in enumerate(items or []):
        if not isinstance(item, dict) or set(item) - set(fields):
            raise ScenarioError(f"{what}: each item is a mapping of {', '.join(fields)}")
        want.append({k: _who(v) if k in ("salesperson", "received_by") else v for k, v in item.items()})
        if index < len(recorded):
            got.append({k: fields[k](recorded[index]) for k in item})
    got += [{"salesperson": fields["salesperson"](row)} for row in recorded[len(want) :]]
    return same(what, want, got)


@expect("entries")
def entries(world: World, expected) -> list[Check]:
    """Each client's register entries in the order written, none altered or removed (ATT-REG-1): for each, any of
    salesperson, review (pending, approved, rejected), corrects (the number of the entry it corrects),
    received_by, source."""
    checks = []
    for client, items in _per_client("entries", expected, "{huang: [{salesperson: ann, review: approved}]}").items():
        recorded = _entries(world, _client(world, client))
        numbers = {e.pk: index for index, e in enumerate(recorded, start=1)}
        fields = {
            "salesperson": lambda e: world.handle(e.salesperson_id),
            "review": _review_state,
            "corrects": lambda e, numbers=numbers: numbers.get(e.corrects_id),
            "received_by": lambda e: world.handle(e.received_by_id),
            "source": lambda e: e.source,
        }
        checks.append(_listed(f"entries of {client}", items, recorded, fields))
    return checks


@expect("follow_ups")
def follow_ups(world: World, expected) -> list[Check]:
    """Each client's follow-ups in planned order: any of salesperson, kind, done for each (ATT-FU-1)."""
    fields = {
        "salesperson": lambda f: world.handle(f.salesperson_id),
        "kind": lambda f: f.kind,
        "done": lambda f: f.done_at is not None,
    }
    checks = []
    for client, items in _per_client("follow_ups", expected, "{huang: [{salesperson: ann, done: false}]}").items():
        planned = FollowUp.objects.filter(site=world.site, client=_client(world, client)).order_by("planned_for", "pk")
        checks.append(_listed(f"follow-ups of {client}", items, list(planned), fields))
    return checks


@expect("grade")
def grade(world: World, expected) -> list[Check]:
    """Each client's grade, A to D, as the salesperson set it (ATT-FU-1)."""
    return _each("grade", expected, "{huang: A}", str, lambda c: _client(world, c).grade)


@expect("day_approval")
def day_approval(world: World, expected) -> list[Check]:
    """What the last `approve_day` did: `approved` (how many entries) and `left` (the clients of the entries it left
    for a review of their own, in the order registered)."""
    if "day_approval" not in world.data:
        raise ScenarioError("day_approval: no approve_day yet")
    if not isinstance(expected, dict) or set(expected) - {"approved", "left"}:
        raise ScenarioError("day_approval: a mapping of approved (a number) and left (a list of clients)")
    done = world.data["day_approval"]
    checks = []
    if "approved" in expected:
        checks.append(same("entries approved by approve_day", int(expected["approved"]), done["approved"]))
    if "left" in expected:
        left = expected["left"] if isinstance(expected["left"], list) else [expected["left"]]
        checks.append(same("entries left by approve_day", [str(c) for c in left], done["left"]))
    return checks


@expect("overdue")
def overdue(world: World, expected) -> list[Check]:
    """The clients whose entries are overdue on the project manager's approval page now (ATT-REG-1 Decision: not
    reviewed by the end of the day they were registered on), one name per entry, oldest first."""

    want = [str(c) for c in (expected if isinstance(expected, list) else [expected] if expected else [])]
    got = [
        world.name_of(e.client) for e in overdue_entries(site=world.site, now=world.now).order_by("registered_at", "pk")
    ]
    return [same("overdue entries", want, got)]


@expect("visible_to")
def visible_to(world: World, expected) -> list[Check]:
    """Who may open each client's page and finds the client in "my clients" (ATT-SPOUSE, REC-NEW-2c, REC-DES-2):
    `{huang: {ann: true, cat: false}}`. Both are checked: the page's access rule and the list's rows."""

    checks = []
    for client, people in _per_client("visible_to", expected, "{huang: {ann: true, cat: false}}").items():
        if not isinstance(people, dict):
            raise ScenarioError(f"visible_to: {client} maps people to true or false")
        target = _client(world, client)
        for person, want in people.items():
            user = world.person(person)
            try:
                client_for_user_or_404(user, world.site, target.pk, now=world.now)
                page = True
            except Http404:
                page = False
            listed = client_list(site=world.site, user=user, now=world.now).filter(client_id=target.pk).exists()
            checks.append(same(f"{person} sees {client}'s page", bool(want), page))
            checks.append(same(f"{client} in {person}'s clients", bool(want), listed))
    return checks
