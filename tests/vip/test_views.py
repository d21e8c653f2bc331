"""The till and the store pages: who may open what (403/404), what bad input gets, and bounded query counts."""

import datetime as dt
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from vip import services
from vip.models import Card, Customer, FormHandIn, PrivacyLog, Purchase, Redemption, Return, Reward, SmsDelivery

from ..conftest import make_user
from ..reception.test_views import text_of
from .conftest import NOW, buy, member

pytestmark = pytest.mark.usefixtures("pinned")


@pytest.fixture
def pinned(time_machine):
    time_machine.move_to(NOW, tick=False)


def url(name: str, site: str = "nanjing", **kwargs) -> str:
    return reverse(f"vip:{name}", kwargs={"site": site, **kwargs})


def text(response) -> str:
    return " ".join(response.content.decode().split())


def purchase_post(amount="100", **extra) -> dict:
    return {"key": extra.pop("key", "k-1"), "amount_1": amount, "item_1": "Scarf", **extra}


@pytest.fixture
def logged_in(client):
    def login(user):
        client.force_login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return login


# --- who may open which page ------------------------------------------------------------------------------------

STORE_PAGES = ["till", "members", "rewards", "expiring", "shortfalls", "campaigns", "settings", "members_export"]
MATRIX = {
    #                clerk manager other-clerk operations
    "till": (200, 200, 404, 403),
    "members": (200, 200, 404, 403),
    "rewards": (403, 200, 404, 403),
    "expiring": (403, 200, 404, 403),
    "shortfalls": (403, 200, 404, 403),
    "campaigns": (403, 200, 404, 403),
    "settings": (403, 200, 404, 403),
    "members_export": (403, 200, 404, 403),
}
# The queries of each of those requests: a refusal runs 5, a page that opens its own.
QUERIES = {
    #                clerk manager other-clerk operations
    "till": (5, 5, 5, 5),
    "members": (6, 6, 5, 5),
    "rewards": (5, 6, 5, 5),
    "expiring": (5, 6, 5, 5),
    "shortfalls": (5, 6, 5, 5),
    "campaigns": (5, 8, 5, 5),
    "settings": (5, 5, 5, 5),
    "members_export": (5, 6, 5, 5),
}


@pytest.mark.parametrize("page", STORE_PAGES)
def test_who_may_open_each_store_page(
    client, store, other_store, clerk, manager, other_clerk, operations, page, django_assert_num_queries
):
    people = (clerk, manager, other_clerk, operations)
    for user, expected, queries in zip(people, MATRIX[page], QUERIES[page], strict=True):
        client.force_login(user)
        with django_assert_num_queries(queries):
            response = client.get(url(page))
        assert response.status_code == expected, (user.username, page)


def test_anonymous_is_sent_to_login(client, store):
    response = client.get(url("till"))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_a_clerk_of_another_store_gets_404_for_a_member_and_a_receipt_VIP_DATA_1(
    logged_in, store, clerk, other_clerk, card
):
    purchase = buy(store, clerk, [100], card=card).purchase
    c = logged_in(other_clerk)
    assert c.get(url("member", membership_id=card.membership_id, site="huaihai")).status_code == 404
    assert c.get(url("receipt", purchase_id=purchase.pk, site="huaihai")).status_code == 404
    assert c.get(url("member", membership_id=card.membership_id)).status_code == 404
    # Looked up at the other store's till, the card does not exist there.
    response = c.get(url("till", site="huaihai"), {"q": card.number})
    assert "No member or customer of this store" in text(response)
    assert "Wang" not in text(response)


def test_operations_sees_the_registration_summary_clerks_do_not(logged_in, store, clerk, operations):
    assert logged_in(clerk).get(reverse("vip:registrations")).status_code == 403
    assert logged_in(operations).get(reverse("vip:registrations")).status_code == 200


# --- the till ---------------------------------------------------------------------------------------------------


