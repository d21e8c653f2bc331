"""Races on PostgreSQL, real threads each on its own connection, released together: twenty redemptions on a card
with points for one (exactly one succeeds, VIP-PTS-2), and a till retrying one purchase at once (recorded once)."""

import pytest
from django.db.models import Sum

from vip import services
from vip.models import Membership, PointMovement, Purchase, Redemption, Reward

from ..reception.test_race import press_at_once
from .conftest import NOW, buy, lines, member

RACE = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@RACE
def test_twenty_redemptions_at_once_on_points_for_one_exactly_one_succeeds_VIP_PTS_2(store, clerk):
    card = member(store, clerk)
    buy(store, clerk, ["1111.12"], card=card)  # 10 points
    reward = Reward.objects.create(store=store, name="Tote bag", points=10, stock=50)

    def redeem(n):
        def call():
            try:
                return services.redemption_make(
                    store=store, card=card, reward=reward, actor=clerk, key=f"r{n}", now=NOW
                )
            except services.VipError as error:
                return error

        return call

    results = press_at_once([redeem(n) for n in range(20)])

    won = [r for r in results if isinstance(r, Redemption)]
    refused = [r for r in results if isinstance(r, services.VipError)]
    assert len(won) == 1 and len(refused) == 19
    assert all("VIP-PTS-2" in " ".join(error.messages) for error in refused)
    membership = Membership.objects.get(pk=card.membership_id)
    assert membership.balance == 0
    assert PointMovement.objects.filter(membership=membership).aggregate(s=Sum("points"))["s"] == 0
    reward.refresh_from_db()
    assert reward.stock == 49


@RACE
def test_one_purchase_retried_at_once_is_recorded_once(store, clerk):
    card = member(store, clerk)

    def retry():
        return services.purchase_record(
            store=store,
            actor=clerk,
            key="till-7-000123",
            lines=lines(500),
            card_number=card.number,
            signature_confirmed=True,
            now=NOW,
        )

    results = press_at_once([retry for _ in range(8)])

    assert len({r.purchase.pk for r in results}) == 1
    assert sum(not r.replayed for r in results) == 1
    assert Purchase.objects.filter(card=card).count() == 1
    assert Membership.objects.get(pk=card.membership_id).balance == 4
