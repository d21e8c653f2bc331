"""The client register's expectations for scenario files (docs/scenarios.md): each reads
`client_attribution`, the one place ownership is decided (attribution.rules.attribute), or the register's records."""

from decimal import Decimal

from django.http import Http404

from attribution import rules, services
from attribution.access import client_for_user_or_404
from attribution.models import FollowUp, VisitEntry
from attribution.selectors import client_attribution, client_list, overdue_entries
from salesoffice.timeutil import local_day

from ..registry import Check, ScenarioError, expect, same, shown
from ..world import World
from .common import POOL, _client, _date, _decimal, _entries, _latest_referral


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
