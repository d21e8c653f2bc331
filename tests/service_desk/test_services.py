"""State changes of the desk through its services, on PostgreSQL: what each rule lets through, refuses, stores."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from salesoffice.models import Notification
from salesoffice.roles import Role
from service_desk import selectors, services
from service_desk.models import (
    Appointment,
    Callback,
    Completion,
    OfficeSettings,
    RectificationNotice,
    Repair,
    ServiceRequest,
)

from ..conftest import at, make_user
from .conftest import callback_form, register_complaint, register_question, register_repair


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def messages_of(exc) -> dict:
    return {field: [str(m) for m in errors] for field, errors in exc.value.message_dict.items()}


# --- SVC-FIRST-1 ---------------------------------------------------------------------------------------------


def test_whoever_registers_owns_and_routing_keeps_the_owner_SVC_FIRST_1(office, desk_staff, repair_lead):
    item = register_question(office, desk_staff, at(2, 10))
    assert item.owner == desk_staff and item.reply_due_at == at(3, 10)

    services.request_route(item=item, actor=desk_staff, department="Engineering", assignee=repair_lead, now=at(2, 11))

    item.refresh_from_db()
    assert (item.owner, item.assignee, item.department) == (desk_staff, repair_lead, "Engineering")
    assert Notification.objects.filter(recipient=repair_lead, kind="svc_routed").count() == 1


def test_changing_the_owner_is_refused_SVC_FIRST_1(office, desk_staff, desk_staff2):
    item = register_question(office, desk_staff, at(2, 10))
    with pytest.raises(ValidationError) as exc:
        services.request_change_owner(item=item, actor=desk_staff, new_owner=desk_staff2, now=at(2, 11))
    assert "SVC-FIRST-1" in messages_of(exc)["owner"][0]
    # Nor can any other writer: the database refuses it.
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceRequest.objects.filter(pk=item.pk).update(owner=desk_staff2)
    item.refresh_from_db()
    assert item.owner == desk_staff


def test_the_reply_limit_setting_applies_from_now_on_and_past_deadlines_stay(office, desk_staff, director):
    first = register_question(office, desk_staff, at(2, 10))
    services.settings_update(site=office, actor=director, values={"reply_hours": 8}, now=at(2, 11))
    second = register_question(office, desk_staff, at(2, 12))

    first.refresh_from_db()
    assert first.reply_due_at == at(3, 10)
    assert second.reply_due_at == at(2, 20)
    settings = OfficeSettings.objects.get(site=office)
    assert [h.reply_hours for h in settings.history.order_by("history_date")] == [24, 8]
    assert settings.history.latest().history_user == director


def test_only_the_director_changes_settings(office, desk_staff):
    with pytest.raises(PermissionDenied):
        services.settings_update(site=office, actor=desk_staff, values={"reply_hours": 1}, now=at(2, 11))


def test_an_outsider_cannot_register_at_another_office(office, outsider):
    with pytest.raises(PermissionDenied):
        register_question(office, outsider, at(2, 10))


def test_close_needs_reply_and_unsolved_reason_SVC_VIS_1(office, desk_staff):
    item = register_question(office, desk_staff, at(2, 10), kind="visit")
    with pytest.raises(ValidationError) as exc:
        services.request_close(item=item, actor=desk_staff, reply="no", solved=False, now=at(2, 11))
    assert "SVC-VIS-1" in messages_of(exc)["reply"][0]
    services.request_close(
        item=item,
        actor=desk_staff,
        reply="Gas meters are read by the gas company; gave their number",
        solved=False,
        now=at(2, 11),
    )
    item.refresh_from_db()
    assert item.closed_at == at(2, 11) and item.solved is False and item.closed_by == desk_staff


# --- SVC-FIRST-1 Decision: nobody deflects --------------------------------------------------------------------------


def test_not_our_department_is_a_routing_never_a_close_SVC_FIRST_1(office, desk_staff, repair_lead):
    item = register_question(office, desk_staff, at(2, 10))
    for actor in (desk_staff, repair_lead):
        with pytest.raises(ValidationError) as exc:
            services.request_close(
                item=item, actor=actor, reply="Not our department", solved=None, not_ours=True, now=at(2, 11)
            )
        assert messages_of(exc)["solved"][0].startswith('SVC-FIRST-1: "not our department" is not a close')
    item.refresh_from_db()
    assert item.closed_at is None and item.closed_by is None


def test_an_assignee_records_the_answer_or_routes_on_never_hands_it_back_SVC_FIRST_1(office, desk_staff, repair_lead):
    item = register_question(office, desk_staff, at(2, 10))
    services.request_route(item=item, actor=desk_staff, department="Engineering", assignee=repair_lead, now=at(2, 10))
    with pytest.raises(ValidationError) as exc:
        services.request_close(
            item=item, actor=repair_lead, reply="Not ours, ask the gas company", solved=False, now=at(2, 11)
        )
    assert "Only the first-contact owner closes a request that cannot be solved" in messages_of(exc)["solved"][0]
    item.refresh_from_db()
    assert item.closed_at is None
    # The assignee who resolved it records the answer and signs it.
    services.request_close(item=item, actor=repair_lead, reply="Water back at 18:00", solved=True, now=at(2, 12))
    item.refresh_from_db()
    assert (item.closed_at, item.closed_by, item.owner) == (at(2, 12), repair_lead, desk_staff)


def test_a_complaint_is_not_signed_off_nor_closed_on_a_non_result_SVC_COMP_1(office, desk_staff):
    item = complaint(office, desk_staff, at(2, 10), severity="minor")
    for resolved, message in ((False, "only a result is signed off"), (None, "say whether the complaint was resolved")):
        with pytest.raises(ValidationError) as exc:
            services.complaint_sign_off(
                complaint=item.complaint, actor=desk_staff, resolution="Not ours", resolved=resolved, now=at(2, 12)
            )
        assert message in messages_of(exc)["resolved"][0]
    item.complaint.refresh_from_db()
    assert item.complaint.signed_off_at is None
    services.complaint_sign_off(
        complaint=item.complaint, actor=desk_staff, resolution="Cleaners rostered", resolved=True, now=at(2, 13)
    )
    with pytest.raises(ValidationError, match="SVC-COMP-1: a complaint closes only on its result"):
        services.request_close(item=item, actor=desk_staff, reply="Could not be done", solved=False, now=at(2, 14))
    services.request_close(item=item, actor=desk_staff, reply="Cleaners rostered", solved=True, now=at(2, 14))


def test_an_important_visit_is_reported_to_leadership_SVC_VIS_1(office, desk_staff, director):
    register_question(office, desk_staff, at(2, 10), kind="letter", important=True)
    assert Notification.objects.filter(recipient=director, kind="svc_important", rule_id="SVC-VIS-1").count() == 1


# --- SVC-COMP-1 -------------------------------------------------------------------------------------------------


def complaint(office, actor, now, **extra):
    return register_complaint(office, actor, now, **{"severity": "major", **extra})


def call_back(item, actor, now, **overrides):
    form = {"suggestions": "", "satisfied": True, "reopen": False, "explanation": ""}
    return services.complaint_callback_record(complaint=item.complaint, actor=actor, now=now, **{**form, **overrides})


def test_a_major_complaint_goes_to_the_office_head_who_sets_the_action_SVC_COMP_1(
    office, desk_staff, director, repair_lead
):
    item = complaint(office, desk_staff, at(2, 10))
    c = item.complaint
    assert c.due_at == at(3, 10) and c.escalated_at == at(2, 10)
    assert Notification.objects.filter(recipient=director, kind="svc_major_complaint").count() == 1

    with pytest.raises(PermissionDenied):
        services.complaint_set_action(
            complaint=c,
            actor=desk_staff,
            corrective_action="x",
            responsible=repair_lead,
            due_at=at(3, 9),
            now=at(2, 11),
        )
    with pytest.raises(ValidationError) as exc:
        services.complaint_set_action(
            complaint=c, actor=director, corrective_action="", responsible=None, due_at=at(2, 9), now=at(2, 11)
        )
    assert set(messages_of(exc)) == {"corrective_action", "responsible", "due_at"}
    services.complaint_set_action(
        complaint=c,
        actor=director,
        corrective_action="Call lift co.",
        responsible=repair_lead,
        due_at=at(3, 9),
        now=at(2, 11),
    )
    c.refresh_from_db()
    assert (c.action_responsible, c.action_set_by, c.action_due_at) == (repair_lead, director, at(3, 9))


def test_closing_a_complaint_needs_the_resolvers_sign_off_SVC_COMP_1(office, desk_staff, repair_lead):
    item = complaint(office, desk_staff, at(2, 10), severity="minor", other_organisation="Lift Co.")
    assert item.complaint.due_at == at(5, 10)
    with pytest.raises(ValidationError) as exc:
        services.request_close(item=item, actor=desk_staff, reply="Lift fixed", solved=True, now=at(3, 10))
    assert "signs off" in " ".join(exc.value.messages)

    services.complaint_inspect(
        complaint=item.complaint, actor=repair_lead, findings="Door sensor", corrective_report="Replace", now=at(2, 12)
    )
    with pytest.raises(ValidationError, match="liaison with Lift Co."):
        services.complaint_sign_off(
            complaint=item.complaint, actor=repair_lead, resolution="Fixed", resolved=True, now=at(3, 9)
        )
    services.complaint_liaise(
        complaint=item.complaint, actor=desk_staff, liaison="Apologised; Lift Co. came", now=at(2, 13)
    )
    services.complaint_sign_off(
        complaint=item.complaint, actor=repair_lead, resolution="Sensor replaced", resolved=True, now=at(3, 9)
    )
    services.request_close(item=item, actor=desk_staff, reply="Lift fixed", solved=True, now=at(3, 10))
    item.refresh_from_db()
    assert item.complaint.resolved_by == repair_lead and item.closed_at == at(3, 10)
    assert item.complaint.inspections.count() == 1


# --- SVC-REP-1/2 ------------------------------------------------------------------------------------------------


def test_a_repair_without_phone_or_address_is_refused_and_nothing_saved_SVC_REP_1(office, desk_staff):
    with pytest.raises(ValidationError) as exc:
        register_repair(office, desk_staff, at(2, 10), phone="", address="", appointment=at(2, 9))
    assert set(messages_of(exc)) == {"phone", "address", "appointment"}
    assert not ServiceRequest.objects.exists()


def test_a_missed_appointment_is_rescheduled_with_reason_and_notice_all_kept_SVC_REP_2(
    office, desk_staff, repair_staff
):
    item = register_repair(office, desk_staff, at(2, 10), appointment=at(2, 15))
    repair = item.repair
    with pytest.raises(ValidationError) as exc:
        services.repair_reschedule(
            repair=repair,
            actor=repair_staff,
            reason="",
            notice_method="",
            notice_text="",
            new_at=at(2, 9),
            now=at(2, 16),
        )
    assert set(messages_of(exc)) == {"reason", "notice_method", "notice_text", "new_appointment"}
    services.repair_reschedule(
        repair=repair,
        actor=repair_staff,
        reason="Part missing",
        notice_method="phone",
        notice_text="Called Mrs Li",
        new_at=at(3, 9),
        now=at(2, 16),
    )
    services.repair_reschedule(
        repair=repair,
        actor=repair_staff,
        reason="Sick",
        notice_method="written",
        notice_text="Letter left",
        new_at=at(4, 9),
        now=at(3, 8),
    )
    chain = list(Appointment.objects.filter(repair=repair).order_by("made_at"))
    assert [a.scheduled_for for a in chain] == [at(2, 15), at(3, 9), at(4, 9)]
    assert [a.replaces_id for a in chain] == [None, chain[0].pk, chain[1].pk]
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.filter(pk=chain[0].pk).update(scheduled_for=at(9, 9))


def test_desk_staff_cannot_record_callbacks_SVC_CB_2(office, desk_staff, repair_staff, director):
    item = register_repair(office, desk_staff, at(2, 10))
    completion = services.repair_complete(repair=item.repair, actor=repair_staff, now=at(2, 16))
    for actor in (desk_staff, repair_staff):
        with pytest.raises(PermissionDenied, match="SVC-CB-2"):
            services.callback_record(completion=completion, actor=actor, now=at(3, 9), **callback_form())
    assert not Callback.objects.exists()


# --- SVC-CB-3/4/5, SVC-CB-1 -----------------------------------------------------------------------------------


def test_completion_sets_the_callback_deadline_by_category_SVC_CB_3(office, desk_staff, repair_staff):
    due = {}
    for category in ("safety", "water", "other"):
        item = register_repair(office, desk_staff, at(1, 10), category=category)
        due[category] = services.repair_complete(repair=item.repair, actor=repair_staff, now=at(1, 15)).callback_due_at
    assert {k: v.astimezone(office.zone).date().day for k, v in due.items()} == {"safety": 3, "water": 4, "other": 8}
    with pytest.raises(ValidationError, match="completed already"):
        services.repair_complete(repair=Repair.objects.first(), actor=repair_staff, now=at(1, 16))


def test_a_changed_callback_setting_never_rewrites_a_past_deadline_SVC_CB_3(office, desk_staff, repair_staff, director):
    first = register_repair(office, desk_staff, at(1, 10), category="water")
    done = services.repair_complete(repair=first.repair, actor=repair_staff, now=at(1, 15))
    services.settings_update(site=office, actor=director, values={"callback_days_water": 1}, now=at(1, 16))
    second = register_repair(office, desk_staff, at(1, 17), category="water", appointment=at(1, 18))
    later = services.repair_complete(repair=second.repair, actor=repair_staff, now=at(1, 19))
    done.refresh_from_db()
    assert done.callback_due_at.astimezone(office.zone).day == 4
    assert later.callback_due_at.astimezone(office.zone).day == 2


def test_a_passed_callback_counts_for_the_role_SVC_CB_4(office, desk_staff, repair_staff, repair_lead):
    item = register_repair(office, desk_staff, at(2, 10))
    completion = services.repair_complete(repair=item.repair, actor=repair_staff, charges=Decimal("30"), now=at(2, 16))
    callback = services.callback_record(completion=completion, actor=repair_lead, now=at(3, 9), **callback_form())
    assert callback.role == "repair_lead"
    assert not RectificationNotice.objects.exists()
    with pytest.raises(ValidationError, match="called back already for the role Repair lead"):
        services.callback_record(completion=completion, actor=repair_lead, now=at(3, 10), **callback_form())
    assert Callback.objects.count() == 1


def test_each_callback_role_calls_the_same_repair_back_and_each_counts_SVC_CB_2(
    office, desk_staff, repair_staff, repair_lead, administrator, director
):
    item = register_repair(office, desk_staff, at(2, 10))
    completion = services.repair_complete(repair=item.repair, actor=repair_staff, now=at(2, 16))
    for minute, actor in enumerate((director, administrator, repair_lead)):
        services.callback_record(completion=completion, actor=actor, now=at(3, 9, minute), **callback_form())
    roles = sorted(Callback.objects.values_list("role", flat=True))
    assert roles == ["administrator", "office_director", "repair_lead"]
    rates = selectors.callback_rates_for_month(site=office, year=2026, month=3)
    assert [(r.role.value, r.callbacks, r.completed, r.compliant) for r in rates] == [
        ("office_director", 1, 1, True),
        ("administrator", 1, 1, True),
        ("repair_lead", 1, 1, True),
    ]
    report = selectors.monthly_report(site=office, year=2026, month=3, now=at(4, 9))
    assert (report.callbacks["completed"], report.callbacks["called"], report.callbacks["made"]) == (1, 1, 3)
    # A second administrator counts for the same role: still one per role per repair.
    other_admin = make_user("admin2", Role.ADMINISTRATOR, [office])
    with pytest.raises(ValidationError, match="SVC-CB-2"):
        services.callback_record(completion=completion, actor=other_admin, now=at(3, 10), **callback_form())
    assert Callback.objects.count() == 3


def test_one_callback_per_role_per_completion_is_a_database_constraint_SVC_CB_2(
    office, desk_staff, repair_staff, repair_lead
):
    item = register_repair(office, desk_staff, at(2, 10))
    completion = services.repair_complete(repair=item.repair, actor=repair_staff, now=at(2, 16))
    first = services.callback_record(completion=completion, actor=repair_lead, now=at(3, 9), **callback_form())
    with pytest.raises(IntegrityError), transaction.atomic():
        Callback.objects.create(
            completion=completion,
            made_at=at(3, 10),
            made_by=repair_lead,
            role=first.role,
            inspected_on_site=True,
            service_opinion="x",
            charges_correct=True,
            satisfied=True,
            signature=first.signature,
        )


def test_a_second_dissatisfied_role_adds_its_notice_but_not_another_round_SVC_CB_1(
    office, desk_staff, repair_staff, director, repair_lead
):
    item = register_repair(office, desk_staff, at(2, 10))
    completion = services.repair_complete(repair=item.repair, actor=repair_staff, now=at(2, 16))
    services.callback_record(completion=completion, actor=director, now=at(3, 9), **callback_form(satisfied=False))
    services.callback_record(completion=completion, actor=repair_lead, now=at(3, 10), **callback_form(satisfied=False))
    repair = Repair.objects.get()
    assert (repair.status, repair.round) == (Repair.Status.OPEN, 2)
    assert RectificationNotice.objects.count() == 2


def test_a_callback_without_signature_is_refused_SVC_CB_4(office, desk_staff, repair_staff, repair_lead):
    item = register_repair(office, desk_staff, at(2, 10))
    completion = services.repair_complete(repair=item.repair, actor=repair_staff, now=at(2, 16))
    with pytest.raises(ValidationError) as exc:
        services.callback_record(
            completion=completion,
            actor=repair_lead,
            now=at(3, 9),
            **callback_form(signature="", inspected_on_site=False),
        )
    assert set(messages_of(exc)) == {"signature", "inspected_on_site"}
    assert not Callback.objects.exists()


def test_a_failed_callback_sends_a_rectification_notice_due_in_24h_SVC_CB_5(
    office, desk_staff, repair_staff, administrator
):
    item = register_repair(office, desk_staff, at(2, 10), staff=repair_staff)
    completion = services.repair_complete(repair=item.repair, actor=repair_staff, now=at(2, 16))
    services.callback_record(
        completion=completion, actor=administrator, now=at(3, 9, 30), **callback_form(problem="Grout missing")
    )
    notice = RectificationNotice.objects.get()
    assert (notice.addressed_to, notice.issued_at, notice.due_at) == (repair_staff, at(3, 9, 30), at(4, 9, 30))
    assert "SVC-CB-5" in notice.text and "Grout missing" in notice.text
    assert Notification.objects.filter(recipient=repair_staff, kind="svc_rectification").count() == 1
    item.repair.refresh_from_db()
    assert item.repair.status == Repair.Status.COMPLETED  # satisfied: the work is not reopened
    services.rectification_done(notice=notice, actor=repair_staff, note="Grouted", now=at(3, 15))
    notice.refresh_from_db()
    assert notice.rectified_at == at(3, 15)


def test_a_dissatisfied_callback_reopens_the_work_SVC_CB_1(office, desk_staff, repair_staff, director):
    item = register_repair(office, desk_staff, at(2, 10))
    completion = services.repair_complete(repair=item.repair, actor=repair_staff, now=at(2, 16))
    services.callback_record(completion=completion, actor=director, now=at(3, 9), **callback_form(satisfied=False))
    repair = Repair.objects.get()
    assert (repair.status, repair.round) == (Repair.Status.OPEN, 2)
    assert RectificationNotice.objects.count() == 1
    again = services.repair_complete(repair=repair, actor=repair_staff, now=at(3, 14))
    assert again.round == 2 and Completion.objects.count() == 2


# --- SVC-DUTY-1 ------------------------------------------------------------------------------------------------


def test_going_out_on_duty_forwards_the_phone_SVC_DUTY_1(office, director, desk_staff, desk_staff2):
    shift = services.duty_shift_add(
        site=office,
        actor=director,
        person=desk_staff,
        kind="noon",
        starts_at=at(2, 12),
        ends_at=at(2, 14),
        duty_phone="02583218001",
        now=at(2, 9),
    )
    with pytest.raises(PermissionDenied):
        services.duty_go_out(shift=shift, actor=desk_staff2, reason="x", forwarded_to="1", radio=True, now=at(2, 13))
    with pytest.raises(ValidationError) as exc:
        services.duty_go_out(shift=shift, actor=desk_staff, reason="Leak", forwarded_to="", radio=False, now=at(2, 13))
    assert set(messages_of(exc)) == {"forwarded_to", "radio"}
    outing = services.duty_go_out(
        shift=shift, actor=desk_staff, reason="Leak in block 3", forwarded_to="13900000000", radio=True, now=at(2, 13)
    )
    services.duty_back(shift=shift, actor=desk_staff, now=at(2, 13, 20))
    outing.refresh_from_db()
    assert outing.returned_at == at(2, 13, 20)
    assert outing.history.count() == 2


def test_only_managers_schedule_duty_SVC_DUTY_1(office, desk_staff):
    with pytest.raises(PermissionDenied):
        services.duty_shift_add(
            site=office,
            actor=desk_staff,
            person=desk_staff,
            kind="night",
            starts_at=at(2, 20),
            ends_at=at(3, 8),
            duty_phone="13800138001",
            now=at(2, 9),
        )


def test_repair_times_are_absolute(office, desk_staff):
    item = register_repair(office, desk_staff, at(2, 10), appointment=at(2, 10) + dt.timedelta(minutes=1))
    assert item.repair.appointments.get().scheduled_for == at(2, 10, 1)


def test_people_of_another_office_cannot_be_given_work_here(office, other_office, desk_staff, director):
    stranger = make_user("stranger", Role.REPAIR_STAFF, [other_office])
    with pytest.raises(ValidationError) as exc:
        register_repair(office, desk_staff, at(2, 10), staff=stranger)
    assert messages_of(exc) == {"repair_staff": ["This person works at another office."]}
    item = register_question(office, desk_staff, at(2, 10))
    with pytest.raises(ValidationError) as exc:
        services.request_route(item=item, actor=desk_staff, department="Engineering", assignee=stranger, now=at(2, 11))
    assert "assignee" in messages_of(exc)


def test_a_resolved_complaint_is_called_back_by_severity_SVC_CB_1(office, desk_staff):
    item = complaint(office, desk_staff, at(2, 10), severity="minor")
    with pytest.raises(ValidationError, match="once the result is signed off"):
        call_back(item, desk_staff, at(2, 11))
    services.complaint_sign_off(
        complaint=item.complaint, actor=desk_staff, resolution="Fixed", resolved=True, now=at(2, 23, 59)
    )
    item.complaint.refresh_from_db()
    assert item.complaint.callback_due_at == at(6, 0) - dt.timedelta(microseconds=1)  # end of the 3rd day after


def test_a_dissatisfied_complaint_callback_reopens_or_explains_SVC_CB_1(office, desk_staff):
    item = complaint(office, desk_staff, at(2, 10))
    services.complaint_sign_off(
        complaint=item.complaint, actor=desk_staff, resolution="Fixed", resolved=True, now=at(2, 16)
    )
    services.request_close(item=item, actor=desk_staff, reply="Fixed", solved=True, now=at(2, 17))
    with pytest.raises(ValidationError) as exc:
        call_back(item, desk_staff, at(3, 9), satisfied=False)
    assert "SVC-CB-1" in messages_of(exc)["explanation"][0]
    call_back(item, desk_staff, at(3, 9), satisfied=False, reopen=True, suggestions="Still noisy")
    item.refresh_from_db()
    item.complaint.refresh_from_db()
    assert item.closed_at is None and item.complaint.signed_off_at is None
    assert item.complaint.callbacks.get().reopened


# --- SVC-CB-4: say what happened, not an accusation ---------------------------------------------------------------


def test_charges_not_checked_is_refused_never_written_as_wrong_SVC_CB_4(office, desk_staff, repair_staff, repair_lead):
    item = register_repair(office, desk_staff, at(2, 10), staff=repair_staff)
    completion = services.repair_complete(repair=item.repair, actor=repair_staff, now=at(2, 16))
    with pytest.raises(ValidationError) as exc:
        services.callback_record(
            completion=completion,
            actor=repair_lead,
            now=at(3, 9),
            **callback_form(charges_checked=False, charges_correct=None, problem="Grout missing"),
        )
    assert messages_of(exc)["charges"] == ["SVC-CB-4: check the charges with the resident."]
    assert not RectificationNotice.objects.exists()
    services.callback_record(
        completion=completion, actor=repair_lead, now=at(3, 9), **callback_form(problem="Grout missing")
    )
    notice = RectificationNotice.objects.get()
    assert "Grout missing" in notice.text and "charges were found wrong" not in notice.text


def test_charges_found_wrong_say_so_SVC_CB_4(office, desk_staff, repair_staff, administrator):
    item = register_repair(office, desk_staff, at(2, 10), staff=repair_staff)
    completion = services.repair_complete(repair=item.repair, actor=repair_staff, now=at(2, 16))
    services.callback_record(
        completion=completion, actor=administrator, now=at(3, 9), **callback_form(charges_correct=False)
    )
    assert "The charges were found wrong." in RectificationNotice.objects.get().text


# --- SVC-REP-1: completion is plausible ----------------------------------------------------------------------------


def test_an_early_or_non_repairer_completion_needs_a_reason_SVC_REP_1(office, desk_staff, repair_staff):
    item = register_repair(office, desk_staff, at(2, 10), appointment=at(2, 15))
    with pytest.raises(ValidationError) as exc:
        services.repair_complete(repair=item.repair, actor=repair_staff, now=at(2, 14, 59))
    assert "before its appointment (2026-03-02 15:00)" in messages_of(exc)["confirm_reason"][0]
    with pytest.raises(ValidationError) as exc:
        services.repair_complete(repair=item.repair, actor=desk_staff, now=at(2, 15))
    assert "by someone who does not repair" in messages_of(exc)["confirm_reason"][0]
    assert not Completion.objects.exists()
    done = services.repair_complete(
        repair=item.repair, actor=desk_staff, now=at(2, 15), reason="Fixer off sick; I watched the plumber finish"
    )
    assert done.confirmed_reason == "Fixer off sick; I watched the plumber finish"


def test_a_completion_at_the_appointment_by_repair_staff_asks_nothing_SVC_REP_1(office, desk_staff, repair_staff):
    item = register_repair(office, desk_staff, at(2, 10), appointment=at(2, 15))
    done = services.repair_complete(repair=item.repair, actor=repair_staff, now=at(2, 15), reason="ignored")
    assert done.confirmed_reason == ""


# --- readers read their own language ----------------------------------------------------------------------------


def test_a_rectification_notice_is_kept_in_each_language(office, desk_staff, repair_staff, repair_lead):
    item = register_repair(office, desk_staff, at(2, 10), staff=repair_staff)
    completion = services.repair_complete(repair=item.repair, actor=repair_staff, now=at(2, 16))
    with translation.override("zh-hans"):  # issued by a Chinese-speaking repair lead
        services.callback_record(
            completion=completion, actor=repair_lead, now=at(3, 9), **callback_form(charges_correct=False)
        )
    notice = RectificationNotice.objects.get()
    assert "SVC-CB-5: written rectification notice" in notice.text_in("en")
    assert "The charges were found wrong." in notice.text_in("en")
    assert "整改" in notice.text_in("zh-hans") and "整改" in notice.text  # the issuer's own text
    assert notice.text_in("fr") == notice.text
