"""Deals in real Chromium: a salesperson records a deal and sees its split before saving, the project manager's
dispute opinion puts it on hold, the sales director approves the ruling, and the month's statement shows the
shares from the ruling, adding up to the cent (COM-1, COM-2, ATT-DISP-1, COM-4)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from attribution import services as register_services
from commission.models import Deal, LedgerEntry
from salesoffice.roles import Role

from ..conftest import make_user
from .conftest import Terminal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_record_deal_preview_hold_ruling_statement(site, salespeople, project_manager, terminals):
    ann, bob = salespeople[:2]
    make_user("director", Role.SALES_DIRECTOR, [site])
    now = timezone.now()
    registration = register_services.visit_register(
        site=site, actor=ann, salesperson=ann, name="Huang Wei", phones=["13800138001"], now=now - dt.timedelta(days=2)
    )
    register_services.visit_review(
        entry=registration.entry, actor=project_manager, approve=True, now=now - dt.timedelta(days=1)
    )
    client_id = registration.client.pk

    # Ann opens the client and records the deal; the preview shows her whole share and its clause before saving.
    desk: Terminal = terminals(site, "ann", next_path=f"/register/{site.code}/clients/{client_id}/")
    page = desk.page
    page.get_by_test_id("record-deal").click()
    page.wait_for_url("**/commission/*/deals/new/?client=*")
    expect(page.locator("#id_client_phone")).to_have_value("13800138001")
    page.locator("#id_contract_no").fill("HT-2026-001")
    page.locator("#id_unit").fill("A-1201")
    page.locator("#id_price").fill("2380000")
    page.locator("#id_commission").fill("33333.33")
    preview = page.get_by_test_id("preview-lines")
    expect(preview).to_contain_text("¥33,333.33")
    expect(preview).to_contain_text("ATT-REG-3")
    assert not Deal.objects.exists()  # the preview saved nothing
    page.get_by_role("button", name="Record the deal").click()
    page.wait_for_url("**/commission/*/deals/*/")
    expect(page.get_by_test_id("deal-status")).to_have_text("Split")
    expect(page.get_by_test_id("deal-confirmation")).to_have_text("Not confirmed yet (COM-5)")
    expect(page.get_by_test_id("confirm-deal")).to_have_count(0)  # nobody confirms their own deal
    deal = Deal.objects.get()
    assert not LedgerEntry.objects.exists()  # it counts once the project manager confirms it (COM-5)

    # The project manager confirms it on its page: from now on it counts in the statements.
    pm = terminals(site, "pm", next_path=f"/commission/{site.code}/deals/{deal.pk}/")
    pm.page.get_by_test_id("confirm-deal").click()
    expect(pm.page.get_by_test_id("deal-confirmation")).to_have_text("Confirmed")
    assert sum(e.amount for e in LedgerEntry.objects.filter(deal=deal)) == Decimal("33333.33")

    # The project manager weighs the case: Bob 60%, Ann 40%. The deal goes on hold (ATT-DISP-1).
    pm.page.goto(f"{pm.base_url}/register/{site.code}/clients/{client_id}/")
    pm.page.locator("#client-actions").get_by_role("button", name="Write a dispute opinion (ATT-DISP-1)").click()
    form = pm.page.locator("#action-dispute form")
    form.locator("textarea").fill("Bob did the presentation and the negotiation; Ann registered the client.")
    form.locator("select[name=dispute-share_1_who]").select_option(value=str(bob.pk))
    form.locator("input[name=dispute-share_1_percent]").fill("60")
    form.locator("select[name=dispute-share_2_who]").select_option(value=str(ann.pk))
    form.locator("input[name=dispute-share_2_percent]").fill("40")
    form.get_by_role("button", name="Send to the sales director").click()
    expect(pm.page.locator(".alert-success")).to_contain_text("on hold")
    pm.page.goto(f"{pm.base_url}/commission/{site.code}/deals/")
    expect(pm.page.get_by_test_id("held-count")).to_contain_text("1 deal is on hold")
    assert sum(e.amount for e in LedgerEntry.objects.filter(deal=deal)) == 0  # nothing paid while held

    # The sales director approves the ruling; the deal is split from it.
    director = terminals(site, "director", next_path=f"/register/{site.code}/disputes/")
    director.page.get_by_role("link", name="Review the timeline and decide").click()
    director.page.get_by_role("button", name="Approve the opinion").click()
    # A ruling is final: the page says what it does (whose share) before it is given.
    expect(director.page.get_by_test_id("will-happen")).to_contain_text("Bob 60%, Ann 40%")
    director.page.get_by_test_id("confirm").click()
    director.page.wait_for_url("**/disputes/")
    deal.refresh_from_db()
    assert deal.split_status == "split"

    # The month's statement shows the ruling's shares, adding up to the commission to the cent.
    month = timezone.localtime(deal.signed_at, site.zone).strftime("%Y-%m")
    director.page.goto(f"{director.base_url}/commission/statements/{month}/")
    salespeople_table = director.page.get_by_test_id("statement-salesperson")
    expect(salespeople_table).to_contain_text("Bob")
    expect(salespeople_table).to_contain_text("¥20,000.00")
    expect(salespeople_table).to_contain_text("¥13,333.33")
    expect(director.page.get_by_test_id("statement-total")).to_have_text("¥33,333.33")
    paid: dict[int, Decimal] = {}
    for entry in LedgerEntry.objects.filter(deal=deal):
        paid[entry.user_id] = paid.get(entry.user_id, Decimal(0)) + entry.amount
    assert paid == {bob.pk: Decimal("20000.00"), ann.pk: Decimal("13333.33")}


def test_a_wrong_deal_is_corrected_then_cancelled_on_its_page(site, salespeople, project_manager, terminals):
    ann = salespeople[0]
    now = timezone.now()
    registration = register_services.visit_register(
        site=site, actor=ann, salesperson=ann, name="Wu Fang", phones=["13800138002"], now=now - dt.timedelta(days=2)
    )
    register_services.visit_review(
        entry=registration.entry, actor=project_manager, approve=True, now=now - dt.timedelta(days=1)
    )
    pm = terminals(site, "pm", next_path=f"/commission/{site.code}/deals/new/?client={registration.client.pk}")
    page = pm.page
    page.locator("#id_salesperson").select_option(value=str(ann.pk))
    page.locator("#id_contract_no").fill("HT-2026-009")
    page.locator("#id_unit").fill("B-0901")
    page.locator("#id_price").fill("1000000")
    # A typo: ¥2,000,000 commission on a ¥1,000,000 unit is refused at the field (COM-5).
    page.locator("#id_commission").fill("2000000")
    page.get_by_role("button", name="Record the deal").click()
    expect(page.locator("#div_id_commission")).to_contain_text("largest share of 10%")
    assert not Deal.objects.exists()
    page.locator("#id_commission").fill("20000")
    page.get_by_role("button", name="Record the deal").click()
    page.wait_for_url("**/commission/*/deals/*/")
    deal = Deal.objects.get()
    expect(page.get_by_test_id("deal-confirmation")).to_have_text("Confirmed")  # a manager's deal counts at once

    # The contract says 18,000: corrected with a reason; the difference is posted, a new split version shows it.
    form = page.locator("#deal-correct-form")
    form.locator("#id_correct-commission").fill("18000")
    form.locator("#id_correct-reason").fill("the contract says 18,000")
    form.get_by_role("button", name="Correct the amounts").click()
    expect(page.get_by_test_id("deal-corrections")).to_contain_text("the contract says 18,000")
    expect(page.get_by_test_id("split-2")).to_contain_text("¥18,000.00")
    assert sum(e.amount for e in LedgerEntry.objects.filter(deal=deal)) == Decimal("18000.00")

    # The buyer withdraws (退房): cancelled with a reason; what was posted is reversed; the forms are gone.
    form = page.locator("#deal-cancel-form")
    form.locator("#id_cancel-reason").fill("退房: the buyer withdrew")
    form.get_by_role("button", name="Cancel the deal").click()
    expect(page.get_by_test_id("will-happen")).to_contain_text("is cancelled for good")
    page.get_by_test_id("confirm").click()
    expect(page.get_by_test_id("deal-cancelled")).to_be_visible()
    expect(page.locator("#deal-cancel-form")).to_have_count(0)
    assert sum(e.amount for e in LedgerEntry.objects.filter(deal=deal)) == 0
