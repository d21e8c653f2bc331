#!/usr/bin/env python
"""Front-desk latency benchmark on PostgreSQL: prints figures, it is not a test.

Seeds one sales site with 30 salespeople and two years of receptions (about 150,000, with their rota events,
duty rosters, readiness checks, absences and priority slots) in a database of its own, starts gunicorn on
127.0.0.1, logs 8 desk terminals in and measures, from 8 threads at once:

* the board: GET /desk/<site>/ (full page) and GET /desk/<site>/state/ (the fragment htmx polls),
* "client arrived": POST /desk/<site>/arrive/ (htmx, CSRF token, a fresh request key each time),
* "reception ended": POST /desk/<site>/receptions/<id>/end/, interleaved so salespeople free up again.

Then prints count, p50, p95, p99 and max per endpoint and PASS/FAIL against the targets
(board p95 < 50 ms, "client arrived" p95 < 30 ms). See bench/README.md.

Run from the project root:  .venv/bin/python bench/desk_bench.py
"""

import argparse
import datetime as dt
import http.cookiejar
import json
import math
import os
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/salesoffice_bench"
# Its own Redis database number, away from the tests' and a dev server's keys.
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/2"
SITE_CODE = "bench"
TERMINAL_PASSWORD = "bench-desk-pass-2026"
TARGET_BOARD_P95_MS = 50.0
TARGET_ARRIVE_P95_MS = 30.0

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹"
GIVEN = ["伟", "芳", "娜", "敏", "静", "磊", "洋", "勇", "艳", "杰", "军", "涛", "明", "超", "霞", "平", "刚", "桂英"]


# ----------------------------------------------------------------------------------------------------------------
# Arguments and environment
# ----------------------------------------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL),
        help="the bench's own database (created if missing); its name must end in 'bench'. "
        "DATABASE_URL is deliberately ignored so the bench never writes to a test or dev database. "
        f"Default: $BENCH_DATABASE_URL or {DEFAULT_DATABASE_URL}",
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL),
        help="the server's cache (the rendered board), as in production; '' = each worker's own local "
        f"memory. Default: $BENCH_REDIS_URL or {DEFAULT_REDIS_URL}",
    )
    parser.add_argument("--reseed", action="store_true", help="drop and rebuild the bench database first")
    parser.add_argument("--seed-only", action="store_true", help="seed (or check the seed) and stop")
    parser.add_argument("--receptions", type=int, default=150_000, help="receptions of history (default 150000)")
    parser.add_argument("--days", type=int, default=730, help="days of history (default 730, two years)")
    parser.add_argument("--salespeople", type=int, default=30, help="salespeople in the rota (default 30)")
    parser.add_argument("--terminals", type=int, default=8, help="concurrent desk terminals (default 8)")
    parser.add_argument(
        "--iterations",
        type=int,
        default=100,
        help="cycles per terminal; a cycle is state, arrive, state, board, end (default 100)",
    )
    parser.add_argument(
        "--think-ms",
        type=float,
        default=300.0,
        help="mean pause between a terminal's requests, exponentially distributed (default 300: a busy desk, "
        "about four times the load of htmx's 1.5 s polling); 0 = back to back, a saturation test",
    )
    parser.add_argument("--busy-at-start", type=int, default=12, help="receptions in progress when the run starts")
    parser.add_argument(
        "--workers",
        type=int,
        default=3,
        help="gunicorn workers (default 3, as docker-compose.yml runs production: on 2 CPUs a third worker covers "
        "the waits on PostgreSQL; a fourth only makes the workers share the CPUs, each request slower)",
    )
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker (default 1: sync)")
    parser.add_argument("--random-seed", type=int, default=20261127, help="seed of the data generator")
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="before measuring, wait up to this long for other processes to use under 25%% of the CPUs",
    )
    parser.add_argument(
        "--explain",
        action="store_true",
        help="also EXPLAIN ANALYZE every query of the board and of one 'client arrived' (rolled back)",
    )
    parser.add_argument(
        "--fail-on-miss", action="store_true", help="exit 1 when a target is missed or a request failed"
    )
    return parser.parse_args()


def bench_env(database_url: str, secret_key: str, redis_url: str = "") -> dict[str, str]:
    env = {
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "salesoffice.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secret_key,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "AXES_ENABLED": "0",
        # Plain http on 127.0.0.1: no redirect to https, cookies sent without TLS.
        "DJANGO_HTTPS": "0",
        "LOG_LEVEL": "WARNING",
        # The cache on Redis as in production; tasks stay in-process all the same: the bench
        # measures the desk, not a broker.
        "REDIS_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "1",
        # One database session per worker for the whole run (the default 60 s would reconnect mid-run).
        "DATABASE_CONN_MAX_AGE": "600",
    }
    return env


def database_name(url: str) -> str:
    return urllib.parse.urlparse(url).path.lstrip("/")


def ensure_database(url: str, *, drop: bool) -> bool:
    """Create the bench database if missing (dropping it first with `drop`). Returns True when created."""
    import psycopg

    parts = urllib.parse.urlparse(url)
    name = database_name(url)
    if not re.fullmatch(r"[A-Za-z0-9_]*bench", name):
        sys.exit(f"refusing to use database {name!r}: the bench database's name must end in 'bench'")
    admin = psycopg.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=urllib.parse.unquote(parts.username or "postgres"),
        password=urllib.parse.unquote(parts.password) if parts.password else None,
        dbname="postgres",
        autocommit=True,
    )
    with admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None
        if exists and drop:
            print(f"dropping database {name} (--reseed)")
            admin.execute(f'DROP DATABASE "{name}"')
            exists = False
        if not exists:
            print(f"creating database {name}")
            admin.execute(f'CREATE DATABASE "{name}"')
            return True
    return False


def setup_django(database_url: str, secret_key: str) -> None:
    os.environ.update(bench_env(database_url, secret_key))
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()


# ----------------------------------------------------------------------------------------------------------------
# Seeding: a simplified replay of the rota over two years, written with COPY
# ----------------------------------------------------------------------------------------------------------------


@dataclass
class Rows:
    receptions: list[tuple] = field(default_factory=list)
    events: list[tuple] = field(default_factory=list)
    duty: list[tuple] = field(default_factory=list)
    readiness: list[tuple] = field(default_factory=list)
    absences: list[tuple] = field(default_factory=list)
    slots: list[tuple] = field(default_factory=list)


@dataclass
class People:
    site_id: int
    supervisor_id: int
    pm_id: int
    desk_ids: list[int]
    salespeople: list[int]  # in rota order
    names: dict[int, str]


