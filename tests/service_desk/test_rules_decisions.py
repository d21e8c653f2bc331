"""The SVC-* decisions the services used to make themselves, now pure rules: facts in, refusals out (no database)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from salesoffice.roles import Role
from service_desk import rules

from ..conftest import SHANGHAI, at
from .conftest import SIGNATURE


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def fields(refusals):
    return [(r.rule_id, r.field) for r in refusals]


def test_registering_needs_who_asked_what_and_a_category_SVC_FIRST_1_SVC_COMP_1():
    refusals = rules.request_refusals(
        kind="complaint", requester_name=" ", content="", category="", phone="", address="", appointment=None,
        repair_staff_elsewhere=False, now=at(2, 10),
    )  # fmt: skip
    assert fields(refusals) == [
        ("SVC-FIRST-1", "requester_name"),
        ("SVC-FIRST-1", "content"),
        ("SVC-COMP-1", "category"),
    ]


def test_a_repair_needs_staff_of_this_office_SVC_REP_1():
    refusals = rules.request_refusals(
        kind="repair", requester_name="Ms Li", content="Leak", category="water", phone="13800138000",
        address="3-101", appointment=at(3, 10), repair_staff_elsewhere=True, now=at(2, 10),
    )  # fmt: skip
    assert fields(refusals) == [("SVC-REP-1", "repair_staff")]
    assert refusals[0].message == "This person works at another office."


@pytest.mark.parametrize(
    "kind, major, important, told",
    [
        ("complaint", True, False, ["svc_major_complaint"]),
        ("complaint", False, False, []),
        ("visit", True, True, ["svc_important"]),  # a severity only counts on a complaint
        ("complaint", True, True, ["svc_major_complaint", "svc_important"]),
    ],
)
def test_who_hears_of_a_new_request_at_once_SVC_COMP_1_SVC_VIS_1(kind, major, important, told):
    notices = rules.registration_notices(kind=kind, major=major, important=important)
    assert [n[0] for n in notices] == told


def test_the_severity_chooses_the_limits_SVC_COMP_1_SVC_CB_1():
    assert rules.complaint_hours(major=True, major_hours=24, minor_hours=72) == 24
    assert rules.complaint_hours(major=False, major_hours=24, minor_hours=72) == 72
    assert rules.complaint_callback_days(major=True, major_days=1, minor_days=3) == 1
    assert rules.complaint_callback_days(major=False, major_days=1, minor_days=3) == 3


def test_a_request_is_handled_by_its_owner_assignee_or_a_manager_SVC_FIRST_1():
    assert rules.handler_refusal(owner_or_assignee=True, sees_all=False) is None
    assert rules.handler_refusal(owner_or_assignee=False, sees_all=True) is None
    assert rules.handler_refusal(owner_or_assignee=False, sees_all=False).rule_id == "SVC-FIRST-1"


def test_routing_answers_with_the_first_thing_wrong_only_SVC_FIRST_1():
    closed = rules.route_refusals(closed=True, department="", assignee_elsewhere=True)
    assert fields(closed) == [("SVC-FIRST-1", None)]
    assert fields(rules.route_refusals(closed=False, department=" ", assignee_elsewhere=True)) == [
        ("SVC-FIRST-1", "department")
    ]
    assert fields(rules.route_refusals(closed=False, department="Works", assignee_elsewhere=True)) == [
        ("SVC-FIRST-1", "assignee")
    ]
    assert rules.route_refusals(closed=False, department="Works", assignee_elsewhere=False) == []


def closing(**facts):
    given = {
        "closed": False, "kind": "visit", "reply": "Answered at the desk", "solved": True, "not_ours": False,
        "closer_is_owner": True, "signed_off": False, "repair_completed": False,
    }  # fmt: skip
    return rules.closing_refusals(**{**given, **facts})


def test_closing_in_stages_closed_then_deflection_then_the_rest_SVC_FIRST_1():
    assert fields(closing(closed=True, reply="")) == [("SVC-FIRST-1", None)]
    assert fields(closing(not_ours=True, reply="")) == [("SVC-FIRST-1", "solved")]  # the deflection alone
    assert fields(closing(reply="", solved=None)) == [("SVC-FIRST-1", "reply"), ("SVC-VIS-1", "solved")]
    assert closing() == []


def test_an_unsolved_close_needs_its_reason_once_SVC_VIS_1():
    assert fields(closing(solved=False, reply="no")) == [("SVC-VIS-1", "reply")]
    assert fields(closing(solved=False, reply="")) == [("SVC-FIRST-1", "reply")]  # one message at the reply


def test_a_repair_closes_once_completed_SVC_REP_1():
    assert fields(closing(kind="repair")) == [("SVC-REP-1", None)]
    assert closing(kind="repair", repair_completed=True) == []


def test_the_corrective_action_of_a_major_complaint_SVC_COMP_1():
    refusals = rules.corrective_action_refusals(
        major=False, corrective_action="", responsible_named=False, responsible_elsewhere=False, due_at=None,
        now=at(2, 10),
    )  # fmt: skip
    assert fields(refusals) == [
        ("SVC-COMP-1", None),
        ("SVC-COMP-1", "corrective_action"),
        ("SVC-COMP-1", "responsible"),
        ("SVC-COMP-1", "due_at"),
    ]
    past = rules.corrective_action_refusals(
        major=True, corrective_action="Retrain", responsible_named=True, responsible_elsewhere=True,
        due_at=at(2, 10) - dt.timedelta(microseconds=1), now=at(2, 10),
    )  # fmt: skip
    assert fields(past) == [("SVC-COMP-1", "responsible"), ("SVC-COMP-1", "due_at")]
    assert "past" in past[1].message


def test_inspection_and_liaison_need_their_text_SVC_COMP_1():
    assert fields(rules.inspection_refusals(findings="", corrective_report=" ")) == [
        ("SVC-COMP-1", "findings"),
        ("SVC-COMP-1", "corrective_report"),
    ]
    assert fields(rules.liaison_refusals(liaison=" ")) == [("SVC-COMP-1", "liaison")]
    log = rules.liaison_log(previous="[2026-03-01 09:00] Called", liaison=" Apologised ", now=at(2, 10), zone=SHANGHAI)
    assert log == "[2026-03-01 09:00] Called\n[2026-03-02 10:00] Apologised"


def test_a_result_is_signed_off_once_and_after_the_liaison_SVC_COMP_1():
    refusals = rules.complaint_sign_off_refusals(
        signed_off_already=True, resolution="Cleaned", resolved=True, other_organisation="Water Co", liaison=""
    )
    assert [r.message for r in refusals] == [
        "The result is signed off already.",
        "SVC-COMP-1: record the explanation and liaison with Water Co first.",
    ]
    ok = rules.complaint_sign_off_refusals(
        signed_off_already=False, resolution="Cleaned", resolved=True, other_organisation="Water Co", liaison="x"
    )
    assert ok == []


def test_the_complaint_callback_once_per_result_SVC_CB_1():
    before = rules.complaint_callback_refusals(
        signed_off=False, called_back_already=True, satisfied=True, reopen=False, explanation=""
    )
    assert [r.message for r in before] == ["SVC-CB-1: the resident is called back once the result is signed off."]
    again = rules.complaint_callback_refusals(
        signed_off=True, called_back_already=True, satisfied=False, reopen=False, explanation=""
    )
    assert fields(again) == [("SVC-CB-1", None), ("SVC-CB-1", "explanation")]
    assert rules.complaint_callback_reopens(satisfied=False, reopen=True) is True
    assert rules.complaint_callback_reopens(satisfied=True, reopen=True) is False


def test_a_completion_in_stages_SVC_REP_1():
    doubt = ["SVC-REP-1: this repair is marked complete by someone who does not repair."]
    done = rules.completion_refusals(repair_open=False, charges=Decimal("-1"), doubts=doubt, reason="")
    assert [r.message for r in done] == ["This repair is completed already."]
    negative = rules.completion_refusals(repair_open=True, charges=Decimal("-1"), doubts=doubt, reason="")
    assert fields(negative) == [("SVC-CB-4", "charges")]
    assert fields(rules.completion_refusals(repair_open=True, charges=None, doubts=[], reason="")) == [
        ("SVC-CB-4", "charges")
    ]
    unconfirmed = rules.completion_refusals(repair_open=True, charges=Decimal("0"), doubts=doubt, reason="")
    assert fields(unconfirmed) == [("SVC-REP-1", "confirm_reason")]
    confirmed = rules.completion_refusals(
        repair_open=True, charges=Decimal("0"), doubts=doubt, reason="The lead fixed it himself"
    )
    assert confirmed == []


def test_a_completed_repair_is_not_rescheduled_SVC_REP_2():
    refusals = rules.reschedule_refusals(
        reason="Ill", notice_method="phone", notice_text="Told", new_at=at(3, 10), now=at(2, 10), repair_open=False
    )
    assert [r.message for r in refusals] == ["The repair is completed."]


def test_a_callback_form_and_one_per_role_SVC_CB_4_SVC_CB_2():
    refusals = rules.callback_refusals(
        role=Role.REPAIR_LEAD, roles_called={Role.REPAIR_LEAD.value}, inspected_on_site=True,
        service_opinion="Polite", charges_checked=True, charges_correct=True, signature=SIGNATURE,
    )  # fmt: skip
    assert fields(refusals) == [("SVC-CB-2", None)]
    incomplete = rules.callback_refusals(
        role=Role.ADMINISTRATOR, roles_called={Role.REPAIR_LEAD.value}, inspected_on_site=False,
        service_opinion="", charges_checked=True, charges_correct=True, signature=SIGNATURE,
    )  # fmt: skip
    assert fields(incomplete) == [("SVC-CB-4", "inspected_on_site"), ("SVC-CB-4", "service_opinion")]


def test_the_rectification_notice_SVC_CB_5():
    assert rules.rectification_addressee(repair_staff_id=None, completed_by_id=7) == 7
    assert rules.rectification_addressee(repair_staff_id=3, completed_by_id=7) == 3
    outcome = rules.callback_outcome(satisfied=True, charges_correct=False, problem="Tap drips")
    deadline = rules.rectification_deadline(callback_at=at(2, 10), hours=24, zone=SHANGHAI)
    text = rules.rectification_text(outcome=outcome, deadline=deadline, problem="Tap drips", charges_correct=False)
    assert text.split("\n") == [
        outcome.explanation,
        deadline.explanation,
        "Problem found: Tap drips",
        "The charges were found wrong.",
    ]
    unchecked = rules.rectification_text(outcome=outcome, deadline=deadline, problem="", charges_correct=None)
    assert unchecked.split("\n") == [outcome.explanation, deadline.explanation]
    assert fields(rules.rectification_refusals(rectified_already=True, note="")) == [("SVC-CB-5", None)]
    assert fields(rules.rectification_refusals(rectified_already=False, note=" ")) == [("SVC-CB-5", "note")]


def test_a_shift_SVC_DUTY_1():
    refusals = rules.shift_refusals(
        person_elsewhere=True, starts_at=at(2, 10), ends_at=at(2, 9), duty_phone="", now=at(2, 10)
    )
    assert fields(refusals) == [
        ("SVC-DUTY-1", "person"),
        ("SVC-DUTY-1", "ends_at"),
        ("SVC-DUTY-1", "ends_at"),
        ("SVC-DUTY-1", "duty_phone"),
    ]
    assert fields(rules.shift_refusals(
        person_elsewhere=False, starts_at=at(2, 10), ends_at=at(2, 12), duty_phone="12", now=at(2, 10)
    )) == [("SVC-DUTY-1", "duty_phone")]  # fmt: skip


def test_going_out_and_back_SVC_DUTY_1():
    outside = rules.go_out_refusals(
        forwarded_to="13800138000", radio=True, reason="Leak", starts_at=at(2, 12), ends_at=at(2, 14),
        out_already=True, now=at(2, 14),
    )  # fmt: skip
    assert [r.message for r in outside] == ["SVC-DUTY-1: you are not on duty now.", "SVC-DUTY-1: you are out already."]
    inside = rules.go_out_refusals(
        forwarded_to="13800138000", radio=True, reason="Leak", starts_at=at(2, 12), ends_at=at(2, 14),
        out_already=False, now=at(2, 12),
    )  # fmt: skip
    assert inside == []
    assert fields(rules.back_refusals(out=False)) == [("SVC-DUTY-1", None)]
    assert rules.back_refusals(out=True) == []
    assert rules.duty_person_refusal(is_duty_person=True, going_out=True) is None
    assert "going out" in rules.duty_person_refusal(is_duty_person=False, going_out=True).message
    assert "being back" in rules.duty_person_refusal(is_duty_person=False, going_out=False).message
