"""Personas and register set-ups for the attribution tests. Facts are written through the services, as the
pages write them."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.utils import translation

from attribution import services
from salesoffice.roles import Role

from ..conftest import at, make_user

NOW = at(20, 10)  # the pages' clock: 20 March 2026, 10:00 in the site's zone


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def sales_director(site):
    return make_user("director", Role.SALES_DIRECTOR, [site])


@pytest.fixture
def sales_assistant(site):
    return make_user("assistant", Role.SALES_ASSISTANT, [site])


@pytest.fixture
def store_clerk(site):
    """A member of the site whose role has nothing to do with its clients."""
    return make_user("clerk", Role.STORE_CLERK, [site])


@pytest.fixture
def other_salesperson(other_site):
    return make_user("otto", Role.SALESPERSON, [other_site])


@pytest.fixture
def other_pm(other_site):
    return make_user("opm", Role.PROJECT_MANAGER, [other_site])


@pytest.fixture
def browser_as(client):
    """Log a persona in, with English pages (so assertions can read the sentences)."""

    def login(user):
        client.force_login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return login


def register(site, salesperson, when, *, phone="13800138001", name="Mr Huang", actor=None, **extra):
    return services.visit_register(
        site=site, actor=actor or salesperson, salesperson=salesperson, name=name, phones=[phone], now=when, **extra
    )


def approve(entry, pm, when):
    return services.visit_review(entry=entry, actor=pm, approve=True, now=when)


def registered(site, salesperson, pm, when, **kw):
    """A registration approved six hours later; returns the client."""
    result = register(site, salesperson, when, **kw)
    approve(result.entry, pm, when + dt.timedelta(hours=6))
    return result.client


@pytest.fixture(autouse=True)
def in_english():
    """Messages are asserted in English; the default language (zh-hans) has its own catalog. Pages asked for by
    the test client still get their language from the request (LocaleMiddleware)."""
    with translation.override("en"):
        yield
