"""The SVC-* rules as pure functions, at the exact boundary instants."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from salesoffice.roles import Role
from service_desk import rules

from ..conftest import SHANGHAI, at
from .conftest import SIGNATURE

MICRO = dt.timedelta(microseconds=1)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


# --- SVC-FIRST-1 ------------------------------------------------------------------------------------------------


def test_reply_is_due_24_hours_after_registration_SVC_FIRST_1():
    deadline = rules.reply_deadline(registered_at=at(2, 10), reply_hours=24, zone=SHANGHAI)
    assert deadline.due_at == at(3, 10)
    assert deadline.explanation == "SVC-FIRST-1: the first-contact owner replies within 24 hours, by 2026-03-03 10:00."


@pytest.mark.parametrize(
    "now, done, state",
    [
        (at(3, 7, 59), None, rules.State.OPEN),
        (at(3, 8), None, rules.State.DUE_SOON),  # the reminder lead (2 h) starts at this instant
        (at(3, 10), None, rules.State.DUE_SOON),  # the deadline instant itself is still on time
        (at(3, 10) + MICRO, None, rules.State.OVERDUE),
        (at(4, 9), at(3, 10), rules.State.ON_TIME),
        (at(4, 9), at(3, 10) + MICRO, rules.State.LATE),
    ],
)
def test_deadline_state_at_the_boundaries_SVC_FIRST_1(now, done, state):
    assert rules.deadline_state(due_at=at(3, 10), done_at=done, now=now, remind_hours=2) == state


def test_the_owner_can_never_be_changed_SVC_FIRST_1():
    refusal = rules.owner_change_refusal()
    assert refusal.rule_id == "SVC-FIRST-1" and refusal.field == "owner"
    assert "cannot be changed" in refusal.message


# --- SVC-VIS-1 and closing ----------------------------------------------------------------------------------------


def test_closing_needs_a_reply_and_whether_it_was_solved_SVC_VIS_1():
    refusals = rules.close_refusals(kind="visit", reply="", solved=None, signed_off=True)
    assert [(r.rule_id, r.field) for r in refusals] == [("SVC-FIRST-1", "reply"), ("SVC-VIS-1", "solved")]


def test_an_unsolved_request_needs_the_reason_explained_SVC_VIS_1():
    assert rules.unsolved_needs_reason(solved=False, reply="no").rule_id == "SVC-VIS-1"
    assert rules.unsolved_needs_reason(solved=False, reply="Not the office's remit: call the water company") is None
    assert rules.unsolved_needs_reason(solved=True, reply="done") is None


def test_a_complaint_closes_only_once_signed_off_SVC_COMP_1():
    refusals = rules.close_refusals(kind="complaint", reply="Fixed", solved=True, signed_off=False)
    assert [r.rule_id for r in refusals] == ["SVC-COMP-1"]
    assert rules.close_refusals(kind="complaint", reply="Fixed", solved=True, signed_off=True) == []


# --- SVC-COMP-1 -----------------------------------------------------------------------------------------------


def test_complaint_deadline_by_severity_SVC_COMP_1():
    major = rules.complaint_deadline(registered_at=at(2, 10), major=True, hours=24, zone=SHANGHAI)
    minor = rules.complaint_deadline(registered_at=at(2, 10), major=False, hours=72, zone=SHANGHAI)
    assert major.due_at == at(3, 10) and "office head" in major.explanation
    assert minor.due_at == at(5, 10)


# --- SVC-REP-1/2 ---------------------------------------------------------------------------------------------------


def test_a_repair_needs_phone_address_and_a_future_appointment_SVC_REP_1():
    now = at(2, 10)
    refusals = rules.registration_refusals(kind="repair", phone=" ", address="", appointment=at(2, 9, 59), now=now)
    assert [(r.rule_id, r.field) for r in refusals] == [
        ("SVC-REP-1", "phone"),
        ("SVC-REP-1", "address"),
        ("SVC-REP-1", "appointment"),
    ]
    assert rules.registration_refusals(kind="repair", phone="13800138001", address="a", appointment=now, now=now) == []
    assert rules.registration_refusals(kind="question", phone="", address="", appointment=None, now=now) == []


def test_a_missed_appointment_needs_reason_notice_and_new_time_SVC_REP_2():
    now = at(2, 16)
    refusals = rules.reschedule_refusals(reason="", notice_method="", notice_text="", new_at=None, now=now)
    assert [r.field for r in refusals] == ["reason", "notice_method", "notice_text", "new_appointment"]
    past = rules.reschedule_refusals(reason="r", notice_method="phone", notice_text="t", new_at=at(2, 15), now=now)
    assert [r.field for r in past] == ["new_appointment"]
    ok = rules.reschedule_refusals(reason="r", notice_method="written", notice_text="t", new_at=now, now=now)
    assert ok == []


# --- SVC-CB-3 ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "category, days, completed, due",
    [
        ("safety", 2, at(1, 15), at(3, 0) + dt.timedelta(days=1) - MICRO),  # RULES.md's example: end of 3 March
        ("water", 3, at(1, 23, 59), at(5, 0) - MICRO),
        ("water", 3, at(2, 0), at(6, 0) - MICRO),  # midnight is the next day
        ("other", 7, at(1, 9), at(9, 0) - MICRO),
    ],
)
def test_callback_due_by_the_end_of_the_nth_day_SVC_CB_3(category, days, completed, due):
    deadline = rules.callback_deadline(completed_at=completed, category=category, days=days, zone=SHANGHAI)
    assert deadline.due_at == due
    assert rules.deadline_state(due_at=deadline.due_at, done_at=None, now=due, remind_hours=2) != rules.State.OVERDUE
    assert rules.deadline_state(due_at=deadline.due_at, done_at=None, now=due + MICRO, remind_hours=2) == "overdue"


def test_callback_day_is_the_office_day_not_utc_SVC_CB_3():
    completed = dt.datetime(2026, 3, 1, 20, 0, tzinfo=dt.UTC)  # 2 March 04:00 at the office
    deadline = rules.callback_deadline(completed_at=completed, category="water", days=3, zone=SHANGHAI)
    assert deadline.due_at.astimezone(SHANGHAI).date() == dt.date(2026, 3, 5)
    assert deadline.explanation == (
        "SVC-CB-3: water leak, callback due by the end of 2026-03-05 (3 days after completion)."
    )
    assert rules.explain_callback("water", deadline.due_at, SHANGHAI) == (
        "SVC-CB-3: water leak, callback due by the end of 2026-03-05."
    )


def test_callback_days_by_category_SVC_CB_3():
    assert [rules.callback_days(c, safety=2, water=3, other=7) for c in ("safety", "water", "other")] == [2, 3, 7]


# --- SVC-CB-5 ------------------------------------------------------------------------------------------------------


def test_rectification_due_24_hours_after_the_callback_SVC_CB_5():
    deadline = rules.rectification_deadline(callback_at=at(4, 11, 30), hours=24, zone=SHANGHAI)
    assert deadline.due_at == at(5, 11, 30)
    assert deadline.rule_id == "SVC-CB-5"


# --- SVC-CB-2 / CB-4 / CB-1 ----------------------------------------------------------------------------------


def test_only_the_callback_roles_call_back_SVC_CB_2():
    assert rules.callback_role(frozenset({"repair_lead"})) == Role.REPAIR_LEAD
    assert rules.callback_role(frozenset({"repair_lead", "office_director"})) == Role.OFFICE_DIRECTOR
    assert rules.callback_role(frozenset({"service_desk_staff", "repair_staff", "admin"})) is None


def test_the_callback_form_needs_every_part_SVC_CB_4():
    refusals = rules.callback_form_refusals(
        inspected_on_site=False, service_opinion="", charges_checked=False, signature="data:image/png;base64,!!"
    )
    assert [r.field for r in refusals] == ["inspected_on_site", "service_opinion", "charges", "signature"]
    ok = rules.callback_form_refusals(
        inspected_on_site=True, service_opinion="good", charges_checked=True, signature=SIGNATURE
    )
    assert ok == []


def test_signature_must_be_a_png_data_url_SVC_CB_4():
    assert rules.signature_is_valid(SIGNATURE)
    assert not rules.signature_is_valid("")
    assert not rules.signature_is_valid("data:image/jpeg;base64,AAAA" * 20)
    assert not rules.signature_is_valid(SIGNATURE[:30])


@pytest.mark.parametrize(
    "satisfied, charges_correct, problem, rectification, reopens",
    [
        (True, True, "", False, False),
        (True, True, "Grout missing", True, False),
        (True, False, "", True, False),
        (False, True, "", True, True),
    ],
)
def test_callback_outcome_SVC_CB_1_SVC_CB_5(satisfied, charges_correct, problem, rectification, reopens):
    outcome = rules.callback_outcome(satisfied=satisfied, charges_correct=charges_correct, problem=problem)
    assert (outcome.rectification, outcome.reopens) == (rectification, reopens)


MINIMUMS = {Role.OFFICE_DIRECTOR: 10, Role.ADMINISTRATOR: 30, Role.REPAIR_LEAD: 60}


def test_callback_rates_at_the_minimums_SVC_CB_2():
    rates = rules.callback_rates(
        completed=10, callbacks_by_role={"office_director": 1, "administrator": 3, "repair_lead": 5}, minimums=MINIMUMS
    )
    assert [(r.role, r.rate, r.compliant) for r in rates] == [
        (Role.OFFICE_DIRECTOR, Decimal("10.0"), True),
        (Role.ADMINISTRATOR, Decimal("30.0"), True),
        (Role.REPAIR_LEAD, Decimal("50.0"), False),
    ]
    assert rates[2].explanation == (
        "SVC-CB-2: Repair lead called back 5 of 10 completed repairs (50.0%), minimum 60%: below the minimum."
    )


def test_a_month_without_completed_repairs_asks_nothing_SVC_CB_2():
    assert all(r.compliant for r in rules.callback_rates(completed=0, callbacks_by_role={}, minimums=MINIMUMS))


# --- SVC-DUTY-1 ------------------------------------------------------------------------------------------------


def test_going_out_needs_forwarding_and_a_radio_SVC_DUTY_1():
    refusals = rules.outing_refusals(forwarded_to="", radio=False, reason="")
    assert [r.field for r in refusals] == ["reason", "forwarded_to", "radio"]
    assert rules.outing_refusals(forwarded_to="13900000000", radio=True, reason="Leak in block 3") == []


def test_who_to_call_at_the_shift_boundaries_SVC_DUTY_1():
    shift = {
        "person_id": 1,
        "name": "Zhao",
        "kind": "noon",
        "starts_at": at(2, 12),
        "ends_at": at(2, 14),
        "duty_phone": "8001",
        "outing": {"left_at": at(2, 13), "returned_at": at(2, 13, 30), "forwarded_to": "13900000000", "radio": True},
    }
    assert rules.who_to_call(shifts=[shift], now=at(2, 11, 59)) == []
    assert [c.call for c in rules.who_to_call(shifts=[shift], now=at(2, 12))] == ["8001"]
    out = rules.who_to_call(shifts=[shift], now=at(2, 13))
    assert [(c.call, c.out) for c in out] == [("13900000000", True)]
    assert "forwarded to 13900000000" in out[0].explanation
    assert [c.call for c in rules.who_to_call(shifts=[shift], now=at(2, 13, 30))] == ["8001"]
    assert rules.who_to_call(shifts=[shift], now=at(2, 14)) == []


def test_each_role_calls_a_repair_back_once_SVC_CB_2():
    with translation.override("en"):
        refusal = rules.callback_repeat_refusal(role=Role.ADMINISTRATOR, roles_called={"administrator"})
        assert refusal.rule_id == "SVC-CB-2" and "Administrator" in refusal.message
    others = {"office_director", "repair_lead"}
    assert rules.callback_repeat_refusal(role=Role.ADMINISTRATOR, roles_called=others) is None


def test_a_callback_at_the_deadline_s_last_instant_is_on_time_SVC_CB_3():
    due = dt.datetime(2026, 3, 4, 15, 59, 59, 999999, tzinfo=dt.UTC)  # end of 4 March in Shanghai
    assert rules.callback_timeliness(made_at=due, due_at=due) == rules.State.ON_TIME
    assert rules.callback_timeliness(made_at=due + dt.timedelta(microseconds=1), due_at=due) == rules.State.LATE


def test_a_round_is_reopened_once_SVC_CB_1():
    assert rules.callback_reopens_round(reopens=True, repair_round=1, completion_round=1, repair_completed=True)
    assert not rules.callback_reopens_round(reopens=True, repair_round=2, completion_round=1, repair_completed=False)
    assert not rules.callback_reopens_round(reopens=False, repair_round=1, completion_round=1, repair_completed=True)


def test_the_charges_check_is_three_way_SVC_CB_4():
    base = {"inspected_on_site": True, "service_opinion": "good", "signature": SIGNATURE}
    not_checked = rules.callback_form_refusals(charges_checked=False, charges_correct=None, **base)
    assert [(r.field, r.message) for r in not_checked] == [
        ("charges", "SVC-CB-4: check the charges with the resident.")
    ]
    undecided = rules.callback_form_refusals(charges_checked=True, charges_correct=None, **base)
    assert [r.field for r in undecided] == ["charges"]
    assert rules.callback_form_refusals(charges_checked=True, charges_correct=False, **base) == []


def test_a_completion_before_its_appointment_or_by_a_non_repairer_is_doubtful_SVC_REP_1():
    appointment = at(2, 15)
    repairer = frozenset({"repair_staff"})
    assert (
        rules.completion_doubts(completed_at=appointment, appointment_at=appointment, roles=repairer, zone=SHANGHAI)
        == []
    )
    early = rules.completion_doubts(
        completed_at=appointment - MICRO, appointment_at=appointment, roles=repairer, zone=SHANGHAI
    )
    assert early == ["SVC-REP-1: this repair is marked complete before its appointment (2026-03-02 15:00)."]
    desk = rules.completion_doubts(
        completed_at=appointment, appointment_at=appointment, roles=frozenset({"service_desk_staff"}), zone=SHANGHAI
    )
    assert desk == ["SVC-REP-1: this repair is marked complete by someone who does not repair."]
    assert rules.completion_confirmation_refusal(doubts=desk, reason="too short").field == "confirm_reason"
    assert rules.completion_confirmation_refusal(doubts=desk, reason="Fixer off sick; I saw it done") is None
    assert rules.completion_confirmation_refusal(doubts=[], reason="") is None
