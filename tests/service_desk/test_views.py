"""The desk's pages: who may open them (403/404), what bad input gets (the message next to the field, nothing
saved), and each page's query count."""

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from salesoffice.roles import Role
from service_desk import services
from service_desk.models import Appointment, Callback, Completion, DutyShift, RectificationNotice, ServiceRequest

from ..conftest import at, make_user
from .conftest import SIGNATURE, callback_form, register_complaint, register_question, register_repair

pytestmark = pytest.mark.usefixtures("clock")  # the pages' clock: 2 March 2026, 10:00


def url(name, office, **kwargs):
    return reverse(f"service_desk:{name}", kwargs={"site": office.code, **kwargs})


@pytest.fixture
def repair_item(office, desk_staff, repair_staff):
    return register_repair(office, desk_staff, at(2, 10), appointment=at(2, 15), staff=repair_staff)


@pytest.fixture
def completed(repair_item, repair_staff):
    # Completed at the pages' clock, before the 15:00 appointment: confirmed with its reason (SVC-REP-1).
    return services.repair_complete(
        repair=repair_item.repair, actor=repair_staff, now=at(2, 10), reason="Resident was home early; fixed then"
    )


# --- access -----------------------------------------------------------------------------------------------------


def test_login_is_required(client, office, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(url("desk", office))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_another_offices_staff_get_404(browser_as, office, outsider, repair_item, django_assert_num_queries):
    c = browser_as(outsider)
    with django_assert_num_queries(5):
        assert c.get(url("desk", office)).status_code == 404
    with django_assert_num_queries(5):
        assert c.get(url("item", office, item_id=repair_item.pk)).status_code == 404
    with django_assert_num_queries(5):
        assert c.get(url("report", office)).status_code == 404


def test_a_sales_site_is_not_a_service_desk(browser_as, site, office, django_assert_num_queries):
    user = make_user("deskhand", Role.SERVICE_DESK_STAFF, [site])
    signed_in = browser_as(user)
    with django_assert_num_queries(5):
        assert signed_in.get(reverse("service_desk:desk", kwargs={"site": site.code})).status_code == 404


@pytest.mark.parametrize("name", ["items", "report", "settings", "callbacks"])
def test_desk_staff_are_forbidden_the_managers_pages(browser_as, office, desk_staff, name, django_assert_num_queries):
    signed_in = browser_as(desk_staff)
    with django_assert_num_queries(5):
        assert signed_in.get(url(name, office)).status_code == 403


def test_a_member_without_a_service_role_is_forbidden(browser_as, office, django_assert_num_queries):
    clerk = make_user("clerk", Role.STORE_CLERK, [office])
    signed_in = browser_as(clerk)
    with django_assert_num_queries(5):
        assert signed_in.get(url("desk", office)).status_code == 403


def test_someone_elses_question_is_forbidden_to_desk_staff(
    browser_as, office, desk_staff, desk_staff2, django_assert_num_queries
):
    item = register_question(office, desk_staff, at(2, 9))
    signed_in = browser_as(desk_staff2)
    with django_assert_num_queries(7):
        assert signed_in.get(url("item", office, item_id=item.pk)).status_code == 403


def test_an_id_of_another_office_is_404(browser_as, office, other_office, director, django_assert_num_queries):
    stranger = make_user("lakedesk", Role.SERVICE_DESK_STAFF, [other_office])
    item = register_question(other_office, stranger, at(2, 9))
    signed_in = browser_as(director)
    with django_assert_num_queries(6):
        assert signed_in.get(url("item", office, item_id=item.pk)).status_code == 404


# --- pages and their query counts -------------------------------------------------------------------------------


def test_desk_shows_my_open_items_and_who_to_call(browser_as, office, desk_staff, director, django_assert_num_queries):
    for n in range(3):
        register_question(office, desk_staff, at(1, 9 + n))
    services.duty_shift_add(
        site=office,
        actor=director,
        person=desk_staff,
        kind="holiday",
        starts_at=at(2, 8),
        ends_at=at(2, 18),
        duty_phone="02583218001",
        now=at(2, 7),
    )
    c = browser_as(desk_staff)
    with django_assert_num_queries(9):
        response = c.get(url("desk", office))
    text = response.content.decode()
    assert response.status_code == 200
    assert text.count('data-item="') == 3
    assert "overdue" in text  # the first was due 2 March 09:00
    assert "is on duty at the post: call 02583218001" in text


def test_register_page_and_a_question(browser_as, office, desk_staff, django_assert_num_queries):
    c = browser_as(desk_staff)
    with django_assert_num_queries(6):
        assert c.get(url("register", office)).status_code == 200
    with django_assert_num_queries(12):
        response = c.post(
            url("register", office),
            {"kind": "question", "channel": "phone", "requester_name": "Mr Wang", "content": "Gym?"},
        )
    item = ServiceRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == url("item", office, item_id=item.pk)
    assert item.owner == desk_staff


def test_a_repair_without_phone_or_address_or_with_a_past_appointment_is_refused(
    browser_as, office, desk_staff, django_assert_num_queries
):
    signed_in = browser_as(desk_staff)
    with django_assert_num_queries(9):
        response = signed_in.post(
            url("register", office),
            {
                "kind": "repair",
                "channel": "in_person",
                "requester_name": "Mrs Li",
                "content": "Leak",
                "repair_category": "water",
                "appointment": "2026-03-02T09:00",
            },
        )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["phone"] == ["SVC-REP-1: a repair needs the resident's phone."]
    assert form.errors["address"] == ["SVC-REP-1: a repair needs the address."]
    assert form.errors["appointment"] == ["SVC-REP-1: an appointment cannot be in the past."]
    assert not ServiceRequest.objects.exists()


def test_item_page_of_a_repair_with_its_history(
    browser_as, office, repair_lead, repair_staff, repair_item, django_assert_num_queries
):
    services.repair_reschedule(
        repair=repair_item.repair,
        actor=repair_staff,
        reason="No part",
        notice_method="phone",
        notice_text="Called",
        new_at=at(3, 9),
        now=at(2, 10),
    )
    done = services.repair_complete(
        repair=repair_item.repair, actor=repair_staff, now=at(2, 10), reason="Part arrived; resident called us in"
    )
    services.callback_record(completion=done, actor=repair_lead, now=at(2, 10), **callback_form(problem="Drips"))
    c = browser_as(repair_lead)
    with django_assert_num_queries(11):  # + the callbacks of the completions (one prefetch)
        response = c.get(url("item", office, item_id=repair_item.pk))
    text = response.content.decode()
    assert "SVC-CB-3: water leak, callback due by the end of 2026-03-05." in text
    assert "rescheduled: No part" in text
    assert "SVC-CB-5" in text
    assert 'data-testid="history"' in text and "registered" in text


def test_changing_the_owner_on_the_page_is_refused(
    browser_as, office, desk_staff, desk_staff2, director, django_assert_num_queries
):
    item = register_question(office, desk_staff, at(2, 9))
    signed_in = browser_as(director)
    with django_assert_num_queries(10):
        response = signed_in.post(url("item_owner", office, item_id=item.pk), {"owner": desk_staff2.pk})
    assert response.status_code == 422
    assert "SVC-FIRST-1: the first-contact owner cannot be changed" in response.content.decode()
    item.refresh_from_db()
    assert item.owner == desk_staff


def test_route_keeps_the_owner(browser_as, office, desk_staff, repair_lead, django_assert_num_queries):
    item = register_question(office, desk_staff, at(2, 9))
    signed_in = browser_as(desk_staff)
    # 17 + the notification's email queued in the task outbox (issue 19).
    with django_assert_num_queries(18):
        response = signed_in.post(
            url("item_route", office, item_id=item.pk),
            {"department": "Engineering", "assignee": repair_lead.pk},
        )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.owner, item.assignee) == (desk_staff, repair_lead)


