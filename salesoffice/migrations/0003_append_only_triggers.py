from django.db import migrations

# Permanent records (ATT-REG-1 and the desk's own logs) refuse UPDATE and DELETE in the database itself,
# so neither the admin, a queryset .update() nor a stray SQL statement can rewrite them.
PERMANENT_TABLES = [
    "attribution_visitentry",
    "attribution_visitapproval",
    "reception_readinesscheck",
    "reception_violation",
    "reception_changerequest",
    "reception_phoneinquiry",
    "reception_rotaevent",
]

FUNCTION = """
CREATE OR REPLACE FUNCTION salesoffice_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'append-only table %: % refused (a correction is a new row)', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, params=None)
    for table in PERMANENT_TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION salesoffice_refuse_change()"
        )


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in PERMANENT_TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS salesoffice_refuse_change()")


class Migration(migrations.Migration):
    dependencies = [
        ("salesoffice", "0002_create_role_groups"),
        ("attribution", "0001_initial"),
        ("reception", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