class Generator:
    """Writes a plausible desk day: roster, readiness, absences, walk-ins by a rolling order with forfeits,
    returning clients with their owner, designated and duty receptions, priority slots, and the matching
    RotaEvents. Not the rules engine itself (too slow for 150,000 receptions), but the same shapes of rows."""

    def __init__(self, people: People, rng: random.Random, next_reception_id: int, zone):
        self.p = people
        self.rng = rng
        self.next_id = next_reception_id
        self.zone = zone
        self.cursor = len(people.salespeople) - 1  # index of the last normal turn, carried over (REC-ROT-2)
        self.rows = Rows()
        self.key_prefix = "seed"

    def _event(self, at, kind, rule, salesperson=None, actor=None, reception=None, **params):
        self.rows.events.append(
            (self.p.site_id, at, kind, rule, salesperson, actor, reception, json.dumps(params, ensure_ascii=False))
        )

    def day(
        self,
        day: dt.date,
        count: int,
        *,
        opens: dt.time = dt.time(9, 0),
        closes: dt.time = dt.time(18, 30),
        until: dt.datetime | None = None,
    ) -> None:
        rng, p, zone = self.rng, self.p, self.zone
        sup = p.supervisor_id
        start = dt.datetime.combine(day, opens, tzinfo=zone)
        end = dt.datetime.combine(day, closes, tzinfo=zone)
        if until is not None:
            end = min(end, until)
        if end <= start:
            return
        # Two to six off each day; on a small rota (a test's demo site) at most a third of it.
        off = min(rng.randint(2, 6), len(p.salespeople) // 3)
        on_duty_set = set(rng.sample(p.salespeople, len(p.salespeople) - off))
        on_duty = [sp for sp in p.salespeople if sp in on_duty_set]
        ready_at: dict[int, dt.datetime] = {}
        roster_at = start - dt.timedelta(minutes=30)
        for sp in on_duty:
            self.rows.duty.append((p.site_id, sp, day, sup))
        self._event(roster_at, "roster_set", "REC-ROT-1", actor=sup, day=day.isoformat(), count=len(on_duty))
        for sp in on_duty:
            checked = start - dt.timedelta(minutes=rng.randint(5, 25))
            ok = rng.random() > 0.04  # a few fail the morning check (REC-READY-1) and pass it later
            flags = (True, True, True) if ok else (True, False, rng.random() < 0.7)
            self.rows.readiness.append((p.site_id, sp, day, checked, sup, *flags, "" if ok else "资料未备齐"))
            self._event(checked, "ready" if ok else "not_ready", "REC-READY-1", sp, sup, name=p.names[sp])
            if ok:
                ready_at[sp] = checked
            else:
                recheck = checked + dt.timedelta(minutes=rng.randint(30, 120))
                self.rows.readiness.append((p.site_id, sp, day, recheck, sup, True, True, True, "补齐资料"))
                self._event(recheck, "ready", "REC-READY-1", sp, sup, name=p.names[sp])
                ready_at[sp] = recheck

        # Absences: a few a day, most without a valid reason (REC-ROT-4), some on approved extra work.
        away: dict[int, tuple[dt.datetime, dt.datetime, bool]] = {}
        for sp in rng.sample(on_duty, min(len(on_duty), rng.choice([0, 1, 1, 2, 3]))):
            left = start + (end - start) * rng.uniform(0.1, 0.8)
            back = left + dt.timedelta(minutes=rng.randint(10, 60))
            if back >= end:
                continue
            excused = rng.random() < 0.3
            away[sp] = (left, back, excused)
            reason, approval = ("extra_work", "approved") if excused else ("unexcused", "not_needed")
            detail = "经理安排送合同" if excused else ""
            self.rows.absences.append(
                (p.site_id, sp, reason, detail, left, back, approval, p.pm_id if excused else None, sup)
            )
            self._event(left, f"away_{reason}", "REC-ROT-5" if excused else "REC-ROT-4", sp, sup, name=p.names[sp])
            if excused:
                self._event(left + dt.timedelta(minutes=5), "absence_approved", "REC-ROT-5", sp, p.pm_id)
            self._event(back, "back_at_post", "REC-ROT-4", sp, sup, name=p.names[sp])

        busy_until = dict.fromkeys(p.salespeople, start)
        slots: list[tuple[int, int, dt.datetime]] = []  # (holder, earned_by reception, granted_at)
        order_index = {sp: i for i, sp in enumerate(p.salespeople)}

        def state(sp: int, t: dt.datetime) -> str:
            if sp not in on_duty_set:
                return "off_duty"
            if busy_until[sp] > t:
                return "busy"
            if sp in away and away[sp][0] <= t < away[sp][1]:
                return "away_excused" if away[sp][2] else "away"
            if ready_at.get(sp, end) > t:
                return "not_ready"
            return "available"

        def rolling() -> list[int]:
            """Everyone from the one after the last normal turn, wrapping round (REC-ROT-2)."""
            n = len(p.salespeople)
            return [p.salespeople[(self.cursor + 1 + i) % n] for i in range(n)]

        times = sorted(start + (end - start) * rng.random() for _ in range(count))
        for arrived in times:
            rid = self.next_id
            self.next_id += 1
            desk = rng.choice(p.desk_ids)
            roll = rng.random()
            kind, waiting_for, owner = "rota", None, None
            consumed = False
            started = arrived
            taker = None
            pending_events: list[tuple] = []
            free = [sp for sp in on_duty if state(sp, arrived) == "available"]
            if roll < 0.10:  # a returning client goes to their owner (REC-RET-1), or a duty reception (REC-RET-2)
                owner = rng.choice(p.salespeople)
                st = state(owner, arrived)
                if st == "available":
                    kind, taker = "returning", owner
                    pending_events.append((arrived, "returning_owner", "REC-RET-1", owner, None))
                elif st == "busy":
                    kind, taker, waiting_for = "returning", owner, owner
                    started = busy_until[owner]
                    pending_events.append((arrived, "returning_wait", "REC-RET-1", owner, None))
                    pending_events.append((started, "waiting_served", "REC-RET-1", owner, None))
                elif free:
                    kind = "duty"
                    taker = next(sp for sp in reversed(rolling()) if sp in free and sp != owner)
                    pending_events.append((arrived, "duty_reception", "REC-ROT-8", taker, None))
                    pending_events.append((arrived, "duty_slot", "REC-ROT-8", taker, None))
                    slots.append((taker, rid, arrived))
                owner = owner if kind == "duty" else None
            elif roll < 0.16 and free:  # the client names someone (REC-DES-1)
                kind, taker = "designated", rng.choice(free)
                pending_events.append((arrived, "designated", "REC-DES-1", taker, None))
            if taker is None:  # a new walk-in by the rota
                kind = "rota"
                holders = [s for s in slots if state(s[0], arrived) == "available"]
                if holders:
                    holder, earned_by, granted = holders[0]
                    slots.remove(holders[0])
                    kind, taker = "priority", holder
                    self.rows.slots.append((p.site_id, holder, "REC-ROT-8", "used", granted, earned_by, rid, arrived))
                    pending_events.append((arrived, "priority_used", "REC-ROT-5", holder, None))
                elif free:
                    for sp in rolling():
                        st = state(sp, arrived)
                        if st == "available":
                            taker = sp
                            break
                        if st == "off_duty":
                            continue
                        outcome = "slot_kept" if st == "away_excused" else "forfeit"
                        rule = {"busy": "REC-ROT-6", "not_ready": "REC-READY-1", "away_excused": "REC-ROT-5"}.get(
                            st, "REC-ROT-4"
                        )
                        pending_events.append((arrived, f"skip_{outcome}_{st}", rule, sp, None))
                    pending_events.append((arrived, "turn_taken", "REC-ROT-1", taker, None))
                    self.cursor = order_index[taker]
                    consumed = True
                else:  # everyone is busy: the client waits and nobody forfeits (REC-ROT-6)
                    taker = min(on_duty, key=lambda sp: busy_until[sp])
                    started = max(busy_until[taker], arrived)
                    pending_events.append((arrived, "client_waiting", "REC-ROT-6", None, desk))
                    pending_events.append((started, "waiting_served", "REC-ROT-6", taker, None))
            if until is not None and started >= until:
                continue  # today's generator stops at "now": a client still waiting is left out
            minutes = min(180.0, max(8.0, rng.lognormvariate(math.log(35), 0.5)))
            ended = started + dt.timedelta(minutes=minutes)
            if until is not None and ended >= until:
                ended = until - dt.timedelta(seconds=rng.randint(30, 600))
                ended = max(ended, started + dt.timedelta(seconds=30))
            busy_until[taker] = ended
            name = p.names[taker]
            self.rows.receptions.append(
                (
                    rid,
                    p.site_id,
                    kind,
                    "ended",
                    taker,
                    waiting_for,
                    owner,
                    None,
                    "散客" if kind in ("rota", "priority", "designated") else "老客户",
                    0,
                    consumed,
                    arrived,
                    started,
                    ended,
                    None,
                    f"{self.key_prefix}-{rid}",
                    desk,
                )
            )
            for at, ekind, rule, sp, actor in pending_events:
                params = {"name": p.names[sp]} if sp else {}
                if ekind.startswith("skip_"):
                    params["to"] = name
                if ekind.startswith("duty_"):
                    params["owner"] = p.names[owner] if owner else ""
                self._event(at, ekind, rule, sp, actor, rid, **params)
            self._event(ended, "reception_ended", "REC-ROT-6", taker, desk, rid, name=name)
        for holder, earned_by, granted in slots:  # slots not used by the end of the day lapse here
            self.rows.slots.append((p.site_id, holder, "REC-ROT-8", "cancelled", granted, earned_by, None, None))


def copy_rows(cursor, table: str, columns: list[str], rows: list[tuple]) -> None:
    if not rows:
        return
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def copy_model_rows(cursor, model, names: list[str], rows) -> None:
    """COPY rows (tuples in the order of `names`, model field names) into the model's table. Every other NOT NULL
    column with a model default gets it: COPY leaves a column it is not given NULL, and the benches' layouts
    predate fields added since (a Django default is not a database default)."""
    from django.db.models import NOT_PROVIDED

    fields = [model._meta.get_field(n) for n in names]
    given = {f.column for f in fields}
    extra = [
        f
        for f in model._meta.concrete_fields
        if f.column not in given
        and not f.null
        and not f.primary_key
        and getattr(f, "db_default", NOT_PROVIDED) is NOT_PROVIDED
        and f.get_default() is not None  # a default, or a text field's "" (blank=True)
    ]
    defaults = tuple(json.dumps(v) if isinstance(v, dict | list) else v for v in (f.get_default() for f in extra))
    columns = [*(f.column for f in fields), *(f.column for f in extra)]
    if defaults:
        rows = (tuple(row) + defaults for row in rows)
    copy_rows(cursor, model._meta.db_table, columns, rows)


# Rows of the generator, by table: the model and its fields in the order of the tuples.
COPY_LAYOUT = {
    "receptions": (
        "Reception",
        "id site kind status salesperson waiting_for owner client client_label party_new_clients consumed_turn "
        "arrived_at started_at ended_at replaces request_key created_by",
    ),
    "events": ("RotaEvent", "site at kind rule_id salesperson actor reception params"),
    "duty": ("DutyAssignment", "site salesperson day assigned_by"),
    "readiness": (
        "ReadinessCheck",
        "site salesperson day checked_at checked_by uniform_ok materials_ok sales_info_ok note",
    ),
    "absences": ("Absence", "site salesperson reason detail started_at ended_at approval decided_by recorded_by"),
    "slots": ("PrioritySlot", "site salesperson rule_id status granted_at earned_by used_by used_at"),
}


def write_rows(rows: Rows) -> None:
    """COPY the generated rows in: far faster than bulk_create, and append-only tables accept inserts."""
    from django.apps import apps
    from django.db import connection

    with connection.cursor() as wrapper:
        for attr, (model_name, names) in COPY_LAYOUT.items():
            model = apps.get_model("reception", model_name)
            copy_model_rows(wrapper.cursor, model, names.split(), getattr(rows, attr))


def write_history_rows(model, where: str, params: list, overrides_create: dict[str, str], final_at: str | None):
    """simple_history rows for bulk-written objects: a '+' row (as created) and, with `final_at`, a '~' row
    (as it ended), so the audit tables are as large as the desk's real use would have made them."""
    from django.db import connection

    historical = model.history.model
    table = model._meta.db_table
    hist_cols = [f.column for f in model._meta.concrete_fields]
    created_at = overrides_create.pop("__at__")
    user = overrides_create.pop("__user__")
    select_create = [overrides_create.get(c, c) for c in hist_cols]
    target = ", ".join([*hist_cols, "history_date", "history_change_reason", "history_type", "history_user_id"])
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {historical._meta.db_table} ({target}) "
            f"SELECT {', '.join(select_create)}, {created_at}, NULL, '+', {user} FROM {table} WHERE {where}",
            params,
        )
        if final_at:
            cur.execute(
                f"INSERT INTO {historical._meta.db_table} ({target}) "
                f"SELECT {', '.join(hist_cols)}, {final_at}, NULL, '~', {user} FROM {table} WHERE {where}",
                params,
            )


