#!/usr/bin/env python
"""Service-desk benchmark on PostgreSQL: prints figures, it is not a test.

Seeds 50 property-service offices with 14 staff each and 300,000 requests over two years (questions, visits,
letters, complaints, repairs), with their complaints, repairs, appointments and reschedules, completions,
callbacks and rectification notices, written by SQL (INSERT ... SELECT over generate_series) in a database of its
own, and measures, in-process through Django's test client (the whole view: middleware, access checks, queries,
template; no network):

* the desk's "my open items" page (GET /service/<office>/) as random desk staff,
* the department head's monthly report (GET /service/<office>/report/?month=...) for random offices and months.

Prints p50, p95 and max per measurement and PASS/FAIL against the targets ("my open items" p95 < 50 ms, monthly
report p95 < 2 s).

Run from the project root:  .venv/bin/python bench/service_desk_bench.py
"""

import argparse
import os
import random
import secrets
import statistics
import sys
import time

import desk_bench as desk

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/salesoffice_svcbench"
PREFIX = "svc-"
TARGET_DESK_P95_MS = 50.0
TARGET_REPORT_P95_MS = 2000.0
# Staff of one office: (role, how many).
STAFF = [
    ("service_desk_staff", 6),
    ("office_director", 1),
    ("administrator", 2),
    ("repair_lead", 1),
    ("repair_staff", 4),
]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_SVC_DATABASE_URL", DEFAULT_DATABASE_URL),
        help="the bench's own database (created if missing; its name must end in 'bench'). DATABASE_URL is "
        f"deliberately ignored. Default: $BENCH_SVC_DATABASE_URL or {DEFAULT_DATABASE_URL}",
    )
    parser.add_argument("--reseed", action="store_true", help="drop and rebuild the bench database first")
    parser.add_argument("--offices", type=int, default=50, help="property offices (default 50)")
    parser.add_argument("--requests", type=int, default=300_000, help="requests over the period (default 300000)")
    parser.add_argument("--days", type=int, default=730, help="days of history (default 730)")
    parser.add_argument("--desk-pages", type=int, default=400, help="'my open items' pages requested (400)")
    parser.add_argument("--reports", type=int, default=20, help="monthly reports requested (default 20)")
    return parser.parse_args()


# ----------------------------------------------------------------------------------------------------------------
# Seeding
# ----------------------------------------------------------------------------------------------------------------


def seeded_size() -> tuple[int, int]:
    from salesoffice.models import Site
    from service_desk.models import ServiceRequest

    return (
        Site.objects.filter(code__startswith=PREFIX).count(),
        ServiceRequest.objects.filter(site__code__startswith=PREFIX).count(),
    )


