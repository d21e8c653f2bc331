"""The front desk's expectations for scenario files (docs/scenarios.md): each reads what the board shows or
what the desk recorded."""

import fnmatch
from decimal import Decimal

from reception import selectors
from reception.explain import describe
from reception.models import PhoneInquiry, PrioritySlot, Reception, RotaEvent, RotaMember, RotaState, Violation
from salesoffice.models import display_name

from ..registry import Check, ScenarioError, expect, same, shown
from ..world import World


def _board(world: World) -> selectors.Board:
    return selectors.board(world.site, world.now)


def _who(value) -> str | None:
    """A person as written in the file; `nobody` (or null) is None."""
    return None if value is None or str(value) == "nobody" else str(value)


@expect("next_up")
def next_up(world: World, expected) -> list[Check]:
    """Who the board shows as receiving the next new walk-in; `{who: bob, rule: REC-ROT-5}` checks the clause."""
    board = _board(world)
    got = next((world.handle(row.salesperson_id) for row in board.rows if row.next_up), None)
    if isinstance(expected, dict):
        checks = [same("next up", _who(expected.get("who")), got)]
        if "rule" in expected:
            checks.append(same("next up by", str(expected["rule"]), board.next_up_rule))
        return checks
    return [same("next up", _who(expected), got)]


def _last_reception(world: World) -> Reception:
    if not isinstance(world.result, Reception):
        raise ScenarioError("taken_by: the last fact made no reception")
    return Reception.objects.get(pk=world.result.pk)


@expect("taken_by")
def taken_by(world: World, expected) -> Check:
    """Who is serving the client of the last arrival (nobody while the client waits)."""
    return same("taken by", _who(expected), world.handle(_last_reception(world).salesperson_id))


RECEPTION_FIELDS = {
    "salesperson": lambda w, r: w.handle(r.salesperson_id),
    "status": lambda w, r: r.status,
    "kind": lambda w, r: r.kind,
    "consumed_turn": lambda w, r: r.consumed_turn,
    "waiting_for": lambda w, r: w.handle(r.waiting_for_id),
    "owner": lambda w, r: w.handle(r.owner_id),
    "party_new_clients": lambda w, r: r.party_new_clients,
    "replaces": lambda w, r: w.name_of(r.replaces),
}


@expect("reception")
def reception(world: World, expected) -> list[Check]:
    """Named receptions field by field: salesperson, status, kind, consumed_turn, waiting_for, owner, ..."""
    if not isinstance(expected, dict):
        raise ScenarioError("reception: maps reception names to fields, e.g. r1: {salesperson: ann}")
    checks = []
    for name, fields in expected.items():
        if not isinstance(fields, dict):
            raise ScenarioError(f"reception: {name} maps fields to values, e.g. {{salesperson: ann}}")
        unknown = set(fields) - set(RECEPTION_FIELDS)
        if unknown:
            raise ScenarioError(f"reception: unknown field {', '.join(unknown)} (known: {', '.join(RECEPTION_FIELDS)})")
        current = world.get(name, Reception)
        want = {k: _who(v) if k in ("salesperson", "waiting_for", "owner") else v for k, v in fields.items()}
        got = {k: RECEPTION_FIELDS[k](world, current) for k in fields}
        checks.append(same(f"reception {name}", want, got))
    return checks


@expect("last_turn")
def last_turn(world: World, expected) -> Check:
    """Who took the last normal turn: REC-ROT-8's "last in the rota"."""
    state = RotaState.objects.select_related("last_turn_member").filter(site=world.site).first()
    member = state.last_turn_member if state else None
    return same("last normal turn", _who(expected), world.handle(member.salesperson_id) if member else None)


def _fact_events(world: World) -> list[RotaEvent]:
    after = world.data.get("rota_events_after", 0)
    return list(RotaEvent.objects.filter(site=world.site, pk__gt=after).order_by("pk"))


MATCHER_KEYS = {"rule", "kind", "who", "by", "says"}


def _matches(world: World, matcher: dict, event: RotaEvent) -> bool:
    return (
        ("rule" not in matcher or event.rule_id == matcher["rule"])
        and ("kind" not in matcher or fnmatch.fnmatchcase(event.kind, str(matcher["kind"])))
        and ("who" not in matcher or world.handle(event.salesperson_id) == _who(matcher["who"]))
        and ("by" not in matcher or world.handle(event.actor_id) == _who(matcher["by"]))
        and ("says" not in matcher or str(matcher["says"]) in describe(event))
    )


def _matchers(expected, name: str) -> list[dict]:
    matchers = expected if isinstance(expected, list) else [expected]
    for matcher in matchers:
        if not isinstance(matcher, dict) or not matcher or set(matcher) - MATCHER_KEYS:
            raise ScenarioError(f"{name}: each item is a mapping of {', '.join(sorted(MATCHER_KEYS))}")
    return matchers


@expect("events")
def events(world: World, expected) -> list[Check]:
    """Each matcher ({rule, kind, who, by, says}) matches a rota event the last fact recorded."""
    recorded = _fact_events(world)
    sentences = [describe(e) for e in recorded] or ["no events"]
    return [
        Check("event", any(_matches(world, m, e) for e in recorded), shown(m), "; ".join(sentences))
        for m in _matchers(expected, "events")
    ]