def day_counts(rng: random.Random, days: list[dt.date], total: int) -> list[int]:
    """`total` receptions over `days`, weekends busier, spread by largest remainder so they sum exactly."""
    weights = [(1.8 if d.weekday() >= 5 else 1.0) * rng.uniform(0.8, 1.2) for d in days]
    scale = total / sum(weights)
    raw = [w * scale for w in weights]
    counts = [int(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - counts[i], reverse=True)[: total - sum(counts)]:
        counts[i] += 1
    return counts


def make_people(args: argparse.Namespace) -> People:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group

    from reception.models import DeskSettings, RotaMember, RotaState
    from salesoffice.models import Site, SiteMembership
    from salesoffice.roles import Role

    User = get_user_model()
    site = Site.objects.create(code=SITE_CODE, name="基准售楼处 Bench", kind=Site.Kind.SALES_OFFICE)
    DeskSettings.objects.create(site=site)
    RotaState.objects.create(site=site)
    password = make_password(TERMINAL_PASSWORD)  # one hash for every terminal: hashing is slow on purpose
    supervisor = User.objects.create(username="bench-supervisor", first_name="周主管", password=password)
    pm = User.objects.create(username="bench-pm", first_name="吴经理", password=password)
    desks = [
        User.objects.create(username=f"bench-desk{i}", first_name=f"前台{i}", password=password)
        for i in range(1, max(8, args.terminals) + 1)
    ]
    sales = User.objects.bulk_create(
        [
            User(
                username=f"bench-sp{i:02d}",
                first_name=SURNAMES[i % len(SURNAMES)] + GIVEN[(i * 7) % len(GIVEN)],
                password="!",
            )
            for i in range(args.salespeople)
        ]
    )
    groups = {g.name: g for g in Group.objects.all()}
    groups[Role.SITE_SUPERVISOR.value].user_set.add(supervisor, *desks)
    groups[Role.PROJECT_MANAGER.value].user_set.add(pm)
    groups[Role.SALESPERSON.value].user_set.add(*sales)
    SiteMembership.objects.bulk_create([SiteMembership(site=site, user=u) for u in [supervisor, pm, *desks, *sales]])
    RotaMember.objects.bulk_create(
        [RotaMember(site=site, salesperson=u, position=i) for i, u in enumerate(sales, start=1)]
    )
    return People(
        site_id=site.pk,
        supervisor_id=supervisor.pk,
        pm_id=pm.pk,
        desk_ids=[u.pk for u in desks],
        salespeople=[u.pk for u in sales],
        names={u.pk: u.first_name for u in sales},
    )


def load_people() -> People:
    from django.contrib.auth import get_user_model

    from reception.models import RotaMember
    from salesoffice.models import Site

    User = get_user_model()
    site = Site.objects.get(code=SITE_CODE)
    members = list(RotaMember.objects.filter(site=site).select_related("salesperson").order_by("position"))
    return People(
        site_id=site.pk,
        supervisor_id=User.objects.get(username="bench-supervisor").pk,
        pm_id=User.objects.get(username="bench-pm").pk,
        desk_ids=list(
            User.objects.filter(username__startswith="bench-desk").order_by("username").values_list("pk", flat=True)
        ),
        salespeople=[m.salesperson_id for m in members],
        names={m.salesperson_id: m.salesperson.first_name for m in members},
    )


def seeded_size() -> tuple[int, int] | None:
    """(history receptions, salespeople) already in the bench database, or None."""
    from reception.models import Reception, RotaMember
    from salesoffice.models import Site

    site = Site.objects.filter(code=SITE_CODE).first()
    if site is None:
        return None
    return (
        Reception.objects.filter(site=site, request_key__startswith="seed-").count(),
        RotaMember.objects.filter(site=site).count(),
    )


def ensure_terminal_users(count: int) -> None:
    """Desk users bench-desk1..N (site supervisors of the bench site), adding any a larger run needs."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group

    from salesoffice.models import Site, SiteMembership
    from salesoffice.roles import Role

    User = get_user_model()
    site = Site.objects.get(code=SITE_CODE)
    group = Group.objects.get(name=Role.SITE_SUPERVISOR.value)
    password = None
    for i in range(1, count + 1):
        if not User.objects.filter(username=f"bench-desk{i}").exists():
            password = password or make_password(TERMINAL_PASSWORD)
            user = User.objects.create(username=f"bench-desk{i}", first_name=f"前台{i}", password=password)
            group.user_set.add(user)
            SiteMembership.objects.create(site=site, user=user)


def seed_history(args: argparse.Namespace) -> dict[str, float]:
    """Two years of history in one transaction; returns seconds per phase."""
    from django.db import connection, transaction
    from django.db.models import Max
    from django.utils import timezone

    from reception.models import DutyAssignment, Reception
    from salesoffice.models import Site

    rng = random.Random(args.random_seed)
    phases: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        phases[name] = time.perf_counter() - clock
        clock = time.perf_counter()

    with transaction.atomic():
        people = make_people(args)
        site = Site.objects.get(pk=people.site_id)
        today = timezone.now().astimezone(site.zone).date()
        days = [today - dt.timedelta(days=n) for n in range(args.days, 0, -1)]
        # After any receptions another bench's seed wrote into the same database (bench/run_all.py seeds them all).
        first_id = (Reception.objects.aggregate(m=Max("id"))["m"] or 0) + 1
        gen = Generator(people, rng, next_reception_id=first_id, zone=site.zone)
        for day, count in zip(days, day_counts(rng, days, args.receptions), strict=True):
            gen.day(day, count)
        lap("generate")
        write_rows(gen.rows)
        lap("COPY")
        with connection.cursor() as cur:
            cur.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT max(id) FROM reception_reception))",
                [Reception._meta.db_table],
            )
        write_history_rows(
            Reception,
            "site_id = %s",
            [people.site_id],
            {"status": "'active'", "ended_at": "NULL", "__at__": "started_at", "__user__": "created_by_id"},
            final_at="ended_at",
        )
        write_history_rows(
            DutyAssignment,
            "site_id = %s",
            [people.site_id],
            {"__at__": "day::timestamp AT TIME ZONE 'Asia/Shanghai'", "__user__": "assigned_by_id"},
            final_at=None,
        )
        lap("audit rows")
    lap("commit")
    # Fresh statistics and visibility map, as a production database that autovacuum keeps would have.
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    lap("VACUUM ANALYZE")
    return phases


def prepare_today(args: argparse.Namespace, now: dt.datetime) -> dict:
    """Make the desk live at `now`: today's roster and readiness, the morning's receptions so far, no leftovers
    of earlier runs, and `--busy-at-start` receptions in progress, made through the real services."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.db.models import Max, Value
    from django.db.models.functions import Coalesce

    from reception import services
    from reception.models import Absence, DutyAssignment, PrioritySlot, Reception
    from salesoffice.models import Site
    from salesoffice.timeutil import day_bounds

    people = load_people()
    site = Site.objects.get(pk=people.site_id)
    zone = site.zone
    today = now.astimezone(zone).date()
    supervisor = get_user_model().objects.get(pk=people.supervisor_id)
    with transaction.atomic():
        # Leftovers of an earlier run: open receptions end, open absences close, held slots lapse.
        Reception.objects.filter(site=site, status="active").update(status="ended", ended_at=now)
        # A waiting client has nobody yet, and an ended reception must have someone (a check constraint).
        Reception.objects.filter(site=site, status="waiting").update(
            status="ended", ended_at=now, salesperson_id=Coalesce("waiting_for_id", Value(people.salespeople[0]))
        )
        Absence.objects.filter(site=site, ended_at__isnull=True).update(ended_at=now)
        PrioritySlot.objects.filter(site=site, status__in=["active", "pending"]).update(status="cancelled")
        if not DutyAssignment.objects.filter(site=site, day=today).exists():
            rng = random.Random(f"{args.random_seed}-{today}")
            local_now = now.astimezone(zone)
            start_of_day = dt.datetime.combine(today, dt.time(0, 0), tzinfo=zone)
            opens_at = max(
                start_of_day + dt.timedelta(minutes=40),
                min(local_now.replace(hour=9, minute=0, second=0, microsecond=0), local_now - dt.timedelta(hours=3)),
            )
            window = (local_now - opens_at).total_seconds() / 3600
            count = max(0, min(200, round(200 * window / 9.5)))
            next_id = (Reception.objects.aggregate(m=Max("id"))["m"] or 0) + 1
            gen = Generator(people, rng, next_reception_id=next_id, zone=zone)
            gen.key_prefix = f"today-{today}"
            gen.cursor = rng.randrange(len(people.salespeople))
            gen.day(
                today,
                count,
                opens=opens_at.time(),
                closes=dt.time(23, 59),
                until=now - dt.timedelta(minutes=1),
            )
            write_rows(gen.rows)
            with connection.cursor() as cur:
                cur.execute(
                    "SELECT setval(pg_get_serial_sequence('reception_reception', 'id'), "
                    "(SELECT max(id) FROM reception_reception))"
                )
    # Receptions in progress, through the real service (rota cursor, events, locks), as a morning leaves them.
    for i in range(args.busy_at_start):
        services.walk_in_arrive(
            site=site,
            actor=supervisor,
            request_key=f"warm-{now:%Y%m%d%H%M%S}-{i}",
            now=now + dt.timedelta(milliseconds=i),
            client_label=f"散客 {i + 1}",
        )
    start, end = day_bounds(today, zone)
    return {
        "on_duty": DutyAssignment.objects.filter(site=site, day=today).count(),
        "busy": Reception.objects.filter(site=site, status="active").count(),
        "today": Reception.objects.filter(site=site, arrived_at__gte=start, arrived_at__lt=end).count(),
    }


def history_summary() -> dict:
    from django.db import connection

    from reception.models import (
        Absence,
        DutyAssignment,
        PrioritySlot,
        ReadinessCheck,
        Reception,
        RotaEvent,
    )
    from salesoffice.models import Site

    site = Site.objects.get(code=SITE_CODE)
    span = Reception.objects.filter(site=site).order_by("arrived_at").values_list("arrived_at", flat=True)
    first = span.first()
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM reception_historicalreception")
        historical = cur.fetchone()[0]
        cur.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        size = cur.fetchone()[0]
    return {
        "receptions": Reception.objects.filter(site=site).count(),
        "events": RotaEvent.objects.filter(site=site).count(),
        "duty": DutyAssignment.objects.filter(site=site).count(),
        "readiness": ReadinessCheck.objects.filter(site=site).count(),
        "absences": Absence.objects.filter(site=site).count(),
        "slots": PrioritySlot.objects.filter(site=site).count(),
        "historical": historical,
        "since": first,
        "db_size": size,
    }


# ----------------------------------------------------------------------------------------------------------------
# EXPLAIN: every query of the board and of one "client arrived"
# ----------------------------------------------------------------------------------------------------------------


def _plan_nodes(plan: dict) -> list[str]:
    node = plan["Node Type"]
    if "Index Name" in plan:
        node += f" {plan['Index Name']}"
    elif "Relation Name" in plan:
        node += f" {plan['Relation Name']}"
    out = [node]
    for child in plan.get("Plans", []):
        out += _plan_nodes(child)
    return out


def explain_queries(label: str, queries: list[dict]) -> None:
    from django.db import connection

    print(f"\n{label}: {len(queries)} queries")
    total = 0.0
    for q in queries:
        sql = q["sql"]
        verb = sql.split(None, 1)[0].upper()
        if verb != "SELECT":
            print(f"  {'':>8}  {verb:<6} {sql[:100]}")
            continue
        with connection.cursor() as cur:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql)
            result = cur.fetchone()[0]
        result = json.loads(result) if isinstance(result, str) else result
        plan = result[0]
        ms = plan["Execution Time"]
        total += ms
        nodes = ", ".join(dict.fromkeys(_plan_nodes(plan["Plan"])))
        rows = plan["Plan"].get("Actual Rows")
        print(f"  {ms:7.3f}ms  rows={rows:<4} {nodes}")
        print(f"  {'':>9}  {sql[:150]}")
    print(f"  total SELECT execution time {total:.2f} ms")