def test_closing_a_complaint_without_sign_off_is_refused(browser_as, office, desk_staff, django_assert_num_queries):
    item = register_complaint(office, desk_staff, at(2, 9), category="neighbours")
    signed_in = browser_as(desk_staff)
    with django_assert_num_queries(16):
        response = signed_in.post(url("item_close", office, item_id=item.pk), {"reply": "Done", "solved": "yes"})
    assert response.status_code == 422
    assert (
        "SVC-COMP-1: a complaint is closed only after the resolver signs off the result." in response.content.decode()
    )
    item.refresh_from_db()
    assert item.closed_at is None


def test_reschedule_into_the_past_is_refused_next_to_the_field(
    browser_as, office, repair_staff, repair_item, django_assert_num_queries
):
    signed_in = browser_as(repair_staff)
    with django_assert_num_queries(14):
        response = signed_in.post(
            url("item_reschedule", office, item_id=repair_item.pk),
            {
                "reason": "No part",
                "notice_method": "phone",
                "notice_text": "Called",
                "new_appointment": "2026-03-01T09:00",
            },
        )
    assert response.status_code == 422
    assert response.context["forms"]["reschedule"].errors["new_appointment"] == [
        "SVC-REP-1: an appointment cannot be in the past."
    ]
    assert Appointment.objects.count() == 1


