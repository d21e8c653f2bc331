"""Purchases (VIP-DISC-*, VIP-PTS-1, VIP-ELIG-1, VIP-CARD-2): the quote, the till, recording a sale once per
request key."""

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import translation
from django.utils.translation import gettext as _

from salesoffice.idempotency import fingerprint
from salesoffice.languages import in_each_language
from salesoffice.models import Site
from salesoffice.timeutil import local_day

from .. import rules
from ..models import Card, Customer, Membership, PointMovement, Purchase, PurchaseLine
from ..selectors import paid_history, store_settings
from .common import (
    Actor,
    VipError,
    _as_actor,
    _ledger,
    _locked_membership,
    _same_request,
    card_at_store,
    member_phone_problem,
    normalise_phone,
    usable_card_or_error,
)

# --- purchases (VIP-DISC-*, VIP-PTS-1, VIP-ELIG-1, VIP-CARD-2) ----------------------------------------------------


@dataclass
class PurchaseResult:
    purchase: Purchase
    quote: rules.Quote
    replayed: bool = False
    eligibility: rules.Decision | None = None
    membership: Membership | None = None


def member_facts(membership: Membership | None) -> rules.MemberFacts | None:
    if membership is None:
        return None
    return rules.MemberFacts(earned_points=membership.earned_points, birthday=membership.customer.birthday)


def purchase_quote(
    *,
    store: Site,
    lines: Sequence[rules.Line],
    card: Card | None,
    birthday_claimed: bool = False,
    id_checked: bool = False,
    now: dt.datetime,
) -> rules.Quote:
    """What the purchase would cost and why, changing nothing."""
    problem = rules.lines_problem(lines)
    if problem:
        raise VipError({"lines": problem})
    if card is not None:
        usable_card_or_error(card, store=store, now=now)
    member = member_facts(card.membership if card else None)
    day = local_day(now, store.zone)
    problem = rules.birthday_claim_problem(member, claimed=birthday_claimed, id_checked=id_checked, day=day)
    if problem:
        raise VipError({"birthday": problem})
    return rules.quote(lines, member, birthday_claimed=birthday_claimed, day=day)


@dataclass(frozen=True)
class TillQuote:
    """What the till shows before a purchase is recorded: the quote, the points it would earn on the card, and for
    a non-member's purchase that qualifies without a phone, the prompt to take it (VIP-ELIG-1)."""

    quote: rules.Quote
    membership: Membership | None
    points: int
    qualifies: str


def till_quote(
    *,
    store: Site,
    lines: Sequence[rules.Line],
    card: Card | None,
    phone: str = "",
    birthday_claimed: bool = False,
    id_checked: bool = False,
    now: dt.datetime,
) -> TillQuote:
    """The one quote of the till, for its page and its API alike: the same checks (a card and a phone together,
    a phone that is not one or that is a member's, the lines, the card's validity here, the birthday claim), then
    the discount and why, and the points it would earn. Nothing is saved. `card` is found by `card_at_store`."""
    problem = rules.card_and_phone_problem(card_number=card.number if card else "", phone=phone)
    if problem:
        raise VipError({"phone": problem})
    if card is None and phone.strip():
        problem = member_phone_problem(store, phone, now=now)
        if problem:
            raise VipError({"phone": problem})
    quote = purchase_quote(
        store=store, lines=lines, card=card, birthday_claimed=birthday_claimed, id_checked=id_checked, now=now
    )
    membership = card.membership if card else None
    points = _points_earned(store, membership, paid=quote.payable)
    qualifies = ""
    if card is None and not phone.strip() and quote.payable >= rules.SINGLE_PURCHASE:
        # Without the phone the purchase cannot count for the customer: ask before recording.
        qualifies = _("VIP-ELIG-1: this purchase qualifies for a VIP card: enter the customer's phone to offer it.")
    return TillQuote(quote=quote, membership=membership, points=points, qualifies=qualifies)


