import importlib

from django.db import migrations

# The desk's permanent records refuse UPDATE and DELETE in the database itself (salesoffice 0003's function).
PERMANENT_TABLES = [
    "service_desk_complaintinspection",
    "service_desk_appointment",
    "service_desk_completion",
    "service_desk_callback",
]

# SVC-FIRST-1: the first-contact owner never changes, whatever writes the row.
OWNER_FUNCTION = """
CREATE OR REPLACE FUNCTION service_desk_refuse_owner_change() RETURNS trigger AS $$
BEGIN
    IF NEW.owner_id IS DISTINCT FROM OLD.owner_id THEN
        RAISE EXCEPTION 'SVC-FIRST-1: the first-contact owner of request % cannot change', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""

_groups = importlib.import_module("salesoffice.migrations.0002_create_role_groups")


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in PERMANENT_TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION salesoffice_refuse_change()"
        )
    schema_editor.execute(OWNER_FUNCTION, params=None)
    schema_editor.execute(
        "CREATE TRIGGER service_desk_servicerequest_fixed_owner BEFORE UPDATE ON service_desk_servicerequest "
        "FOR EACH ROW EXECUTE FUNCTION service_desk_refuse_owner_change()"
    )


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in PERMANENT_TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    schema_editor.execute(
        "DROP TRIGGER IF EXISTS service_desk_servicerequest_fixed_owner ON service_desk_servicerequest"
    )
    schema_editor.execute("DROP FUNCTION IF EXISTS service_desk_refuse_owner_change()")


class Migration(migrations.Migration):
    dependencies = [
        ("service_desk", "0001_requests_complaints_repairs_callbacks_duty"),
    ]

    operations = [
        migrations.RunPython(create_triggers, drop_triggers),
        migrations.RunPython(_groups.sync_role_groups, migrations.RunPython.noop),
    ]
