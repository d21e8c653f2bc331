"""The client register in real Chromium: a salesperson registers a visit, the project manager approves it, a
second salesperson's registration of the same person under another phone is flagged as a likely duplicate, the
project manager records the first salesperson's recognition, and the client page's ownership timeline explains
every step with its clause (ATT-REG-1, ATT-REG-3, REC-NEW-2a)."""

import pytest
from playwright.sync_api import expect

from attribution.models import Client, Recognition, VisitApproval, VisitEntry

from .conftest import Terminal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def register_visit(terminal: Terminal, name: str, phone: str) -> None:
    page = terminal.page
    page.goto(f"{terminal.base_url}/register/{terminal.site.code}/visit/")
    page.locator("#id_name").fill(name)
    page.locator("#id_phone").fill(phone)
    return page


def approve_all(pm: Terminal) -> None:
    page = pm.page
    page.goto(f"{pm.base_url}/register/{pm.site.code}/approvals/")
    buttons = page.get_by_role("button", name="Approve", exact=True)
    while buttons.count():
        with page.expect_navigation():
            buttons.first.click()
        expect(page.locator(".alert-danger")).to_have_count(0)


def test_register_approve_duplicate_recognition_timeline(site, salespeople, project_manager, terminals):
    ann, bob = salespeople[:2]
    desk_ann = terminals(site, "ann", next_path=f"/register/{site.code}/visit/")
    pm = terminals(site, "pm", next_path=f"/register/{site.code}/approvals/")
    desk_bob = terminals(site, "bob", next_path=f"/register/{site.code}/visit/")

    # Ann registers Mr Huang Wei; the live check says nobody holds the phone yet.
    page = register_visit(desk_ann, "Huang Wei", "13800138001")
    page.get_by_role("button", name="Register the visit").click()
    page.wait_for_url("**/clients/*/")
    expect(page.locator("#timeline")).to_contain_text("awaits the project manager's approval")
    original = Client.objects.get(name="Huang Wei")

    # The project manager approves the day's entries (ATT-REG-1).
    approve_all(pm)
    assert VisitApproval.objects.filter(entry__salesperson=ann, approved=True).count() == 1

    # Bob types the same name with two digits of the phone swapped: the live check flags a likely duplicate.
    page = register_visit(desk_bob, "Huang Wei", "13800138010")
    check = page.locator("#register-check")
    expect(check).to_contain_text("13800138001", timeout=5_000)
    page.get_by_role("button", name="Register the visit").click()
    page.wait_for_url("**/clients/*/")
    expect(page.locator("body")).to_contain_text("13800138001")  # the flagged look-alike is named
    served_as_new = Client.objects.exclude(pk=original.pk).get(name="Huang Wei")
    assert VisitEntry.objects.get(client=served_as_new).possible_duplicates[0]["id"] == original.pk

    # Bob tries Ann's phone: refused next to the field, with whose and until when (ATT-REG-3).
    page = register_visit(desk_bob, "Huang Wei", "13800138001")
    page.get_by_role("button", name="Register the visit").click()
    expect(page.locator("#register-form")).to_contain_text("ATT-REG-3")
    expect(page.locator("#register-form")).to_contain_text("Ann")
    assert VisitEntry.objects.count() == 2

    approve_all(pm)

    # The same day, Ann recognises the client Bob served as new: Ann takes over (REC-NEW-2a).
    page = pm.page
    page.goto(f"{pm.base_url}/register/{site.code}/clients/{served_as_new.pk}/")
    page.locator("#client-actions").get_by_role("button", name="Record a recognition").click()
    form = page.locator("#recognition-form")
    form.locator("select[name=recognition-original_salesperson]").select_option(value=str(ann.pk))
    form.locator("input[name=recognition-original_phone]").fill("13800138001")
    form.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=owner]")).to_have_text("Ann")
    assert Recognition.objects.filter(client=served_as_new, original_salesperson=ann).exists()

    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("Bob registered the client first")
    expect(timeline).to_contain_text("ATT-REG-3")
    expect(timeline).to_contain_text("Ann recognised the client on the day of the visit")
    expect(timeline).to_contain_text("REC-NEW-2a")
    expect(page.locator("#shares")).to_contain_text("100%")
