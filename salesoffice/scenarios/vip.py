"""The store's facts and expectations for scenario files (docs/scenarios.md, "Store VIP membership"). Every fact
calls vip's own service at the step's instant, as the step's actor; every expectation reads what the services
recorded or asks vip.rules, so a file checks the same code the till runs."""

import datetime as dt
from decimal import Decimal, InvalidOperation

from salesoffice.models import Site
from salesoffice.roles import Role
from salesoffice.timeutil import local_day
from vip import rules, selectors, services
from vip.models import Card, Customer, Membership, PointMovement, Purchase, Redemption, Return, Reward, SmsMessage
from vip.models import StoreSettings as Settings

from .registry import Check, ScenarioError, expect, fact, same, setup
from .world import World

CLERK = (Role.STORE_CLERK, Role.STORE_MANAGER)
MANAGER = (Role.STORE_MANAGER,)
OPERATIONS = (Role.OPERATIONS,)


# --- helpers -------------------------------------------------------------------------------------------------------


def _decimal(value, where: str) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ScenarioError(f"{where}: {value!r} is not an amount") from None


def _phone(world: World, customer) -> str:
    """Each customer named in the file gets a phone of their own, 1380013xxxx in the order they appear."""
    phones = world.data.setdefault("vip_phones", {})
    if str(customer) not in phones:
        phones[str(customer)] = f"1380013{8000 + len(phones):04d}"
    return phones[str(customer)]


def _store(world: World, code=None) -> Site:
    if code is None:
        return world.site
    store = Site.objects.filter(code=str(code), kind=Site.Kind.STORE).first()
    if store is None:
        raise ScenarioError(f"unknown store '{code}' (add it under other_stores:)")
    return store


def _customer(world: World, name, store: Site) -> Customer:
    customer = Customer.objects.filter(store=store, phone=_phone(world, name)).first()
    if customer is None:
        raise ScenarioError(f"'{name}' has bought nothing at {store.code} yet")
    return customer


def _card(world: World, name) -> Card:
    card = world.get(name, Card)
    card.membership = Membership.objects.select_related("customer", "store").get(pk=card.membership_id)
    return card


def _line(value, where: str) -> rules.Line:
    if isinstance(value, dict):
        unknown = set(value) - {"amount", "promotion", "special_price", "coupon"}
        if unknown or "amount" not in value:
            raise ScenarioError(f"{where}: a line is an amount or {{amount, promotion, special_price, coupon}}")
        return rules.Line(
            amount=_decimal(value["amount"], where),
            promotion=bool(value.get("promotion", False)),
            special_price=bool(value.get("special_price", False)),
            coupon=bool(value.get("coupon", False)),
        )
    return rules.Line(amount=_decimal(value, where))


def _each(name: str, expected, example: str) -> dict:
    if not isinstance(expected, dict):
        raise ScenarioError(f"{name}: a mapping, e.g. {example}")
    return expected


# --- setup ---------------------------------------------------------------------------------------------------------


@setup("store")
def store_settings(world: World, *, share_members: bool = False, points: str = rules.CARRY_OVER):
    """The store's settings: VIP-ELIG-1 sharing with the chain, VIP-PTS-1 `carry_over` or `per_purchase`."""
    if points not in (rules.CARRY_OVER, rules.PER_PURCHASE):
        raise ScenarioError(f"store: points is carry_over or per_purchase, not {points!r}")
    if world.site.kind != Site.Kind.STORE:
        raise ScenarioError("store: the site is a store (site: {kind: store})")
    world.site.vip_settings, _created = Settings.objects.update_or_create(
        site=world.site, defaults={"share_members": bool(share_members), "points_mode": points}
    )


@setup("other_stores", shorthand="stores")
def other_stores(world: World, *, stores: list):
    """More stores of the chain: [{code: huaihai, share_members: true}]; the file's store clerks work at each."""
    for spec in stores or []:
        if not isinstance(spec, dict) or "code" not in spec or set(spec) - {"code", "share_members"}:
            raise ScenarioError("other_stores: a list of {code, share_members}")
        store = Site.objects.create(
            code=str(spec["code"]), name=str(spec["code"]), kind=Site.Kind.STORE, time_zone=world.site.time_zone
        )
        Settings.objects.create(site=store, share_members=bool(spec.get("share_members", False)))
        for handle, roles in world.roles.items():
            if set(roles) & set(CLERK):
                store.memberships.create(user=world.people[handle])