def test_the_till_looks_a_member_up_by_card_and_shows_how_to_address_them_VIP_SVC_1(
    logged_in, store, clerk, card, django_assert_num_queries
):
    c = logged_in(clerk)
    with django_assert_num_queries(6):
        response = c.get(url("till"), {"q": card.number})
    page = text(response)
    assert "Address the member as Ms Wang" in page
    assert "138****8001" in page and "13800138001" not in page.replace(card.number, "")
    assert "VIP-DISC-2: 0 points earned; 8.5折 from 30" in page


def test_the_till_looks_up_by_phone_and_offers_registration_when_eligible_VIP_ELIG_1(
    logged_in, store, clerk, django_assert_num_queries
):
    buy(store, clerk, [1000], phone="13800138009")
    c = logged_in(clerk)
    with django_assert_num_queries(10):  # not a member: no card, no membership, then the customer and history
        response = c.get(url("till"), {"q": "138 0013 8009"})
    page = text(response)
    assert "Not a member" in page
    assert "VIP-ELIG-1: one purchase of ¥1,000.00 paid" in page
    customer = Customer.objects.get(phone="13800138009")
    assert url("register", customer_id=customer.pk) in page


def test_recording_a_non_member_purchase_shows_the_receipt_with_eligibility(
    logged_in, store, clerk, django_assert_num_queries
):
    c = logged_in(clerk)
    with django_assert_num_queries(17):  # one of them: is this phone a member's (VIP-SVC-1)?
        response = c.post(url("till"), purchase_post("1200", phone="13800138007"))
    purchase = Purchase.objects.get()
    assert response.status_code == 302 and response.url == url("receipt", purchase_id=purchase.pk)
    with django_assert_num_queries(10):
        page = text(c.get(response.url))
    assert "Paid: ¥1,200.00" in page
    assert "VIP-ELIG-1: one purchase of ¥1,200.00 paid (at least ¥1,000.00) qualifies" in page
    assert "Fill in the registration form" in page


def test_the_registration_form_is_offered_only_where_a_card_can_be_issued_VIP_CARD_1_VIP_ELIG_1(
    logged_in, store, clerk, card
):
    c = logged_in(clerk)
    member_page = text(c.get(url("register", customer_id=card.membership.customer_id)))
    assert "No card can be issued to this customer now" in member_page and "Issue the card" not in member_page
    buy(store, clerk, [300], phone="13800138009")
    newcomer = Customer.objects.get(phone="13800138009")
    not_yet = text(c.get(url("register", customer_id=newcomer.pk)))
    assert "VIP-ELIG-1: not yet eligible" in not_yet and "Issue the card" not in not_yet
    buy(store, clerk, [1000], phone="13800138009")
    assert "Issue the card" in text(c.get(url("register", customer_id=newcomer.pk)))


def test_a_receipt_reads_in_its_readers_language(logged_in, store, clerk, card):
    with translation.override("zh-hans"):
        purchase = buy(store, clerk, [300], card=card).purchase
    assert purchase.explanation_lines("zh-hans")[-1] == "VIP-PTS-1：实付¥270.00，获得2分积分"
    page = text(logged_in(clerk).get(url("receipt", purchase_id=purchase.pk)))
    assert "VIP-PTS-1: ¥270.00 paid earns 2 point(s)" in page and "实付" not in page


def test_a_member_purchase_needs_the_signature_next_to_the_field_VIP_CARD_2(logged_in, store, clerk, card):
    response = logged_in(clerk).post(url("till"), purchase_post(card=card.number))
    assert response.status_code == 200
    assert "VIP-CARD-2: the member signs the receipt of a VIP purchase." in text(response)
    assert not Purchase.objects.filter(card=card).exists()


