"""Two stores and their people: a clerk and a manager of each, operations, and members made through the services."""

import gc
import itertools
from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.inspect import _get_func_parameters

from salesoffice.models import Site
from salesoffice.roles import Role
from vip import rules, services
from vip.models import Customer, Reward, StoreSettings

from ..conftest import at, make_user

NOW = at(15, 10)
_keys = itertools.count()


def key() -> str:
    return f"vk{next(_keys)}"


def lines(*amounts, **flags) -> list[rules.Line]:
    return [rules.Line(amount=Decimal(str(a)), **flags) for a in amounts]


@pytest.fixture(autouse=True)
def in_english():
    """Messages are asserted in English (the default language, zh-hans, has its own catalog)."""
    with translation.override("en"):
        yield


@pytest.fixture
def as_in_production():
    """Signal receivers held as in production. With DEBUG on at start-up, as in this test run, Django's signature
    check of each receiver keeps a reference to it; with DEBUG off nothing does, and a receiver only weakly connected
    is gone."""
    _get_func_parameters.cache_clear()
    gc.collect()


def make_store(name: str, code: str, **settings) -> Site:
    store = Site.objects.create(name=name, code=code, kind=Site.Kind.STORE)
    StoreSettings.objects.create(site=store, **settings)
    return store


@pytest.fixture
def store(db):
    return make_store("Nanjing Road", "nanjing")


@pytest.fixture
def other_store(db):
    return make_store("Huaihai Road", "huaihai")


@pytest.fixture
def clerk(store):
    return make_user("clerk", Role.STORE_CLERK, [store])


@pytest.fixture
def manager(store):
    return make_user("storemgr", Role.STORE_MANAGER, [store])


@pytest.fixture
def other_clerk(other_store):
    return make_user("otherclerk", Role.STORE_CLERK, [other_store])


@pytest.fixture
def operations(db):
    return make_user("ops", Role.OPERATIONS, [])


def buy(store, clerk, amounts, *, phone="13800138001", card=None, now=NOW, **extra):
    return services.purchase_record(
        store=store,
        actor=clerk,
        key=key(),
        lines=lines(*amounts),
        phone=phone if card is None else "",
        card_number=card.number if card else "",
        signature_confirmed=card is not None,
        now=now,
        **extra,
    )


def member(store, clerk, *, phone="13800138001", now=NOW, birthday=None, paid=1000):
    """A customer who qualified with one purchase and was issued a card."""
    buy(store, clerk, [paid], phone=phone, now=now)
    customer = Customer.objects.get(store=store, phone=phone)
    return services.card_issue(customer=customer, actor=clerk, surname="Wang", title="ms", birthday=birthday, now=now)


@pytest.fixture
def card(store, clerk):
    return member(store, clerk)


@pytest.fixture
def reward(store):
    return Reward.objects.create(store=store, name="Tote bag", points=10, stock=5)
