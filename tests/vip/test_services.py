"""vip.services on PostgreSQL: purchases, cards, the points ledger, redemptions, returns, reminders."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum

from salesoffice.models import Notification
from vip import services
from vip.models import (
    Campaign,
    Card,
    Customer,
    Membership,
    PointMovement,
    Purchase,
    Redemption,
    SmsMessage,
)

from ..conftest import at
from .conftest import NOW, buy, key, lines, member


def ledger_sum(membership) -> int:
    return PointMovement.objects.filter(membership=membership).aggregate(s=Sum("points"))["s"] or 0


def fresh(card) -> Membership:
    return Membership.objects.get(pk=card.membership_id)


# --- eligibility and issuing (VIP-ELIG-1, VIP-CARD-1) ------------------------------------------------------------


def test_a_purchase_of_1000_makes_a_non_member_eligible_and_the_card_is_one_step_VIP_ELIG_1_VIP_CARD_1(store, clerk):
    result = buy(store, clerk, ["1000.00"])
    assert result.eligibility.ok and result.eligibility.rule_id == "VIP-ELIG-1"

    customer = Customer.objects.get(store=store, phone="13800138001")
    card = services.card_issue(customer=customer, actor=clerk, surname="Wang", title="ms", now=NOW)

    membership = fresh(card)
    assert card.kind == Card.Kind.NEW and len(card.number) == 12
    assert membership.valid_until == at(15, 0, year=2028).replace(hour=23, minute=59, second=59, microsecond=999999)
    # The qualifying purchase was a non-member's: it earns nothing on the new card.
    assert (membership.paid_total, membership.balance) == (0, 0)


def test_a_customer_not_yet_eligible_cannot_be_issued_a_card_VIP_ELIG_1(store, clerk):
    result = buy(store, clerk, ["999.99"])
    assert not result.eligibility.ok
    customer = Customer.objects.get(store=store)
    with pytest.raises(services.VipError, match="VIP-ELIG-1"):
        services.card_issue(customer=customer, actor=clerk, surname="Wang", title="ms", now=NOW)
    assert not Card.objects.exists()


def test_six_month_cumulative_purchases_qualify_VIP_ELIG_1(store, clerk):
    buy(store, clerk, ["999.99"], now=at(1, 10))
    assert not buy(store, clerk, ["999.99"], now=at(1, 11, month=9)).eligibility.ok
    assert buy(store, clerk, ["0.02"], now=at(1, 12, month=9)).eligibility.ok


def test_a_duplicate_card_number_is_refused_next_to_the_field(store, clerk):
    first = member(store, clerk, phone="13800138001")
    buy(store, clerk, [1000], phone="13800138002")
    customer = Customer.objects.get(phone="13800138002")
    with pytest.raises(services.VipError) as error:
        services.card_issue(customer=customer, actor=clerk, surname="Li", title="mr", number=first.number, now=NOW)
    assert "already in use" in error.value.message_dict["number"][0]


# --- member purchases (VIP-DISC-*, VIP-PTS-1, VIP-CARD-2) --------------------------------------------------------


def test_a_member_purchase_is_discounted_and_earns_points_with_carry_over_VIP_DISC_1_VIP_PTS_1(store, clerk, card):
    first = buy(store, clerk, ["166.67"], card=card)  # 9折 -> 150.00
    second = buy(store, clerk, ["166.67"], card=card)
    assert (first.purchase.paid, first.purchase.points_earned) == (Decimal("150.00"), 1)
    assert second.purchase.points_earned == 2
    membership = fresh(card)
    assert (membership.paid_total, membership.earned_points, membership.balance) == (Decimal("300.00"), 3, 3)
    assert ledger_sum(membership) == 3
    assert "VIP-DISC-1" in first.purchase.explanation


def test_per_purchase_setting_rounds_each_purchase_alone_VIP_PTS_1(store, clerk, card):
    store.vip_settings.points_mode = "per_purchase"
    store.vip_settings.save()
    buy(store, clerk, ["166.67"], card=card)
    buy(store, clerk, ["166.67"], card=card)
    assert fresh(card).earned_points == 2


def test_a_purchase_paid_199_99_earns_one_point_VIP_PTS_1(store, clerk, card):
    result = services.purchase_record(
        store=store,
        actor=clerk,
        key=key(),
        lines=lines("199.99", promotion=True),
        card_number=card.number,
        signature_confirmed=True,
        now=NOW,
    )
    assert (result.purchase.paid, result.purchase.points_earned) == (Decimal("199.99"), 1)


def test_the_8_5_zhe_tier_from_30_earned_points_VIP_DISC_2(store, clerk, card):
    buy(store, clerk, ["3333.34"], card=card)  # paid 3000.01: 30 points
    result = buy(store, clerk, ["100"], card=card)
    assert (result.purchase.discount_rule, result.purchase.paid) == ("VIP-DISC-2", Decimal("85.00"))


def test_birthday_discount_needs_the_id_check_VIP_DISC_3(store, clerk):
    card = member(store, clerk, birthday=dt.date(1990, 3, 15))
    with pytest.raises(services.VipError) as error:
        buy(store, clerk, ["100"], card=card, birthday_claimed=True, id_checked=False)
    assert "VIP-DISC-3" in error.value.message_dict["birthday"][0]
    result = buy(store, clerk, ["100"], card=card, birthday_claimed=True, id_checked=True)
    assert (result.purchase.discount_rule, result.purchase.paid) == ("VIP-DISC-3", Decimal("60.00"))


def test_a_vip_purchase_needs_the_members_signature_VIP_CARD_2(store, clerk, card):
    with pytest.raises(services.VipError, match="VIP-CARD-2"):
        services.purchase_record(
            store=store, actor=clerk, key=key(), lines=lines(100), card_number=card.number, now=NOW
        )
    assert not Purchase.objects.filter(card=card).exists()


def test_the_same_key_twice_records_once_and_returns_the_first_result(store, clerk, card):
    request = {"store": store, "actor": clerk, "key": "till-1-0001", "lines": lines(200), "now": NOW}
    first = services.purchase_record(card_number=card.number, signature_confirmed=True, **request)
    again = services.purchase_record(card_number=card.number, signature_confirmed=True, **request)
    assert again.replayed and again.purchase.pk == first.purchase.pk
    assert Purchase.objects.filter(card=card).count() == 1
    assert fresh(card).balance == 1
    # The same card passed as the card itself, not its number: the same request.
    assert services.purchase_record(card=card, signature_confirmed=True, **request).replayed


def test_the_same_key_with_another_purchase_is_refused_and_records_nothing(store, clerk, card):
    request = {"store": store, "actor": clerk, "key": "till-1-0001", "card": card, "signature_confirmed": True}
    services.purchase_record(lines=lines(200), now=NOW, **request)
    with pytest.raises(services.KeyReused, match="already used for a different request"):
        services.purchase_record(lines=lines(20000), now=NOW, **request)
    assert Purchase.objects.filter(card=card).count() == 1
    assert fresh(card).balance == 1 and PointMovement.objects.filter(membership=card.membership).count() == 1


@pytest.mark.parametrize("amounts", [["-1"], ["0"], ["1000000"], ["1.005"], []])
def test_bad_amounts_are_refused_and_nothing_is_saved(store, clerk, amounts):
    with pytest.raises(services.VipError):
        buy(store, clerk, amounts)
    assert not Purchase.objects.exists()


def test_a_blocked_expired_or_other_stores_card_is_refused_VIP_CARD_3_VIP_CARD_4_VIP_ELIG_1(
    store, other_store, clerk, other_clerk, card
):
    with pytest.raises(services.VipError, match="VIP-CARD-3"):
        buy(store, clerk, [100], card=card, now=at(16, 10, year=2028))
    with pytest.raises(services.VipError, match="VIP-ELIG-1: no card .* at this store"):
        buy(other_store, other_clerk, [100], card=card)
    services.card_replace(card=card, actor=clerk, reason="lost", now=NOW)
    with pytest.raises(services.VipError, match="VIP-CARD-4"):
        buy(store, clerk, [100], card=card)


def test_another_stores_card_number_reads_as_no_card_at_all_VIP_DATA_1(store, other_store, clerk, other_clerk, card):
    def record(number):
        return services.purchase_record(
            store=other_store, actor=other_clerk, key=key(), lines=lines(100), card_number=number, now=NOW
        )

    with pytest.raises(services.VipError) as theirs:
        record(card.number)
    with pytest.raises(services.VipError) as unknown:
        record("999999999999")
    assert theirs.value.message_dict["card"] == [f"VIP-ELIG-1: no card {card.number} at this store."]
    assert unknown.value.message_dict["card"] == ["VIP-ELIG-1: no card 999999999999 at this store."]
    assert not Purchase.objects.filter(store=other_store).exists()


def test_a_members_phone_is_not_taken_as_a_non_members_purchase_VIP_SVC_1(store, clerk, card):
    before = Purchase.objects.count()
    with pytest.raises(services.VipError) as refused:
        buy(store, clerk, [500], phone="138 0013 8001")  # the member's 13800138001, as a clerk types it
    assert refused.value.message_dict["phone"] == [
        f"VIP-SVC-1: this phone belongs to Wang, a member (card {card.number}): enter the card number."
    ]
    assert Purchase.objects.count() == before
    services.card_replace(card=card, actor=clerk, reason="lost", now=NOW)
    with pytest.raises(services.VipError, match="VIP-SVC-1"):  # the replacement card is the one to enter
        buy(store, clerk, [500], phone=card.membership.customer.phone)
    expired = at(16, 10, year=2028)
    assert buy(store, clerk, [500], phone=card.membership.customer.phone, now=expired).purchase.card is None


def test_sharing_stores_honour_each_others_cards_VIP_ELIG_1(store, other_store, clerk, other_clerk, card):
    for site in (store, other_store):
        site.vip_settings.share_members = True
        site.vip_settings.save()
    result = buy(other_store, other_clerk, [100], card=card)
    assert result.purchase.discount_rule == "VIP-DISC-1"


def test_a_clerk_of_another_store_may_not_record_here(store, other_clerk):
    with pytest.raises(PermissionDenied):
        buy(store, other_clerk, [100])


# --- replacement and renewal (VIP-CARD-3, VIP-CARD-4) ------------------------------------------------------------


def test_a_replacement_carries_everything_and_blocks_the_old_number_VIP_CARD_4(store, clerk, card):
    buy(store, clerk, ["3333.34"], card=card)
    before = fresh(card)
    replacement = services.card_replace(card=card, actor=clerk, reason="lost", now=at(20, 10))
    card.refresh_from_db()
    after = fresh(replacement)
    assert card.blocked_at == at(20, 10) and replacement.replaces_id == card.pk
    assert after.pk == before.pk
    assert (after.paid_total, after.balance, after.earned_points, after.valid_until) == (
        before.paid_total,
        before.balance,
        before.earned_points,
        before.valid_until,
    )
    assert buy(store, clerk, [100], card=replacement, now=at(20, 11)).purchase.discount_rule == "VIP-DISC-2"


def test_a_renewal_after_expiry_carries_no_points_VIP_CARD_3(store, clerk, card):
    buy(store, clerk, ["3333.34"], card=card)
    later = at(16, 10, year=2028)
    renewal = services.card_issue(customer=fresh(card).customer, actor=clerk, surname="Wang", title="ms", now=later)
    old, new = fresh(card), fresh(renewal)
    assert renewal.kind == Card.Kind.RENEWAL and new.renews_id == old.pk
    assert (new.balance, new.earned_points, new.paid_total) == (0, 0, 0)
    assert old.balance == 0 and ledger_sum(old) == 0
    assert PointMovement.objects.get(membership=old, kind="expiry").points == -30


def test_a_valid_member_is_not_issued_a_second_card(store, clerk, card):
    with pytest.raises(services.VipError, match="already holds a valid card"):
        services.card_issue(customer=fresh(card).customer, actor=clerk, surname="Wang", title="ms", now=NOW)


# --- redemption (VIP-PTS-2) ---------------------------------------------------------------------------------------


def test_redemption_deducts_points_and_stock_VIP_PTS_2(store, clerk, card, reward):
    buy(store, clerk, ["1111.12"], card=card)  # 1000.01 paid: 10 points
    redemption = services.redemption_make(store=store, card=card, reward=reward, actor=clerk, key="r1", now=NOW)
    again = services.redemption_make(store=store, card=card, reward=reward, actor=clerk, key="r1", now=NOW)
    reward.refresh_from_db()
    assert again.pk == redemption.pk and Redemption.objects.count() == 1
    assert (fresh(card).balance, reward.stock) == (0, 4)
    assert fresh(card).earned_points == 10  # VIP-DISC-2: redeeming does not drop the tier
    assert ledger_sum(fresh(card)) == 0


def test_redemption_without_enough_points_and_two_cards_cannot_pool_VIP_PTS_2(store, clerk, card, reward):
    other = member(store, clerk, phone="13800138002")
    buy(store, clerk, ["666.67"], card=card)  # 6 points
    buy(store, clerk, ["666.67"], card=other)  # 6 points
    for each in (card, other):
        with pytest.raises(services.VipError) as error:
            services.redemption_make(store=store, card=each, reward=reward, actor=clerk, key=key(), now=NOW)
        assert "cannot be pooled" in error.value.message_dict["reward"][0]
    assert not Redemption.objects.exists()


def test_the_balance_can_never_go_negative_in_the_database(store, clerk, card):
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.filter(pk=card.membership_id).update(balance=-1)


def test_the_ledger_refuses_changes_in_the_database(store, clerk, card):
    buy(store, clerk, [200], card=card)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE vip_pointmovement SET points = 100")


# --- returns (VIP-RET-1) -----------------------------------------------------------------------------------------


def test_a_return_lowers_the_total_and_the_points_follow_and_the_tier_can_be_lost_VIP_RET_1(store, clerk, card):
    purchase = buy(store, clerk, ["3333.34"], card=card).purchase  # 3000.01 paid: 30 points, tier
    refund = services.return_record(purchase=purchase, amount=Decimal("100"), actor=clerk, key="x1", now=NOW)
    membership = fresh(card)
    assert refund.points_reversed == 1 and refund.shortfall == 0
    assert (membership.paid_total, membership.earned_points, membership.balance) == (Decimal("2900.01"), 29, 29)
    assert ledger_sum(membership) == 29
    assert buy(store, clerk, [100], card=card).purchase.discount_rule == "VIP-DISC-1"


def test_a_return_after_redemption_flags_the_shortfall_for_the_manager_VIP_RET_1(store, clerk, manager, card, reward):
    purchase = buy(store, clerk, ["1111.12"], card=card).purchase  # 10 points
    services.redemption_make(store=store, card=card, reward=reward, actor=clerk, key="r", now=NOW)
    refund = services.return_record(purchase=purchase, amount=purchase.paid, actor=clerk, key="x", now=NOW)
    assert (refund.points_reversed, refund.shortfall) == (10, 10)
    assert fresh(card).balance == 0 and ledger_sum(fresh(card)) == 0
    note = Notification.objects.get(recipient=manager)
    assert note.rule_id == "VIP-RET-1" and note.params["points"] == 10


def test_more_than_was_paid_cannot_be_refunded_VIP_RET_1(store, clerk, card):
    purchase = buy(store, clerk, [100], card=card).purchase
    services.return_record(purchase=purchase, amount=Decimal("50"), actor=clerk, key="a", now=NOW)
    with pytest.raises(services.VipError, match="at most ¥40.00"):
        services.return_record(purchase=purchase, amount=Decimal("50"), actor=clerk, key="b", now=NOW)


def test_a_returned_purchase_no_longer_counts_for_eligibility_VIP_ELIG_1_VIP_RET_1(store, clerk):
    purchase = buy(store, clerk, [1000]).purchase
    services.return_record(purchase=purchase, amount=Decimal("500"), actor=clerk, key="r", now=NOW)
    with pytest.raises(services.VipError, match="VIP-ELIG-1"):
        services.card_issue(customer=purchase.customer, actor=clerk, surname="Li", title="mr", now=NOW)


# --- reminders (VIP-SVC-1) ----------------------------------------------------------------------------------------


def test_birthday_reminders_go_out_once_and_respect_opt_out_VIP_SVC_1(store, clerk, tmp_path, settings):
    settings.VIP_SMS_FILE = str(tmp_path / "sms.jsonl")
    member(store, clerk, phone="13800138001", birthday=dt.date(1990, 3, 17))
    opted = member(store, clerk, phone="13800138002", birthday=dt.date(1990, 3, 17))
    Customer.objects.filter(pk=fresh(opted).customer_id).update(sms_opt_out=True)
    assert services.birthday_reminders_send(now=at(15, 9)) == 1
    assert services.birthday_reminders_send(now=at(16, 9)) == 0
    assert SmsMessage.objects.count() == 1


def test_campaigns_go_out_once_per_member_VIP_SVC_1(store, clerk, manager, tmp_path, settings):
    settings.VIP_SMS_FILE = str(tmp_path / "sms.jsonl")
    card = member(store, clerk)
    campaign = Campaign.objects.create(
        store=store,
        occasion="promotion",
        text="Spring sale Saturday",
        send_at=at(15, 9),
        created_by=manager,
        created_at=at(14, 9),
    )
    assert services.campaign_reminders_send(now=at(15, 10)) == 1
    assert services.campaign_reminders_send(now=at(15, 11)) == 0
    assert services.sms_outbox_drain(now=at(15, 11)) == 1
    assert services.sms_outbox_drain(now=at(15, 12)) == 0
    customer_id = fresh(card).customer_id
    sent = [json.loads(line) for line in (tmp_path / "sms.jsonl").read_text().splitlines()]
    assert sent == [
        {"key": f"campaign:{campaign.pk}:{customer_id}", "phone": "13800138001", "text": "Spring sale Saturday"}
    ]