def test_a_member_purchase_is_discounted_and_posting_it_twice_records_once(logged_in, store, clerk, card):
    c = logged_in(clerk)
    first = c.post(url("till"), purchase_post("200", card=card.number, signature="on", key="same"))
    again = c.post(url("till"), purchase_post("200", card=card.number, signature="on", key="same"))
    assert first.url == again.url
    purchase = Purchase.objects.get(card=card)
    assert (purchase.paid, purchase.points_earned, purchase.discount_rule) == (Decimal("180.00"), 1, "VIP-DISC-1")
    page = text(c.get(first.url))
    assert "VIP-DISC-1: VIP card: 9折" in page and "1 point(s) earned" in page


@pytest.mark.parametrize(
    "data, field_error",
    [
        ({"amount_1": "-5"}, "Ensure this value is greater than or equal to 0.01."),
        ({"amount_1": "abc"}, "Enter a number."),
        ({"amount_1": "99999999"}, "Ensure this value is less than or equal to 999999.99."),
        ({"amount_1": "1.001"}, "Ensure that there are no more than 2 decimal places."),
        ({"phone": "12"}, "Enter a valid phone number."),
    ],
)
def test_bad_till_input_is_shown_next_to_the_field_and_nothing_is_saved(logged_in, store, clerk, data, field_error):
    response = logged_in(clerk).post(url("till"), purchase_post(**data))
    assert response.status_code == 200
    assert field_error in text(response)
    assert not Purchase.objects.exists()


def test_a_used_request_key_with_another_purchase_is_refused_at_the_top_and_the_form_gets_a_new_key(
    logged_in, store, clerk
):
    c = logged_in(clerk)
    assert c.post(url("till"), purchase_post("100", phone="13800138005")).status_code == 302
    response = c.post(url("till"), purchase_post("250", phone="13800138005"))  # the same key "k-1", another purchase
    assert response.status_code == 200
    form = response.context["form"]
    assert "already used for a different request" in " ".join(form.non_field_errors())
    assert "already used for a different request" in text(response)
    assert form["key"].value() != "k-1"
    assert Purchase.objects.get().paid == Decimal("100.00")
    again = c.post(url("till"), purchase_post("250", phone="13800138005", key=form["key"].value()))
    assert again.status_code == 302 and Purchase.objects.count() == 2


def test_a_birthday_discount_without_the_id_check_is_refused_VIP_DISC_3(logged_in, store, clerk, card):
    response = logged_in(clerk).post(url("till"), purchase_post(card=card.number, signature="on", birthday="on"))
    assert "VIP-DISC-3: the birthday discount needs the original ID checked." in text(response)
    assert not Purchase.objects.filter(card=card).exists()


def test_the_quote_shows_discount_and_points_and_saves_nothing(
    logged_in, store, clerk, card, django_assert_num_queries
):
    c = logged_in(clerk)
    with django_assert_num_queries(5):
        response = c.post(url("till_quote"), purchase_post("300", card=card.number), HTTP_HX_REQUEST="true")
    page = text(response)
    assert "To pay: ¥270.00" in page and "VIP-PTS-1: earns 2 point(s)" in page
    assert not Purchase.objects.filter(card=card).exists()


def test_a_qualifying_purchase_without_a_phone_asks_for_it_VIP_ELIG_1(logged_in, store, clerk):
    c = logged_in(clerk)
    anonymous = text(c.post(url("till_quote"), purchase_post("1000"), HTTP_HX_REQUEST="true"))
    assert "qualifies for a VIP card: enter the customer&#x27;s phone to offer it" in anonymous
    assert "To pay: ¥1,000.00" in anonymous  # amounts in yuan and fen, however they were typed
    with_phone = text(c.post(url("till_quote"), purchase_post("1000", phone="13800138007"), HTTP_HX_REQUEST="true"))
    small = text(c.post(url("till_quote"), purchase_post("999.99"), HTTP_HX_REQUEST="true"))
    assert "offer it" not in with_phone and "offer it" not in small


