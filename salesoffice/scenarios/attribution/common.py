"""What the client register's facts and expectations share: who does a step by default, and how a file's
values (a client's name, an instant, an amount) become the register's objects. It marks no step."""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from attribution.models import Client, CompanyClientMark, Referral, VisitEntry
from salesoffice.models import SiteMembership
from salesoffice.roles import Role

from ..registry import ScenarioError
from ..world import World

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


def _date(value, where: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ScenarioError(f"{where}: {value!r} is not a date like 2026-04-03") from None


def _latest_referral(world: World, client) -> Referral:
    found = Referral.objects.filter(site=world.site, client=_client(world, client)).order_by("-registered_at").first()
    if found is None:
        raise ScenarioError(f"{client} has no referral")
    return found
