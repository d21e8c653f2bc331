"""Django's flush, able to empty the permanent tables where that is harmless: a test database (pytest-django
flushes one after each transactional test) or a DEBUG one. Elsewhere the TRUNCATE triggers refuse it, as they
refuse any TRUNCATE of a permanent table (salesoffice.permanent)."""

from django.conf import settings
from django.core.management.commands import flush
from django.db import connections
from django.db.backends.base.creation import TEST_DATABASE_PREFIX

from salesoffice.permanent import allow_truncate, forbid_truncate


def _may_empty_permanent_tables(connection) -> bool:
    return settings.DEBUG or connection.settings_dict["NAME"].startswith(TEST_DATABASE_PREFIX)


class Command(flush.Command):
    def handle(self, **options):
        connection = connections[options["database"]]
        if connection.vendor != "postgresql" or not _may_empty_permanent_tables(connection):
            return super().handle(**options)
        with connection.cursor() as cursor:
            allow_truncate(cursor)
        try:
            return super().handle(**options)
        finally:
            with connection.cursor() as cursor:
                forbid_truncate(cursor)
