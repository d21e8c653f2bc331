"""A till session in real Chromium: a non-member's purchase makes them eligible (VIP-ELIG-1), the registration form
issues the card in one step (VIP-CARD-1), the next purchase is quoted and recorded at 9折 with the member's
signature (VIP-DISC-1, VIP-CARD-2, VIP-PTS-1), and the points are redeemed for a reward (VIP-PTS-2)."""

import pytest
from playwright.sync_api import expect

from salesoffice.roles import Role
from vip.models import Card, Membership, Purchase, Redemption, Reward

from ..conftest import make_user
from ..vip.conftest import make_store

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_purchase_eligible_card_discounted_purchase_redemption(terminals):
    store = make_store("Nanjing Road", "nanjing")
    make_user("clerk", Role.STORE_CLERK, [store])
    Reward.objects.create(store=store, name="Tote bag", points=10, stock=3)
    till = terminals(store, "clerk", next_path=f"/store/{store.code}/till/")
    page = till.page

    # A customer not yet a member pays ¥1200: the receipt says they qualify and offers the form.
    page.locator("#id_phone").fill("13800138001")
    page.get_by_label("Amount 1").fill("1200")
    page.get_by_role("button", name="Record purchase").click()
    page.wait_for_url("**/purchases/*/")
    expect(page.get_by_test_id("eligibility")).to_contain_text("VIP-ELIG-1: one purchase of ¥1,200.00 paid")

    # The registration form issues the card at once; the till shows how to address the member.
    page.get_by_role("link", name="Fill in the registration form").click()
    page.locator("#id_surname").fill("Wang")
    page.locator("#id_title").select_option("ms")
    page.locator("#id_handbook").check()
    page.get_by_role("button", name="Issue the card").click()
    page.wait_for_url("**/till/?q=*")
    card = Card.objects.get()
    expect(page.locator("#page-messages")).to_contain_text(f"VIP-CARD-1: card {card.number} issued")
    expect(page.get_by_test_id("member-panel")).to_contain_text("Address the member as Ms Wang")
    expect(page.locator("#id_card")).to_have_value(card.number)

    # The next purchase: the quote shows 9折 and the points, the member signs, the receipt records it.
    # Enter in an amount asks for the quote; it never records half a receipt.
    page.get_by_label("Amount 1").fill("2000")
    page.get_by_label("Amount 1").press("Enter")
    expect(page.get_by_test_id("quote")).to_contain_text("To pay: ¥1,800.00")
    page.get_by_label("Amount 1").fill("1000")
    page.get_by_label("Amount 1").blur()  # a changed amount re-quotes by itself
    expect(page.get_by_test_id("quote")).to_contain_text("To pay: ¥900.00")
    page.get_by_label("Amount 1").fill("2000")
    page.get_by_label("Amount 1").press("Enter")
    expect(page.get_by_test_id("quote")).to_contain_text("To pay: ¥1,800.00")
    expect(page.get_by_test_id("quote")).to_contain_text("VIP-PTS-1: earns 18 point(s)")
    assert not Purchase.objects.filter(card=card).exists()
    page.get_by_role("button", name="Record purchase").click()
    expect(page.locator("#purchase-form")).to_contain_text("VIP-CARD-2")  # the signature is asked for
    page.locator("#id_signature").check()
    page.get_by_role("button", name="Record purchase").click()
    page.wait_for_url("**/purchases/*/")
    summary = page.get_by_test_id("receipt-summary")
    expect(summary).to_contain_text("Paid: ¥1,800.00")
    expect(summary).to_contain_text("VIP-DISC-1: VIP card: 9折")
    expect(summary).to_contain_text("18 point(s) earned")

    # Redeem the tote bag for 10 of the 18 points.
    page.get_by_role("link", name="Member page").click()
    page.locator("#redeem-form select").select_option(label="Tote bag · 10 points · 3 left")
    page.get_by_role("button", name="Redeem").click()
    # The confirmation the clerk reads out: what is exchanged and the balance after; nothing happened yet.
    expect(page.get_by_test_id("will-happen")).to_contain_text("18 now, 8 after")
    assert not Redemption.objects.exists()
    page.get_by_test_id("confirm").click()
    expect(page.locator("#page-messages")).to_contain_text("VIP-PTS-2: Tote bag redeemed for 10 points")
    expect(page.get_by_test_id("balance")).to_have_text("8")
    assert Redemption.objects.count() == 1
    assert Membership.objects.get().balance == 8
