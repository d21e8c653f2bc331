"""Deals, splits and statements for scenario files (docs/scenarios.md). Facts call `commission.services` as
the step's actor at the step's instant; expectations read the recorded splits and the ledger, the same records
the pages and statements show."""

import datetime as dt
from decimal import Decimal

from attribution import services as register_services
from commission import notices, selectors, services
from commission.models import CommissionSettings, Deal, LedgerEntry, PartyKind, Split
from salesoffice import money
from salesoffice.roles import Role

from .attribution.common import POOL, _by_or, _client, _decimal, _instant
from .registry import Check, ScenarioError, expect, fact, same, setup
from .world import World

MANAGERS = (Role.PROJECT_MANAGER, Role.SALES_MANAGER)
CLOSERS = (Role.ADMIN, Role.SALES_DIRECTOR)


@setup("commission")
def commission_settings(world: World, *, max_commission_percent=10, confirm_salesperson_deals: bool = True):
    """The site's deal checks (COM-5): the largest commission as a share of the price, and whether a salesperson's
    deal counts only once the project manager confirms it."""
    CommissionSettings.objects.update_or_create(
        site=world.site,
        defaults={
            "max_commission_percent": _decimal(max_commission_percent, "commission: max_commission_percent"),
            "confirm_salesperson_deals": bool(confirm_salesperson_deals),
        },
    )


@fact("deal", actor=Role.SALESPERSON)
def deal(
    world: World,
    *,
    client,
    commission,
    salesperson=None,
    after_sales=None,
    signed_at=None,
    unit: str = "",
    contract: str = "",
    buyer: str = "",
    price=None,
):
    """A deal (COM-1) closed by `salesperson`, recorded by them (or the step's `by:`) with its first split. The price
    defaults to a hundred times the commission (1%, within COM-5's checks)."""
    person = world.person(salesperson) if salesperson is not None else None
    the_client = _client(world, client)
    number = Deal.objects.filter(site=world.site).count() + 1
    data = services.DealInput(
        site=world.site,
        client=the_client,
        salesperson=person,
        contract_no=str(contract or f"C-{number:04d}"),
        unit=str(unit or f"U-{number:04d}"),
        buyer_names=str(buyer or the_client.name),
        signed_at=_instant(world, signed_at),
        price=_decimal(price, "deal: price") if price is not None else _decimal(commission, "deal: commission") * 100,
        commission=_decimal(commission, "deal: commission"),
        after_sales_by=world.person(after_sales) if after_sales is not None else None,
    )
    actor = _by_or(world, person) if person is not None else world.actor()
    recorded, _split = services.deal_record(data=data, actor=actor, now=world.now)
    return recorded


@fact("deal_change", actor=MANAGERS)
def deal_change(world: World, *, deal, reason: str, unit: str = "", buyer: str = ""):
    """ATT-CHANGE: a new unit and/or buyer names for a named deal; the rest stays."""
    the_deal = world.get(deal, Deal)
    return services.deal_change(
        deal=the_deal,
        actor=world.actor(),
        unit=str(unit or the_deal.unit),
        buyer_names=str(buyer or the_deal.buyer_names),
        reason=reason,
        now=world.now,
    )


@fact("company_arranged", actor=MANAGERS)
def company_arranged(world: World, *, name: str, phone, kind: str = "direct_other", contacted_at=None):
    """ATT-CO-4/5: the company arranged a deal directly for this client, with no reception; `as:` names the client."""
    kinds = {"ATT-CO-4": "direct_sales", "ATT-CO-5": "direct_other"}
    return register_services.company_client_arrange(
        site=world.site,
        name=name,
        phone=str(phone),
        kind=kinds.get(str(kind), str(kind)),
        contacted_at=_instant(world, contacted_at),
        actor=world.actor(),
        now=world.now,
    )


@fact("confirm_deal", shorthand="deal", actor=(Role.PROJECT_MANAGER, Role.ADMIN))
def confirm_deal(world: World, *, deal):
    """COM-5: the project manager confirms a salesperson's deal; from now on it counts in the statements."""
    return services.deal_confirm(deal=world.get(deal, Deal), actor=world.actor(), now=world.now)