@setup("catalog", shorthand="items")
def catalog(world: World, *, items: list):
    """The store's reward catalog: [{name: Tote bag, points: 10, stock: 5}] (VIP-PTS-2)."""
    for spec in items or []:
        if not isinstance(spec, dict) or "name" not in spec or set(spec) - {"name", "points", "stock"}:
            raise ScenarioError("catalog: a list of {name, points, stock}")
        Reward.objects.create(
            store=world.site,
            name=str(spec["name"]),
            points=int(spec.get("points", 10)),
            stock=int(spec.get("stock", 10)),
        )


# --- facts ---------------------------------------------------------------------------------------------------------


@fact("purchase", shorthand="amount", actor=CLERK)
def purchase(
    world: World,
    *,
    amount=None,
    lines=None,
    customer=None,
    card=None,
    birthday: bool = False,
    id_checked: bool = False,
    signed: bool | None = None,
    key=None,
    store=None,
):
    """A till receipt of `amount` (or `lines`: amounts or {amount, promotion, special_price, coupon}), for a
    `customer` (a name; non-members are known by phone) or on a `card` (a name from issue_card's as:). A member
    signs (VIP-CARD-2) unless `signed: false`. `key` replays a request key; `store` another store of the chain."""
    if (amount is None) == (lines is None):
        raise ScenarioError("purchase: give amount or lines")
    where = "purchase"
    till_lines = [_line(amount, where)] if amount is not None else [_line(v, where) for v in lines]
    number = ""
    if card is not None:
        number = world.get(card, Card).number
    result = services.purchase_record(
        store=_store(world, store),
        actor=world.actor(),
        key=str(key) if key is not None else world.request_key(),
        lines=till_lines,
        card_number=number,
        phone=_phone(world, customer) if customer is not None and card is None else "",
        birthday_claimed=bool(birthday),
        id_checked=bool(id_checked),
        signature_confirmed=(card is not None) if signed is None else bool(signed),
        now=world.now,
    )
    world.data["vip_last_purchase"] = result
    return result.purchase


@fact("issue_card", shorthand="customer", actor=CLERK)
def issue_card(world: World, *, customer, surname: str = "Wang", title: str = "ms", birthday=None, number: str = ""):
    """The registration form and the card, in one step (VIP-CARD-1); after an expired card, a renewal (VIP-CARD-3)."""
    return services.card_issue(
        customer=_customer(world, customer, world.site),
        actor=world.actor(),
        surname=str(surname),
        title=str(title),
        birthday=None if birthday is None else dt.date.fromisoformat(str(birthday)),
        number=str(number),
        now=world.now,
    )


@fact("replace_card", shorthand="card", actor=CLERK)
def replace_card(world: World, *, card, reason: str = "lost", number: str = ""):
    """A lost or damaged card: blocked at once, a replacement issued (VIP-CARD-4). `as:` names the new card."""
    return services.card_replace(
        card=_card(world, card), actor=world.actor(), reason=reason, number=str(number), now=world.now
    )


@fact("redeem", actor=CLERK)
def redeem(world: World, *, card, reward, key=None):
    """Points of one card for a reward of the catalog (VIP-PTS-2)."""
    item = Reward.objects.filter(store=world.site, name=str(reward)).first()
    if item is None:
        raise ScenarioError(f"redeem: no reward '{reward}' in the catalog")
    return services.redemption_make(
        store=world.site,
        card=_card(world, card),
        reward=item,
        actor=world.actor(),
        key=str(key) if key is not None else world.request_key(),
        now=world.now,
    )


@fact("return", actor=CLERK)
def refund(world: World, *, purchase, amount, key=None):
    """A refund of `amount` on a purchase named by as: (VIP-RET-1)."""
    return services.return_record(
        purchase=world.get(purchase, Purchase),
        amount=_decimal(amount, "return"),
        actor=world.actor(),
        key=str(key) if key is not None else world.request_key(),
        now=world.now,
    )


@fact("opt_out", shorthand="customer", actor=CLERK)
def opt_out(world: World, *, customer):
    """The member asks for no SMS reminders (VIP-SVC-1)."""
    return services.customer_sms_preference(
        customer=_customer(world, customer, world.site), actor=world.actor(), opt_out=True
    )