def test_callbacks_page_and_form(browser_as, office, repair_lead, completed, django_assert_num_queries):
    c = browser_as(repair_lead)
    with django_assert_num_queries(8):
        response = c.get(url("callbacks", office))
    text = response.content.decode()
    assert response.status_code == 200 and "Mrs Li" in text
    assert "SVC-CB-2: Repair lead called back 0 of 1 completed repairs (0.0%), minimum 60%: below the minimum." in text
    assert "You made 0 callbacks of this month" in text
    with django_assert_num_queries(6):
        assert c.get(url("callback", office, completion_id=completed.pk)).status_code == 200
    # 21 + the notification's email queued in the task outbox (issue 19).
    with django_assert_num_queries(22):
        response = c.post(
            url("callback", office, completion_id=completed.pk),
            {
                "inspected_on_site": "on",
                "service_opinion": "Good",
                "charges": "correct",
                "satisfied": "no",
                "signature": SIGNATURE,
            },
        )
    assert response.status_code == 302
    assert Callback.objects.get().satisfied is False
    assert RectificationNotice.objects.count() == 1


def test_a_callback_without_a_signature_is_refused(
    browser_as, office, repair_lead, completed, django_assert_num_queries
):
    signed_in = browser_as(repair_lead)
    with django_assert_num_queries(11):
        response = signed_in.post(
            url("callback", office, completion_id=completed.pk),
            {"inspected_on_site": "on", "service_opinion": "Good", "charges": "correct", "satisfied": "yes"},
        )
    assert response.status_code == 422
    assert response.context["form"].errors["signature"] == ["SVC-CB-4: the resident signs on the screen."]
    assert not Callback.objects.exists()


def test_repair_staff_may_not_open_the_callback_form(
    browser_as, office, repair_staff, completed, django_assert_num_queries
):
    signed_in = browser_as(repair_staff)
    with django_assert_num_queries(5):
        assert signed_in.get(url("callback", office, completion_id=completed.pk)).status_code == 403


def test_an_admin_without_a_callback_role_is_refused(browser_as, office, completed, django_assert_num_queries):
    admin = make_user("boss", Role.ADMIN, [office])
    signed_in = browser_as(admin)
    with django_assert_num_queries(6):
        assert signed_in.get(url("callback", office, completion_id=completed.pk)).status_code == 403


def test_rectifications_page(browser_as, office, repair_staff, repair_lead, completed, django_assert_num_queries):
    services.callback_record(completion=completed, actor=repair_lead, now=at(2, 10), **callback_form(problem="Drips"))
    c = browser_as(repair_staff)
    with django_assert_num_queries(7):
        response = c.get(url("rectifications", office))
    assert "Drips" in response.content.decode()
    notice = RectificationNotice.objects.get()
    with django_assert_num_queries(10):
        assert c.post(url("rectification_done", office, notice_id=notice.pk), {"note": "Fixed"}).status_code == 302
    notice.refresh_from_db()
    assert notice.rectified_note == "Fixed"


