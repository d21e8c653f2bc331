"""Returns (VIP-RET-1): a refund reverses the points the refunded amount earned."""

import datetime as dt
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F, Sum
from django.utils.translation import gettext as _

from salesoffice.idempotency import fingerprint
from salesoffice.models import Site
from salesoffice.money import summed
from salesoffice.notifications import notify
from salesoffice.roles import Role

from .. import rules
from ..models import Membership, PointMovement, Purchase, Return
from ..selectors import store_settings
from .common import Actor, VipError, _as_actor, _ledger, _locked_membership, _same_request

# --- returns (VIP-RET-1) ---------------------------------------------------------------------------------------------


def refunded(purchase: Purchase) -> Decimal:
    return summed(purchase.returns.aggregate(total=Sum("amount"))["total"])


def return_record(
    *, purchase: Purchase, amount: Decimal, actor: User | Actor, key: str, reason: str = "", now: dt.datetime
) -> Return:
    """A refund lowers the paid total and the earned points follow; what was already redeemed is a shortfall for
    the store manager (VIP-RET-1)."""
    # The refund, its points reversal and the shortfall notice are written under one lock, in this order.
    actor = _as_actor(actor)
    actor.check(purchase.store)
    if not key or len(key) > 80:
        raise VipError({"key": _("Every return needs a request key of at most 80 characters.")})
    request_fingerprint = fingerprint({"amount": amount, "reason": reason[:200]})
    with transaction.atomic():
        membership = _locked_membership(purchase.membership_id) if purchase.membership_id else None
        existing = Return.objects.filter(purchase=purchase, key=key).first()
        if existing is not None:
            _same_request(existing, request_fingerprint)
            return existing
        # Two returns of one purchase at once (a non-member's has no membership to lock): the purchase row's lock
        # serialises them, so together they never refund more than was paid. FOR UPDATE fires no UPDATE trigger.
        Purchase.objects.select_for_update().filter(pk=purchase.pk).first()
        kept = purchase.paid - refunded(purchase)
        problem = rules.refund_problem(amount=amount, kept=kept)
        if problem:
            raise VipError({"amount": problem})
        reversal = _reversal(purchase, membership, kept=kept, amount=amount)
        refund = Return.objects.create(
            purchase=purchase,
            amount=amount,
            points_reversed=reversal.points,
            shortfall=reversal.shortfall,
            at=now,
            key=key,
            request_fingerprint=request_fingerprint,
            reason=reason[:200],
            **actor.fields,
        )
        if membership is not None:
            _take_back(membership, refund, reversal, amount=amount, now=now)
        return refund


def _reversal(purchase: Purchase, membership: Membership | None, *, kept: Decimal, amount: Decimal) -> rules.Reversal:
    """The points the refund takes back, from the balance first, the rest a shortfall (VIP-RET-1); none without a
    membership."""
    if membership is None:
        return rules.Reversal(0, 0, 0)
    points = rules.points_reversed(
        mode=store_settings(purchase.store).points_mode,
        paid_total_before=membership.paid_total,
        kept_before=kept,
        refund=amount,
    )
    points = min(points, membership.earned_points)
    return rules.reverse(points, balance=membership.balance)


def _take_back(
    membership: Membership, refund: Return, reversal: rules.Reversal, *, amount: Decimal, now: dt.datetime
) -> None:
    """The member's totals and balance shrink by the refund, the ledger records the points, the store manager hears
    of a shortfall (VIP-RET-1). The membership row is locked by the caller."""
    Membership.objects.filter(pk=membership.pk).update(
        paid_total=F("paid_total") - min(amount, membership.paid_total),
        earned_points=F("earned_points") - reversal.points,
        balance=F("balance") - reversal.from_balance,
    )
    if reversal.from_balance:
        _ledger(
            membership,
            PointMovement.Kind.RETURN,
            -reversal.from_balance,
            now=now,
            key=f"return:{refund.pk}",
            rule_id="VIP-RET-1",
            refund=refund,
        )
    if reversal.shortfall:
        _notify_shortfall(refund, membership, now=now)


def _notify_shortfall(refund: Return, membership: Membership, *, now: dt.datetime) -> None:
    store = refund.purchase.store
    for manager_id in store_manager_ids(store):
        notify(
            recipient_id=manager_id,
            key=f"vip-shortfall:{refund.pk}:{manager_id}",
            kind="vip_return_shortfall",
            now=now,
            site=store,
            rule_id="VIP-RET-1",
            params={"points": refund.shortfall, "card_holder": str(membership.customer)},
            link=f"/store/{store.code}/shortfalls/",
        )


def store_manager_ids(store: Site) -> list[int]:
    return list(
        store.memberships.filter(user__groups__name=Role.STORE_MANAGER.value, user__is_active=True).values_list(
            "user_id", flat=True
        )
    )
