"""The till API: token per store, a store's token sees only its members (404 for others), idempotent writes,
refusals with the rule, bounded queries; and a schemathesis fuzz of the OpenAPI schema: no 500s, and a refused
request writes nothing."""

import io
from decimal import Decimal

import pytest
import schemathesis
from django.core.management import CommandError, call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis import checks

from salesoffice.wsgi import application
from vip import api_auth, rules
from vip.models import ApiToken, Purchase, Redemption, Return, Reward, StoreSettings

from ..conftest import row_counts
from .conftest import NOW, buy, member

API = "/store/api/v1"


@pytest.fixture
def token_key(store):
    return api_auth.token_create(store=store, name="till 1", now=NOW)[1]


@pytest.fixture
def other_key(other_store):
    return api_auth.token_create(store=other_store, name="till 9", now=NOW)[1]


@pytest.fixture
def api(client, token_key, time_machine, settings):
    time_machine.move_to(NOW, tick=False)
    settings.VIP_TILL_TOKEN_CACHE_SECONDS = 60  # as with Redis, whatever this run's environment

    def call(method: str, path: str, data=None, key: str | None = None):
        headers = {"HTTP_AUTHORIZATION": f"Token {key or token_key}", "HTTP_ACCEPT_LANGUAGE": "en"}
        if method == "get":
            return client.get(API + path, data or {}, **headers)
        return client.post(API + path, data or {}, content_type="application/json", **headers)

    return call


def purchase_body(amount="200.00", **extra) -> dict:
    return {"idempotency_key": "pos-1-0001", "lines": [{"amount": amount}], **extra}


