"""Personas of a property-service office (and a second office for isolation); requests made through the services."""

import base64

import pytest
import time_machine
from django.conf import settings

from salesoffice.models import Site
from salesoffice.roles import Role
from service_desk import services

from ..conftest import at, make_user

NOW = at(2, 10)  # 2 March 2026, 10:00 at the office (Asia/Shanghai)
# A tiny but real PNG, as the signature pad posts it.
SIGNATURE = "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 60).decode()


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def office(db):
    return Site.objects.create(name="Garden Court", code="garden", kind=Site.Kind.PROPERTY_OFFICE)


@pytest.fixture
def other_office(db):
    return Site.objects.create(name="Lake View", code="lake", kind=Site.Kind.PROPERTY_OFFICE)


@pytest.fixture
def desk_staff(office):
    return make_user("desk", Role.SERVICE_DESK_STAFF, [office])


@pytest.fixture
def desk_staff2(office):
    return make_user("desk2", Role.SERVICE_DESK_STAFF, [office])


@pytest.fixture
def director(office):
    return make_user("director", Role.OFFICE_DIRECTOR, [office])


@pytest.fixture
def administrator(office):
    return make_user("administrator", Role.ADMINISTRATOR, [office])


@pytest.fixture
def repair_lead(office):
    return make_user("lead", Role.REPAIR_LEAD, [office])


@pytest.fixture
def repair_staff(office):
    return make_user("fixer", Role.REPAIR_STAFF, [office])


@pytest.fixture
def repair_staff2(office):
    return make_user("fixer2", Role.REPAIR_STAFF, [office])


@pytest.fixture
def outsider(other_office):
    """The director of another office: sees nothing of `office`."""
    return make_user("outsider", Role.OFFICE_DIRECTOR, [other_office])


@pytest.fixture
def browser_as(client):
    def login(user):
        client.force_login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return login


def register_repair(office, actor, now, *, category="water", appointment=None, staff=None, **extra):
    return services.request_register(
        site=office,
        actor=actor,
        kind="repair",
        requester_name=extra.pop("requester_name", "Mrs Li"),
        content=extra.pop("content", "Kitchen pipe leaks"),
        phone=extra.pop("phone", "13800138001"),
        address=extra.pop("address", "Block 3, 1201"),
        category=category,
        appointment=appointment or now.replace(hour=15),
        repair_staff=staff,
        now=now,
        **extra,
    )


def register_question(office, actor, now, **extra):
    return services.request_register(
        site=office,
        actor=actor,
        kind=extra.pop("kind", "question"),
        requester_name=extra.pop("requester_name", "Mr Wang"),
        content=extra.pop("content", "When is the water off?"),
        now=now,
        **extra,
    )


def register_complaint(office, actor, now, **extra):
    return services.request_register(
        site=office,
        actor=actor,
        kind="complaint",
        requester_name=extra.pop("requester_name", "Mr Zhou"),
        content=extra.pop("content", "Lift broken for 3 days"),
        category=extra.pop("category", "facilities"),
        severity=extra.pop("severity", "minor"),
        now=now,
        **extra,
    )


def callback_form(**overrides) -> dict:
    form = {
        "inspected_on_site": True,
        "service_opinion": "Polite and quick",
        "suggestions": "",
        "charges_checked": True,
        "charges_correct": True,
        "satisfied": True,
        "problem": "",
        "signature": SIGNATURE,
    }
    form.update(overrides)
    return form