def purchase_record(
    *,
    store: Site,
    actor: User | Actor,
    key: str,
    lines: Sequence[rules.Line],
    card_number: str = "",
    card: Card | None = None,
    phone: str = "",
    birthday_claimed: bool = False,
    id_checked: bool = False,
    signature_confirmed: bool = False,
    now: dt.datetime,
) -> PurchaseResult:
    """Record a till purchase (on `card`, or the card numbered `card_number`): the VIP discount, the points it
    earns, and for a non-member whether they now qualify. A key seen before at this store returns the first
    result (a till that retries never records twice)."""
    actor = _as_actor(actor)
    actor.check(store)
    if not key or len(key) > 80:
        raise VipError({"key": _("Every purchase needs a request key of at most 80 characters.")})
    request_fingerprint = fingerprint(
        {
            "lines": [dataclasses.asdict(line) for line in lines],
            "card": card.number if card is not None else (card_number or "").strip(),
            "phone": (phone or "").strip(),
            "birthday_claimed": birthday_claimed,
            "id_checked": id_checked,
            "signature_confirmed": signature_confirmed,
        }
    )
    try:
        with transaction.atomic():
            return _purchase_record(
                store=store,
                actor=actor,
                key=key,
                request_fingerprint=request_fingerprint,
                lines=lines,
                card=card or (card_at_store(store, card_number.strip()) if (card_number or "").strip() else None),
                phone=phone,
                birthday_claimed=birthday_claimed,
                id_checked=id_checked,
                signature_confirmed=signature_confirmed,
                now=now,
            )
    except IntegrityError:
        # The same key recorded by a concurrent retry between our check and our insert: its result stands.
        existing = Purchase.objects.filter(store=store, key=key).first()
        if existing is None:
            raise
        return _replay(existing, request_fingerprint=request_fingerprint)


def _replay(purchase: Purchase, *, request_fingerprint: str) -> PurchaseResult:
    _same_request(purchase, request_fingerprint)
    lines = list(purchase.lines.all())
    quote = rules.Quote(
        gross=purchase.gross,
        rate=purchase.discount_rate,
        rule_id=purchase.discount_rule,
        line_discounts=tuple(line.discount for line in lines),
        discount=purchase.discount,
        payable=purchase.paid,
        explanations=tuple(filter(None, purchase.explanation.split("\n"))),
    )
    return PurchaseResult(purchase=purchase, quote=quote, replayed=True, membership=purchase.membership)


def _purchase_record(
    *,
    store: Site,
    actor: Actor,
    key: str,
    request_fingerprint: str,
    lines: Sequence[rules.Line],
    card: Card | None,
    phone: str,
    birthday_claimed: bool,
    id_checked: bool,
    signature_confirmed: bool,
    now: dt.datetime,
) -> PurchaseResult:
    """The purchase under its membership's lock: its row, lines and explanation in each language, then the points
    (`_earn`) or, for a customer without a card, whether they now qualify.

    Why one function: what is left is long only by the request's fields and the purchase row's columns; the steps
    read in the order they happen under the lock, and each one that is more than a line is its own function."""
    existing = Purchase.objects.filter(store=store, key=key).first()
    if existing is not None:
        return _replay(existing, request_fingerprint=request_fingerprint)
    membership: Membership | None = None
    if card is not None:
        membership = _locked_membership(card.membership_id)
        card.membership = membership
    problem = rules.signature_problem(card_used=card is not None, signature_confirmed=signature_confirmed)
    if problem:
        raise VipError({"signature": problem})
    quote = purchase_quote(
        store=store, lines=lines, card=card, birthday_claimed=birthday_claimed, id_checked=id_checked, now=now
    )
    customer = membership.customer if membership else _customer_of_phone(store, phone, now=now)
    points = _points_earned(store, membership, paid=quote.payable)

    def explain() -> list[str]:
        return _explanation(
            lines,
            membership,
            birthday_claimed=birthday_claimed,
            day=local_day(now, store.zone),
            quote=quote,
            points=points,
        )

    said = in_each_language(explain)
    explanations = said.get(translation.get_language()) or explain()
    purchase = Purchase.objects.create(
        store=store,
        customer=customer,
        membership=membership,
        card=card,
        at=now,
        key=key,
        request_fingerprint=request_fingerprint,
        gross=quote.gross,
        discount_rule=quote.rule_id,
        discount_rate=quote.rate,
        discount=quote.discount,
        paid=quote.payable,
        points_earned=points,
        birthday_id_checked=bool(birthday_claimed and id_checked),
        signature_confirmed=signature_confirmed,
        explanation="\n".join(explanations),
        explanations=said,
        **actor.fields,
    )
    _lines_create(purchase, lines, quote)
    eligibility = None
    if membership is not None:
        _earn(membership, purchase, paid=quote.payable, points=points, now=now)
    elif customer is not None and not customer_has_valid_membership(customer, now=now):
        eligibility = rules.eligibility(paid_history(customer), zone=store.zone, now=now)
    quote = dataclasses.replace(quote, explanations=tuple(explanations))
    return PurchaseResult(purchase=purchase, quote=quote, eligibility=eligibility, membership=membership)