def test_duty_page_schedules_and_logs_going_out(browser_as, office, director, desk_staff, django_assert_num_queries):
    c = browser_as(director)
    with django_assert_num_queries(8):
        response = c.post(
            url("duty", office),
            {
                "person": desk_staff.pk,
                "kind": "noon",
                "starts_at": "2026-03-02T09:00",
                "ends_at": "2026-03-02T14:00",
                "duty_phone": "02583218001",
            },
        )
    assert response.status_code == 302
    shift = DutyShift.objects.get()
    with django_assert_num_queries(8):
        assert c.get(url("duty", office)).status_code == 200
    staff = browser_as(desk_staff)
    with django_assert_num_queries(13):
        refused = staff.post(url("duty_out", office, shift_id=shift.pk), {"reason": "Leak"})
    assert refused.status_code == 422
    assert "SVC-DUTY-1: forward the duty phone before going out." in refused.content.decode()
    with django_assert_num_queries(11):
        ok = staff.post(
            url("duty_out", office, shift_id=shift.pk),
            {"reason": "Leak", "forwarded_to": "13900000000", "radio": "on"},
        )
    assert ok.status_code == 302
    with django_assert_num_queries(8):
        assert "forwarded to 13900000000" in staff.get(url("desk", office)).content.decode()


def test_desk_staff_may_not_schedule_duty(browser_as, office, desk_staff, django_assert_num_queries):
    signed_in = browser_as(desk_staff)
    with django_assert_num_queries(5):
        response = signed_in.post(url("duty", office), {"person": desk_staff.pk})
    assert response.status_code == 403


def test_items_page(browser_as, office, desk_staff, director, django_assert_num_queries):
    for n in range(30):
        register_question(office, desk_staff, at(1, 9).replace(minute=n))
    c = browser_as(director)
    with django_assert_num_queries(7):
        response = c.get(url("items", office), {"kind": "question", "status": "open", "page": 2})
    assert response.status_code == 200 and response.context["page"].number == 2


def test_settings_page_saves_with_history(browser_as, office, director, django_assert_num_queries):
    c = browser_as(director)
    with django_assert_num_queries(5):
        assert c.get(url("settings", office)).status_code == 200
    data = {
        name: value
        for name, value in [
            ("reply_hours", 12),
            ("complaint_hours", 72),
            ("major_complaint_hours", 24),
            ("callback_days_safety", 2),
            ("callback_days_water", 3),
            ("callback_days_other", 7),
            ("rectification_hours", 24),
            ("reminder_hours", 2),
            ("rate_director", 10),
            ("rate_administrator", 30),
            ("rate_repair_lead", 60),
            ("complaint_callback_days_major", 1),
            ("complaint_callback_days_minor", 3),
        ]
    }
    with django_assert_num_queries(15):
        assert c.post(url("settings", office), data).status_code == 302
    with django_assert_num_queries(6):
        bad = c.post(url("settings", office), {**data, "reply_hours": 0})
    assert bad.status_code == 422 and bad.context["form"].errors["reply_hours"]
    history = office.service_settings.history.order_by("history_date")
    assert [(h.reply_hours, h.history_user) for h in history] == [(24, director), (12, director)]


def test_report_on_screen_and_xlsx(browser_as, office, director, repair_lead, completed, django_assert_num_queries):
    services.callback_record(completion=completed, actor=repair_lead, now=at(2, 10), **callback_form())
    c = browser_as(director)
    with django_assert_num_queries(7):  # issue 17: the month's figures in one statement, then the overdue list
        response = c.get(url("report", office), {"month": "2026-03"})
    text = response.content.decode()
    assert "SVC-CB-2: Repair lead called back 1 of 1 completed repairs (100.0%), minimum 60%: met." in text
    assert (
        "SVC-CB-2: Office director called back 0 of 1 completed repairs (0.0%), minimum 10%: below the minimum." in text
    )
    assert "<svg" in text
    with django_assert_num_queries(6):  # the page's, without the unread-notifications count
        xlsx = c.get(url("report_xlsx", office), {"month": "2026-03"})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert Completion.objects.count() == 1