@fact("campaign", actor=MANAGER)
def campaign(world: World, *, occasion: str = "promotion", text: str = "Spring sale", send_at=None):
    """A reminder before new products or a promotion (VIP-SVC-1), sent by the beat job from `send_at`."""
    return services.campaign_create(
        store=world.site,
        actor=world.actor(),
        occasion=str(occasion),
        text=str(text),
        send_at=world.now if send_at is None else world.instant(send_at),
        now=world.now,
    )


@fact("reminder_jobs")
def reminder_jobs(world: World):
    """The beat jobs of VIP-SVC-1 run now (birthdays and due campaigns); run twice, they send once."""
    world.data["vip_sms_sent"] = services.birthday_reminders_send(now=world.now) + services.campaign_reminders_send(
        now=world.now
    )


@fact("hand_in", actor=OPERATIONS)
def hand_in(world: World, *, month, forms: int):
    """Operations received the month's original registration forms (`month` like 2026-03, VIP-DATA-1)."""
    year, number = (int(part) for part in str(month).split("-"))
    return services.hand_in_record(
        store=world.site, year=year, month=number, forms=int(forms), actor=world.actor(), now=world.now
    )


@fact("unmask", shorthand="card", actor=CLERK)
def unmask(world: World, *, card):
    """A clerk sees the member's full phone and ID number; the view is logged (VIP-DATA-1)."""
    return services.customer_unmask(customer=_card(world, card).membership.customer, actor=world.actor(), now=world.now)


# --- expectations --------------------------------------------------------------------------------------------------


@expect("eligible")
def eligible(world: World, expected) -> list[Check]:
    """Whether each customer has qualified for a card at this store by now (VIP-ELIG-1): {li: true}."""
    checks = []
    for name, want in _each("eligible", expected, "{li: true}").items():
        customer = _customer(world, name, world.site)
        decision = rules.eligibility(selectors.paid_history(customer), zone=world.zone, now=world.now)
        checks.append(Check(f"{name} eligible", decision.ok == bool(want), str(bool(want)).lower(), str(decision)))
    return checks


@expect("receipt")
def receipt(world: World, expected) -> list[Check]:
    """The last purchase (or {name: {...}} of named ones): paid, discount, rule (the VIP discount that applied),
    points (earned), says (a phrase of the explanation)."""
    if not isinstance(expected, dict):
        raise ScenarioError("receipt: a mapping like {paid: 90.00, rule: VIP-DISC-1, points: 0}")
    keys = {"paid", "discount", "rule", "points", "says"}
    if set(expected) <= keys:
        last = world.data.get("vip_last_purchase")
        if last is None:
            raise ScenarioError("receipt: no purchase yet")
        targets = {"the last purchase": (last.purchase, expected)}
    else:
        targets = {str(name): (world.get(name, Purchase), fields) for name, fields in expected.items()}
    checks = []
    for label, (bought, fields) in targets.items():
        for field_name, want in (fields or {}).items():
            if field_name == "paid":
                checks.append(same(f"{label} paid", _decimal(want, "receipt"), bought.paid))
            elif field_name == "discount":
                checks.append(same(f"{label} discount", _decimal(want, "receipt"), bought.discount))
            elif field_name == "rule":
                checks.append(same(f"{label} discount rule", str(want or ""), bought.discount_rule))
            elif field_name == "points":
                checks.append(same(f"{label} points earned", int(want), bought.points_earned))
            elif field_name == "says":
                ok = str(want) in bought.explanation
                checks.append(Check(f"{label} says", ok, str(want), bought.explanation.replace("\n", "; ")))
            else:
                raise ScenarioError(f"receipt: unknown field {field_name} ({', '.join(sorted(keys))})")
    return checks


def _membership(world: World, card) -> Membership:
    return Membership.objects.get(pk=world.get(card, Card).membership_id)


@expect("balance")
def balance(world: World, expected) -> list[Check]:
    """Each card's points balance, checked against its ledger's sum too: {c1: 10}."""
    checks = []
    for card, want in _each("balance", expected, "{c1: 10}").items():
        membership = _membership(world, card)
        ledger = sum(PointMovement.objects.filter(membership=membership).values_list("points", flat=True))
        checks.append(same(f"balance of {card}", int(want), membership.balance))
        checks.append(same(f"ledger sum of {card}", int(want), ledger))
    return checks