def seed(args: argparse.Namespace) -> float:
    """Offices, staff and the history; returns the seconds it took."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.db import connection, transaction

    from salesoffice.models import Site, SiteMembership

    started = time.perf_counter()
    User = get_user_model()
    password = make_password(desk.TERMINAL_PASSWORD)
    groups = {g.name: g for g in Group.objects.all()}
    with transaction.atomic():
        offices = Site.objects.bulk_create(
            Site(code=f"{PREFIX}{n:02d}", name=f"物业管理处 {n:02d}", kind=Site.Kind.PROPERTY_OFFICE)
            for n in range(1, args.offices + 1)
        )
        users, roles = [], []
        for office in offices:
            for role, count in STAFF:
                for index in range(1, count + 1):
                    users.append(
                        User(username=f"{office.code}-{role}-{index}", first_name=f"{role} {index}", password=password)
                    )
                    roles.append((office, role))
        users = User.objects.bulk_create(users)
        pairs = list(zip(users, roles, strict=True))
        SiteMembership.objects.bulk_create(SiteMembership(site=o, user=u) for u, (o, _r) in pairs)
        Through = User.groups.through
        Through.objects.bulk_create(Through(user_id=u.pk, group_id=groups[r].pk) for u, (_o, r) in pairs)
        by_role: dict[str, list[int]] = {r: [] for r, _n in STAFF}
        for user, (_office, role) in zip(users, roles, strict=True):
            by_role[role].append(user.pk)
        params = {
            "n": args.requests,
            "days": args.days,
            "offices": [o.pk for o in offices],
            "desk": by_role["service_desk_staff"],
            "director": by_role["office_director"],
            "admins": by_role["administrator"],
            "lead": by_role["repair_lead"],
            "fixers": by_role["repair_staff"],
            "nofs": len(offices),
        }
        with connection.cursor() as cursor:
            for statement in SEED_SQL:
                cursor.execute(statement, params)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return time.perf_counter() - started


# Request g (1..n) belongs to office (g % nofs); kinds by (g / nofs) % 10, so every office gets every kind:
# 0-3 question, 4 visit, 5 letter, 6-7 complaint, 8-9 repair. Requests are spread evenly over the period; the last
# three days' and every 97th are still open.
SEED_SQL = [
    """
    INSERT INTO service_desk_officesettings (site_id, reply_hours, complaint_hours, major_complaint_hours,
        callback_days_safety, callback_days_water, callback_days_other, rectification_hours, reminder_hours,
        rate_director, rate_administrator, rate_repair_lead, complaint_callback_days_major,
        complaint_callback_days_minor)
    SELECT unnest(%(offices)s::bigint[]), 24, 72, 24, 2, 3, 7, 24, 2, 10, 30, 60, 1, 3
    """,
    """
    CREATE TEMP TABLE gen ON COMMIT DROP AS
    SELECT g,
           (%(offices)s::bigint[])[g %% %(nofs)s + 1] AS site_id,
           (%(desk)s::int[])[(g %% %(nofs)s) * 6 + (g / %(nofs)s) %% 6 + 1] AS owner_id,
           CASE WHEN (g / %(nofs)s) %% 10 < 4 THEN 'question' WHEN (g / %(nofs)s) %% 10 = 4 THEN 'visit'
                WHEN (g / %(nofs)s) %% 10 = 5 THEN 'letter' WHEN (g / %(nofs)s) %% 10 < 8 THEN 'complaint'
                ELSE 'repair' END AS kind,
           now() - make_interval(secs => (%(n)s - g)::float8 * %(days)s * 86400 / %(n)s) AS registered_at
    FROM generate_series(1, %(n)s) AS g
    """,
    """
    INSERT INTO service_desk_servicerequest (site_id, kind, channel, owner_id, registered_at, requester_name, phone,
        address, content, important, reply_due_at, department, routed_at, replied_at, reply, solved, closed_at)
    SELECT site_id, kind, CASE WHEN g %% 3 = 0 THEN 'phone' ELSE 'in_person' END, owner_id, registered_at,
           '住户' || (g %% 5000), '138' || lpad((g %% 100000000)::text, 8, '0'),
           (g %% 30 + 1) || '栋' || (g %% 25 + 1) || '01',
           '请求内容 ' || g, g %% 50 = 0, registered_at + interval '24 hours', '', NULL,
           CASE WHEN open THEN NULL ELSE registered_at + make_interval(hours => g %% 30 + 1) END,
           CASE WHEN open THEN '' ELSE '已答复' END,
           CASE WHEN open THEN NULL ELSE true END,
           CASE WHEN open THEN NULL ELSE registered_at + make_interval(hours => g %% 30 + 1) END
    FROM (SELECT *, (g %% 97 = 0 OR registered_at > now() - interval '3 days') AS open FROM gen) AS x
    ORDER BY g
    """,
    """
    INSERT INTO service_desk_complaint (request_id, category, severity, due_at, other_organisation, liaison,
        escalated_at, corrective_action, resolution, signed_off_at, resolved_by_id)
    SELECT id, (ARRAY['service','cleaning','security','facilities','charges','neighbours','other'])[id %% 7 + 1],
           CASE WHEN id %% 10 = 0 THEN 'major' ELSE 'minor' END,
           registered_at + CASE WHEN id %% 10 = 0 THEN interval '24 hours' ELSE interval '72 hours' END,
           '', '', CASE WHEN id %% 10 = 0 THEN registered_at END, '',
           CASE WHEN closed_at IS NULL THEN '' ELSE '已解决' END,
           CASE WHEN closed_at IS NULL THEN NULL ELSE closed_at - interval '1 minute' END,
           CASE WHEN closed_at IS NULL THEN NULL ELSE owner_id END
    FROM service_desk_servicerequest WHERE kind = 'complaint' AND site_id = ANY(%(offices)s::bigint[])
    """,
    """
    INSERT INTO service_desk_repair (request_id, category, status, round, repair_staff_id)
    SELECT r.id, (ARRAY['safety','water','other','other'])[r.id %% 4 + 1],
           CASE WHEN r.closed_at IS NULL THEN 'open' ELSE 'completed' END, 1,
           (%(fixers)s::int[])[(array_position(%(offices)s::bigint[], r.site_id) - 1) * 4 + r.id %% 4 + 1]
    FROM service_desk_servicerequest r WHERE r.kind = 'repair' AND r.site_id = ANY(%(offices)s::bigint[])
    """,
    """
    INSERT INTO service_desk_appointment (repair_id, scheduled_for, made_at, made_by_id, replaces_id, missed_reason,
        notice_method, notice_text)
    SELECT p.id, r.registered_at + interval '5 hours', r.registered_at, r.owner_id, NULL, '', '', ''
    FROM service_desk_repair p JOIN service_desk_servicerequest r ON r.id = p.request_id
    WHERE r.site_id = ANY(%(offices)s::bigint[])
    """,
    """
    INSERT INTO service_desk_appointment (repair_id, scheduled_for, made_at, made_by_id, replaces_id, missed_reason,
        notice_method, notice_text)
    SELECT a.repair_id, a.scheduled_for + interval '1 day', a.scheduled_for + interval '1 hour', p.repair_staff_id,
           a.id, '配件缺货', CASE WHEN a.id %% 2 = 0 THEN 'phone' ELSE 'written' END, '已告知业主'
    FROM service_desk_appointment a JOIN service_desk_repair p ON p.id = a.repair_id
    WHERE a.repair_id %% 10 = 0 AND a.replaces_id IS NULL AND a.missed_reason = ''
      AND p.request_id IN (SELECT id FROM service_desk_servicerequest WHERE site_id = ANY(%(offices)s::bigint[]))
    """,
    """
    INSERT INTO service_desk_completion (repair_id, round, site_id, completed_at, completed_by_id, work_done,
        confirmed_reason, charges, callback_due_at)
    SELECT p.id, 1, r.site_id, r.closed_at - interval '30 minutes', p.repair_staff_id, '已维修', '', (p.id %% 5) * 20,
           ((date_trunc('day', (r.closed_at - interval '30 minutes') AT TIME ZONE 'Asia/Shanghai')
             + make_interval(days => CASE p.category WHEN 'safety' THEN 3 WHEN 'water' THEN 4 ELSE 8 END)
             - interval '1 microsecond') AT TIME ZONE 'Asia/Shanghai')
    FROM service_desk_repair p JOIN service_desk_servicerequest r ON r.id = p.request_id
    WHERE p.status = 'completed' AND r.site_id = ANY(%(offices)s::bigint[])
    """,
    """
    INSERT INTO service_desk_callback (completion_id, made_at, made_by_id, role, inspected_on_site, service_opinion,
        suggestions, charges_correct, satisfied, problem, signature)
    SELECT c.id, c.completed_at + interval '1 day', caller.id, caller.role, true, '满意', '', true, c.id %% 20 <> 0,
           CASE WHEN c.id %% 20 = 0 THEN '仍有问题' ELSE '' END, 'data:image/png;base64,iVBORw0KGgo'
    FROM service_desk_completion c
    CROSS JOIN LATERAL (
        SELECT CASE WHEN c.id %% 10 = 0 THEN (%(director)s::int[])[array_position(%(offices)s::bigint[], c.site_id)]
                    WHEN c.id %% 10 < 4
                    THEN (%(admins)s::int[])[(array_position(%(offices)s::bigint[], c.site_id) - 1) * 2 + c.id %% 2 + 1]
                    ELSE (%(lead)s::int[])[array_position(%(offices)s::bigint[], c.site_id)] END AS id,
               CASE WHEN c.id %% 10 = 0 THEN 'office_director' WHEN c.id %% 10 < 4 THEN 'administrator'
                    ELSE 'repair_lead' END AS role
    ) AS caller
    WHERE c.id %% 10 <> 9 AND c.site_id = ANY(%(offices)s::bigint[])
    """,
    """
    INSERT INTO service_desk_rectificationnotice (callback_id, site_id, addressed_to_id, issued_at, due_at, text,
        texts, rectified_at, rectified_note)
    SELECT b.id, c.site_id, c.completed_by_id, b.made_at, b.made_at + interval '24 hours',
           'SVC-CB-5: 整改通知', '{}'::jsonb, b.made_at + interval '20 hours', '已整改'
    FROM service_desk_callback b JOIN service_desk_completion c ON c.id = b.completion_id
    WHERE b.problem <> '' AND c.site_id = ANY(%(offices)s::bigint[])
    """,
]


# ----------------------------------------------------------------------------------------------------------------
# Measuring
# ----------------------------------------------------------------------------------------------------------------


def timed_gets(client, paths: list[str]) -> list[float]:
    times = []
    for path in paths:
        started = time.perf_counter()
        response = client.get(path)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            sys.exit(f"GET {path} answered {response.status_code}")
        times.append(elapsed)
    return times


def line(label: str, times: list[float], target: float) -> bool:
    p50, p95 = desk.percentile(times, 50), desk.percentile(times, 95)
    ok = p95 < target
    print(
        f"{label:<34} n={len(times):>4}  p50 {p50:8.1f} ms  p95 {p95:8.1f} ms  max {max(times):8.1f} ms  "
        f"target p95 < {target:.0f} ms: {'PASS' if ok else 'FAIL'}"
    )
    return ok


def measure(args: argparse.Namespace) -> bool:
    from django.contrib.auth import get_user_model
    from django.db.models import Count
    from django.test import Client
    from django.utils import timezone

    from salesoffice.models import Site
    from service_desk.models import ServiceRequest

    rng = random.Random(6)
    offices = list(Site.objects.filter(code__startswith=PREFIX).order_by("code"))
    User = get_user_model()
    desk_users = list(User.objects.filter(username__startswith=PREFIX, username__contains="-service_desk_staff-"))
    home = {u.pk: u.username.rsplit("-service_desk_staff-", 1)[0] for u in desk_users}
    open_counts = dict(
        ServiceRequest.objects.filter(closed_at__isnull=True, owner__in=desk_users)
        .values_list("owner_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    print(
        f"open items per desk user: mean {statistics.mean(open_counts.values()):.0f}, max {max(open_counts.values())}"
    )

    # "My open items": each page as a different desk user, logged in once per user (a client per user).
    clients = {}
    desk_times = []
    for _ in range(args.desk_pages):
        user = rng.choice(desk_users)
        client = clients.get(user.pk)
        if client is None:
            client = clients[user.pk] = Client(HTTP_HOST="127.0.0.1")
            client.force_login(user)
            client.get(f"/service/{home[user.pk]}/")  # warm this user's session
        desk_times += timed_gets(client, [f"/service/{home[user.pk]}/"])

    # The monthly report: random office and month of the two years, as the office's director.
    now = timezone.now()
    months = sorted({(now - timezone.timedelta(days=d)).strftime("%Y-%m") for d in range(0, args.days, 15)})
    report_times = []
    for _ in range(args.reports):
        office = rng.choice(offices)
        director = User.objects.get(username=f"{office.code}-office_director-1")
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(director)
        report_times += timed_gets(client, [f"/service/{office.code}/report/?month={rng.choice(months)}"])

    print()
    ok = line("my open items  GET /service/<o>/", desk_times, TARGET_DESK_P95_MS)
    ok &= line("monthly report GET /service/<o>/report/", report_times, TARGET_REPORT_P95_MS)
    return ok


def main() -> None:
    args = parse_args()
    created = desk.ensure_database(args.database_url, drop=args.reseed)
    desk.setup_django(args.database_url, secrets.token_urlsafe(50))
    from django.core.management import call_command

    if created:
        print("migrating ...")
    call_command("migrate", verbosity=0)
    offices, requests = seeded_size()
    if (offices, requests) != (args.offices, args.requests):
        if offices or requests:
            sys.exit(
                f"the bench database holds {offices} offices and {requests} requests; run with --reseed to rebuild"
            )
        print(f"seeding {args.offices} offices, {args.requests} requests over {args.days} days ...")
        print(f"seeded in {seed(args):.1f} s")
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("servicerequest", "complaint", "repair", "appointment", "completion", "callback"):
            cursor.execute(f"SELECT count(*) FROM service_desk_{table}")
            print(f"  {table:<16} {cursor.fetchone()[0]:>9,}")
    measure(args)  # figures, not a test: PASS/FAIL is printed, the exit status stays 0


if __name__ == "__main__":
    main()
