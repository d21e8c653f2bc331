"""Compares a restored PostgreSQL database with the one it was dumped from (docs/operations.md, "Backups").

Every model's table must hold the same number of rows, and every money and points column the same sum: a restore
that lost the ledger's last rows, or a table, is caught before anyone relies on it."""

import psycopg
from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import models


def _table_figures() -> list[tuple[str, str]]:
    """(label, SQL) pairs: a row count per table, a sum per numeric column (amounts in yuan, points)."""
    figures = []
    seen = set()
    for model in apps.get_models(include_auto_created=True):
        table = model._meta.db_table
        if table in seen or model._meta.proxy or not model._meta.managed:
            continue
        seen.add(table)
        figures.append((f"{table}: rows", f'SELECT count(*) FROM "{table}"'))
        for field in model._meta.concrete_fields:
            if isinstance(field, models.DecimalField | models.IntegerField) and not (
                field.primary_key or field.is_relation
            ):
                figures.append(
                    (f"{table}.{field.column}: sum", f'SELECT coalesce(sum("{field.column}"), 0) FROM "{table}"')
                )
    return figures


def _read(url: str, figures: list[tuple[str, str]]) -> dict[str, object]:
    with psycopg.connect(url) as connection, connection.cursor() as cursor:
        # One snapshot for every figure, so a source still being written compares with itself.
        cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        values = {}
        for label, sql in figures:
            cursor.execute(sql)
            values[label] = cursor.fetchone()[0]
        return values


class Command(BaseCommand):
    help = "Compare row counts and ledger sums of two PostgreSQL databases (a source and its restored copy)."

    def add_arguments(self, parser):
        parser.add_argument("source", help="postgres:// URL of the database that was backed up")
        parser.add_argument("restored", help="postgres:// URL of the database it was restored into")

    def handle(self, *args, source: str, restored: str, **options):
        figures = _table_figures()
        before, after = _read(source, figures), _read(restored, figures)
        differences = [(label, before[label], after[label]) for label, _ in figures if before[label] != after[label]]
        rows = sum(value for label, value in before.items() if label.endswith(": rows"))
        if differences:
            for label, was, now in differences:
                self.stderr.write(f"{label}: {was} in the source, {now} restored")
            raise CommandError(f"the restore differs from its source in {len(differences)} figure(s)")
        self.stdout.write(f"restore matches its source: {len(figures)} figures compared, {rows} rows in all")
