"""The demo (`manage.py seed_demo`), seeded once for the tests of this folder and rolled back after them.

These tests hold on either database: the suite runs them on PostgreSQL, and tests/test_embedded_sqlite.py runs them
again on the embedded SQLite (the default with no DATABASE_URL), where the demo is what a newcomer sees first."""

import io
import uuid

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings


@pytest.fixture(scope="package")
def demo(django_db_setup, django_db_blocker):
    # A cache of its own while seeding, as every test has (tests/conftest.py, own_cache).
    own_cache = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": uuid.uuid4().hex}}
    with django_db_blocker.unblock(), override_settings(CACHES=own_cache), transaction.atomic():
        call_command("seed_demo", stdout=io.StringIO())
        try:
            yield
        finally:
            transaction.set_rollback(True)