def test_a_refused_quote_names_the_line_and_a_refused_purchase_shows_each_error_once(logged_in, store, clerk, card):
    c = logged_in(clerk)
    quote = text(c.post(url("till_quote"), purchase_post("12.345", card=card.number), HTTP_HX_REQUEST="true"))
    assert "<strong>Amount 1</strong>: Ensure that there are no more than 2 decimal places." in quote
    page = text(c.post(url("till"), purchase_post("300", card=card.number)))
    assert page.count("VIP-CARD-2: the member signs the receipt of a VIP purchase.") == 1


def test_a_blocked_card_is_refused_at_the_till_VIP_CARD_4(logged_in, store, clerk, card):
    new = services.card_replace(card=card, actor=clerk, reason="lost", now=NOW)
    looked_up = logged_in(clerk).get(url("till"), {"q": card.number})
    assert f"VIP-CARD-4: its replacement is card {new.number}" in text(looked_up)
    assert f'value="{new.number}"' in text(looked_up)  # the till fills in the card to use
    response = logged_in(clerk).post(url("till"), purchase_post(card=card.number, signature="on"))
    assert "VIP-CARD-4" in text(response)


# --- issuing, redeeming, replacing, returning ---------------------------------------------------------------------


def test_the_registration_form_issues_the_card_in_one_step_VIP_CARD_1(
    logged_in, store, clerk, django_assert_num_queries
):
    buy(store, clerk, [1000], phone="13800138009")
    customer = Customer.objects.get()
    c = logged_in(clerk)
    with django_assert_num_queries(8):  # with the latest membership: is the customer a member already?
        assert c.get(url("register", customer_id=customer.pk)).status_code == 200
    data = {"surname": "Li", "title": "mr", "birthday": "1990-05-01", "handbook": "on"}
    response = c.post(url("register", customer_id=customer.pk), data)
    card = Card.objects.get()
    assert response.status_code == 302 and card.number in response.url
    assert "VIP-CARD-1: card" in text(c.get(response.url))


def test_the_registration_form_refuses_a_customer_not_yet_eligible(logged_in, store, clerk):
    buy(store, clerk, [10], phone="13800138009")
    customer = Customer.objects.get()
    data = {"surname": "Li", "title": "mr", "handbook": "on"}
    response = logged_in(clerk).post(url("register", customer_id=customer.pk), data)
    assert "VIP-ELIG-1: not yet eligible" in text(response)
    assert not Card.objects.exists()


def test_the_member_page_and_redeeming_VIP_PTS_2(logged_in, store, clerk, card, reward, django_assert_num_queries):
    buy(store, clerk, ["1111.12"], card=card)  # 10 points
    c = logged_in(clerk)
    with django_assert_num_queries(10):
        assert c.get(url("member", membership_id=card.membership_id)).status_code == 200
    redeem = url("member_redeem", membership_id=card.membership_id)
    # Nothing is redeemed until the clerk confirms a page naming the reward, the points and the balance after.
    with django_assert_num_queries(8):
        unconfirmed = c.post(redeem, {"key": "r1", "reward": reward.pk})
    assert unconfirmed.status_code == 200 and not Redemption.objects.exists()
    will_happen = text_of(unconfirmed, "will-happen")
    assert "exchanges 10 points for Tote bag" in will_happen and "10 now, 0 after" in will_happen
    assert "cannot be cancelled" in will_happen
    response = c.post(redeem, {"key": "r1", "reward": reward.pk, "confirmed": "1"})
    assert response.status_code == 302
    assert Redemption.objects.count() == 1
    response = c.post(redeem, {"key": "r2", "reward": reward.pk, "confirmed": "1"})
    assert response.status_code == 400
    assert "VIP-PTS-2: the reward needs 10 points; this card has 0" in text(response)


def test_another_stores_reward_cannot_be_chosen(logged_in, store, other_store, clerk, card):
    foreign = Reward.objects.create(store=other_store, name="Mug", points=1, stock=3)
    response = logged_in(clerk).post(
        url("member_redeem", membership_id=card.membership_id), {"key": "r1", "reward": foreign.pk, "confirmed": "1"}
    )
    assert response.status_code == 400 and not Redemption.objects.exists()