def run_explain() -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from reception import services
    from reception.selectors import board
    from salesoffice.models import Site

    site = Site.objects.get(code=SITE_CODE)
    board(site, timezone.now())  # warm
    with CaptureQueriesContext(connection) as ctx:
        board(site, timezone.now())
    explain_queries("board() [selectors.board]", ctx.captured_queries)
    actor = get_user_model().objects.get(username="bench-desk1")
    with transaction.atomic():
        with CaptureQueriesContext(connection) as ctx:
            services.walk_in_arrive(
                site=site, actor=actor, request_key=f"explain-{secrets.token_hex(4)}", now=timezone.now()
            )
        explain_queries("walk_in_arrive() [rolled back]", ctx.captured_queries)
        transaction.set_rollback(True)


# ----------------------------------------------------------------------------------------------------------------
# The server and the terminals
# ----------------------------------------------------------------------------------------------------------------


def check_redis(url: str) -> None:
    parts = urllib.parse.urlparse(url)
    try:
        socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), timeout=2).close()
    except OSError as exc:
        sys.exit(f"Redis at {url} does not answer ({exc}): start it, or pass --redis-url '' (local-memory cache)")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, env: dict[str, str], workers: int, threads: int, logdir: Path):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.access_log = logdir / "access.log"
        self.error_log = logdir / "error.log"
        cmd = [
            str(BASE_DIR / ".venv" / "bin" / "gunicorn"),
            "salesoffice.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(workers),
            "--timeout",
            "60",
            "--access-logfile",
            str(self.access_log),
            "--access-logformat",
            "%(m)s %(U)s %(s)s %(D)s",
            "--error-logfile",
            str(self.error_log),
        ]
        if threads > 1:
            cmd += ["--worker-class", "gthread", "--threads", str(threads)]
        self.output = (logdir / "output.log").open("w")
        self.proc = subprocess.Popen(
            cmd,
            cwd=BASE_DIR,
            env={**os.environ, **env},
            stdin=subprocess.DEVNULL,
            stdout=self.output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 60.0) -> None:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.proc.returncode}):\n{self.error_log.read_text()}")
            try:
                with opener.open(self.base + "/accounts/login/", timeout=2) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer in time:\n" + self.error_log.read_text())

    def stop(self) -> None:
        if self.proc.poll() is not None:
            self.output.close()
            return
        self.proc.send_signal(signal.SIGTERM)  # the master stops its own workers
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)  # our own child's process group, nothing else
            self.proc.wait(timeout=10)
        finally:
            self.output.close()


