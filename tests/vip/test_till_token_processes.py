"""A revoked till token, or a store or store settings just saved, holds from the very next request in every process
(docs/vip.md, "The till API"): the tills' server is gunicorn in a process of its own, with production settings and
its token cache warm on Redis; the change is made here, in another process, as the admin or the command line would.
"""

import datetime as dt
import json
import subprocess
import sys
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.utils import timezone

from vip import api_auth, rules
from vip.models import ApiToken, Card, StoreSettings

from ..servers import BASE_DIR, AppServer, Client, production_env
from .conftest import buy, member

# The server reads what this process commits; serialized_rollback gives the next tests back the role groups.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

API = "/store/api/v1"
REQUESTS = 6  # enough, one after the other, for both of the server's workers to answer some


@pytest.fixture(scope="module")
def till_server(django_db_setup, own_redis):
    server = AppServer(own_redis.url)
    yield server
    server.stop()


@pytest.fixture
def shared_cache(settings, own_redis):
    """This process's cache is the server's Redis, as every process of a deployment shares one."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": own_redis.url}}
    settings.VIP_TILL_TOKEN_CACHE_SECONDS = 60


class Till:
    def __init__(self, server: AppServer, key: str) -> None:
        self.client, self.key = Client(server.base), key

    def call(self, method: str, path: str, body: dict | None = None):
        headers = {"Authorization": f"Token {self.key}", "Accept-Language": "en", "Content-Type": "application/json"}
        data = None if body is None else json.dumps(body).encode()
        return self.client.request(method, API + path, data=data, headers=headers)

    def answers(self, method: str, path: str, body: dict | None = None) -> list:
        return [self.call(method, path, body) for _ in range(REQUESTS)]

    def is_cached(self) -> bool:
        return cache.get(api_auth._cache_key(api_auth._hash(self.key))) is not None


def open_till(server, store, clerk, **card) -> tuple[Till, Card, ApiToken]:
    """A store's till with a member card, its token cached on Redis by the server's own requests."""
    now = timezone.now()
    card = member(store, clerk, now=now, **card)
    token, key = api_auth.token_create(store=store, name="till 1", now=now)
    till = Till(server, key)
    lookups = till.answers("GET", f"/members/?card_number={card.number}")
    assert {answer.status for answer in lookups} == {200}
    assert till.is_cached()  # so what follows shows the cache dropped, not a cache never filled
    return till, card, token


def test_a_revoked_token_is_refused_by_every_worker_at_once(till_server, shared_cache, as_in_production, store, clerk):
    till, card, token = open_till(till_server, store, clerk)
    api_auth.token_revoke(token, now=timezone.now())
    assert [answer.status for answer in till.answers("GET", f"/members/?card_number={card.number}")] == [401] * REQUESTS


def test_a_token_revoked_on_the_command_line_is_refused_at_once(till_server, shared_cache, own_redis, store, clerk):
    till, card, token = open_till(till_server, store, clerk)
    command = [sys.executable, "manage.py", "vip_till_token", "--revoke", str(token.pk)]
    subprocess.run(command, env=production_env(own_redis.url), cwd=BASE_DIR, check=True, capture_output=True)
    assert [answer.status for answer in till.answers("GET", f"/members/?card_number={card.number}")] == [401] * REQUESTS


def test_store_settings_saved_reach_every_worker_at_once_VIP_PTS_1(
    till_server, shared_cache, as_in_production, store, clerk
):
    till, card, _token = open_till(till_server, store, clerk)
    buy(store, clerk, [50], card=card, now=timezone.now())  # ¥45 paid on the card
    quote = {"card_number": card.number, "lines": [{"amount": "100"}]}
    assert {answer.json()["points"] for answer in till.answers("POST", "/quotes/", quote)} == {1}  # ⌊135/100⌋-⌊45/100⌋
    assert till.is_cached()
    settings_row = StoreSettings.objects.get(site=store)
    settings_row.points_mode = rules.PER_PURCHASE
    settings_row.save()
    assert {answer.json()["points"] for answer in till.answers("POST", "/quotes/", quote)} == {0}  # ⌊90 / 100⌋


def test_a_store_saved_reaches_every_worker_at_once(till_server, shared_cache, as_in_production, store, clerk):
    """The store's time zone decides whose birthday is today. Kiritimati (UTC+14) and Pago Pago (UTC-11) are never
    on the same day."""
    store.time_zone = "Pacific/Kiritimati"
    store.save()
    today = dt.datetime.now(ZoneInfo(store.time_zone)).date()
    till, card, _token = open_till(till_server, store, clerk, birthday=today.replace(year=1988))
    assert {a.json()["birthday_today"] for a in till.answers("GET", f"/members/?card_number={card.number}")} == {True}
    store.time_zone = "Pacific/Pago_Pago"
    store.save()
    assert {a.json()["birthday_today"] for a in till.answers("GET", f"/members/?card_number={card.number}")} == {False}