@fact("cancel_deal", actor=MANAGERS)
def cancel_deal(world: World, *, deal, reason: str = ""):
    """COM-5: the deal is cancelled (退房/撤單); what was posted is reversed in the open month."""
    return services.deal_cancel(deal=world.get(deal, Deal), actor=world.actor(), reason=reason, now=world.now)


@fact("correct_deal", actor=MANAGERS)
def correct_deal(world: World, *, deal, reason: str = "", commission=None, price=None):
    """COM-5: the deal's commission and/or price corrected; the difference is posted in the open month."""
    the_deal = world.get(deal, Deal)
    return services.deal_correct_amounts(
        deal=the_deal,
        actor=world.actor(),
        price=_decimal(price, "correct_deal: price") if price is not None else the_deal.price,
        commission=_decimal(commission, "correct_deal: commission") if commission is not None else the_deal.commission,
        reason=reason,
        now=world.now,
    )


@fact("close_month", shorthand="month", actor=CLOSERS)
def close_month(world: World, *, month):
    """COM-4: close a statement month (`2026-03`); later changes post into the next open month."""
    return services.month_close(month=_month(month, "close_month"), actor=world.actor(), now=world.now)


def _month(value, where: str) -> dt.date:
    try:
        return dt.date.fromisoformat(f"{value}-01" if len(str(value)) == 7 else str(value)).replace(day=1)
    except ValueError:
        raise ScenarioError(f"{where}: {value!r} is not a month like 2026-03") from None


# --- expectations ------------------------------------------------------------------------------------------------


def _party_name(world: World, kind: str, user_id: int | None) -> str:
    if kind == PartyKind.PUBLIC_POOL:
        return POOL
    handle = world.handle(user_id)
    return f"referrer:{handle}" if kind == PartyKind.REFERRER else str(handle)


def _money(value, where: str) -> str:
    return money.amount_text(_decimal(value, where))


def _per_deal(name: str, expected, example: str) -> dict:
    if not isinstance(expected, dict) or not expected:
        raise ScenarioError(f"{name}: maps deals to what is expected, e.g. {example}")
    return expected


def _latest_split(world: World, deal_name) -> Split:
    the_deal = world.get(deal_name, Deal)
    return the_deal.splits.order_by("-number").prefetch_related("shares").first()


@expect("split")
def split(world: World, expected) -> list[Check]:
    """Each deal's current split in yuan, every party: {party: amount}; a party is a person, `referrer:<person>`
    or `pool`. An empty mapping: nothing is paid (on hold, ATT-DISP-1). Always adds up to the commission (COM-2)."""
    checks = []
    for deal_name, parties in _per_deal("split", expected, "{d1: {ann: 5000.01, bob: 5000.00}}").items():
        if parties is not None and not isinstance(parties, dict):
            raise ScenarioError(f"split: {deal_name} maps parties to amounts, e.g. {{ann: 7000.01, pool: 3000.00}}")
        want = {str(p): _money(v, "split") for p, v in (parties or {}).items()}
        latest = _latest_split(world, deal_name)
        got = {}
        if latest is not None and latest.status == "split":
            for share in latest.shares.all():
                got[_party_name(world, share.kind, share.user_id)] = money.amount_text(share.amount)
        checks.append(same(f"split of {deal_name}", want, got))
    return checks


@expect("split_status")
def split_status(world: World, expected) -> list[Check]:
    """Each deal's split status: split, on_hold (an opinion awaits the director, ATT-DISP-1)."""
    return [
        same(f"split status of {deal_name}", str(value), (_latest_split(world, deal_name) or Split()).status)
        for deal_name, value in _per_deal("split_status", expected, "{d1: on_hold}").items()
    ]


@expect("split_versions")
def split_versions(world: World, expected) -> list[Check]:
    """How many splits each deal has had: a re-split supersedes, never overwrites (COM-4)."""
    return [
        same(f"split versions of {deal_name}", int(value), world.get(deal_name, Deal).splits.count())
        for deal_name, value in _per_deal("split_versions", expected, "{d1: 2}").items()
    ]


