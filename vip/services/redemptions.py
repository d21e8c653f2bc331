"""Redemptions (VIP-PTS-2): points of one card for a reward of the store catalog."""

import datetime as dt

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from salesoffice.idempotency import fingerprint
from salesoffice.models import Site

from .. import rules
from ..models import Card, Membership, PointMovement, Redemption, Reward
from .common import Actor, VipError, _as_actor, _ledger, _locked_membership, _same_request, usable_card_or_error

# --- redemption (VIP-PTS-2) ------------------------------------------------------------------------------------------


def redemption_make(
    *, store: Site, card: Card, reward: Reward, actor: User | Actor, key: str, now: dt.datetime
) -> Redemption:
    """Points of this one card for a reward of this store's catalog; final (VIP-PTS-2)."""
    actor = _as_actor(actor)
    actor.check(store)
    problem = rules.reward_catalog_problem(in_store_catalog=reward.store_id == store.pk)
    if problem:
        raise VipError({"reward": problem})
    if not key or len(key) > 80:
        raise VipError({"key": _("Every redemption needs a request key of at most 80 characters.")})
    request_fingerprint = fingerprint({"card": card.number, "reward": reward.pk})
    with transaction.atomic():
        membership = _locked_membership(card.membership_id)
        existing = Redemption.objects.filter(membership=membership, key=key).first()
        if existing is not None:
            _same_request(existing, request_fingerprint)
            return existing
        card.membership = membership
        usable_card_or_error(card, store=store, now=now)
        reward = Reward.objects.select_for_update().get(pk=reward.pk)
        problem = rules.redemption_problem(
            balance=membership.balance, points=reward.points, stock=reward.stock, active=reward.active
        )
        if problem:
            raise VipError({"reward": problem})
        # The lock above serialises redemptions; the condition is the last guard, and the CHECK constraint after it.
        taken = Membership.objects.filter(pk=membership.pk, balance__gte=reward.points).update(
            balance=F("balance") - reward.points
        )
        if taken != 1:
            raise VipError({"reward": _("VIP-PTS-2: not enough points on this card.")})
        Reward.objects.filter(pk=reward.pk).update(stock=F("stock") - 1)
        redemption = Redemption.objects.create(
            membership=membership,
            card=card,
            reward=reward,
            points=reward.points,
            at=now,
            key=key,
            request_fingerprint=request_fingerprint,
            **actor.fields,
        )
        _ledger(
            membership,
            PointMovement.Kind.REDEEM,
            -reward.points,
            now=now,
            key=f"redemption:{redemption.pk}",
            rule_id="VIP-PTS-2",
            redemption=redemption,
        )
        return redemption