def test_replacing_a_lost_card_VIP_CARD_4(logged_in, store, clerk, card):
    response = logged_in(clerk).post(url("member_replace", membership_id=card.membership_id), {"reason": "lost"})
    assert response.status_code == 302
    card.refresh_from_db()
    assert card.blocked_at is not None and card.replaced_by.membership_id == card.membership_id


def test_unmasking_is_logged_VIP_DATA_1(logged_in, store, clerk, card):
    response = logged_in(clerk).post(url("member_unmask", membership_id=card.membership_id))
    assert "13800138001" in text(response)
    log = PrivacyLog.objects.get()
    assert (log.user, log.action, log.customer_id) == (clerk, "unmask", card.membership.customer_id)


def test_the_export_is_masked_and_logged_VIP_DATA_1(logged_in, store, manager, clerk, card, django_assert_num_queries):
    c = logged_in(manager)
    with django_assert_num_queries(6):  # session user, rights, store, members, the log entry
        response = c.get(url("members_export"))
    body = response.content.decode()
    assert body.startswith("\ufeffCard number,Surname,Title,Phone,")  # the mark makes Excel read UTF-8
    assert f"{card.number},Wang,Ms,138****8001," in body and "13800138001" not in body
    assert PrivacyLog.objects.get().action == "export"


def test_a_return_on_the_receipt_VIP_RET_1(logged_in, store, clerk, card):
    purchase = buy(store, clerk, [200], card=card).purchase
    c = logged_in(clerk)
    too_much = c.post(url("purchase_return", purchase_id=purchase.pk), {"key": "x", "amount": "500"})
    assert too_much.status_code == 400 and "at most ¥180.00" in text(too_much)
    assert 'data-testid="member-panel"' in text(too_much)  # the refused refund keeps the member in view
    ok = c.post(url("purchase_return", purchase_id=purchase.pk), {"key": "y", "amount": "100", "reason": "wrong size"})
    assert ok.status_code == 302 and Return.objects.get().points_reversed == 1
    receipt = text(c.get(ok.url))
    assert "Paid: ¥180.00</strong> (¥80.00 after refunds)" in receipt and "wrong size" in receipt


# --- the manager's and operations' pages -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "page, queries",
    [("members", 6), ("rewards", 6), ("expiring", 6), ("shortfalls", 6), ("campaigns", 8), ("settings", 5)],
)
def test_manager_pages_have_bounded_queries(logged_in, store, clerk, manager, page, queries, django_assert_num_queries):
    for n in range(3):
        member(store, clerk, phone=f"1380013800{n}")
    c = logged_in(manager)
    with django_assert_num_queries(queries):
        assert c.get(url(page)).status_code == 200


def test_the_reminders_page_shows_how_each_store_s_messages_stand_VIP_SVC_1(
    logged_in, store, clerk, manager, other_store, other_clerk
):
    for n in range(2):
        member(store, clerk, phone=f"1380013800{n}", birthday=dt.date(1990, 3, 17))
    member(other_store, other_clerk, phone="13900139000", birthday=dt.date(1990, 3, 17))
    assert services.birthday_reminders_send(now=NOW) == 3
    failed = SmsDelivery.objects.filter(message__store=store).first()
    SmsDelivery.objects.filter(pk=failed.pk).update(status="failed", attempts=12, last_error="provider answered 503")
    page = logged_in(manager).get(url("campaigns"))
    assert text_of(page, "sms-counts") == "Waiting to be sent: 1 Sent: 0 Failed: 1 Not sent: the member opted out: 0"
    rows = text_of(page, "sms-outstanding")
    assert rows.count("Birthday") == 2 and "Ms Wang" in rows and "provider answered 503" in rows