def test_the_menu_shows_only_the_pages_the_role_opens(
    browser_as, office, desk_staff, director, django_assert_num_queries
):
    signed_in = browser_as(desk_staff)
    with django_assert_num_queries(7):
        desk_menu = signed_in.get(url("desk", office)).content.decode()
    assert url("register", office) in desk_menu and url("duty", office) in desk_menu
    assert url("report", office) not in desk_menu and url("callbacks", office) not in desk_menu
    signed_in = browser_as(director)
    # The home's own panel (issue 19): the director's open items by deadline, one query.
    with django_assert_num_queries(7):
        director_menu = signed_in.get(reverse("home")).content.decode()
    assert url("report", office) in director_menu and url("settings", office) in director_menu


def test_a_complaint_callback_on_the_page_after_closing(browser_as, office, desk_staff, django_assert_num_queries):
    item = register_complaint(office, desk_staff, at(1, 9), category="neighbours")
    services.complaint_sign_off(
        complaint=item.complaint, actor=desk_staff, resolution="Talked", resolved=True, now=at(1, 12)
    )
    services.request_close(item=item, actor=desk_staff, reply="Solved", solved=True, now=at(1, 13))
    c = browser_as(desk_staff)
    with django_assert_num_queries(10):
        page = c.get(url("item", office, item_id=item.pk)).content.decode()
    assert "SVC-CB-1: call the resident back by the end of 2026-03-04." in page
    assert 'data-testid="form-complaint_callback"' in page
    with django_assert_num_queries(15):
        refused = c.post(url("item_complaint_callback", office, item_id=item.pk), {"satisfied": "no"})
    assert refused.status_code == 422
    assert refused.context["forms"]["complaint_callback"].errors["explanation"]
    with django_assert_num_queries(14):
        ok = c.post(url("item_complaint_callback", office, item_id=item.pk), {"satisfied": "yes"})
    assert ok.status_code == 302
    with django_assert_num_queries(10):
        assert (
            'data-testid="form-complaint_callback"' not in c.get(url("item", office, item_id=item.pk)).content.decode()
        )


def test_the_service_index_goes_to_ones_own_office_and_lists_several(
    browser_as, office, other_office, desk_staff, django_assert_max_num_queries, django_assert_num_queries
):
    c = browser_as(desk_staff)
    with django_assert_max_num_queries(6):
        response = c.get(reverse("service_desk:index"))
    assert response.status_code == 302 and response["Location"] == url("desk", office)
    both = make_user("roamer", Role.SERVICE_DESK_STAFF, [office, other_office])
    signed_in = browser_as(both)
    with django_assert_num_queries(6):
        page = signed_in.get(reverse("service_desk:index")).content.decode()
    assert "Garden Court" in page and "Lake View" in page
    nowhere = make_user("nowhere", Role.SERVICE_DESK_STAFF, [])
    signed_in = browser_as(nowhere)
    with django_assert_num_queries(6):
        assert "no property-service office" in signed_in.get(reverse("service_desk:index")).content.decode()


# --- issue 15: every callback counts (SVC-CB-2), a late callback looks late (SVC-CB-3) ---------------------------


def test_the_repair_page_shows_each_roles_callback_on_time_or_late(
    browser_as, office, director, administrator, repair_lead, completed, django_assert_num_queries
):
    # Completed 2 March (water leak): due by the end of 5 March. The director's at 23:59 is on time, the
    # administrator's at 6 March 00:00 is late, as the monthly report counts them.
    services.callback_record(completion=completed, actor=director, now=at(5, 23, 59), **callback_form())
    services.callback_record(completion=completed, actor=administrator, now=at(6, 0), **callback_form())
    c = browser_as(repair_lead)
    with django_assert_num_queries(11):
        response = c.get(url("item", office, item_id=completed.repair.request_id))
    text = response.content.decode()
    assert text.count('data-testid="callback-result"') == 2
    assert "(Office director)" in text and "(Administrator)" in text
    assert text.count("on time</span>") == 1 and text.count("done late</span>") == 1
    assert 'data-testid="do-callback"' in text  # the repair lead's role has not called it back yet
    signed_in = browser_as(director)
    with django_assert_num_queries(7):
        report = signed_in.get(url("report", office), {"month": "2026-03"}).context["report"]
    assert (report.callbacks["on_time"], report.callbacks["made"]) == (1, 2)
    # The administrator's role has called it back: no button for them, and the form refuses a second one.
    signed_in = browser_as(administrator)
    with django_assert_num_queries(11):
        response = signed_in.get(url("item", office, item_id=completed.repair.request_id))
    assert 'data-testid="do-callback"' not in response.content.decode()


