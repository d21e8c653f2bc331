from django.db import migrations

# The store's permanent records refuse UPDATE and DELETE in the database itself (the function is
# salesoffice's, from salesoffice/migrations/0003): receipts, the points ledger, redemptions, returns, SMS sent,
# the privacy log and the forms hand-in.
PERMANENT_TABLES = [
    "vip_purchase",
    "vip_purchaseline",
    "vip_pointmovement",
    "vip_redemption",
    "vip_return",
    "vip_privacylog",
    "vip_formhandin",
    "vip_smsmessage",
]


def _each_table(sql: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for table in PERMANENT_TABLES:
                schema_editor.execute(sql.format(table=table))

    return run


create_triggers = _each_table(
    "CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
    "FOR EACH ROW EXECUTE FUNCTION salesoffice_refuse_change()"
)
drop_triggers = _each_table("DROP TRIGGER IF EXISTS {table}_append_only ON {table}")


class Migration(migrations.Migration):
    dependencies = [
        ("vip", "0001_membership_cards_purchases_ledger"),
        ("salesoffice", "0003_append_only_triggers"),
    ]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