def test_adding_a_reward_and_bad_input(logged_in, store, manager):
    c = logged_in(manager)
    bad = c.post(url("rewards"), {"name": "Mug", "points": "0", "stock": "-1"})
    assert "Ensure this value is greater than or equal to 1." in text(bad) and not Reward.objects.exists()
    assert c.post(url("rewards"), {"name": "Mug", "points": "20", "stock": "3", "active": "on"}).status_code == 302
    assert Reward.objects.get().stock == 3
    again = c.post(url("rewards"), {"name": " mug ", "points": "5", "stock": "1", "active": "on"})
    assert "a reward of this name already" in text_of(again, "error_1_id_name") and Reward.objects.count() == 1


def test_recording_a_hand_in_VIP_DATA_1(logged_in, store, operations, django_assert_num_queries):
    c = logged_in(operations)
    with django_assert_num_queries(7):
        assert c.get(reverse("vip:registrations")).status_code == 200
    response = c.post(reverse("vip:registrations"), {"store": store.pk, "month": "2026-02", "forms_received": "4"})
    assert response.status_code == 302
    assert FormHandIn.objects.get().forms == 4
    again = c.post(reverse("vip:registrations"), {"store": store.pk, "month": "2026-02", "forms_received": "4"})
    assert "already recorded" in text_of(again, "error_1_id_month")
    running = c.post(reverse("vip:registrations"), {"store": store.pk, "month": "2026-03", "forms_received": "1"})
    assert "once the month is over" in text_of(running, "error_1_id_month")
    assert FormHandIn.objects.count() == 1


def test_the_till_quote_points_a_members_phone_to_their_card_VIP_SVC_1(logged_in, store, clerk, card):
    post = purchase_post("300", phone="13800138001")
    response = logged_in(clerk).post(url("till_quote"), post, HTTP_HX_REQUEST="true")
    assert f"a member (card {card.number}): enter the card number" in text(response)
    assert "To pay" not in text(response)


def test_a_store_member_with_the_operations_role_only_cannot_use_the_till(client, store, django_assert_num_queries):
    user = make_user("opsmember", None, [store])
    client.force_login(user)
    with django_assert_num_queries(5):
        assert client.get(url("till")).status_code == 403


def test_the_stores_index_and_the_store_menu(logged_in, store, other_store, clerk, manager, django_assert_num_queries):
    c = logged_in(clerk)
    with django_assert_num_queries(4):
        response = c.get(reverse("vip:index"))
    assert response.status_code == 302 and response.url == url("till")  # one store: straight to its till
    page = text(c.get(url("members")))
    assert "Till" in page and "Rewards" not in page
    page = text(logged_in(manager).get(url("members")))
    assert "Rewards" in page and "Return shortfalls" in page


def test_the_registration_summary_pages_by_store(logged_in, operations, django_assert_num_queries):
    from .conftest import make_store

    for n in range(12):
        make_store(f"Store {n:02d}", f"s{n:02d}")
    c = logged_in(operations)
    with django_assert_num_queries(7):
        first = text(c.get(reverse("vip:registrations"))).split("Record forms received")[0]
    assert "Store 09" in first and "Store 10" not in first and "Page 1 of 2" in first
    assert "Store 11" in text(c.get(reverse("vip:registrations"), {"page": 2}))


def test_a_member_opts_out_of_sms_and_back_VIP_SVC_1(logged_in, store, clerk, other_clerk, card):
    customer_id = card.membership.customer_id
    assert (
        logged_in(other_clerk).post(url("member_sms", membership_id=card.membership_id), {"opt_out": "1"}).status_code
        == 404
    )
    c = logged_in(clerk)
    assert c.post(url("member_sms", membership_id=card.membership_id), {"opt_out": "1"}).status_code == 302
    assert Customer.objects.get(pk=customer_id).sms_opt_out is True
    assert "Send reminders again" in text(c.get(url("member", membership_id=card.membership_id)))
    c.post(url("member_sms", membership_id=card.membership_id), {"opt_out": "0"})
    assert Customer.objects.get(pk=customer_id).sms_opt_out is False
