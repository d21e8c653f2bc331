"""The deal refusals the services used to decide themselves, now pure rules (commission.rules, no database)."""

from decimal import Decimal

import pytest
from django.utils import translation

from commission import rules

from ..conftest import at


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def test_a_deal_needs_an_owner_to_split_by_COM_1_ATT_DISP_1():
    nobody = rules.DealSplit(rules.NO_OWNER, (), at(2, 10), ())
    assert rules.owner_refusal(nobody).endswith("(ATT-DISP-1).")
    assert rules.owner_refusal(rules.DealSplit(rules.SPLIT, (), at(2, 10), ())) == ""


def test_confirming_a_deal_COM_5():
    assert "closed or recorded" in rules.confirm_refusal(own_deal=True, cancelled=True, confirmed=True)
    assert "cancelled" in rules.confirm_refusal(own_deal=False, cancelled=True, confirmed=True)
    assert "already confirmed" in rules.confirm_refusal(own_deal=False, cancelled=False, confirmed=True)
    assert rules.confirm_refusal(own_deal=False, cancelled=False, confirmed=False) == ""


def test_cancelling_and_correcting_COM_5():
    assert rules.change_reason_refusal("  ").startswith("Say why (COM-5)")
    assert rules.change_reason_refusal("Buyer withdrew") == ""
    assert rules.cancel_refusal(cancelled=True) == "This deal is already cancelled."
    assert rules.cancel_refusal(cancelled=False) == ""
    assert "no longer corrected" in rules.correction_refusal(cancelled=True)
    same = {"price_before": Decimal("1000000"), "commission_before": Decimal("5000")}
    unchanged = rules.correction_problems(
        price=Decimal("1000000"), commission=Decimal("5000"), max_commission_percent=Decimal("3"), **same
    )
    assert unchanged == {"commission": ["Nothing changed: give the corrected price or commission."]}
    corrected = rules.correction_problems(
        price=Decimal("1000000"), commission=Decimal("6000"), max_commission_percent=Decimal("3"), **same
    )
    assert corrected == {}
    invalid = rules.correction_problems(
        price=Decimal("0"), commission=Decimal("5000"), max_commission_percent=Decimal("3"), **same
    )
    assert list(invalid) == ["price"]
