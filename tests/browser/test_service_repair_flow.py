"""A repair in real Chromium: the desk registers it, the repair staff miss the appointment and reschedule with a
notice to the resident, complete it; the repair lead records the callback with the resident's signature drawn on the
screen; the callback fails and the repair staff find the written rectification notice (SVC-REP-1/2, SVC-CB-3/4/5)."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from salesoffice.models import Site
from salesoffice.roles import Role
from service_desk.models import Appointment, Callback, Completion, RectificationNotice, ServiceRequest

from ..conftest import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def local(instant: dt.datetime, site: Site) -> str:
    return instant.astimezone(site.zone).strftime("%Y-%m-%dT%H:%M")


def test_repair_missed_rescheduled_completed_failed_callback_rectification(terminals):
    office = Site.objects.create(name="Garden Court", code="garden", kind=Site.Kind.PROPERTY_OFFICE)
    make_user("desk", Role.SERVICE_DESK_STAFF, [office])
    fixer = make_user("fixer", Role.REPAIR_STAFF, [office])
    make_user("lead", Role.REPAIR_LEAD, [office])
    now = timezone.now()

    # The desk registers the repair with its appointment (SVC-REP-1).
    desk = terminals(office, "desk", next_path="/service/garden/new/")
    page = desk.page
    page.locator("#id_kind").select_option("repair")
    page.locator("#id_requester_name").fill("Mrs Li")
    page.locator("#id_phone").fill("13800138001")
    page.locator("#id_address").fill("Block 3, 1201")
    page.locator("#id_content").fill("Kitchen pipe leaks")
    page.locator("#id_repair_category").select_option("water")
    page.locator("#id_appointment").fill(local(now + dt.timedelta(hours=2), office))
    page.locator("#id_repair_staff").select_option(str(fixer.pk))
    page.get_by_role("button", name="Register").click()
    page.wait_for_url("**/service/garden/items/*/")
    item = ServiceRequest.objects.get()
    expect(page.get_by_test_id("owner")).to_contain_text("Desk")

    # The repair staff miss it: reason, phone notice, new appointment (SVC-REP-2); then complete it.
    repair = terminals(office, "fixer", next_path=f"/service/garden/items/{item.pk}/")
    page = repair.page
    form = page.get_by_test_id("form-reschedule")
    form.locator("#id_reason").fill("Part out of stock")
    form.locator("#id_notice_method").select_option("phone")
    form.locator("#id_notice_text").fill("Called Mrs Li, she agreed")
    form.locator("#id_new_appointment").fill(local(now + dt.timedelta(days=1), office))
    form.get_by_role("button", name="Reschedule").click()
    expect(page.get_by_test_id("appointments")).to_contain_text("rescheduled: Part out of stock")
    # Completed before the new appointment: the page asks to confirm it with a reason (SVC-REP-1).
    page.get_by_test_id("form-complete").get_by_role("button", name="Complete").click()
    expect(page.get_by_test_id("form-complete")).to_contain_text("marked complete before its appointment")
    page.get_by_test_id("form-complete").locator("#id_confirm_reason").fill("Part arrived early; resident was home")
    page.get_by_test_id("form-complete").get_by_role("button", name="Complete").click()
    expect(page.get_by_test_id("callback-deadline")).to_contain_text("SVC-CB-3: water leak, callback due by the end of")
    assert Appointment.objects.count() == 2 and Completion.objects.count() == 1

    # The repair lead's callback: the resident signs on the screen; a problem is found (SVC-CB-4/5).
    lead = terminals(office, "lead", next_path=f"/service/garden/items/{item.pk}/")
    page = lead.page
    page.get_by_test_id("do-callback").click()
    page.wait_for_url("**/callbacks/*/")
    page.locator("#id_inspected_on_site").check()
    page.locator("#id_service_opinion").fill("Polite, but left a mess")
    page.locator("#id_charges").select_option("correct")
    page.locator("#id_satisfied").select_option("yes")
    page.locator("#id_problem").fill("Grout missing under the sink")
    pad = page.get_by_test_id("signature-pad").bounding_box()
    page.mouse.move(pad["x"] + 20, pad["y"] + 100)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(pad["x"] + 20 + step * 30, pad["y"] + 100 - (step % 3) * 25)
    page.mouse.up()
    page.get_by_role("button", name="Record the callback").click()
    page.wait_for_url(f"**/service/garden/items/{item.pk}/")
    expect(page.get_by_test_id("rectification")).to_contain_text("SVC-CB-5")
    callback = Callback.objects.get()
    assert callback.signature.startswith("data:image/png;base64,") and len(callback.signature) > 500
    notice = RectificationNotice.objects.get()
    assert notice.addressed_to == fixer and notice.due_at == callback.made_at + dt.timedelta(hours=24)

    # The repair staff find the written notice on their list.
    page = repair.page
    page.goto(f"{repair.base_url}/service/garden/rectifications/")
    expect(page.get_by_test_id("notices")).to_contain_text("Grout missing under the sink")
