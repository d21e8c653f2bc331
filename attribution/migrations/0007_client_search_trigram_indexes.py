"""Trigram indexes for the client list's search by name and by phone digits (a substring anywhere: LIKE '%...%').

PostgreSQL only (pg_trgm ships with it): the embedded SQLite database of development and the scenario runner has
no such index type and searches by scanning. Not in the models' state for the same reason."""

from django.db import migrations

INDEXES = {
    "client_name_trgm_idx": "attribution_client USING gin (name gin_trgm_ops)",
    "clientphone_trgm_idx": "attribution_clientphone USING gin (phone_normalised gin_trgm_ops)",
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, definition in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {definition}")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("attribution", "0006_backfill_client_site_summaries")]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