CLK_TCK = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None


def proc_cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used, from /proc."""
    fields = _stat_fields(pid)
    return (int(fields[11]) + int(fields[12])) / CLK_TCK if fields else 0.0


def children_of(parent: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat_fields(int(entry))
            if fields and int(fields[1]) == parent:
                found.append(int(entry))
    return found


def machine_busy_seconds() -> float:
    with open("/proc/stat") as f:
        user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in f.readline().split()[1:9])
    return (user + nice + system + irq + softirq + steal) / CLK_TCK


def others_cpu_share(seconds: float = 3.0) -> float:
    """Share of the machine's CPUs used by other processes while this one sleeps."""
    before, own = machine_busy_seconds(), sum(os.times()[:2])
    time.sleep(seconds)
    used = machine_busy_seconds() - before - (sum(os.times()[:2]) - own)
    return max(0.0, used / (seconds * (os.cpu_count() or 1)))


def wait_for_quiet(limit: float) -> float:
    share = others_cpu_share()
    deadline = time.monotonic() + limit
    while share > 0.25 and time.monotonic() < deadline:
        print(f"other processes use {share:.0%} of the CPUs; waiting for a quieter moment ...")
        time.sleep(10)
        share = others_cpu_share()
    return share


class CpuMeter:
    """Where the CPUs went during the measured phase: gunicorn, the bench database's backends, this client,
    and everything else on the machine (other people's test runs make every figure worse)."""

    def __init__(self, server: "Server", database_url: str):
        self.server = server
        self.database_url = database_url

    def _backends(self) -> list[int]:
        import psycopg

        with psycopg.connect(self.database_url, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchall()
        return [r[0] for r in rows]

    def read(self) -> dict:
        master = self.server.proc.pid
        return {
            "app": {pid: proc_cpu(pid) for pid in [master, *children_of(master)]},
            "db": {pid: proc_cpu(pid) for pid in self._backends()},
            "client": sum(os.times()[:2]),
            "machine": machine_busy_seconds(),
            "wall": time.monotonic(),
        }

    @staticmethod
    def delta(start: dict, end: dict) -> dict:
        def used(kind: str) -> float:
            return sum(cpu - start[kind].get(pid, 0.0) for pid, cpu in end[kind].items())

        app, db, client = used("app"), used("db"), end["client"] - start["client"]
        machine = end["machine"] - start["machine"]
        return {
            "app": app,
            "db": db,
            "client": client,
            "others": max(0.0, machine - app - db - client),
            "capacity": (end["wall"] - start["wall"]) * (os.cpu_count() or 1),
        }


END_RE = re.compile(rf"/desk/{SITE_CODE}/receptions/(\d+)/end/")
TOKEN_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
BOARD_TOKEN_RE = re.compile(r'data-token="([^"]+)"')


@dataclass
class Sample:
    endpoint: str
    ms: float
    status: int
    ok: bool


class Terminal:
    """One desk terminal: a browser session with cookies, talking to 127.0.0.1 only (no proxies)."""

    def __init__(self, base: str, index: int):
        self.base = base
        self.index = index
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}), urllib.request.HTTPCookieProcessor(self.jar)
        )

    def _cookie(self, name: str) -> str:
        return next((c.value for c in self.jar if c.name == name), "")

    def request(self, method: str, path: str, data: dict | None = None, htmx: bool = False) -> tuple[int, str, float]:
        headers = {"User-Agent": f"desk-bench/{self.index}"}
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["X-CSRFToken"] = self._cookie("csrftoken")
            headers["Origin"] = self.base
        if htmx:
            headers["HX-Request"] = "true"
            headers["HX-Target"] = "desk-state"
            headers["HX-Current-URL"] = f"{self.base}/desk/{SITE_CODE}/"
        req = urllib.request.Request(self.base + path, data=body, headers=headers, method=method)
        started = time.perf_counter()
        try:
            with self.opener.open(req, timeout=60) as resp:
                text = resp.read().decode()
                status = resp.status
        except urllib.error.HTTPError as exc:
            text = exc.read().decode(errors="replace")
            status = exc.code
        except OSError as exc:  # refused, reset, timed out: an error sample, and the terminal goes on
            text = repr(exc)
            status = 0
        return status, text, (time.perf_counter() - started) * 1000

    def login(self, username: str) -> None:
        status, page, _ms = self.request("GET", "/accounts/login/")
        token = TOKEN_RE.search(page)
        if status != 200 or token is None:
            raise RuntimeError(f"login page: HTTP {status}")
        form = {"username": username, "password": TERMINAL_PASSWORD, "csrfmiddlewaretoken": token.group(1)}
        status, _page, _ms = self.request("POST", "/accounts/login/", form)
        if not self._cookie("sessionid"):
            raise RuntimeError(f"{username} could not log in (HTTP {status})")


