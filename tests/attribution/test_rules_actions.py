"""The register's refusals the services used to decide themselves, now pure rules (attribution.rules.actions)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from attribution import rules
from attribution.rules import CompanyFact, RegisteredVisit

from ..conftest import SHANGHAI, at


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def said(refusal):
    return None if refusal is None else (refusal.rule_ids, refusal.field, refusal.text)


def test_a_visit_for_a_salesperson_of_the_site_with_a_name_ATT_REG_1():
    assert rules.salesperson_refusal(is_salesperson=True, name="Li") is None
    assert said(rules.salesperson_refusal(is_salesperson=False, name="Li")) == (
        ("ATT-REG-1",),
        "salesperson",
        "Li is not a salesperson of this site.",
    )
    assert rules.name_refusal(" ").field == "name"
    assert rules.name_refusal("Ms Zhou") is None


def test_the_review_in_order_manager_own_reason_once_ATT_REG_1():
    given = {"is_site_project_manager": True, "own_entry": False, "approve": False, "reason": "", "reviewed": True}
    assert "project manager" in rules.review_refusal(**{**given, "is_site_project_manager": False}).text
    assert "their own" in rules.review_refusal(**{**given, "own_entry": True}).text
    assert rules.review_refusal(**given).field == "reason"
    assert "already been reviewed" in rules.review_refusal(**{**given, "reason": "duplicate"}).text
    assert rules.review_refusal(**{**given, "approve": True, "reviewed": False}) is None
    assert rules.correction_refusal(note="").field == "note"


def test_a_recognition_after_it_happened_of_another_record_REC_NEW_2():
    now = at(2, 10)
    assert rules.recognition_refusal(recognised_at=now + dt.timedelta(seconds=1), same_client=True, now=now).field == (
        "recognised_at"
    )
    assert rules.recognition_refusal(recognised_at=now, same_client=True, now=now).field == "original_client"
    assert rules.recognition_refusal(recognised_at=now, same_client=False, now=now) is None


def test_the_period_a_recognition_is_about_counts_entries_awaiting_approval_REC_NEW_2():
    waiting = RegisteredVisit(1, 7, at(2, 9), None, at(2, 9))
    rejected = RegisteredVisit(2, 8, at(2, 8), None, at(2, 8), rejected=True)
    period = rules.recognised_period(
        [rejected, waiting], recognised_at=at(2, 11), reassignments=(), now=at(2, 12), zone=SHANGHAI
    )
    assert period.owner_id == 7
    assert (
        rules.recognised_period([waiting], recognised_at=at(2, 8), reassignments=(), now=at(2, 12), zone=SHANGHAI)
        is None
    )


def test_spouses_ATT_SPOUSE():
    assert rules.spouse_refusal(same_client=True, both_held=False, already_linked=True).field == "spouse"
    assert "valid registration" in rules.spouse_refusal(same_client=False, both_held=False, already_linked=True).text
    assert "already marked" in rules.spouse_refusal(same_client=False, both_held=True, already_linked=True).text
    assert rules.spouse_refusal(same_client=False, both_held=True, already_linked=False) is None


def test_company_clients_ATT_CO_1_ATT_CO_4():
    assert rules.contact_refusal(contacted_at=at(3, 10), now=at(2, 10)).field == "contacted_at"
    before = RegisteredVisit(1, 7, at(1, 9), at(1, 20), at(1, 9))
    mark = CompanyFact(0, "direct_sales", at(2, 10), at(2, 10), None)
    assert rules.company_mark_refusal(mark, [before], zone=SHANGHAI).rule_ids == ("ATT-CO-1",)
    assert rules.company_mark_refusal(mark, [], zone=SHANGHAI) is None
    assert rules.arrangement_refusal(kind="other", arranged_kinds=rules.ARRANGED_KINDS, name="").field == "kind"
    assert rules.arrangement_refusal(kind="direct_sales", arranged_kinds=rules.ARRANGED_KINDS, name="").field == "name"


def test_introductions_and_instigation_findings_ATT_REF_OLD_REC_DES_2():
    assert rules.introduction_refusal(declared=True, declared_at=None, now=at(2, 10)).field == "declared_at"
    assert "future" in rules.introduction_refusal(declared=False, declared_at=at(3, 10), now=at(2, 10)).text
    assert rules.introduction_refusal(declared=True, declared_at=at(2, 9), now=at(2, 10)) is None
    assert rules.instigation_reason_refusal(reason=" ").field == "reason"


def test_registering_a_referral_ATT_EMP_1():
    facts = {"sales_office": True, "appointment_date": dt.date(2026, 3, 2), "now": at(2, 10), "zone": SHANGHAI}
    assert rules.referral_refusal(**{**facts, "sales_office": False}, name="").field == "site"
    assert rules.referral_refusal(**{**facts, "appointment_date": dt.date(2026, 3, 1)}, name="").field == (
        "appointment_date"
    )
    assert rules.referral_refusal(**facts, name="").field == "name"
    assert rules.referral_refusal(**facts, name="Ms Zhou") is None
    assert "already visited" in rules.referral_client_refusal(visited=True, open_referral=True).text
    assert "open referral" in rules.referral_client_refusal(visited=False, open_referral=True).text


def test_confirming_a_referral_on_its_day_ATT_EMP_2_3_4():
    pending = rules.ReferralStatus(rules.REFERRAL_PENDING, ("ATT-EMP-1",), "pending")
    lapsed = rules.ReferralStatus(rules.REFERRAL_LAPSED, ("ATT-EMP-2",), "lapsed")
    void = rules.ReferralStatus(rules.REFERRAL_VOID, ("ATT-EMP-4",), "Void")
    day = dt.date(2026, 3, 2)

    def confirm(state, now, confirmed=False):
        return rules.referral_confirm_refusal(
            confirmed=confirmed, appointment_date=day, state=state, now=now, zone=SHANGHAI
        )

    assert "already confirmed" in confirm(pending, at(2, 10), confirmed=True).text
    assert "on its appointment day" in confirm(pending, at(1, 10)).text
    assert confirm(lapsed, at(3, 10)).rule_ids == ("ATT-EMP-2",)
    assert confirm(void, at(3, 10)).text == "Void (ATT-EMP-4)"
    assert confirm(void, at(2, 10)).text == "Void (ATT-EMP-4)"
    assert confirm(pending, at(2, 10)) is None
    assert rules.referral_confirmer_refusal(is_site_project_manager=True, own_referral=True).text == (
        "Nobody confirms their own referral."
    )


def test_a_dispute_opinion_and_its_ruling_ATT_DISP_1():
    assert rules.opinion_refusal(reasoning="", percents=[]).field == "reasoning"
    assert rules.opinion_refusal(reasoning="x", percents=[]).text == "Propose at least one share."
    assert "more than zero" in rules.opinion_refusal(reasoning="x", percents=[Decimal(0), Decimal(100)]).text
    assert "100%" in rules.opinion_refusal(reasoning="x", percents=[Decimal(60), Decimal(30)]).text
    assert rules.opinion_refusal(reasoning="x", percents=[Decimal(60), Decimal(40)]) is None
    assert "author" in rules.ruling_refusal(author=True, decided=True).text
    assert "already been decided" in rules.ruling_refusal(author=False, decided=True).text


def test_follow_ups_ATT_FU_1():
    assert rules.follow_up_plan_refusal(serves_client=False, reviews_follow_ups=False).rule_ids == ("ATT-FU-1",)
    assert rules.follow_up_plan_refusal(serves_client=False, reviews_follow_ups=True) is None
    done = {"planner": True, "reviews_follow_ups": False, "outcome": "Booked a visit", "done": False}
    assert rules.follow_up_done_refusal(**done) is None
    assert "planned it" in rules.follow_up_done_refusal(**{**done, "planner": False}).text
    assert rules.follow_up_done_refusal(**{**done, "outcome": ""}).field == "outcome"
    assert "already recorded" in rules.follow_up_done_refusal(**{**done, "done": True}).text
