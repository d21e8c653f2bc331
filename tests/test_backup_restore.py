"""Backups that restore (docs/operations.md): bin/backup dumps a seeded database, bin/restore loads it into a fresh
one, and verify_restore finds every row count and ledger sum equal — and would say so if they were not."""

import os
import subprocess
import uuid
from pathlib import Path

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _url(name: str) -> str:
    settings = connection.settings_dict
    user = settings["USER"] or "postgres"
    return f"postgres://{user}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{name}"


def _run(*command: str, database_url: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        command, cwd=ROOT, env={**os.environ, "DATABASE_URL": database_url}, capture_output=True, text=True
    )


@pytest.fixture
def fresh_database():
    name = f"restore_check_{uuid.uuid4().hex[:12]}"
    admin_url = _url("postgres")
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield _url(name)
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _one(url: str, sql: str):
    with psycopg.connect(url) as conn:
        return conn.execute(sql).fetchone()[0]


def test_a_seeded_database_restores_with_every_row_and_sum(tmp_path, fresh_database):
    if connection.vendor != "postgresql":
        pytest.skip("bin/backup is for PostgreSQL")
    call_command("seed_demo")
    source = _url(connection.settings_dict["NAME"])
    dump = tmp_path / "salesoffice.dump"

    backup = _run("bin/backup", str(dump), database_url=source)
    assert backup.returncode == 0, backup.stderr
    assert dump.stat().st_size > 0

    restore = _run("bin/restore", str(dump), database_url=fresh_database)
    assert restore.returncode == 0, restore.stderr

    check = _run(".venv/bin/python", "manage.py", "verify_restore", source, fresh_database, database_url=source)
    assert check.returncode == 0, check.stderr
    assert "restore matches its source" in check.stdout
    # The comparison means something only if the demo's money is there to compare.
    ledger_sum = "SELECT coalesce(sum(amount), 0) FROM commission_ledgerentry"
    assert _one(source, ledger_sum) > 0
    assert _one(fresh_database, ledger_sum) == _one(source, ledger_sum)
    # The permanent tables' protection comes back with the data.
    triggers = "SELECT count(*) FROM pg_trigger WHERE tgname LIKE '%append_only%'"
    assert _one(fresh_database, triggers) == _one(source, triggers) > 0

    # A restore over data already there is refused, and leaves it alone.
    again = _run("bin/restore", str(dump), database_url=fresh_database)
    assert again.returncode == 3
    assert "refusing" in again.stderr

    # A restored copy that lost or gained a row is reported, naming the table.
    with psycopg.connect(fresh_database, autocommit=True) as conn:
        conn.execute("INSERT INTO django_session (session_key, session_data, expire_date) VALUES ('x', 'y', now())")
    check = _run(".venv/bin/python", "manage.py", "verify_restore", source, fresh_database, database_url=source)
    assert check.returncode != 0
    assert "django_session: rows" in check.stderr
