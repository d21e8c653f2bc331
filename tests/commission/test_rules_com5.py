"""COM-3..5 as pure functions: the checks before a deal counts, the order months close in, who may be left out as the
closer, what each share cites, and when a split waits for the register (no database)."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from attribution.rules import ClientFacts, CompanyFact, DealFact, RegisteredVisit
from commission import rules

D = Decimal
ZONE = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int = 10, minute: int = 0, month: int = 3) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=ZONE)


@pytest.mark.parametrize(
    ("price", "commission", "limit", "fields"),
    [
        (D("1000000"), D("100000.00"), D("10"), set()),  # exactly the limit
        (D("1000000"), D("100000.01"), D("10"), {"commission"}),
        (D("0"), D("1"), D("10"), {"price"}),
        (None, D("1"), D("10"), {"price"}),
        (D("1000000"), D("0"), D("10"), {"commission"}),
        (D("1000000"), D("0.001"), D("10"), {"commission"}),
        (D("1000000.001"), D("1"), D("10"), {"price"}),
        (D("1000000"), D("30000"), D("2.5"), {"commission"}),
    ],
)
def test_deal_amount_problems_name_the_field_COM_5(price, commission, limit, fields):
    problems = rules.deal_amount_problems(price=price, commission=commission, max_commission_percent=limit)
    assert set(problems) == fields
    assert all("COM-" in message for messages in problems.values() for message in messages)


def test_months_close_in_order_once_and_after_they_end_COM_4():
    march, april, may = dt.date(2026, 3, 1), dt.date(2026, 4, 1), dt.date(2026, 5, 1)
    decide = rules.month_close_decision
    assert not decide(month=march, now=at(31, 23, 59), zone=ZONE, closed=[], first_month=march).allowed
    assert decide(month=march, now=at(1, 0, 0, month=4), zone=ZONE, closed=[], first_month=march).allowed
    refused = decide(month=may, now=at(1, 9, month=6), zone=ZONE, closed=[march], first_month=march)
    assert not refused.allowed and "Close 2026-04 first" in refused.message
    assert decide(month=may, now=at(1, 9, month=6), zone=ZONE, closed=[march, april], first_month=march).allowed
    again = decide(month=march, now=at(1, 9, month=6), zone=ZONE, closed=[march], first_month=march)
    assert not again.allowed and "already closed" in again.message


def test_every_share_cites_COM_2_and_COM_3_only_when_two_rules_compose():
    assert rules.cited(("ATT-REG-3",), composed=False) == ("ATT-REG-3", "COM-2")
    assert rules.cited(("ATT-SPOUSE", "ATT-EMP-5"), composed=True) == ("ATT-SPOUSE", "ATT-EMP-5", "COM-3", "COM-2")
    assert rules.cited(("COM-2",), composed=False) == ("COM-2",)


def _split(facts, deal, now):
    return rules.deal_split(facts, deal=deal, commission=D("10000.01"), now=now, zone=ZONE)


def test_a_split_waits_only_for_an_entry_whose_approval_would_change_it_ATT_REG_1():
    ann_pending = RegisteredVisit(1, 11, at(3, 10), None)
    deal = DealFact(1, 11, at(3, 12))
    held = _split(ClientFacts(1, (ann_pending,), deals=(deal,)), deal, at(3, 13))
    assert held.status == rules.AWAITING_APPROVAL and not held.lines and "ATT-REG-1" in held.rule_ids
    approved = RegisteredVisit(1, 11, at(3, 10), at(3, 20))
    assert _split(ClientFacts(1, (approved,), deals=(deal,)), deal, at(3, 21)).status == rules.SPLIT
    # The owner's own revisit awaiting review changes nothing: nothing held.
    revisit = RegisteredVisit(2, 11, at(20, 10), None)
    later = DealFact(2, 11, at(20, 12))
    split = _split(ClientFacts(1, (approved, revisit), deals=(later,)), later, at(20, 13))
    assert split.status == rules.SPLIT and [line.user_id for line in split.lines] == [11]
    # Someone else's earlier entry awaiting review would win if approved (ATT-REG-3): held.
    bob_earlier = RegisteredVisit(3, 22, at(3, 9, 59), None)
    facts = ClientFacts(1, (bob_earlier, approved), deals=(deal,))
    assert _split(facts, deal, at(3, 21)).status == rules.AWAITING_APPROVAL
    rejected = RegisteredVisit(3, 22, at(3, 9, 59), None, rejected=True)
    assert _split(ClientFacts(1, (rejected, approved), deals=(deal,)), deal, at(3, 21)).status == rules.SPLIT


def test_a_company_arranged_deal_needs_no_registration_and_no_closer_ATT_CO_4_5():
    other_staff = CompanyFact(1, "direct_other", contacted_at=at(1), marked_at=at(5))
    deal = DealFact(1, None, at(3, 15))
    split = _split(ClientFacts(1, (), company=(other_staff,), deals=(deal,)), deal, at(5, 16))
    assert split.status == rules.SPLIT and [(line.kind, line.amount) for line in split.lines] == [
        ("public_pool", D("10000.01"))
    ]
    assert rules.closer_refusal(split, salesperson_id=None) == ""
    after_sales = CompanyFact(2, "direct_sales", contacted_at=at(1), marked_at=at(5))
    deal = DealFact(2, 33, at(3, 15))
    split = _split(ClientFacts(1, (), company=(after_sales,), deals=(deal,)), deal, at(5, 16))
    assert [(line.user_id, line.amount) for line in split.lines] == [(33, D("3000.00")), (None, D("7000.01"))]
    ordinary = _split(ClientFacts(1, (RegisteredVisit(1, 11, at(3, 10), at(3, 20)),)), DealFact(3, 11, at(4)), at(5))
    assert "ATT-CO-5" in rules.closer_refusal(ordinary, salesperson_id=None)


def test_a_cancelled_deal_owes_nothing_COM_5():
    visit = RegisteredVisit(1, 11, at(3, 10), at(3, 20))
    deal = DealFact(1, 11, at(4))
    split = rules.deal_split(
        ClientFacts(1, (visit,)), deal=deal, commission=D("5"), now=at(6), zone=ZONE, cancelled_at=at(5)
    )
    assert split.status == rules.CANCELLED and split.lines == () and split.rule_ids == ("COM-5",)
