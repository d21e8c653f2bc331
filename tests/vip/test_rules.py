"""vip.rules: every VIP-* rule as a pure function of facts and an instant."""

import datetime as dt
from decimal import Decimal

import pytest

from vip import rules

from ..conftest import SHANGHAI, at


def paid(day, amount, month=3, hour=10):
    return rules.PaidPurchase(at=at(day, hour, month=month), paid=Decimal(amount))


# --- VIP-ELIG-1 ----------------------------------------------------------------------------------------------------


def test_one_purchase_of_1000_paid_qualifies_VIP_ELIG_1():
    decision = rules.eligibility([paid(3, "1000.00")], zone=SHANGHAI, now=at(3, 11))
    assert decision.ok and decision.rule_id == "VIP-ELIG-1"
    assert "¥1,000.00" in decision.explanation


def test_999_99_alone_does_not_qualify_VIP_ELIG_1():
    decision = rules.eligibility([paid(3, "999.99")], zone=SHANGHAI, now=at(3, 11))
    assert not decision.ok
    assert "¥999.99" in decision.explanation


def window_case(first_at: dt.datetime) -> rules.Decision:
    """999.99 at `first_at`, 500 in June, 500.01 on 1 September 2026 at 20:00: ¥2000.00 only if the first counts."""
    history = [
        rules.PaidPurchase(at=first_at, paid=Decimal("999.99")),
        rules.PaidPurchase(at=dt.datetime(2026, 6, 10, 12, 0, tzinfo=SHANGHAI), paid=Decimal("500")),
        rules.PaidPurchase(at=dt.datetime(2026, 9, 1, 20, 0, tzinfo=SHANGHAI), paid=Decimal("500.01")),
    ]
    return rules.eligibility(history, zone=SHANGHAI, now=history[-1].at)


def test_2000_within_six_months_qualifies_the_window_starting_at_the_start_of_the_day_VIP_ELIG_1():
    # Six months before 1 September is 1 March, from 00:00: a purchase at that first instant counts.
    decision = window_case(dt.datetime(2026, 3, 1, 0, 0, tzinfo=SHANGHAI))
    assert decision.ok
    assert "¥2,000.00 paid in the six months from 2026-03-01" in decision.explanation


def test_a_purchase_the_day_before_the_window_does_not_count_VIP_ELIG_1():
    decision = window_case(dt.datetime(2026, 2, 28, 23, 59, tzinfo=SHANGHAI))
    assert not decision.ok
    assert "¥1,000.01 was paid in the last six months" in decision.explanation


def test_only_purchases_up_to_now_count():
    assert not rules.eligibility([paid(3, "1500")], zone=SHANGHAI, now=at(2, 10)).ok


# --- VIP-CARD-1/3/4 ------------------------------------------------------------------------------------------------


def test_a_card_issued_15_march_2026_is_valid_to_the_end_of_15_march_2028_VIP_CARD_1():
    until = rules.card_valid_until(at(15, 16), SHANGHAI)
    assert until == dt.datetime(2028, 3, 15, 23, 59, 59, 999999, tzinfo=SHANGHAI)


def card(**overrides):
    values = {
        "number": "0001",
        "blocked_at": None,
        "valid_until": rules.card_valid_until(at(15, 10), SHANGHAI),
        "store_id": 1,
        "store_shares": False,
    } | overrides
    return rules.CardFacts(**values)


def test_card_usable_expired_blocked_and_other_store_VIP_CARD_3_VIP_CARD_4_VIP_ELIG_1():
    assert rules.card_usable(card(), at_store_id=1, at_store_shares=False, now=at(16, 10)).ok
    expired = rules.card_usable(card(), at_store_id=1, at_store_shares=False, now=at(16, 0, year=2028))
    assert (expired.ok, expired.rule_id) == (False, "VIP-CARD-3")
    blocked = rules.card_usable(card(blocked_at=at(16, 9)), at_store_id=1, at_store_shares=False, now=at(16, 10))
    assert (blocked.ok, blocked.rule_id) == (False, "VIP-CARD-4")
    other = rules.card_usable(card(), at_store_id=2, at_store_shares=False, now=at(16, 10))
    assert (other.ok, other.rule_id) == (False, "VIP-ELIG-1")
    shared = rules.card_usable(card(store_shares=True), at_store_id=2, at_store_shares=True, now=at(16, 10))
    assert shared.ok


# --- VIP-DISC-1..3 -------------------------------------------------------------------------------------------------