def terminal_loop(
    term: Terminal,
    args: argparse.Namespace,
    run_id: str,
    start: threading.Barrier,
    samples: list[Sample],
    notes: Counter,
) -> None:
    rng = random.Random(f"{run_id}-{term.index}")
    site = f"/desk/{SITE_CODE}"
    end_ids: list[int] = []

    def pause():
        if args.think_ms > 0:
            time.sleep(rng.expovariate(1.0 / args.think_ms) / 1000)

    shown = {"token": "", "text": ""}  # the board this terminal shows, as a browser keeps it

    def measure(endpoint: str, method: str, path: str, data: dict | None = None, htmx: bool = False) -> str:
        status, text, ms = term.request(method, path, data, htmx)
        if endpoint in ("state", "board"):
            # An unchanged desk answers a poll with 204 (nothing to render); otherwise the board comes back.
            ok = status == 204 or (status == 200 and 'id="board-body"' in text)
            if status == 200 and (found := BOARD_TOKEN_RE.search(text)):
                shown["token"], shown["text"] = found.group(1), text
        elif endpoint == "arrive":
            ok = status == 200 and 'id="walk-in-form"' in text  # the action answers with its own fresh form
        else:
            ok = status == 200
        if ok and 'class="alert alert-danger"' in text:
            notes[f"{endpoint}: desk error shown"] += 1
        samples.append(Sample(endpoint, ms, status, ok))
        return text

    def poll() -> None:
        measure("state", "GET", f"{site}/state/?token={shown['token']}", htmx=True)

    try:
        for _ in range(3):  # warm up this terminal's path through the server (not measured)
            term.request("GET", f"{site}/state/", htmx=True)
        term.request("GET", f"{site}/")
    except Exception as exc:
        notes[f"terminal {term.index} failed: {exc!r}"] += 1
        start.abort()
        raise
    start.wait(timeout=300)
    for i in range(args.iterations):
        pause()
        poll()
        pause()
        measure(
            "arrive",
            "POST",
            f"{site}/arrive/",
            {"walkin-request_key": f"bench-{run_id}-t{term.index}-{i}", "walkin-client_label": f"散客 {i}"},
            htmx=True,
        )
        poll()  # the refresh the arrival's HX-Trigger asks for, at once as a browser does
        pause()
        measure("board", "GET", f"{site}/")
        end_ids = sorted({int(x) for x in END_RE.findall(shown["text"])})
        pause()
        # End someone's reception, preferring the ones "this terminal's" share so terminals rarely collide.
        mine = [r for r in end_ids if r % args.terminals == term.index % args.terminals]
        target = rng.choice(mine or end_ids) if end_ids else None
        if target is None:
            notes["end: nobody in reception to end"] += 1
            continue
        measure("end", "POST", f"{site}/receptions/{target}/end/", {}, htmx=True)
        poll()


