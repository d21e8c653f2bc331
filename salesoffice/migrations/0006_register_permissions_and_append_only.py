import importlib

from django.db import migrations

# The new permanent records of the register (ATT-REG-1 and the facts that decide ownership) refuse UPDATE and
# DELETE in the database itself, like the tables of 0003.
NEW_PERMANENT_TABLES = [
    "attribution_recognition",
    "attribution_spouselink",
    "attribution_companyclientmark",
    "attribution_oldclientintroduction",
]

_triggers = importlib.import_module("salesoffice.migrations.0003_append_only_triggers")
_groups = importlib.import_module("salesoffice.migrations.0002_create_role_groups")


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in NEW_PERMANENT_TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION salesoffice_refuse_change()"
        )


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in NEW_PERMANENT_TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")


class Migration(migrations.Migration):
    dependencies = [
        ("salesoffice", "0005_field_labels"),
        ("attribution", "0004_phones_of_existing_clients"),
        ("commission", "0001_deal"),
    ]

    operations = [
        migrations.RunPython(create_triggers, drop_triggers),
        # The roles gain the register's permissions (salesoffice.roles).
        migrations.RunPython(_groups.sync_role_groups, migrations.RunPython.noop),
    ]