def lines(*amounts, **flags):
    return [rules.Line(amount=Decimal(a), **flags) for a in amounts]


def test_a_member_gets_9_zhe_on_lines_without_promotion_VIP_DISC_1():
    member = rules.MemberFacts(earned_points=0, birthday=None)
    quote = rules.quote(
        lines("100.00") + lines("50.00", promotion=True) + lines("30", coupon=True) + lines("20", special_price=True),
        member,
        birthday_claimed=False,
        day=dt.date(2026, 3, 15),
    )
    assert (quote.rate, quote.rule_id) == (Decimal("0.90"), "VIP-DISC-1")
    assert quote.line_discounts == (Decimal("10.00"), 0, 0, 0)
    assert quote.payable == Decimal("190.00")
    assert "VIP-DISC-1: 3 line(s) on promotion, special price or coupon get no VIP discount" in quote.explanation


def test_30_earned_points_give_8_5_zhe_VIP_DISC_2():
    quote = rules.quote(lines("100"), rules.MemberFacts(30, None), birthday_claimed=False, day=dt.date(2026, 3, 15))
    assert (quote.rate, quote.discount) == (Decimal("0.85"), Decimal("15.00"))
    assert "VIP-DISC-2: 30 points earned → 8.5折" in quote.explanation
    assert "VIP-DISC-3" not in quote.explanation  # no birthday in sight: nothing to say of it
    birthday = rules.quote(
        lines("100"), rules.MemberFacts(30, dt.date(1990, 3, 15)), birthday_claimed=False, day=dt.date(2026, 3, 15)
    )
    assert "VIP-DISC-3: it is the member's birthday: check the original ID for 6折" in birthday.explanation
    assert rules.quote(
        lines("100"), rules.MemberFacts(29, None), birthday_claimed=False, day=dt.date(2026, 3, 15)
    ).rate == Decimal("0.90")


def test_birthday_with_id_checked_gives_6_zhe_only_the_best_applies_VIP_DISC_3():
    member = rules.MemberFacts(40, dt.date(1990, 3, 15))
    quote = rules.quote(lines("100"), member, birthday_claimed=True, day=dt.date(2026, 3, 15))
    assert (quote.rate, quote.rule_id, quote.payable) == (Decimal("0.60"), "VIP-DISC-3", Decimal("60.00"))
    assert "only the best single VIP discount applies" in quote.explanation


def test_birthday_claim_needs_the_id_check_and_the_day_VIP_DISC_3():
    member = rules.MemberFacts(0, dt.date(1990, 3, 15))
    day = dt.date(2026, 3, 15)
    assert "original ID" in rules.birthday_claim_problem(member, claimed=True, id_checked=False, day=day)
    assert "not the member's birthday" in rules.birthday_claim_problem(
        member, claimed=True, id_checked=True, day=dt.date(2026, 3, 16)
    )
    assert rules.birthday_claim_problem(member, claimed=True, id_checked=True, day=day) is None
    assert rules.birthday_claim_problem(None, claimed=True, id_checked=True, day=day)


def test_a_29_february_birthday_falls_on_28_february_in_other_years():
    assert rules.is_birthday(dt.date(2000, 2, 29), dt.date(2026, 2, 28))
    assert rules.is_birthday(dt.date(2000, 2, 29), dt.date(2028, 2, 29))
    assert not rules.is_birthday(dt.date(2000, 2, 29), dt.date(2028, 2, 28))


def test_a_non_member_pays_the_full_price():
    quote = rules.quote(lines("100"), None, birthday_claimed=False, day=dt.date(2026, 3, 15))
    assert (quote.discount, quote.payable, quote.rule_id) == (0, Decimal("100"), "")


@pytest.mark.parametrize("amount", ["0", "-5", "1000000", "10.001"])
def test_negative_zero_or_absurd_amounts_are_refused(amount):
    assert rules.lines_problem(lines(amount))


# --- VIP-PTS-1, VIP-RET-1 ------------------------------------------------------------------------------------------


def test_carry_over_two_purchases_of_150_earn_1_then_2_VIP_PTS_1():
    first = rules.points_earned(mode=rules.CARRY_OVER, paid_total_before=Decimal(0), paid=Decimal(150))
    second = rules.points_earned(mode=rules.CARRY_OVER, paid_total_before=Decimal(150), paid=Decimal(150))
    assert (first, second) == (1, 2)