def test_no_token_or_a_wrong_token_is_401(client, store, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert client.get(f"{API}/members/", {"card_number": "1"}).status_code == 401
    with django_assert_num_queries(1):
        response = client.get(f"{API}/members/", {"card_number": "1"}, HTTP_AUTHORIZATION="Token nope")
    assert response.status_code == 401


def test_a_session_login_is_not_enough(client, store, clerk, django_assert_num_queries):
    client.force_login(clerk)
    with django_assert_num_queries(2):
        assert client.post(f"{API}/quotes/", purchase_body(), content_type="application/json").status_code == 401


def test_lookup_by_card_and_phone_VIP_SVC_1(api, store, clerk, django_assert_num_queries):
    card = member(store, clerk)
    with django_assert_num_queries(2):
        body = api("get", "/members/", {"card_number": card.number}).json()
    assert body["address_as"] == "Ms Wang" and body["phone"] == "138****8001"
    assert body["card"] == {"ok": True, "rule_id": "VIP-CARD-1", "explanation": f"card {card.number} is valid"}
    assert api("get", "/members/", {"phone": "13800138001"}).json()["card_number"] == card.number


def test_a_stores_token_gets_404_for_another_stores_member_VIP_DATA_1(
    api, store, clerk, other_key, django_assert_num_queries
):
    card = member(store, clerk)
    # The token is read from the database by the first request only, then found in the cache.
    with django_assert_num_queries(2):
        assert api("get", "/members/", {"card_number": card.number}, key=other_key).status_code == 404
    with django_assert_num_queries(3):
        assert api("get", "/members/", {"phone": "13800138001"}, key=other_key).status_code == 404
    with django_assert_num_queries(1):
        assert api("post", "/quotes/", purchase_body(card_number=card.number), key=other_key).status_code == 404
    purchase = buy(store, clerk, [100], card=card).purchase
    refund = {"idempotency_key": "r", "purchase_id": purchase.pk, "amount": "1.00"}
    with django_assert_num_queries(1):
        assert api("post", "/returns/", refund, key=other_key).status_code == 404


def test_the_till_token_is_cached_until_it_is_revoked(
    api, store, clerk, token_key, as_in_production, django_assert_num_queries
):
    card = member(store, clerk)
    api("get", "/members/", {"card_number": card.number})
    with django_assert_num_queries(1):  # the card only: the token, its store and settings are cached
        assert api("get", "/members/", {"card_number": card.number}).status_code == 200
    token = api_auth.token_for_key(token_key)
    api_auth.token_revoke(token, now=NOW)
    assert api("get", "/members/", {"card_number": card.number}).status_code == 401


def test_revoking_again_drops_a_cached_copy_that_outlived_an_outage(
    api, store, clerk, token_key, django_assert_num_queries
):
    card = member(store, clerk)
    with django_assert_num_queries(2):  # the token read, then cached
        api("get", "/members/", {"card_number": card.number})
    # Revoked while Redis was out: the database says so, the copy Redis kept through the outage does not.
    ApiToken.objects.filter(store=store).update(revoked_at=NOW)
    with django_assert_num_queries(1):
        assert api("get", "/members/", {"card_number": card.number}).status_code == 200
    api_auth.token_revoke(ApiToken.objects.get(store=store), now=NOW)
    with django_assert_num_queries(1):
        assert api("get", "/members/", {"card_number": card.number}).status_code == 401


def test_a_store_settings_change_reaches_the_till_at_once_VIP_PTS_1(
    api, store, clerk, as_in_production, django_assert_num_queries
):
    card = member(store, clerk)
    buy(store, clerk, [50], card=card)  # ¥45 paid on the card
    quote = purchase_body("100", card_number=card.number)
    with django_assert_num_queries(2):
        assert api("post", "/quotes/", quote).json()["points"] == 1  # carry over: ⌊135 / 100⌋ - ⌊45 / 100⌋
    settings_row = StoreSettings.objects.get(site=store)
    settings_row.points_mode = rules.PER_PURCHASE
    settings_row.save()
    with django_assert_num_queries(2):
        assert api("post", "/quotes/", quote).json()["points"] == 0  # per purchase: ⌊90 / 100⌋


def test_without_a_shared_cache_every_request_reads_the_token(api, store, clerk, settings, django_assert_num_queries):
    settings.VIP_TILL_TOKEN_CACHE_SECONDS = 0
    card = member(store, clerk)
    api("get", "/members/", {"card_number": card.number})
    with django_assert_num_queries(2):
        assert api("get", "/members/", {"card_number": card.number}).status_code == 200


def test_tokens_are_created_listed_and_revoked_from_the_command_line(api, store, clerk, django_assert_num_queries):
    card = member(store, clerk)
    out = io.StringIO()
    call_command("vip_till_token", store.code, "till 2", stdout=out)
    key = out.getvalue().strip()
    with django_assert_num_queries(2):
        assert api("get", "/members/", {"card_number": card.number}, key=key).status_code == 200
    token = ApiToken.objects.get(store=store, name="till 2")
    out = io.StringIO()
    call_command("vip_till_token", store.code, list_tokens=True, stdout=out)
    assert f"{token.pk}\ttill 2\t" in out.getvalue() and "active" in out.getvalue()
    call_command("vip_till_token", revoke=token.pk, stdout=io.StringIO())
    with django_assert_num_queries(1):
        assert api("get", "/members/", {"card_number": card.number}, key=key).status_code == 401
    out = io.StringIO()
    call_command("vip_till_token", store.code, list_tokens=True, stdout=out)
    assert "till 2\tcreated" in out.getvalue() and "revoked" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("vip_till_token", revoke=999_999_999)


def test_quote_changes_nothing(api, store, clerk, django_assert_num_queries):
    card = member(store, clerk)
    with django_assert_num_queries(2):
        body = api("post", "/quotes/", purchase_body("300", card_number=card.number)).json()
    assert (body["payable"], body["points"], body["rule_id"]) == ("270.00", 2, "VIP-DISC-1")
    assert not Purchase.objects.filter(card=card).exists()


def test_record_purchase_is_idempotent_VIP_PTS_1(api, store, clerk, django_assert_num_queries):
    card = member(store, clerk)
    body = purchase_body("200", card_number=card.number, signature_confirmed=True)
    with django_assert_num_queries(10):  # token, card, key, lock, purchase, lines, totals, ledger + a savepoint pair
        first = api("post", "/purchases/", body)
    with django_assert_num_queries(6):  # the first result, read back: no write (the token from the cache)
        again = api("post", "/purchases/", body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() | {"replayed": True} == again.json()
    assert first.json()["points_earned"] == 1 and first.json()["balance"] == 1
    assert Purchase.objects.filter(card=card).count() == 1
    assert Purchase.objects.get(card=card).api_token.name == "till 1"


@pytest.mark.parametrize(
    "changed",
    [
        {"lines": [{"amount": "300.00"}]},
        {"lines": [{"amount": "200.00"}, {"amount": "1.00"}]},
        {"lines": [{"amount": "200.00", "promotion": True}]},
        {"phone": "13800138009"},
    ],
)
def test_a_key_reused_for_a_different_purchase_is_409_and_records_nothing(
    api, store, changed, django_assert_num_queries
):
    body = purchase_body("200.00", phone="13800138005")
    with django_assert_num_queries(14):
        first = api("post", "/purchases/", body)
    assert first.status_code == 201
    # A replay and a refused reuse write nothing.
    with django_assert_num_queries(4):
        assert api("post", "/purchases/", purchase_body("200", phone="13800138005")).status_code == 200  # 200.00
    with django_assert_num_queries(4):
        reused = api("post", "/purchases/", body | changed)
    assert reused.status_code == 409
    message = reused.json()["idempotency_key"][0]
    assert f"already used for a different request (purchase #{first.json()['purchase_id']})" in message
    assert Purchase.objects.count() == 1 and Purchase.objects.get().paid == Decimal("200.00")


def test_a_key_reused_for_a_different_redemption_or_return_is_409_VIP_PTS_2_VIP_RET_1(
    api, store, clerk, reward, manager, django_assert_num_queries
):
    card = member(store, clerk)
    purchase = buy(store, clerk, ["3333.34"], card=card).purchase
    dearer = Reward.objects.create(store=store, name="Umbrella", points=2, stock=5)
    redeem = {"idempotency_key": "red-1", "card_number": card.number, "reward_id": reward.pk}
    with django_assert_num_queries(13):
        assert api("post", "/redemptions/", redeem).status_code == 201
    with django_assert_num_queries(7):
        reused = api("post", "/redemptions/", redeem | {"reward_id": dearer.pk})
    assert reused.status_code == 409 and "already used" in reused.json()["idempotency_key"][0]
    assert Redemption.objects.count() == 1 and Redemption.objects.get().reward == reward
    refund = {"idempotency_key": "ret-1", "purchase_id": purchase.pk, "amount": "100.00"}
    with django_assert_num_queries(11):
        assert api("post", "/returns/", refund).status_code == 201
    with django_assert_num_queries(5):
        assert api("post", "/returns/", refund | {"amount": "100"}).status_code == 201  # the same amount: the replay
    with django_assert_num_queries(6):
        assert api("post", "/returns/", refund | {"amount": "200.00"}).status_code == 409
    with django_assert_num_queries(6):
        assert api("post", "/returns/", refund | {"reason": "torn"}).status_code == 409
    assert Return.objects.get().amount == Decimal("100.00")


def test_the_schema_documents_the_409_of_every_write_that_takes_a_key(client, db, django_assert_num_queries):
    with django_assert_num_queries(0):  # the schema is of the code, not of the data
        schema_doc = client.get("/store/api/schema/", HTTP_ACCEPT="application/json").json()
    components = schema_doc["components"]["schemas"]
    keyed = {}
    for operations in schema_doc["paths"].values():
        for operation in operations.values():
            if "requestBody" in operation:
                ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
                takes_key = "idempotency_key" in components[ref.rsplit("/", 1)[1]]["properties"]
                keyed[operation["operationId"]] = (takes_key, "409" in operation["responses"])
    assert keyed == {
        "v1_purchases_create": (True, True),
        "v1_quotes_create": (False, False),
        "v1_redemptions_create": (True, True),
        "v1_returns_create": (True, True),
    }


def test_a_non_members_purchase_says_when_they_qualify_VIP_ELIG_1(api, store, django_assert_num_queries):
    with django_assert_num_queries(14):
        body = api("post", "/purchases/", purchase_body("1000.00", phone="13800138005")).json()
    assert body["eligibility"]["ok"] is True and body["eligibility"]["rule_id"] == "VIP-ELIG-1"


@pytest.mark.parametrize(
    "body, field, message",
    [
        (purchase_body("-1"), "lines", "greater than or equal to 0.01"),
        (purchase_body("1000000"), "lines", "less than or equal to 999999.99"),
        ({"idempotency_key": "k", "lines": []}, "lines", "This list may not be empty."),
        ({"lines": [{"amount": "1"}]}, "idempotency_key", "This field is required."),
    ],
)
def test_bad_input_is_400_with_the_field_and_nothing_saved(api, store, body, field, message, django_assert_num_queries):
    with django_assert_num_queries(1):  # the token: the body is refused before anything else is read
        response = api("post", "/purchases/", body)
    assert response.status_code == 400
    assert message in str(response.json()[field])
    assert not Purchase.objects.exists()


def test_birthday_discount_without_id_check_and_missing_signature_are_refused(
    api, store, clerk, django_assert_num_queries
):
    card = member(store, clerk)
    signed = {"card_number": card.number, "signature_confirmed": True}
    with django_assert_num_queries(7):
        no_id = api("post", "/purchases/", purchase_body(birthday_discount=True, **signed))
    assert no_id.status_code == 400 and "VIP-DISC-3" in no_id.json()["birthday_discount"][0]
    with django_assert_num_queries(6):  # the token is cached by now
        unsigned = api("post", "/purchases/", purchase_body(card_number=card.number))
    assert unsigned.status_code == 400 and "VIP-CARD-2" in unsigned.json()["signature_confirmed"][0]
    assert not Purchase.objects.filter(card=card).exists()


def test_redeem_and_return_VIP_PTS_2_VIP_RET_1(api, store, clerk, reward, django_assert_num_queries):
    card = member(store, clerk)
    purchase = buy(store, clerk, ["1111.12"], card=card).purchase
    redeem = {"idempotency_key": "red-1", "card_number": card.number, "reward_id": reward.pk}
    with django_assert_num_queries(13):
        assert api("post", "/redemptions/", redeem).json()["balance"] == 0
    with django_assert_num_queries(7):
        assert api("post", "/redemptions/", redeem).status_code == 201  # the replay: the same redemption
    assert Redemption.objects.count() == 1
    with django_assert_num_queries(8):
        short = api("post", "/redemptions/", redeem | {"idempotency_key": "red-2"})
    assert short.status_code == 400 and "VIP-PTS-2" in short.json()["reward_id"][0]
    refund = {"idempotency_key": "ret-1", "purchase_id": purchase.pk, "amount": "100.00"}
    with django_assert_num_queries(11):
        body = api("post", "/returns/", refund).json()
    assert (body["points_reversed"], body["shortfall"]) == (1, 1)
    with django_assert_num_queries(5):
        assert api("post", "/returns/", refund).json()["return_id"] == body["return_id"]
    assert Return.objects.get().amount == Decimal("100.00")


# --- schema-driven fuzz -------------------------------------------------------------------------------------------


schema = schemathesis.openapi.from_wsgi("/store/api/schema/", application)


@pytest.fixture
def in_process_requests(db):
    """As in Django's test client, a request does not close the test's database connection (the test's
    transaction, and what the fixtures made in it, live on)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_key(in_process_requests, store, clerk, reward):
    """A store with a member who has points, a reward and a purchase, so the fuzz reaches past the 404s."""
    card = member(store, clerk)
    buy(store, clerk, ["3333.34"], card=card)
    return api_auth.token_create(store=store, name="fuzz", now=NOW)[1]


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_never_answers_500_and_answers_as_its_schema_says(case, fuzz_key):
    # Not checked: that every schema-valid body is accepted (a phone "0" is a string, yet no phone; a card number
    # is a string, yet another store's is a 404): the rules decide that, not the schema.
    before = row_counts()
    response = case.call_and_validate(
        headers={"Authorization": f"Token {fuzz_key}"},
        excluded_checks=[checks.positive_data_acceptance],
    )
    assert response.status_code < 500
    if response.status_code >= 400:  # refused (400, 401, 404, 409): nothing recorded, no point moved
        assert row_counts() == before