def test_the_callbacks_page_lists_a_repair_another_role_called_back(
    browser_as, office, director, repair_lead, completed, django_assert_num_queries
):
    services.callback_record(completion=completed, actor=director, now=at(2, 10), **callback_form())
    c = browser_as(repair_lead)
    with django_assert_num_queries(8):
        response = c.get(url("callbacks", office))
    assert 'data-testid="called-by-others"' in response.content.decode()
    c = browser_as(director)
    with django_assert_num_queries(8):  # an empty page
        response = c.get(url("callbacks", office))
    assert "Mrs Li" not in response.content.decode()  # the director's role has called it back


def test_a_second_callback_by_the_same_role_is_refused_on_the_form(
    browser_as, office, repair_lead, completed, django_assert_num_queries
):
    services.callback_record(completion=completed, actor=repair_lead, now=at(2, 10), **callback_form())
    signed_in = browser_as(repair_lead)
    with django_assert_num_queries(11):
        response = signed_in.post(
            url("callback", office, completion_id=completed.pk),
            {
                "inspected_on_site": "on",
                "service_opinion": "Good",
                "charges": "correct",
                "satisfied": "yes",
                "signature": SIGNATURE,
            },
        )
    assert response.status_code == 422
    assert "SVC-CB-2: this repair was called back already for the role Repair lead" in response.content.decode()
    assert Callback.objects.count() == 1


# --- issue 15: nobody deflects (SVC-FIRST-1, SVC-COMP-1) -----------------------------------------------------------


def test_not_our_department_on_the_page_says_route_it(browser_as, office, desk_staff, django_assert_num_queries):
    item = register_question(office, desk_staff, at(2, 9))
    c = browser_as(desk_staff)
    with django_assert_num_queries(12):  # the page re-rendered with the refusal
        response = c.post(
            url("item_close", office, item_id=item.pk),
            {"reply": "Not our department", "solved": "not_ours"},
        )
    assert response.status_code == 422
    error = response.context["forms"]["close"].errors["solved"][0]
    assert error.startswith('SVC-FIRST-1: "not our department" is not a close: route the request')
    item.refresh_from_db()
    assert item.closed_at is None


def test_a_non_result_is_not_signed_off_on_the_page(browser_as, office, desk_staff, django_assert_num_queries):
    item = register_complaint(office, desk_staff, at(2, 9))
    c = browser_as(desk_staff)
    with django_assert_num_queries(15):  # a complaint's page re-rendered: inspections, callbacks, its history
        response = c.post(
            url("item_sign_off", office, item_id=item.pk),
            {"resolution": "Not ours", "resolved": "no"},
        )
    assert response.status_code == 422
    assert "SVC-COMP-1: only a result is signed off" in response.context["forms"]["sign_off"].errors["resolved"][0]
    with django_assert_num_queries(14):
        response = c.post(url("item_sign_off", office, item_id=item.pk), {"resolution": "Cleaned", "resolved": "yes"})
    assert response.status_code == 302
    with django_assert_num_queries(15):
        response = c.post(url("item_close", office, item_id=item.pk), {"reply": "Cleaned", "solved": "yes"})
    assert response.status_code == 302
    with django_assert_num_queries(10):
        text = c.get(url("item", office, item_id=item.pk)).content.decode()
    assert 'data-testid="closed-by"' in text


def test_another_offices_staff_cannot_close_here(browser_as, office, outsider, desk_staff, django_assert_num_queries):
    item = register_question(office, desk_staff, at(2, 9))
    signed_in = browser_as(outsider)
    with django_assert_num_queries(5):
        response = signed_in.post(url("item_close", office, item_id=item.pk), {"reply": "x", "solved": "not_ours"})
    assert response.status_code == 404


# --- issue 15: the item's history is the whole story ---------------------------------------------------------------


