"""Cards (VIP-CARD-1, -3, -4): issuing, renewing, replacing, and the points an expired card loses."""

import datetime as dt
import secrets

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from salesoffice.models import Site

from .. import rules
from ..models import Card, Customer, Membership, PointMovement
from ..selectors import latest_membership, paid_history
from .common import Actor, VipError, _as_actor, _ledger, _locked_membership

# --- cards (VIP-CARD-1, -3, -4) ------------------------------------------------------------------------------------


def _new_number(store: Site) -> str:
    return f"{store.pk % 1000:03d}{secrets.randbelow(10**9):09d}"


def _card_create(
    *, membership: Membership, kind: str, number: str, now: dt.datetime, replaces: Card | None = None
) -> Card:
    number = number.strip() if number else ""
    for _attempt in range(5):
        candidate = number or _new_number(membership.store)
        try:
            with transaction.atomic():
                return Card.objects.create(
                    membership=membership, number=candidate, kind=kind, issued_at=now, replaces=replaces
                )
        except IntegrityError:
            if number:
                raise VipError(
                    {"number": _("Card number %(number)s is already in use.") % {"number": number}}
                ) from None
    raise VipError({"number": _("Could not find a free card number; enter one.")})


def card_issue(
    *,
    customer: Customer,
    actor: User | Actor,
    surname: str,
    title: str,
    given_name: str = "",
    birthday: dt.date | None = None,
    id_number: str = "",
    number: str = "",
    now: dt.datetime,
) -> Card:
    """Register a qualifying customer and issue the card in one step (VIP-CARD-1); after an expired card, a renewal
    with no points carried over (VIP-CARD-3)."""
    till = _as_actor(actor)
    store = customer.store
    till.check(store)
    problem = rules.surname_problem(surname)
    if problem:
        raise VipError({"surname": problem})
    if title not in Customer.Title.values:
        raise VipError({"title": _("Choose how to address the member.")})
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        previous = latest_membership(customer)
        holding = previous is not None and previous.is_valid(now)
        problem = rules.issue_problem(
            valid_until=previous.valid_until if holding and previous is not None else None, zone=store.zone
        )
        if problem:
            raise VipError(problem)
        if previous is None:
            decision = rules.eligibility(paid_history(customer), zone=store.zone, now=now)
            if not decision.ok:
                raise VipError(str(decision))
        else:
            membership_expire_points(membership=previous, now=now)
        customer.surname = surname.strip()
        customer.given_name = given_name.strip()
        customer.title = title
        customer.birthday = birthday
        customer.id_number = id_number.strip()
        customer.save(update_fields=["surname", "given_name", "title", "birthday", "id_number"])
        membership = Membership.objects.create(
            customer=customer,
            store=store,
            started_at=now,
            valid_until=rules.card_valid_until(now, store.zone),
            renews=previous,
            issued_by=till.user,
        )
        return _card_create(
            membership=membership,
            kind=Card.Kind.RENEWAL if previous else Card.Kind.NEW,
            number=number,
            now=now,
        )


def card_replace(*, card: Card, actor: User | Actor, reason: str, number: str = "", now: dt.datetime) -> Card:
    """A lost or damaged card: the old number is blocked at once and a replacement issued, carrying the paid total,
    balance, earned points, tier and expiry (VIP-CARD-4)."""
    store = card.membership.store
    _as_actor(actor).check(store)
    with transaction.atomic():
        membership = _locked_membership(card.membership_id)
        card = Card.objects.select_for_update().get(pk=card.pk)
        problem = rules.replacement_problem(
            number=card.number, blocked=card.blocked_at is not None, membership_valid=membership.is_valid(now)
        )
        if problem:
            raise VipError(problem)
        card.blocked_at = now
        card.block_reason = (reason or _("lost"))[:120]
        card.save(update_fields=["blocked_at", "block_reason"])
        return _card_create(membership=membership, kind=Card.Kind.REPLACEMENT, number=number, now=now, replaces=card)


def membership_expire_points(*, membership: Membership, now: dt.datetime) -> int:
    """An expired card's points lapse with it (VIP-PTS-3, VIP-CARD-3): the ledger records it once."""
    with transaction.atomic():
        membership = _locked_membership(membership.pk)
        lapsed = rules.points_lapsing(card_valid=membership.is_valid(now), balance=membership.balance)
        if not lapsed:
            return 0
        movement_key = f"expiry:{membership.pk}"
        if PointMovement.objects.filter(key=movement_key).exists():
            return 0
        Membership.objects.filter(pk=membership.pk).update(balance=F("balance") - lapsed)
        _ledger(membership, PointMovement.Kind.EXPIRY, -lapsed, now=now, key=movement_key, rule_id="VIP-PTS-3")
        return lapsed
