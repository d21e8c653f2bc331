"""Personas and a sales site shared by every test: one site with a rota, a second site for isolation."""

import datetime as dt
import itertools
import os
import subprocess
import sys
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType

from reception import services
from reception.models import DeskSettings, RotaMember
from salesoffice.models import Site, SiteMembership
from salesoffice.roles import Role

from .servers import own_redis  # noqa: F401 (a fixture: a Redis of a test module's own, which it may stop)

SHANGHAI = ZoneInfo("Asia/Shanghai")
PASSWORD = "test-pass-1234"
_keys = itertools.count()


def at(day: int, hour: int, minute: int = 0, month: int = 3, year: int = 2026) -> dt.datetime:
    """An instant in the site's zone (Asia/Shanghai)."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def key() -> str:
    """A fresh request key, as each rendered desk form carries."""
    return f"k{next(_keys)}"


PROJECT_APPS = ["salesoffice", "reception", "attribution", "commission", "vip", "service_desk"]


def row_counts() -> dict[str, int]:
    """Rows of every model of the project's apps: a refused request leaves them as they were."""
    return {
        model._meta.label: model._default_manager.count()
        for app in PROJECT_APPS
        for model in apps.get_app_config(app).get_models()
    }


def run_python(*args: str, database_url: str | None, timeout: int = 300) -> subprocess.CompletedProcess:
    """This project's Python in a process of its own, on `database_url` (None: the embedded SQLite default)."""
    env = {**os.environ, "DJANGO_DEBUG": "1"}
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    return subprocess.run(
        [sys.executable, *args], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=timeout
    )


def make_user(username: str, role: Role | None, sites: list[Site], **extra):
    user = get_user_model().objects.create_user(
        username=username, password=PASSWORD, first_name=username.title(), **extra
    )
    if role is not None:
        user.groups.add(Group.objects.get(name=role.value))
    for site in sites:
        SiteMembership.objects.create(site=site, user=user)
    return user


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The default hasher is deliberately slow; personas are made in most tests.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def cold_content_types():
    """Django keeps content types in a process-wide cache that outlives a test's rolled-back rows: an admin page or
    the history reads one the first time only, so a test's query count would depend on which tests ran before it.
    Each test starts cold, as a new worker process does."""
    ContentType.objects.clear_cache()


@pytest.fixture(autouse=True)
def own_cache(settings):
    """Each test starts with an empty cache of its own, in this process.

    The cache holds rendered boards under (site, desk version, minute, ...): on the one Redis that every test run
    on the machine shares, a run's site 3 at version 5 at a pinned 10:00 would find another run's board, and
    clearing Redis would empty the other run's cache (and broker) under it. The code path is Django's cache API
    either way, and the live server of the browser tests runs in this process, so it shares this cache.
    """
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": uuid.uuid4().hex}
    }


@pytest.fixture
def site(db):
    site = Site.objects.create(name="Riverside", code="riverside", kind=Site.Kind.SALES_OFFICE)
    DeskSettings.objects.create(site=site)
    return site


@pytest.fixture
def other_site(db):
    site = Site.objects.create(name="Hillside", code="hillside", kind=Site.Kind.SALES_OFFICE)
    DeskSettings.objects.create(site=site)
    return site


@pytest.fixture
def supervisor(site):
    return make_user("supervisor", Role.SITE_SUPERVISOR, [site])


@pytest.fixture
def project_manager(site):
    return make_user("pm", Role.PROJECT_MANAGER, [site])


@pytest.fixture
def sales_manager(site):
    return make_user("salesmgr", Role.SALES_MANAGER, [site])


@pytest.fixture
def outsider(other_site):
    """A supervisor of the other site: sees nothing of `site`."""
    return make_user("outsider", Role.SITE_SUPERVISOR, [other_site])


@pytest.fixture
def salespeople(site):
    """Five salespeople in rota order: ann, bob, cat, dan, eve."""
    people = []
    for position, name in enumerate(["ann", "bob", "cat", "dan", "eve"], start=1):
        user = make_user(name, Role.SALESPERSON, [site])
        RotaMember.objects.create(site=site, salesperson=user, position=position)
        people.append(user)
    return people


def open_desk(site, people, supervisor, now: dt.datetime, ready=None):
    """Put `people` on today's roster and pass their readiness checks (all of them unless `ready` says who)."""
    services.roster_set(
        site=site,
        day=now.astimezone(site.zone).date(),
        salesperson_ids={p.pk for p in people},
        actor=supervisor,
        now=now,
    )
    for person in people if ready is None else ready:
        services.readiness_record(
            site=site,
            salesperson=person,
            uniform_ok=True,
            materials_ok=True,
            sales_info_ok=True,
            note="",
            actor=supervisor,
            now=now,
        )


def client_with_phone(name: str, phone: str, created_at):
    """The register's client for this phone, made directly (for tests that set up facts rather than exercise
    registration itself, which tests/attribution covers through the services)."""
    from attribution.models import Client, ClientPhone
    from salesoffice.phones import normalise_phone

    normalised = normalise_phone(phone)
    known = ClientPhone.objects.filter(phone_normalised=normalised).select_related("client").first()
    if known:
        return known.client
    client = Client.objects.create(name=name, phone=phone, phone_normalised=normalised, created_at=created_at)
    ClientPhone.objects.create(client=client, phone=phone, phone_normalised=normalised)
    return client