@expect("deal")
def deal_fields(world: World, expected) -> list[Check]:
    """A deal's recorded fields now: any of salesperson, unit, buyer, commission, price (ATT-CHANGE, COM-5), and
    `confirmed` / `cancelled` (true or false, COM-5)."""
    checks = []
    for deal_name, fields in _per_deal("deal", expected, "{d1: {salesperson: ann, unit: B-0803}}").items():
        the_deal = world.get(deal_name, Deal)
        the_deal.refresh_from_db()
        got = {
            "salesperson": world.handle(the_deal.salesperson_id) if the_deal.salesperson_id else "nobody",
            "unit": the_deal.unit,
            "buyer": the_deal.buyer_names,
            "commission": money.amount_text(the_deal.commission),
            "price": money.amount_text(the_deal.price),
            "confirmed": the_deal.is_confirmed,
            "cancelled": the_deal.is_cancelled,
        }
        for field, value in fields.items():
            if field not in got:
                raise ScenarioError(f"deal: {field} is one of {', '.join(got)}")
            if field in ("commission", "price"):
                want = _money(value, "deal")
            elif field in ("confirmed", "cancelled"):
                if not isinstance(value, bool):
                    raise ScenarioError(f"deal: {field} is true or false")
                want = value
            else:
                want = str(value)
            checks.append(same(f"{field} of {deal_name}", want, got[field]))
    return checks


@expect("split_rules")
def split_rules(world: World, expected) -> list[Check]:
    """The rules each party's share of the deal's current split cites, all of them in order: {d1: {ann: [ATT-SPOUSE,
    COM-3, COM-2]}} (COM-1..3: the attribution rules, COM-3 when two compose, COM-2 for the cents)."""
    checks = []
    for deal_name, parties in _per_deal("split_rules", expected, "{d1: {ann: [ATT-REG-3, COM-2]}}").items():
        if not isinstance(parties, dict):
            raise ScenarioError(f"split_rules: {deal_name} maps parties to rule lists")
        latest = _latest_split(world, deal_name)
        got = {
            _party_name(world, share.kind, share.user_id): list(share.rule_ids)
            for share in (latest.shares.all() if latest is not None else ())
        }
        for party, rule_ids in parties.items():
            want = [str(r) for r in (rule_ids if isinstance(rule_ids, list) else [rule_ids])]
            checks.append(same(f"rules of {party}'s share of {deal_name}", want, got.get(str(party))))
    return checks


@expect("statement")
def statement(world: World, expected) -> list[Check]:
    """A month's statement totals per party, every party with a non-zero total: {2026-03: {ann: 7000.01, pool:
    3000.00}} (COM-4: money moved after a month is closed shows in the next open month)."""
    if not isinstance(expected, dict) or not expected:
        raise ScenarioError("statement: maps months to {party: total}, e.g. {2026-03: {ann: 10000.00}}")
    checks = []
    for month_value, parties in expected.items():
        month = _month(month_value, "statement")
        want = {str(p): _money(v, "statement") for p, v in (parties or {}).items()}
        got = {
            _party_name(world, row.party, row.user_id): money.amount_text(row.total)
            for row in selectors.statement_totals(month=month, site_ids=[world.site.pk])
            if row.total != 0
        }
        checks.append(same(f"statement of {month:%Y-%m}", want, got))
    return checks


@expect("adjustments")
def adjustments(world: World, expected) -> list[Check]:
    """Adjustment lines posted into each month, per party (COM-4): {2026-04: {ann: -2500.00, bob: 2500.00}}."""
    checks = []
    for month_value, parties in expected.items():
        month = _month(month_value, "adjustments")
        want = {str(p): _money(v, "adjustments") for p, v in (parties or {}).items()}
        totals: dict[str, Decimal] = {}
        for entry in LedgerEntry.objects.filter(
            month__month=month, site=world.site, entry_kind=LedgerEntry.Kind.ADJUSTMENT
        ):
            party = _party_name(world, entry.party, entry.user_id)
            totals[party] = totals.get(party, Decimal(0)) + entry.amount
        got = {p: money.amount_text(v) for p, v in totals.items() if v != 0}
        checks.append(same(f"adjustments in {month:%Y-%m}", want, got))
    return checks


@fact("confirmations_reminder_job")
def confirmations_reminder_job(world: World) -> None:
    """The scheduler's reminder job runs now: salespeople's deals unconfirmed NOTIFY_REMINDER_AFTER after they were
    recorded remind the project managers, once each (COM-5)."""
    notices.confirmations_remind(now=world.now)
