"""The VIP refusals the services used to decide themselves, now pure rules (no database)."""

import datetime as dt

import pytest
from django.utils import translation

from vip import rules

from ..conftest import SHANGHAI, at


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def test_a_vip_purchase_is_signed_for_VIP_CARD_2():
    assert rules.signature_problem(card_used=True, signature_confirmed=False).startswith("VIP-CARD-2")
    assert rules.signature_problem(card_used=True, signature_confirmed=True) is None
    assert rules.signature_problem(card_used=False, signature_confirmed=False) is None


def test_a_card_is_issued_with_a_surname_and_one_at_a_time_VIP_SVC_1_VIP_CARD_1():
    assert rules.surname_problem(" ").startswith("VIP-SVC-1")
    assert rules.surname_problem("Wang") is None
    assert rules.issue_problem(valid_until=at(3, 10), zone=SHANGHAI) == (
        "VIP-CARD-1: this customer already holds a valid card (until 2026-03-03)."
    )
    assert rules.issue_problem(valid_until=None, zone=SHANGHAI) is None


def test_a_replacement_VIP_CARD_4_VIP_CARD_3():
    assert rules.replacement_problem(number="V1", blocked=True, membership_valid=False) == (
        "VIP-CARD-4: card V1 is already blocked."
    )
    assert rules.replacement_problem(number="V1", blocked=False, membership_valid=False).startswith("VIP-CARD-3")
    assert rules.replacement_problem(number="V1", blocked=False, membership_valid=True) is None


def test_a_reward_of_the_catalog_still_offered_VIP_PTS_2():
    assert rules.reward_catalog_problem(in_store_catalog=False).startswith("VIP-PTS-2")
    assert rules.reward_catalog_problem(in_store_catalog=True) is None
    assert "no longer offered" in rules.redemption_problem(balance=0, points=10, stock=0, active=False)
    assert "out of stock" in rules.redemption_problem(balance=0, points=10, stock=0, active=True)
    assert rules.redemption_problem(balance=10, points=10, stock=1) is None


def test_the_forms_are_handed_in_after_the_month_VIP_DATA_1():
    assert rules.hand_in_problem(today=dt.date(2026, 3, 31), year=2026, month=3).startswith("VIP-DATA-1")
    assert rules.hand_in_problem(today=dt.date(2026, 4, 1), year=2026, month=3) is None