def _points_earned(store: Site, membership: Membership | None, *, paid: Decimal) -> int:
    """The points a member's purchase earns by the store's points mode (VIP-PTS-1); none without a card."""
    if membership is None:
        return 0
    return rules.points_earned(
        mode=store_settings(store).points_mode, paid_total_before=membership.paid_total, paid=paid
    )


def _explanation(
    lines: Sequence[rules.Line],
    membership: Membership | None,
    *,
    birthday_claimed: bool,
    day: dt.date,
    quote: rules.Quote,
    points: int,
) -> list[str]:
    """Why the purchase costs what it does, and a member's points (VIP-PTS-1), in the active language."""
    lines_said = list(
        rules.quote(lines, member_facts(membership), birthday_claimed=birthday_claimed, day=day).explanations
    )
    if membership is not None:
        lines_said.append(
            _("VIP-PTS-1: %(paid)s paid earns %(points)s point(s)")
            % {"paid": rules.yuan(quote.payable), "points": points}
        )
    return lines_said


def _lines_create(purchase: Purchase, lines: Sequence[rules.Line], quote: rules.Quote) -> None:
    PurchaseLine.objects.bulk_create(
        PurchaseLine(
            purchase=purchase,
            description=line.description[:120],
            amount=line.amount,
            promotion=line.promotion,
            special_price=line.special_price,
            coupon=line.coupon,
            discount=discount,
        )
        for line, discount in zip(lines, quote.line_discounts, strict=True)
    )


def _customer_of_phone(store: Site, phone: str, *, now: dt.datetime) -> Customer | None:
    """A purchase without a card, with the customer's phone: the store's customer of that phone (made on first use),
    so the purchase counts towards their eligibility (VIP-ELIG-1)."""
    if not phone:
        return None
    problem = member_phone_problem(store, phone, now=now)
    if problem:
        raise VipError({"phone": problem})
    customer, _created = Customer.objects.get_or_create(
        store=store, phone=normalise_phone(phone), defaults={"created_at": now}
    )
    return customer


def _earn(membership: Membership, purchase: Purchase, *, paid: Decimal, points: int, now: dt.datetime) -> None:
    """The member's totals and balance grow by the purchase, the ledger records the points (VIP-PTS-1)."""
    Membership.objects.filter(pk=membership.pk).update(
        paid_total=F("paid_total") + paid,
        earned_points=F("earned_points") + points,
        balance=F("balance") + points,
    )
    if points:
        _ledger(
            membership,
            PointMovement.Kind.EARN,
            points,
            now=now,
            key=f"purchase:{purchase.pk}",
            rule_id="VIP-PTS-1",
            purchase=purchase,
        )
    # The row is locked: these are the values the update wrote.
    membership.paid_total += paid
    membership.earned_points += points
    membership.balance += points


def customer_has_valid_membership(customer: Customer, *, now: dt.datetime) -> bool:
    return Membership.objects.filter(customer=customer, valid_until__gte=now).exists()
