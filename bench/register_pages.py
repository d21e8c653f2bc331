#!/usr/bin/env python
"""The register's slow pages (issue 17) on register_bench.py's database: prints figures, it is not a test.

Requests, in-process through Django's test client (DEBUG off, the cache on Redis, sessions in the database), as a
site's project manager: the login page (the floor), the follow-up review, the approvals queue (first page and the
overdue entries only), the register archive (unfiltered, and one salesperson's entries) and the client page of the
site's client with the most entries. Prints per page n, p50, p95, max (ms), the queries of one request and p95 over
the floor's; `--explain` prints each query's EXPLAIN ANALYZE. Seed the database first with
`bench/register_bench.py --seed-only`. See bench/README.md.

Run from the project root:  .venv/bin/python bench/register_pages.py [--explain] [--requests 40]
"""

import argparse
import json
import os
import secrets
import statistics
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

import desk_bench as desk  # noqa: E402  (the bench's database and Django helpers)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/salesoffice_regbench"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_REGISTER_DATABASE_URL", DEFAULT_DATABASE_URL),
        help="register_bench.py's database (seeded); its name must end in 'bench'",
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/10", help="the cache ('' for local memory)")
    parser.add_argument("--site", default="rb-1", help="the site whose pages are requested")
    parser.add_argument("--requests", type=int, default=40, help="measured requests per page (after 3 unmeasured)")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE every query of each page")
    return parser.parse_args()


def pages(site) -> list[tuple[str, str]]:
    from django.db.models import Count
    from django.urls import reverse

    from attribution.models import VisitEntry

    kw = {"site": site.code}
    busiest = VisitEntry.objects.filter(site=site).values("client_id").annotate(n=Count("pk")).order_by("-n").first()
    month = VisitEntry.objects.latest("registered_at").registered_at.replace(day=1)
    seller = (
        VisitEntry.objects.filter(site=site, registered_at__gte=month)
        .values("salesperson_id")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    return [
        # The floor, as issue 17 measures it: the login page, as the same signed-in user.
        ("floor: login page", reverse("login")),
        ("follow-up review", reverse("attribution:follow_up_review", kwargs=kw)),
        ("approvals", reverse("attribution:approvals", kwargs=kw)),
        ("approvals, overdue only", reverse("attribution:approvals", kwargs=kw) + "?overdue=1"),
        ("register archive", reverse("attribution:register_archive", kwargs=kw)),
        (
            "archive, one salesperson",
            reverse("attribution:register_archive", kwargs=kw) + f"?salesperson={seller['salesperson_id']}",
        ),
        (
            f"client page ({busiest['n']} entries)",
            reverse("attribution:client", kwargs={**kw, "client_id": busiest["client_id"]}),
        ),
    ]


def explain(queries: list[dict]) -> None:
    from django.db import connection

    for q in queries:
        sql = q["sql"].strip()
        if sql.startswith("DECLARE"):  # a form's choices, read through a server-side cursor
            sql = sql[sql.index(" FOR ") + 5 :]
        if not sql.lstrip("(").upper().startswith("SELECT"):
            continue
        with connection.cursor() as cur:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            plan = [row[0] for row in cur.fetchall()]
        print(f"    {sql[:300]}")
        for line in plan:
            print(f"      {line}")


def main() -> int:
    args = parse_args()
    if not desk.database_name(args.database_url).endswith("bench"):
        sys.exit("the bench database's name must end in 'bench'")
    os.environ.update(desk.bench_env(args.database_url, secrets.token_urlsafe(50), args.redis_url))
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from salesoffice.models import Site

    site = Site.objects.get(code=args.site)
    pm = get_user_model().objects.get(username=f"rb{site.code.removeprefix('rb-')}-pm")
    browser = Client(HTTP_HOST="127.0.0.1")
    browser.force_login(pm)
    print(f"site {site.code} as {pm.username}; cache {settings.CACHES['default']['BACKEND']}; DEBUG={settings.DEBUG}")
    print(f"{'page':<28} {'n':>4} {'p50':>8} {'p95':>8} {'max':>8} {'queries':>8} {'p95/floor':>9}")
    floor = None
    for label, address in pages(site):
        for _ in range(3):
            assert browser.get(address).status_code == 200, address
        times = []
        for _ in range(args.requests):
            start = time.perf_counter()
            browser.get(address)
            times.append((time.perf_counter() - start) * 1000)
        with CaptureQueriesContext(connection) as captured:
            browser.get(address)
        times.sort()
        p95 = times[max(0, int(0.95 * len(times) + 0.5) - 1)]
        floor = floor or p95
        print(
            f"{label:<28} {len(times):>4} {statistics.median(times):8.1f} {p95:8.1f} {times[-1]:8.1f}"
            f" {len(captured.captured_queries):>8} {p95 / floor:8.1f}x"
        )
        if args.explain:
            explain(captured.captured_queries)
    print(json.dumps({"load": os.getloadavg()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
