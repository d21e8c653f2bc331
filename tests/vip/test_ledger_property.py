"""A property of the points ledger: whatever the till does (purchases, redemptions, returns, replacements, in any
order), the balance equals the ledger's sum and is never negative; earned points follow VIP-PTS-1 and VIP-RET-1."""

import datetime as dt
from decimal import Decimal

from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from salesoffice.models import Site
from salesoffice.roles import Role
from vip import rules, services
from vip.models import Customer, Membership, PointMovement, Purchase, Reward, StoreSettings

from ..conftest import at, make_user

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("3000"), places=2)
actions = st.lists(
    st.one_of(
        st.tuples(st.just("buy"), amounts, st.booleans()),
        st.tuples(st.just("redeem"), st.sampled_from([5, 10, 30])),
        st.tuples(st.just("return"), st.integers(min_value=0, max_value=20), st.floats(0.01, 1.0)),
        st.tuples(st.just("replace")),
    ),
    max_size=25,
)


class LedgerProperty(TestCase):
    @given(steps=actions, per_purchase=st.booleans())
    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    def test_balance_is_the_ledger_sum_and_never_negative(self, steps, per_purchase):
        store = Site.objects.create(name="Store", code="s", kind=Site.Kind.STORE)
        StoreSettings.objects.create(site=store, points_mode="per_purchase" if per_purchase else "carry_over")
        clerk = make_user("clerk", Role.STORE_CLERK, [store])
        now = at(1, 10)
        services.purchase_record(
            store=store, actor=clerk, key="q", lines=[rules.Line(Decimal(1000))], phone="13800138001", now=now
        )
        customer = Customer.objects.get()
        card = services.card_issue(customer=customer, actor=clerk, surname="Wang", title="ms", now=now)
        rewards = {p: Reward.objects.create(store=store, name=f"R{p}", points=p, stock=1000) for p in (5, 10, 30)}
        purchases = []
        for n, step in enumerate(steps):
            now += dt.timedelta(minutes=1)
            try:
                if step[0] == "buy":
                    line = rules.Line(step[1], promotion=step[2])
                    result = services.purchase_record(
                        store=store,
                        actor=clerk,
                        key=f"b{n}",
                        lines=[line],
                        card_number=card.number,
                        signature_confirmed=True,
                        now=now,
                    )
                    purchases.append(result.purchase)
                elif step[0] == "redeem":
                    services.redemption_make(
                        store=store, card=card, reward=rewards[step[1]], actor=clerk, key=f"r{n}", now=now
                    )
                elif step[0] == "return" and purchases:
                    purchase = purchases[step[1] % len(purchases)]
                    kept = purchase.paid - services.refunded(purchase)
                    amount = rules.money(kept * Decimal(str(step[2])))
                    if amount > 0:
                        services.return_record(purchase=purchase, amount=amount, actor=clerk, key=f"x{n}", now=now)
                elif step[0] == "replace":
                    card = services.card_replace(card=card, actor=clerk, reason="lost", now=now)
            except services.VipError:
                pass  # a refusal (not enough points) changes nothing; the invariants below still hold
            membership = Membership.objects.get(pk=card.membership_id)
            ledger = PointMovement.objects.filter(membership=membership).aggregate(s=Sum("points"))["s"] or 0
            assert membership.balance == ledger >= 0
            assert membership.earned_points >= 0
        membership = Membership.objects.get(pk=card.membership_id)
        kept = sum((p.paid - services.refunded(p) for p in Purchase.objects.filter(membership=membership)), Decimal(0))
        assert membership.paid_total == kept
        if not per_purchase:
            assert membership.earned_points == int(kept // 100)  # VIP-PTS-1 carry-over, after returns (VIP-RET-1)