@expect("earned")
def earned(world: World, expected) -> list[Check]:
    """Each card's earned points, the 8.5折 tier's measure (VIP-PTS-1, VIP-DISC-2): {c1: 30}."""
    return [
        same(f"earned points of {card}", int(want), _membership(world, card).earned_points)
        for card, want in _each("earned", expected, "{c1: 30}").items()
    ]


@expect("paid_total")
def paid_total(world: World, expected) -> list[Check]:
    """Each card's paid total (VIP-PTS-1, VIP-RET-1): {c1: 300.00}."""
    return [
        same(f"paid total of {card}", _decimal(want, "paid_total"), _membership(world, card).paid_total)
        for card, want in _each("paid_total", expected, "{c1: 300.00}").items()
    ]


@expect("card")
def card_state(world: World, expected) -> list[Check]:
    """Each card's state at this store now: {c1: {usable: false, rule: VIP-CARD-3, valid_until: 2028-03-15,
    store: other}}."""
    checks = []
    for name, fields in _each("card", expected, "{c1: {usable: true}}").items():
        card = _card(world, name)
        fields = dict(fields or {})
        at_store = _store(world, fields.pop("store", None))
        decision = rules.card_usable(
            services.card_facts(card),
            at_store_id=at_store.pk,
            at_store_shares=selectors.store_settings(at_store).share_members,
            now=world.now,
        )
        for field_name, want in fields.items():
            if field_name == "usable":
                checks.append(
                    Check(f"{name} usable", decision.ok == bool(want), str(bool(want)).lower(), str(decision))
                )
            elif field_name == "rule":
                checks.append(same(f"{name} rule", str(want), decision.rule_id))
            elif field_name == "valid_until":
                got = local_day(card.membership.valid_until, world.zone).isoformat()
                checks.append(same(f"{name} valid until", str(want), got))
            elif field_name == "kind":
                checks.append(same(f"{name} kind", str(want), card.kind))
            else:
                raise ScenarioError(f"card: unknown field {field_name} (usable, rule, valid_until, kind, store)")
    return checks


@expect("shortfall")
def shortfall(world: World, expected) -> list[Check]:
    """Points a named return could not take back, already redeemed (VIP-RET-1): {x1: 3}."""
    return [
        same(f"shortfall of {name}", int(want), world.get(name, Return).shortfall)
        for name, want in _each("shortfall", expected, "{x1: 3}").items()
    ]


@expect("redemptions")
def redemptions(world: World, expected) -> Check:
    """How many redemptions the store has recorded (VIP-PTS-2)."""
    return same("redemptions", int(expected), Redemption.objects.filter(reward__store=world.site).count())


@expect("stock")
def stock(world: World, expected) -> list[Check]:
    """Each reward's stock: {Tote bag: 4}."""
    return [
        same(f"stock of {name}", int(want), Reward.objects.get(store=world.site, name=str(name)).stock)
        for name, want in _each("stock", expected, "{Tote bag: 4}").items()
    ]


@expect("sms")
def sms(world: World, expected) -> list[Check]:
    """SMS reminders sent so far, per customer: {li: 1} (VIP-SVC-1)."""
    checks = []
    for name, want in _each("sms", expected, "{li: 1}").items():
        customer = _customer(world, name, world.site)
        checks.append(same(f"SMS to {name}", int(want), SmsMessage.objects.filter(customer=customer).count()))
    return checks


def _summary_row(world: World, month):
    rows = selectors.registration_summary(now=world.now, months=24, stores=[world.site])
    return next((r for r in rows if f"{r.year}-{r.month:02d}" == str(month)), None)


@expect("hand_in_status")
def hand_in_status(world: World, expected) -> list[Check]:
    """Whether a month's forms reached operations by the 2nd (VIP-DATA-1): {2026-03: overdue}."""
    checks = []
    for month, want in _each("hand_in_status", expected, "{2026-03: received on time}").items():
        row = _summary_row(world, month)
        if row is None:
            raise ScenarioError(f"hand_in_status: {month} is not among the last 24 months")
        checks.append(same(f"forms of {month}", str(want), row.status.explanation))
    return checks


@expect("registrations")
def registrations(world: World, expected) -> list[Check]:
    """Cards issued (new, not renewals) in a month at this store: {2026-03: 2} (VIP-DATA-1)."""
    checks = []
    for month, want in _each("registrations", expected, "{2026-03: 2}").items():
        row = _summary_row(world, month)
        got = row.registrations if row else 0
        checks.append(same(f"registrations of {month}", int(want), got))
    return checks