@expect("no_events")
def no_events(world: World, expected) -> list[Check]:
    """No rota event of the last fact matches (e.g. {kind: "skip_forfeit_*"}: nobody forfeits)."""
    recorded = _fact_events(world)
    checks = []
    for matcher in _matchers(expected, "no_events"):
        hits = [describe(e) for e in recorded if _matches(world, matcher, e)]
        checks.append(Check("no event", not hits, shown(matcher), "; ".join(hits)))
    return checks


@expect("cites")
def cites(world: World, expected) -> Check:
    """The rota events of the last fact cite these rule IDs (among others)."""
    wanted = [str(r) for r in (expected if isinstance(expected, list) else [expected])]
    got = list(dict.fromkeys(e.rule_id for e in _fact_events(world)))
    return Check("cites", all(r in got for r in wanted), shown(wanted), shown(got))


def _slots(world: World, status: str) -> list[str]:
    holders = PrioritySlot.objects.filter(site=world.site, status=status).values_list("salesperson_id", flat=True)
    return sorted(world.handle(pk) for pk in holders)


def _people_list(expected) -> list[str]:
    return sorted(str(h) for h in (expected if isinstance(expected, list) else [expected] if expected else []))


@expect("priority_slots")
def priority_slots(world: World, expected) -> Check:
    """Who holds a usable priority slot, once per slot (REC-ROT-5, REC-ROT-8, REC-NEW-4c)."""
    return same("priority slots", _people_list(expected), _slots(world, PrioritySlot.Status.ACTIVE))


@expect("pending_slots")
def pending_slots(world: World, expected) -> Check:
    """Who holds a slot still awaiting the project manager's approval (REC-ROT-5)."""
    return same("pending slots", _people_list(expected), _slots(world, PrioritySlot.Status.PENDING))


@expect("lunch_duty")
def lunch_duty(world: World, expected) -> Check:
    """The two the board names for lunch-time desk duty, in order (REC-ROT-7)."""
    by_name = {display_name(user): handle for handle, user in world.people.items()}
    got = [by_name.get(name, name) for name in _board(world).lunch_names]
    return same("lunch duty", [str(h) for h in expected], got)


@expect("lunch_time")
def lunch_time(world: World, expected) -> Check:
    """Whether the board is in the site's lunch hours (REC-ROT-7)."""
    return same("lunch time", bool(expected), _board(world).lunch_time)


@expect("waiting")
def waiting(world: World, expected) -> Check:
    """The waiting clients in queue order, by reception name (or their number)."""
    queue = [world.name_of(r) for r in _board(world).waiting]
    if isinstance(expected, int):
        return same("waiting clients", expected, len(queue))
    return same("waiting", [str(n) for n in (expected or [])], queue)


@expect("availability")
def availability(world: World, expected) -> list[Check]:
    """What the board shows for each person: available, busy, away, away_pending, away_excused, not_ready, off_duty."""
    if not isinstance(expected, dict):
        raise ScenarioError("availability: maps people to states, e.g. ann: busy")
    rows = {world.handle(row.salesperson_id): str(row.availability) for row in _board(world).rows}
    checks = []
    for handle, state in expected.items():
        world.person(handle)
        checks.append(same(f"availability of {handle}", str(state), rows.get(str(handle), "not in the rota")))
    return checks


@expect("rota_order")
def rota_order(world: World, expected) -> Check:
    """The rota order, first to last (REC-ROT-3)."""
    members = RotaMember.objects.filter(site=world.site, active=True).order_by("position")
    return same("rota order", [str(h) for h in expected], [world.handle(m.salesperson_id) for m in members])


VIOLATION_FIELDS = {
    "clause": lambda w, v: v.clause,
    "recorded_by": lambda w, v: w.handle(v.recorded_by_id),
    "penalty": lambda w, v: v.penalty,
    "penalty_amount": lambda w, v: None if v.penalty_amount is None else f"{v.penalty_amount:.2f}",
    "occurred_at": lambda w, v: v.occurred_at.astimezone(w.zone).strftime("%Y-%m-%d %H:%M"),
}


def _violation_value(key: str, value) -> str | None:
    if value is None:
        return None
    return f"{Decimal(str(value)):.2f}" if key == "penalty_amount" else str(value)


@expect("violations")
def violations(world: World, expected) -> list[Check]:
    """Each person's recorded violations in order: clauses, or mappings of clause, recorded_by, penalty,
    penalty_amount, occurred_at (REC-READY-2, REC-NEW-5)."""
    if not isinstance(expected, dict):
        raise ScenarioError("violations: maps people to their violations, e.g. ann: [REC-READY-2/materials]")
    checks = []
    for handle, items in expected.items():
        recorded = list(Violation.objects.filter(site=world.site, salesperson=world.person(handle)).order_by("pk"))
        want, got = [], []
        for index, item in enumerate(items or []):
            item = item if isinstance(item, dict) else {"clause": item}
            unknown = set(item) - set(VIOLATION_FIELDS)
            if unknown:
                raise ScenarioError(f"violations: unknown field {', '.join(unknown)}")
            want.append({k: _violation_value(k, v) for k, v in item.items()})
            if index < len(recorded):
                got.append({k: VIOLATION_FIELDS[k](world, recorded[index]) for k in item})
        got += [{"clause": v.clause} for v in recorded[len(want) :]]
        checks.append(same(f"violations of {handle}", want, got))
    return checks


@expect("phone_inquiries")
def phone_inquiries(world: World, expected) -> Check:
    """How many phone inquiries the site has logged (REC-NEW-3)."""
    return same("phone inquiries", int(expected), PhoneInquiry.objects.filter(site=world.site).count())
