#!/usr/bin/env python
"""Issue 17's pages, measured in-process: prints figures, it is not a test.

Times the whole view (middleware, access checks, queries, template) through Django's test client against a bench
database of its own, seeded by the app's bench script when empty, and prints n, p50, p95, the queries per request
and, with --explain, each query's EXPLAIN ANALYZE (plan and execution time) of one request.

  .venv/bin/python bench/pages_issue17.py svc          # service-desk monthly report and pending callbacks
  .venv/bin/python bench/pages_issue17.py desk         # reception decisions log (desk events)
  .venv/bin/python bench/pages_issue17.py vip          # VIP member search

Databases: postgres://postgres@127.0.0.1:5432/salesoffice_pages<app>bench (or --database-url; the name must end in
'bench'). DATABASE_URL is ignored.
"""

import argparse
import random
import re
import secrets
import sys
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))
import desk_bench as desk  # noqa: E402 - the bench machinery (database, Django set-up, percentiles) is shared


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("app", choices=["svc", "desk", "vip"])
    parser.add_argument("--database-url", default="")
    parser.add_argument("-n", type=int, default=200, help="requests per page (default 200)")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE one request's queries")
    parser.add_argument("--requests", type=int, default=300_000, help="svc: requests seeded (default 300000)")
    parser.add_argument("--events", type=int, default=433_000, help="desk: rota events seeded (default 433000)")
    parser.add_argument("--purchases", type=int, default=2_000_000, help="vip: purchases seeded (default 2 M)")
    return parser.parse_args()


def measure(label: str, client, paths: list[str], n: int, explain: bool) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for path in paths[:5]:  # warm-up
        status = client.get(path).status_code
        assert status == 200, (path, status)
    times, cpu, counts = [], [], []
    for _ in range(n):
        path = random.choice(paths)
        with CaptureQueriesContext(connection) as queries:
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(path)
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        assert response.status_code == 200, (path, response.status_code)
        counts.append(len(queries))
    p50, p95 = desk.percentile(times, 50), desk.percentile(times, 95)
    cpu50, cpu95 = desk.percentile(cpu, 50), desk.percentile(cpu, 95)
    print(
        f"{label:<34} n={n:>4}  p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  (this process's CPU p50 {cpu50:5.1f} p95 "
        f"{cpu95:5.1f})  queries {min(counts)}-{max(counts)}"
    )
    if explain:
        with CaptureQueriesContext(connection) as queries:
            client.get(paths[0])
        print(f"  EXPLAIN ANALYZE of {paths[0]}:")
        print_plans(queries.captured_queries)


def print_plans(queries: list[dict]) -> None:
    """Each read's EXPLAIN ANALYZE plan, in full (writes are left out: explaining them would run them again)."""
    from django.db import connection

    with connection.cursor() as cursor:
        for query in queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS OFF) " + sql)
            plan = [row[0] for row in cursor.fetchall()]
            print(f"  -- {' '.join(sql.split())[:160]}")
            for row in plan:
                print(f"     {row}")


def svc(args: argparse.Namespace) -> None:
    import service_desk_bench as svc_bench
    from django.test import Client

    from salesoffice.models import Site
    from salesoffice.roles import Role

    offices, requests = svc_bench.seeded_size()
    if not offices:
        seed_args = argparse.Namespace(offices=50, requests=args.requests, days=730)
        print(f"seeding 50 offices, {args.requests:,} requests: {svc_bench.seed(seed_args):.0f} s")
    # The seed gives each office one kind of request (office g % 50, kind g % 10): ten offices hold every kind.
    offices = list(Site.objects.filter(code__startswith=svc_bench.PREFIX).order_by("code")[:10])
    months = ["2025-03", "2025-10", "2026-06", "2026-11"]
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user_of(Role.OFFICE_DIRECTOR, offices))
    paths = [f"/service/{o.code}/report/?month={m}" for m in months for o in offices]
    measure("monthly report", client, paths[-2:] + paths, args.n, args.explain)
    client.force_login(user_of(Role.REPAIR_LEAD, offices))
    paths = [f"/service/{o.code}/callbacks/" for o in offices]
    measure("pending callbacks (repair lead)", client, paths[-2:] + paths, args.n, args.explain)