def test_per_purchase_rounds_each_down_alone_VIP_PTS_1():
    assert rules.points_earned(mode=rules.PER_PURCHASE, paid_total_before=Decimal(150), paid=Decimal(150)) == 1
    assert rules.points_earned(mode=rules.PER_PURCHASE, paid_total_before=Decimal(0), paid=Decimal("199.99")) == 1


def test_a_return_reverses_the_decrease_it_causes_VIP_RET_1():
    # carry over: total 300 (3 points), refund 150 -> total 150 (1 point): 2 reversed
    assert (
        rules.points_reversed(
            mode=rules.CARRY_OVER, paid_total_before=Decimal(300), kept_before=Decimal(150), refund=Decimal(150)
        )
        == 2
    )
    # per purchase: that purchase of 150 (1 point) kept 50 -> 0 points: 1 reversed
    assert (
        rules.points_reversed(
            mode=rules.PER_PURCHASE, paid_total_before=Decimal(300), kept_before=Decimal(150), refund=Decimal(100)
        )
        == 1
    )


def test_a_reversal_never_takes_the_balance_below_zero_the_rest_is_a_shortfall_VIP_RET_1():
    assert rules.reverse(5, balance=2) == rules.Reversal(points=5, from_balance=2, shortfall=3)
    assert rules.reverse(2, balance=9) == rules.Reversal(points=2, from_balance=2, shortfall=0)


def test_redemption_needs_enough_points_on_this_card_and_stock_VIP_PTS_2():
    assert "cannot be pooled" in rules.redemption_problem(balance=9, points=10, stock=1)
    assert "out of stock" in rules.redemption_problem(balance=90, points=10, stock=0)
    assert rules.redemption_problem(balance=10, points=10, stock=1) is None


def test_refund_limits_VIP_RET_1():
    assert rules.refund_problem(amount=Decimal("100.01"), kept=Decimal("100")) is not None
    assert rules.refund_problem(amount=Decimal("0"), kept=Decimal("100")) is not None
    assert rules.refund_problem(amount=Decimal("100"), kept=Decimal("100")) is None


# --- VIP-SVC-1, VIP-DATA-1 -----------------------------------------------------------------------------------------


def test_birthday_reminders_are_due_in_the_three_days_before_VIP_SVC_1():
    birthday = dt.date(1990, 3, 15)
    assert rules.birthday_reminder_due(birthday, dt.date(2026, 3, 12)) == dt.date(2026, 3, 15)
    assert rules.birthday_reminder_due(birthday, dt.date(2026, 3, 11)) is None
    assert rules.birthday_reminder_due(birthday, dt.date(2026, 3, 15)) is None
    assert rules.birthday_reminder_due(dt.date(1990, 1, 1), dt.date(2026, 12, 30)) == dt.date(2027, 1, 1)


def test_the_forms_of_a_month_are_due_by_the_end_of_the_2nd_of_the_next_VIP_DATA_1():
    due = rules.hand_in_due(2026, 12, SHANGHAI)
    assert due == dt.datetime(2027, 1, 2, 23, 59, 59, 999999, tzinfo=SHANGHAI)
    assert rules.hand_in_status(due=due, received_at=None, now=due, cards=3).ok
    assert not rules.hand_in_status(due=due, received_at=None, now=due + dt.timedelta(seconds=1), cards=3).ok
    after = due + dt.timedelta(days=1)
    late = rules.hand_in_status(due=due, received_at=due + dt.timedelta(hours=1), now=after, cards=3, forms=3)
    assert (late.ok, late.explanation) == (False, "received late")
    short = rules.hand_in_status(due=due, received_at=due, now=after, cards=3, forms=2)
    assert (short.ok, short.explanation) == (False, "received 2 form(s) for 3 card(s) issued")
    nothing = rules.hand_in_status(due=due, received_at=None, now=after, cards=0)
    assert (nothing.ok, nothing.explanation) == (True, "no cards issued: nothing to hand in")


def test_phone_and_id_are_masked_VIP_DATA_1():
    assert rules.mask_phone("13800138001") == "138****8001"
    assert rules.mask_id("310101199003150012") == "31************0012"


def test_points_lapse_with_the_card_and_only_then():
    """VIP-PTS-3: points are valid as long as the card."""
    assert rules.points_lapsing(card_valid=True, balance=120) == 0
    assert rules.points_lapsing(card_valid=False, balance=120) == 120
    assert rules.points_lapsing(card_valid=False, balance=0) == 0
