"""The demo (`manage.py seed_demo`), seeded once for the tests of this folder and rolled back after them.

These tests hold on either database: the suite runs them on PostgreSQL, and tests/test_embedded_sqlite.py runs them
again on the embedded SQLite (the default with no DATABASE_URL), where the demo is what a newcomer sees first."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tests.page_walk import seeded_demo


@pytest.fixture(scope="package")
def demo(django_db_setup, django_db_blocker):
    # Half past noon on the demo's sites: the noon duty is on (the duty page offers its actions only while a shift
    # runs), so the walk reaches the same pages whatever the hour it runs at.
    shanghai = ZoneInfo("Asia/Shanghai")
    noon = dt.datetime.combine(dt.datetime.now(shanghai).date(), dt.time(12, 30), tzinfo=shanghai)
    with django_db_blocker.unblock(), seeded_demo(noon, tick=True):
        yield