# ----------------------------------------------------------------------------------------------------------------
# Figures
# ----------------------------------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


ENDPOINTS = [
    ("board", "board, full page      GET  /desk/{s}/"),
    ("state", "board, polled state   GET  /desk/{s}/state/"),
    ("arrive", "client arrived        POST /desk/{s}/arrive/"),
    ("end", "reception ended       POST /desk/{s}/receptions/<id>/end/"),
]


def classify(path: str) -> str | None:
    site = f"/desk/{SITE_CODE}/"
    if not path.startswith(site):
        return None
    rest = path[len(site) :]
    if rest == "":
        return "board"
    if rest == "state/":
        return "state"
    if rest == "arrive/":
        return "arrive"
    if rest.startswith("receptions/") and rest.endswith("/end/"):
        return "end"
    return None


def server_times(access_log: Path, skip_before: int) -> dict[str, list[float]]:
    """Per-endpoint time inside gunicorn (%(D)s, microseconds) for the measured requests."""
    out: dict[str, list[float]] = defaultdict(list)
    lines = access_log.read_text().splitlines()[skip_before:]
    for line in lines:
        parts = line.split()
        if len(parts) != 4:
            continue
        endpoint = classify(parts[1])
        if endpoint:
            out[endpoint].append(int(parts[3]) / 1000)
    return out


def print_table(samples: list[Sample], server: dict[str, list[float]]) -> dict[str, dict]:
    by: dict[str, list[Sample]] = defaultdict(list)
    for s in samples:
        by[s.endpoint].append(s)
    header = f"{'endpoint':<58}{'n':>6}{'p50':>9}{'p95':>9}{'p99':>9}{'max':>9}{'err':>6}   server p50/p95"
    print(header)
    print("-" * len(header) + "-" * 12)
    stats = {}
    for key, label in ENDPOINTS:
        got = by.get(key, [])
        ms = [s.ms for s in got]
        errors = sum(not s.ok for s in got)
        if not ms:
            print(f"{label.format(s=SITE_CODE):<58}{0:>6}")
            continue
        row = {
            "n": len(ms),
            "p50": percentile(ms, 50),
            "p95": percentile(ms, 95),
            "p99": percentile(ms, 99),
            "max": max(ms),
            "errors": errors,
        }
        stats[key] = row
        srv = server.get(key, [])
        srv_text = f"{percentile(srv, 50):.1f} / {percentile(srv, 95):.1f}" if srv else "-"
        print(
            f"{label.format(s=SITE_CODE):<58}{row['n']:>6}{row['p50']:>9.1f}{row['p95']:>9.1f}"
            f"{row['p99']:>9.1f}{row['max']:>9.1f}{errors:>6}   {srv_text}"
        )
    print("(milliseconds; client-observed over HTTP on 127.0.0.1; 'server' = time inside gunicorn, %(D)s)")
    return stats


def run_outcome(site_code: str, run_id: str) -> dict:
    from django.db.models import Count

    from reception.models import Reception, RotaEvent
    from salesoffice.models import Site

    site = Site.objects.get(code=site_code)
    made = Reception.objects.filter(site=site, request_key__startswith=f"bench-{run_id}-")
    kinds = dict(made.values_list("kind").annotate(n=Count("id")).values_list("kind", "n"))
    waited = RotaEvent.objects.filter(site=site, kind="client_waiting", reception__in=made).count()
    skips = RotaEvent.objects.filter(site=site, kind__startswith="skip_", reception__in=made).count()
    return {
        "made": made.count(),
        "kinds": kinds,
        "waited": waited,
        "skips": skips,
        "open": Reception.objects.filter(site=site, status__in=["waiting", "active"]).count(),
    }


# ----------------------------------------------------------------------------------------------------------------
# Main
# ----------------------------------------------------------------------------------------------------------------


