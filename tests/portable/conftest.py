"""The demo (`manage.py seed_demo`), seeded once for the tests of this folder and rolled back after them.

These tests hold on either database: the suite runs them on PostgreSQL, and tests/test_embedded_sqlite.py runs them
again on the embedded SQLite (the default with no DATABASE_URL), where the demo is what a newcomer sees first."""

import datetime as dt
import io
import uuid
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings


@pytest.fixture(scope="package")
def demo(django_db_setup, django_db_blocker):
    # A cache of its own while seeding, as every test has (tests/conftest.py, own_cache).
    own_cache = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": uuid.uuid4().hex}}
    # Half past noon on the demo's sites: the noon duty is on (the duty page offers its actions only while a shift
    # runs), so the walk reaches the same pages whatever the hour it runs at.
    shanghai = ZoneInfo("Asia/Shanghai")
    noon = dt.datetime.combine(dt.datetime.now(shanghai).date(), dt.time(12, 30), tzinfo=shanghai)
    with (
        time_machine.travel(noon, tick=True),
        django_db_blocker.unblock(),
        override_settings(CACHES=own_cache),
        transaction.atomic(),
    ):
        call_command("seed_demo", stdout=io.StringIO())
        try:
            yield
        finally:
            transaction.set_rollback(True)