def test_the_timeline_tells_every_change_of_a_repair_with_who_and_when(
    browser_as, office, desk_staff, repair_staff, repair_lead, director, django_assert_num_queries
):
    item = register_repair(office, desk_staff, at(2, 10), appointment=at(2, 15), staff=repair_staff)
    services.request_route(item=item, actor=desk_staff, department="Plumbing", assignee=repair_staff, now=at(2, 10, 5))
    services.repair_reschedule(
        repair=item.repair,
        actor=repair_staff,
        reason="No part",
        notice_method="phone",
        notice_text="Called",
        new_at=at(3, 9),
        now=at(2, 14),
    )
    done = services.repair_complete(repair=item.repair, actor=repair_staff, work_done="Pipe", now=at(3, 10))
    services.request_close(item=item, actor=desk_staff, reply="Pipe replaced", solved=True, now=at(3, 11))
    services.callback_record(completion=done, actor=repair_lead, now=at(4, 9), **callback_form(satisfied=False))
    notice = RectificationNotice.objects.get()
    services.rectification_done(notice=notice, actor=repair_staff, note="Resealed", now=at(4, 15))
    c = browser_as(director)
    with django_assert_num_queries(11):
        response = c.get(url("item", office, item_id=item.pk))
    timeline = [(e.what, e.who) for e in response.context["item"].timeline]
    assert [str(what) for what, _who in timeline] == [
        "registered",
        "appointment made",
        "routed",
        "rescheduled (SVC-REP-2)",
        "repair completed (round 1)",
        "closed: solved",
        "callback by the Repair lead",
        "repair reopened (SVC-CB-1)",
        "rectification notice (SVC-CB-5)",
        "reopened",
        "rectified",
    ]
    assert [who for _what, who in timeline] == [
        desk_staff,
        desk_staff,
        desk_staff,
        repair_staff,
        repair_staff,
        desk_staff,
        repair_lead,
        repair_lead,
        repair_lead,
        repair_lead,
        None,
    ]
    assert response.content.decode().count('data-testid="timeline-entry"') == 11


def test_the_timeline_of_a_complaint_shows_its_sign_off_and_reopening(
    browser_as, office, desk_staff, director, django_assert_num_queries
):
    item = register_complaint(office, desk_staff, at(2, 9), severity="major")
    services.complaint_set_action(
        complaint=item.complaint,
        actor=director,
        corrective_action="Fix lift",
        responsible=desk_staff,
        due_at=at(3, 9),
        now=at(2, 10),
    )
    services.complaint_sign_off(
        complaint=item.complaint, actor=desk_staff, resolution="Lift fixed", resolved=True, now=at(2, 12)
    )
    services.request_close(item=item, actor=desk_staff, reply="Lift fixed", solved=True, now=at(2, 13))
    services.complaint_callback_record(
        complaint=item.complaint,
        actor=desk_staff,
        suggestions="",
        satisfied=False,
        reopen=True,
        explanation="",
        now=at(2, 14),
    )
    c = browser_as(director)
    with django_assert_num_queries(12):  # + the complaint's inspections, callbacks, history
        response = c.get(url("item", office, item_id=item.pk))
    whats = [str(e.what) for e in response.context["item"].timeline]
    assert whats == [
        "registered",
        "corrective action set",
        "result signed off (SVC-COMP-1)",
        "closed: solved",
        "resident called back (SVC-CB-1)",
        "reopened",
        "sign-off withdrawn: reopened",
    ]


# --- issue 15: a check is yes, no or not checked (SVC-CB-4) --------------------------------------------------------


def test_the_callback_form_asks_the_charges_three_ways(
    browser_as, office, repair_lead, completed, django_assert_num_queries
):
    c = browser_as(repair_lead)
    form = {"inspected_on_site": "on", "service_opinion": "Good", "satisfied": "yes", "signature": SIGNATURE}
    with django_assert_num_queries(11):  # the service reads and locks the repair, then refuses
        response = c.post(url("callback", office, completion_id=completed.pk), {**form, "problem": "Drips"})
    assert response.status_code == 422
    assert response.context["form"].errors["charges"] == ["SVC-CB-4: check the charges with the resident."]
    assert not RectificationNotice.objects.exists()
    with django_assert_num_queries(6):
        text = c.get(url("callback", office, completion_id=completed.pk)).content.decode()
    assert "Checked: correct" in text and "Checked: wrong" in text and "not checked" in text
    # 18 + the notification's email queued in the task outbox (issue 19).
    with django_assert_num_queries(19):
        response = c.post(
            url("callback", office, completion_id=completed.pk), {**form, "problem": "Drips", "charges": "correct"}
        )
    assert response.status_code == 302
    assert "charges were found wrong" not in RectificationNotice.objects.get().text


