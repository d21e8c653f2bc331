"""bench/run_all.py --scale small runs end to end (issue 17): seeding, the reports against raw SQL, gunicorn, the walk
of every role's pages and the measurement. Its figures are printed, not asserted (they depend on the machine); what
is asserted is that it finishes, measures every page it found, checks every report's figures against the raw SQL
and ends with the summary line. Deselect with `-m "not bench"`."""

import os
import re
import subprocess
import sys
import urllib.parse

import pytest
from django.conf import settings

PAGE_LINE = re.compile(
    r"^(?P<page>\S+(?: POST)? \[[a-z_]+\])\s+(?P<n>\d+)\s+[\d.]+\s+[\d.]+\s+[\d?-]+\s+[\d.]+×\s+\d+$"
)
FINAL = re.compile(r"^worst page p95: \d+\.\d× floor \(.+\); worst report: \d+\.\d× raw SQL \(.+\)$")
# A page of each app and the main POST, with the role that opens it: the walk must find them all.
EXPECTED = [
    "reception:board [site_supervisor]",
    "reception:arrive POST [site_supervisor]",
    "reception:report [project_manager]",
    "attribution:clients [project_manager]",
    "commission:statement [sales_director]",
    "vip:till [store_clerk]",
    "service_desk:report [office_director]",
]


def bench_database_url() -> str:
    """The bench's own database, named after the test run's (never the test database itself)."""
    base = urllib.parse.urlparse(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/salesoffice"))
    name = re.sub(r"\W", "_", base.path.lstrip("/") or "salesoffice")
    return base._replace(path=f"/{name}_ci_bench").geturl()


@pytest.mark.bench
def test_run_all_small_measures_every_page_and_report():
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    result = subprocess.run(
        [sys.executable, "bench/run_all.py", "--scale", "small", "--database-url", bench_database_url()],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    print(result.stdout)  # the figures, for whoever reads the test log
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    lines = result.stdout.splitlines()
    found = re.search(r"^walk: (\d+) pages", result.stdout, re.MULTILINE)
    assert found, result.stdout[-3000:]
    pages = [m.group("page") for line in lines if (m := PAGE_LINE.match(line))]
    assert len(pages) == int(found.group(1)), "every page the walk found has its line"
    assert [p for p in EXPECTED if p not in pages] == []
    reports = [line for line in lines if "monthly report (" in line or line.startswith("commission statement (")]
    assert len(reports) == 3 and all(line.rstrip().split("  ")[-1].startswith("yes") for line in reports), reports
    assert FINAL.match(lines[-1]), lines[-1]
