#!/usr/bin/env python
"""Issue 17's reports, measured in-process: prints figures, it is not a test.

On a copy of bench/run_all.py's database (a name ending in 'bench'; it writes a persona's session and, where there
is none, last week's stored weekly report), it builds

* the monthly reports against their raw SQL (bench/run_all.py's `compare_reports`: same figures, interleaved), and
* the report pages through Django's test client (middleware, access checks, queries, template; no network), each
  request followed by the floor (the login page, GET, as the same signed-in user), with n, p50, p95, the queries
  of a request and p95 over the floor's;

and with --explain prints each query's EXPLAIN ANALYZE of one request of each page.

  .venv/bin/python bench/reports_issue17.py --database-url postgres://postgres@127.0.0.1:5432/salesoffice_me_allbench
"""

import argparse
import os
import random
import secrets
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import desk_bench as desk  # noqa: E402 - the bench machinery (database, Django set-up, percentiles) is shared


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True, help="a copy of run_all's database (name ends in 'bench')")
    parser.add_argument("-n", type=int, default=30, help="requests per page (default 30)")
    parser.add_argument("--report-repeat", type=int, default=30, help="builds of each report (default 30)")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE one request's queries")
    args = parser.parse_args()
    if not desk.database_name(args.database_url).endswith("bench"):
        parser.error("the database's name must end in 'bench'")
    return args


def pages() -> list[tuple[str, str, str]]:
    """(label, path, role) of the report pages, on the sites holding each report's history, for last month; each
    measured as a role that opens it."""
    import run_all
    from django.urls import reverse

    from attribution.models import WeeklyClientReport
    from salesoffice.models import Site

    year, month = run_all.last_full_month(Site.objects.get(code="svc-01").zone)
    month_query = f"?month={year}-{month:02d}"
    found = [
        (name, reverse(name, kwargs={"site": code}) + month_query, role)
        for name, code, role in (
            ("service_desk:report", "svc-01", "office_director"),
            ("service_desk:report_xlsx", "svc-01", "office_director"),
            ("reception:report", desk.SITE_CODE, "project_manager"),
            ("reception:report_xlsx", desk.SITE_CODE, "project_manager"),
        )
    ]
    week = WeeklyClientReport.objects.order_by("-week_start").values_list("week_start", flat=True).first()
    if week:
        page = reverse("attribution:weekly_report", kwargs={"week": week.isoformat()})
        xlsx = reverse("attribution:weekly_report_xlsx", kwargs={"week": week})
        for role in ("project_manager", "sales_assistant"):
            found += [
                (f"attribution:weekly_report [{role}]", page, role),
                (f"attribution:weekly_report, page 40 [{role}]", page + "?page=40", role),
                (f"attribution:weekly_report, project rb-1 [{role}]", page + "?project=rb-1", role),
                (f"attribution:weekly_report_xlsx [{role}]", xlsx, role),
            ]
    return found


def clients(found: list[tuple[str, str, str]]) -> dict:
    """A signed-in test client per role: each page and its floor are requested as the same user."""
    import seed
    from django.contrib.auth import get_user_model
    from django.test import Client

    personas = seed.ensure_personas()
    by_role = {}
    for role in {role for _label, _path, role in found}:
        by_role[role] = Client(HTTP_HOST="127.0.0.1")
        by_role[role].force_login(get_user_model().objects.get(username=personas[role]))
    return by_role


def measure(found: list[tuple[str, str, str]], by_role: dict, n: int) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    floor_path = "/accounts/login/"
    samples: dict[str, list[float]] = {label: [] for label, _p, _r in found}
    floor: list[float] = []
    queries: dict[str, set[int]] = {label: set() for label, _p, _r in found}
    first: dict[str, float] = {}
    for label, path, role in found:  # the first request of each: a part stored once is built here
        started = time.perf_counter()
        response = by_role[role].get(path)
        first[label] = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (path, role, response.status_code)
    order = [item for item in found for _ in range(n)]
    random.shuffle(order)
    for label, path, role in order:
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = by_role[role].get(path)
            samples[label].append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, role, response.status_code)
        queries[label].add(len(captured))
        started = time.perf_counter()
        assert by_role[role].get(floor_path).status_code == 200
        floor.append((time.perf_counter() - started) * 1000)
    f50, f95 = desk.percentile(floor, 50), desk.percentile(floor, 95)
    print(
        f"\n{'page [role]':<58} {'n':>4} {'first ms':>9} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8} {'p95/floor':>10}"
    )
    print(f"{'floor: ' + floor_path:<58} {len(floor):>4} {'':>9} {f50:>8.1f} {f95:>8.1f} {'':>8} {1:>6.1f}×")
    for label, _path, role in found:
        s = samples[label]
        q = "-".join(str(x) for x in sorted({min(queries[label]), max(queries[label])}))
        p50, p95 = desk.percentile(s, 50), desk.percentile(s, 95)
        name = label if label.endswith("]") else f"{label} [{role}]"
        print(f"{name:<58} {len(s):>4} {first[label]:>9.1f} {p50:>8.1f} {p95:>8.1f} {q:>8} {p95 / f95:>6.1f}×")


def explain(found: list[tuple[str, str, str]], by_role: dict) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from pages_issue17 import print_plans

    for label, path, role in found:
        with CaptureQueriesContext(connection) as captured:
            by_role[role].get(path)
        print(f"\n== EXPLAIN ANALYZE of {label} ({path}): {len(captured)} queries")
        print_plans(captured.captured_queries)


def main() -> None:
    args = parse_args()
    desk.setup_django(args.database_url, secrets.token_urlsafe(50))
    import run_all
    from django.core.management import call_command
    from django.utils import timezone

    from attribution.reports import weekly_report_generate

    call_command("migrate", verbosity=0)
    load = "/".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"reports_issue17 on {desk.database_name(args.database_url)}; load average {load} (1, 5, 15 min)")
    weekly_report_generate(now=timezone.now())  # last week's stored report, as the weekly job makes it
    options = argparse.Namespace(database_url=args.database_url, report_repeat=args.report_repeat)
    run_all.print_reports(run_all.compare_reports(options))
    found = pages()
    by_role = clients(found)
    measure(found, by_role, args.n)
    if args.explain:
        explain(found, by_role)
    load = "/".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\nload average at the end {load}")


if __name__ == "__main__":
    main()
