"""The embedded SQLite default (no DATABASE_URL) runs everything the suite runs on PostgreSQL that a newcomer meets:
the README's `run_scenarios tests/scenarios` on both databases, and tests/portable (every page for every demo role,
every sum of money) again on SQLite. Each runs in a process of its own, as the suite's database is PostgreSQL."""

import os
import subprocess

import pytest

from .conftest import run_python


def report(result: subprocess.CompletedProcess) -> str:
    return result.stdout[-6000:] + result.stderr[-3000:]


@pytest.mark.parametrize("database", ["embedded SQLite", "PostgreSQL"])
def test_every_scenario_file_passes_on_both_databases(database):
    url = None if database == "embedded SQLite" else os.environ.get("DATABASE_URL")
    if database == "PostgreSQL" and not url:
        pytest.skip("no DATABASE_URL: the suite runs on the embedded SQLite itself")

    result = run_python("manage.py", "run_scenarios", "tests/scenarios", "--failures", database_url=url, timeout=900)

    assert result.returncode == 0, report(result)
    assert " 0 failed in 0 file(s)" in result.stdout


def test_every_page_and_sum_holds_on_the_embedded_sqlite():
    result = run_python(
        "-m", "pytest", "tests/portable", "-q", "-p", "no:cacheprovider", database_url=None, timeout=900
    )

    assert result.returncode == 0, report(result)
    assert " passed" in result.stdout and "skipped" not in result.stdout