def user_of(role, sites):
    """A bench user of `role` at every one of `sites`."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from salesoffice.models import SiteMembership

    user, created = get_user_model().objects.get_or_create(username=f"pages17-{role.value}")
    if created:
        user.groups.add(Group.objects.get(name=role.value))
        SiteMembership.objects.bulk_create(SiteMembership(site=s, user=user) for s in sites)
    return user


def desk_events(args: argparse.Namespace) -> None:
    """The decisions log of one sales site holding --events rota events (desk_bench's ~430,000 over two years),
    written by SQL; the log reads nothing else of the desk."""
    from django.db import connection
    from django.test import Client

    from reception.models import DeskSettings
    from salesoffice.models import Site
    from salesoffice.roles import Role

    site, created = Site.objects.get_or_create(
        code="pages-desk", defaults={"name": "Pages desk", "kind": Site.Kind.SALES_OFFICE}
    )
    if created:
        DeskSettings.objects.create(site=site)
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO reception_rotaevent (site_id, at, kind, rule_id, params)
                SELECT %(site)s, now() - make_interval(secs => (%(n)s - g)::float8 * 730 * 86400 / %(n)s),
                       (ARRAY['turn_taken','skip_forfeit_busy','reception_ended','ready'])[g %% 4 + 1],
                       (ARRAY['REC-ROT-1','REC-ROT-2','REC-ROT-1','REC-READY-1'])[g %% 4 + 1],
                       jsonb_build_object('name', '销售' || (g %% 30))
                FROM generate_series(1, %(n)s) AS g
                """,
                {"site": site.pk, "n": args.events},
            )
            cursor.execute("VACUUM ANALYZE reception_rotaevent")
        print(f"seeded {args.events:,} rota events in {time.perf_counter() - started:.0f} s")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user_of(Role.SITE_SUPERVISOR, [site]))
    first = f"/desk/{site.code}/events/"
    found = re.search(r"\?(before=[A-Za-z0-9_-]+|page=2)", client.get(first).content.decode())
    deeper = f"{first}?{found.group(1)}"
    measure("desk events: first page", client, [first], args.n, args.explain)
    measure("desk events: next page", client, [deeper], args.n, args.explain)


def vip(args: argparse.Namespace) -> None:
    import vip_bench
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    from salesoffice.models import Site, SiteMembership
    from salesoffice.roles import Role

    if vip_bench.seeded_size() is None:
        seed_args = argparse.Namespace(stores=20, members=100_000, customers=120_000, purchases=args.purchases)
        print(f"seeding the stores: {vip_bench.seed(seed_args):.0f} s")
    store = Site.objects.filter(code__startswith=vip_bench.STORE_PREFIX).order_by("code").first()
    User = get_user_model()
    user, created = User.objects.get_or_create(username="vb-manager")
    if created:
        from django.contrib.auth.models import Group

        user.groups.add(Group.objects.get(name=Role.STORE_MANAGER.value))
        SiteMembership.objects.create(site=store, user=user)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    from vip.models import Card

    card = Card.objects.filter(membership__store=store).order_by("pk").values_list("number", flat=True).first()
    base = reverse("vip:members", kwargs={"site": store.code})
    searches = {"surname": "王", "card": card, "phone last digits": "0042", "no search": ""}
    for label, q in searches.items():
        measure(f"member search: {label}", client, [f"{base}?q={quote(q)}" if q else base], args.n, args.explain)


def main() -> None:
    args = parse_args()
    url = args.database_url or f"postgres://postgres@127.0.0.1:5432/salesoffice_pages{args.app}bench"
    desk.ensure_database(url, drop=False)
    desk.setup_django(url, secrets.token_urlsafe(50))
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    {"svc": svc, "desk": desk_events, "vip": vip}[args.app](args)


if __name__ == "__main__":
    main()