def main() -> int:
    args = parse_args()
    secret_key = secrets.token_urlsafe(40)
    ensure_database(args.database_url, drop=args.reseed)
    setup_django(args.database_url, secret_key)

    from django.core.management import call_command
    from django.db import connection, connections
    from django.utils import timezone

    call_command("migrate", verbosity=0, interactive=False)
    wanted = (args.receptions, args.salespeople)
    have = seeded_size()
    seed_seconds = None
    seed_detail = ""
    if have is not None and have != wanted:
        print(f"bench database holds {have} (receptions, salespeople), wanted {wanted}: rebuilding")
        connections.close_all()
        ensure_database(args.database_url, drop=True)
        call_command("migrate", verbosity=0, interactive=False)
        have = None
    if have is None:
        print(f"seeding {args.receptions:,} receptions over {args.days} days, {args.salespeople} salespeople ...")
        started = time.perf_counter()
        phases = seed_history(args)
        seed_seconds = time.perf_counter() - started
        seed_detail = ", ".join(f"{name} {secs:.1f} s" for name, secs in phases.items())
        print(f"seeded in {seed_seconds:.1f} s ({seed_detail})")
    else:
        print("reusing the seeded history (use --reseed to rebuild it)")

    ensure_terminal_users(args.terminals)
    now = timezone.now()
    live = prepare_today(args, now)
    summary = history_summary()
    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        pg_version = cur.fetchone()[0]

    if args.explain:
        run_explain()
    if args.seed_only:
        return 0
    connections.close_all()

    quiet = wait_for_quiet(args.wait_quiet)
    if args.redis_url:
        check_redis(args.redis_url)
    env = bench_env(args.database_url, secret_key, args.redis_url)
    logdir = Path(tempfile.mkdtemp(prefix="desk-bench-"))
    server = Server(env, args.workers, args.threads, logdir)
    run_id = f"{dt.datetime.now(dt.UTC):%m%d%H%M%S}{secrets.token_hex(2)}"
    samples: list[Sample] = []
    notes: Counter = Counter()
    try:
        server.wait_ready()
        terminals = [Terminal(server.base, i) for i in range(1, args.terminals + 1)]
        for term in terminals:
            term.login(f"bench-desk{term.index}")
        barrier = threading.Barrier(args.terminals + 1)
        threads = [
            threading.Thread(target=terminal_loop, args=(t, args, run_id, barrier, samples, notes), daemon=True)
            for t in terminals
        ]
        for t in threads:
            t.start()
        # Warm-up requests happen before the barrier; the access log offset is re-read after it.
        meter = CpuMeter(server, args.database_url)
        load_before = os.getloadavg()[0]
        try:
            barrier.wait(timeout=300)
        except threading.BrokenBarrierError:
            sys.exit("a terminal failed during its warm-up: " + "; ".join(notes))
        skip_lines = len(server.access_log.read_text().splitlines())
        cpu_start = meter.read()
        wall = time.perf_counter()
        for t in threads:
            t.join()
        wall = time.perf_counter() - wall
        cpu = CpuMeter.delta(cpu_start, meter.read())
    finally:
        server.stop()
    server_ms = server_times(server.access_log, skip_lines)

    from django.db import connection as conn  # reopened lazily after close_all

    outcome = run_outcome(SITE_CODE, run_id)
    conn.close()

    print()
    print("=" * 100)
    print(f"salesoffice front-desk benchmark — PostgreSQL {pg_version}, database {database_name(args.database_url)}")
    since = summary["since"].astimezone(dt.UTC).date() if summary["since"] else "-"
    print(
        f"history: site '{SITE_CODE}', {args.salespeople} salespeople, {summary['receptions']:,} receptions since "
        f"{since}, {summary['events']:,} rota events, {summary['duty']:,} duty assignments, "
        f"{summary['readiness']:,} readiness checks, {summary['absences']:,} absences, {summary['slots']:,} priority "
        f"slots, {summary['historical']:,} audit rows of receptions; database {summary['db_size']}"
    )
    if seed_seconds is not None:
        print(f"seeding took {seed_seconds:.1f} s ({seed_detail}); migrate excluded")
    print(
        f"desk at start: {live['on_duty']} on duty today, {live['busy']} in reception, {live['today']} receptions "
        "so far today (earlier runs today included)"
    )
    total = len(samples)
    print(
        f"load: {args.terminals} terminals x {args.iterations} cycles (state, arrive, state, board, end), "
        f"think {args.think_ms:g} ms, gunicorn {args.workers} workers x {args.threads} thread(s) on "
        f"{os.cpu_count()} CPUs, cache {'on Redis' if args.redis_url else 'in local memory'}; "
        f"{total} requests in {wall:.1f} s = {total / wall:.0f} req/s"
    )
    print(
        f"CPU in the measured phase ({os.cpu_count()} CPUs x {wall:.0f} s = {cpu['capacity']:.0f} CPU-s): "
        f"gunicorn {cpu['app']:.0f} s ({cpu['app'] / total * 1000:.1f} ms/request), "
        f"PostgreSQL {cpu['db']:.0f} s ({cpu['db'] / total * 1000:.1f} ms/request), "
        f"this client {cpu['client']:.0f} s, other processes {cpu['others']:.0f} s "
        f"({cpu['others'] / cpu['capacity']:.0%} of the machine; before the run they used {quiet:.0%}, "
        f"load average {load_before:.1f})"
    )
    if cpu["others"] / cpu["capacity"] > 0.15:
        print("WARNING: other processes competed for the CPUs during the run; the latencies below are inflated")
    kinds = ", ".join(f"{k} {v}" for k, v in sorted(outcome["kinds"].items()))
    print(
        f"arrivals: {outcome['made']} receptions made ({kinds}); {outcome['waited']} waited for a free salesperson; "
        f"{outcome['skips']} forfeits recorded; {outcome['open']} still open at the end"
    )
    for note, count in sorted(notes.items()):
        print(f"note: {note} x{count}")
    print()
    stats = print_table(samples, server_ms)
    print()
    verdicts = []
    for key, name, target in [
        ("board", "board (full page)", TARGET_BOARD_P95_MS),
        ("state", "board (polled state)", TARGET_BOARD_P95_MS),
        ("arrive", "'client arrived'", TARGET_ARRIVE_P95_MS),
    ]:
        p95 = stats.get(key, {}).get("p95", float("inf"))
        ok = p95 < target
        verdicts.append(ok)
        print(f"{'PASS' if ok else 'FAIL'}  {name:<22} p95 {p95:7.1f} ms  (target < {target:g} ms)")
    errors = sum(not s.ok for s in samples)
    if errors:
        codes = Counter(s.status for s in samples if not s.ok)
        print(f"FAIL  {errors} request(s) failed: HTTP {dict(codes)}; server log: {server.error_log}")
    mean = statistics.fmean(s.ms for s in samples) if samples else 0.0
    print(f"(mean over all requests {mean:.1f} ms; gunicorn logs in {logdir})")
    if args.fail_on_miss and (not all(verdicts) or errors):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