# --- issue 15: completion is plausible (SVC-REP-1) -------------------------------------------------------------------


def test_completing_before_the_appointment_asks_for_a_reason(
    browser_as, office, repair_staff, repair_item, django_assert_num_queries
):
    c = browser_as(repair_staff)
    with django_assert_num_queries(15):  # the page re-rendered with the question
        response = c.post(url("item_complete", office, item_id=repair_item.pk), {"charges": "0"})
    assert response.status_code == 422
    assert response.context["forms"]["complete"].errors["confirm_reason"] == [
        "SVC-REP-1: this repair is marked complete before its appointment (2026-03-02 15:00). "
        "Confirm it with the reason (at least 10 characters)."
    ]
    assert not Completion.objects.exists()
    with django_assert_num_queries(17):
        response = c.post(
            url("item_complete", office, item_id=repair_item.pk),
            {"charges": "0", "confirm_reason": "Resident was home early; fixed then"},
        )
    assert response.status_code == 302
    assert Completion.objects.get().confirmed_reason == "Resident was home early; fixed then"
    with django_assert_num_queries(11):
        assert (
            'data-testid="completion-confirmed"' in c.get(url("item", office, item_id=repair_item.pk)).content.decode()
        )


def test_completing_by_desk_staff_asks_for_a_reason(
    browser_as, office, desk_staff, repair_item, django_assert_num_queries
):
    signed_in = browser_as(desk_staff)
    with time_machine.travel(at(2, 16), tick=False), django_assert_num_queries(15):
        response = signed_in.post(url("item_complete", office, item_id=repair_item.pk), {"charges": "0"})
    assert response.status_code == 422
    assert (
        response.context["forms"]["complete"]
        .errors["confirm_reason"][0]
        .startswith("SVC-REP-1: this repair is marked complete by someone who does not repair.")
    )


# --- issue 15: the report names the first-contact owner -----------------------------------------------------------


def test_the_reports_overdue_list_names_the_first_contact_owner(
    browser_as, office, director, django_assert_num_queries
):
    owner = make_user("wli", Role.SERVICE_DESK_STAFF, [office], last_name="Li")
    register_question(office, owner, at(1, 8))  # reply due 2 March 08:00: overdue at the pages' clock
    c = browser_as(director)
    with django_assert_num_queries(7):
        response = c.get(url("report", office), {"month": "2026-03"})
    text = response.content.decode()
    assert "<th>First-contact owner</th>" in text and "Wli Li" in text
    with django_assert_num_queries(6):
        xlsx = c.get(url("report_xlsx", office), {"month": "2026-03"})
    from io import BytesIO

    from openpyxl import load_workbook

    rows = list(load_workbook(BytesIO(xlsx.content))["Overdue"].values)
    assert rows[0][3] == "First-contact owner" and rows[1][3] == "Wli Li"


def test_the_rectification_notice_reads_in_the_readers_language(
    browser_as, office, repair_staff, repair_lead, completed, django_assert_num_queries
):
    with translation.override("en"):  # issued in English
        services.callback_record(
            completion=completed, actor=repair_lead, now=at(2, 10), **callback_form(problem="Drips")
        )
    c = browser_as(repair_staff)
    c.cookies["django_language"] = "zh-hans"
    with django_assert_num_queries(7):
        text = c.get(url("rectifications", office)).content.decode()
    assert "SVC-CB-5：" in text and "SVC-CB-5: written rectification notice" not in text
    c.cookies["django_language"] = "en"
    with django_assert_num_queries(11):
        text = c.get(url("item", office, item_id=completed.repair.request_id)).content.decode()
    assert "SVC-CB-5: written rectification notice" in text
