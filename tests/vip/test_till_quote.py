"""The till's quote (issue 14, item 8): the web page and the API quote through one function, `services.till_quote`,
with the same checks, so the same bad input gets the same refusal through both. And the till's phones go through
the one validator (salesoffice.phones): refused at the field, nothing written; a valid number is normalised."""

import html
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse

from vip import api_auth, services
from vip.models import Customer, Purchase

from .conftest import NOW, buy, lines, member

pytestmark = pytest.mark.usefixtures("pinned")

API = "/store/api/v1"
BAD_PHONES = ["abc", "138001", "12"]
INVALID = "Enter a valid phone number."


@pytest.fixture
def pinned(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def web(client, clerk):
    client.force_login(clerk)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    def quote(*, amount="300", card="", phone="", birthday=False, id_checked=False):
        data = {"key": "k-1", "amount_1": amount, "card": card, "phone": phone}
        data |= {"birthday": "on"} if birthday else {}
        data |= {"id_checked": "on"} if id_checked else {}
        response = client.post(reverse("vip:till_quote", kwargs={"site": "nanjing"}), data, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        return response

    return quote


@pytest.fixture
def api(client, store):
    token = api_auth.token_create(store=store, name="till 1", now=NOW)[1]

    def quote(*, amount="300", card="", phone="", birthday=False, id_checked=False):
        body = {"lines": [{"amount": amount}], "card_number": card, "phone": phone}
        body |= {"birthday_discount": birthday, "id_checked": id_checked}
        headers = {"HTTP_AUTHORIZATION": f"Token {token}", "HTTP_ACCEPT_LANGUAGE": "en"}
        return client.post(f"{API}/quotes/", body, content_type="application/json", **headers)

    return quote


def web_refusals(response) -> list[str]:
    return [str(error) for _label, error in response.context["field_errors"]]


def api_refusals(response) -> list[str]:
    assert response.status_code in (400, 404), response.content
    body = response.json()
    return [m for messages in body.values() for m in (messages if isinstance(messages, list) else [messages])]


def bad_inputs(card) -> dict[str, dict]:
    return {
        "a phone that is not one": {"phone": "12"},
        "a member's phone typed as a customer's (VIP-SVC-1)": {"phone": "13800138001"},
        "a card and a phone together": {"card": card.number, "phone": "13900139000"},
        "a birthday claim without the ID checked (VIP-DISC-3)": {"card": card.number, "birthday": True},
        "an unknown card": {"card": "NO-SUCH-CARD"},
    }


CASES = [
    "a phone that is not one",
    "a member's phone typed as a customer's (VIP-SVC-1)",
    "a card and a phone together",
    "a birthday claim without the ID checked (VIP-DISC-3)",
    "an unknown card",
]
# The queries of each case's (page, API) request, as measured; the API's include reading the till's token.
QUERIES = {
    "a phone that is not one": (4, 3),
    "a member's phone typed as a customer's (VIP-SVC-1)": (5, 4),
    "a card and a phone together": (4, 4),
    "a birthday claim without the ID checked (VIP-DISC-3)": (5, 4),
    "an unknown card": (5, 4),
}


@pytest.mark.parametrize("case", CASES)
def test_the_same_bad_input_gets_the_same_refusal_on_the_page_and_through_the_api(
    web, api, store, clerk, case, django_assert_num_queries
):
    card = member(store, clerk)  # phone 13800138001
    given = bad_inputs(card)[case]
    page_queries, api_queries = QUERIES[case]
    with django_assert_num_queries(page_queries):
        page = web_refusals(web(**given))
    with django_assert_num_queries(api_queries):
        answer = api_refusals(api(**given))
    assert page and [html.unescape(m) for m in page] == answer
    assert Purchase.objects.count() == 1  # the member's qualifying purchase only: nothing recorded


def test_a_good_quote_is_the_same_on_the_page_and_through_the_api(web, api, store, clerk, django_assert_num_queries):
    card = member(store, clerk)
    with django_assert_num_queries(5):
        page = web(card=card.number)
    with django_assert_num_queries(4):
        body = api(card=card.number).json()
    assert page.context["quote"].payable == Decimal(body["payable"]) == Decimal("270.00")
    assert page.context["points"] == body["points"] == 2
    assert Purchase.objects.count() == 1  # the member's qualifying purchase only: a quote saves nothing


def test_both_call_services_till_quote(web, api, store, clerk, monkeypatch, django_assert_num_queries):
    calls = []
    real = services.till_quote

    def spy(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(services, "till_quote", spy)
    with django_assert_num_queries(5):
        web(phone="13900139000")
    with django_assert_num_queries(4):
        api(phone="13900139000")
    assert len(calls) == 2
    assert [c["phone"] for c in calls] == ["13900139000", "13900139000"]


# --- phones at the till (salesoffice.phones) -----------------------------------------------------------------------


@pytest.mark.parametrize("phone", BAD_PHONES)
def test_the_service_refuses_a_customers_phone_that_is_not_one(store, clerk, phone):
    with pytest.raises(services.VipError) as refused:
        buy(store, clerk, [100], phone=phone)
    assert refused.value.message_dict == {"phone": [INVALID]}
    assert not Purchase.objects.exists() and not Customer.objects.exists()


@pytest.mark.parametrize("phone", BAD_PHONES)
def test_the_quote_service_refuses_a_phone_that_is_not_one(store, phone):
    with pytest.raises(services.VipError) as refused:
        services.till_quote(store=store, lines=lines(100), card=None, phone=phone, now=NOW)
    assert refused.value.message_dict == {"phone": [INVALID]}


@pytest.mark.parametrize("phone", BAD_PHONES)
def test_the_till_page_shows_the_error_at_the_phone_field(client, store, clerk, phone, django_assert_num_queries):
    client.force_login(clerk)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with django_assert_num_queries(5):
        response = client.post(
            reverse("vip:till", kwargs={"site": "nanjing"}), {"key": "k-9", "amount_1": "100", "phone": phone}
        )
    assert response.status_code == 200
    assert response.context["form"].errors == {"phone": [INVALID]}
    assert 'id="error_1_id_phone"' in response.content.decode()
    assert not Purchase.objects.exists() and not Customer.objects.exists()


@pytest.mark.parametrize("phone", BAD_PHONES)
def test_the_api_refuses_a_phone_that_is_not_one(api, store, phone, django_assert_num_queries):
    with django_assert_num_queries(1):  # the token: the phone is refused before anything is looked up
        response = api(phone=phone)
    assert response.status_code == 400 and response.json() == {"phone": [INVALID]}


@pytest.mark.parametrize("typed", ["+86 138 0013 8000", "138 0013 8000", "+8613800138000", "138-0013-8000"])
def test_a_valid_phone_with_spaces_or_86_is_normalised_to_the_national_number(store, clerk, typed):
    buy(store, clerk, [100], phone=typed)
    assert Customer.objects.get().phone == "13800138000"
