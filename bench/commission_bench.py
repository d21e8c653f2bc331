#!/usr/bin/env python
"""Commission statement benchmark on PostgreSQL (issue 4's benchmark): prints figures, it is not a test.

Seeds five sales sites with 30 salespeople each and 50,000 deals over two years in a database of its own, each
deal with its splits and ledger lines as the rules make them (one owner, 50/50 recognitions and spouses, 70/30
designations, employee referrals, company clients with the public pool, deals on hold, re-splits posted as
adjustments in a later month), and measures, in-process and single-threaded, for the busiest statement month:

* `commission.selectors.monthly_statement(month=..., site_ids=None)`: the whole company's statement, what the
  statement page calls,
* `commission.selectors.statement_totals` alone: the aggregate the statement is built from,
* the same aggregate (each party's total, shares and adjustments for the month, a person's sites merged, the
  pool per site) as ONE raw SQL query: the floor; and the ratio ORM / raw,
* the statement's xlsx export, when `commission.reports` has one,

and prints the raw query's EXPLAIN ANALYZE (does it use `ledger_month_party_idx`?). Prints n, p50, p95, max
and PASS/FAIL against the target (a monthly statement for the whole company < 1 s). See bench/README.md.

Run from the project root:  .venv/bin/python bench/commission_bench.py
"""

import argparse
import bisect
import datetime as dt
import inspect
import json
import os
import random
import re
import secrets
import statistics
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

# The desk benchmark's helpers (bench database, Django setup, COPY, percentiles, CPU accounting, EXPLAIN) are
# reused as they are: the benchmarks share their machinery, not their data.
import desk_bench as desk

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/salesoffice_commbench"
SITE_PREFIX = "cb-"
PROJECTS = ["滨江壹号", "西湖名苑", "高新雅居", "观澜府", "锦绣华庭"]
SITE_WEIGHTS = [1.3, 1.1, 1.0, 0.9, 0.7]  # the projects do not sell alike
TARGET_STATEMENT_MS = 1000.0
DAY = 86_400
HUNDRED = Decimal(100)

# The first split of a deal, as the rules make them (attribution.rules): pattern -> share of the deals.
PATTERNS = {
    "owner": 0.715,  # 100% to the registered owner who closed it (ATT-REG-3)
    "recognised": 0.05,  # 50/50 original and new salesperson (REC-NEW-2c)
    "spouse": 0.05,  # 50/50 the owners of husband and wife (ATT-SPOUSE)
    "designated": 0.05,  # 70% first receiver, 30% the named salesperson who closed it (REC-DES-2)
    "referral": 0.05,  # 30% the referring employee, 70% the salesperson (ATT-EMP-5)
    "company": 0.05,  # company client: 70/30, 30/70 salesperson/pool or 100% pool (ATT-CO-3/4/5)
    "held": 0.035,  # a dispute opinion holds the commission (ATT-DISP-1): no ledger lines
}
RESPLIT_SHARE = 0.05  # of the deals paid out: a later fact makes a second split, posted as adjustments
RULED_SHARE = 0.35  # of the deals on hold: the sales director rules, a second split pays them out

# Deals by month of the year (spring festival slump, 金九银十, year-end push) and day of the week.
SEASON = {1: 0.85, 2: 0.55, 3: 1.05, 4: 1.1, 5: 1.1, 6: 1.15, 7: 0.9, 8: 0.9, 9: 1.3, 10: 1.4, 11: 1.0, 12: 1.2}
WEEKEND = 1.7

REASONS = {
    "owner": ("ATT-REG-3",),
    "recognised": ("REC-NEW-2c",),
    "spouse": ("ATT-SPOUSE",),
    "designated": ("REC-DES-2",),
    "referral": ("ATT-EMP-5",),
    "ATT-CO-3": ("ATT-CO-3",),
    "ATT-CO-4": ("ATT-CO-4",),
    "ATT-CO-5": ("ATT-CO-5",),
    "ruling": ("ATT-DISP-1",),
}
TEXTS = {
    "ATT-REG-3": ("The valid registration's owner closed the deal.", "有效登记的置业顾问成交。"),
    "REC-NEW-2c": ("Recognised within the month: the commission is shared 50/50.", "一个月内认出：佣金五五分。"),
    "ATT-SPOUSE": ("Husband and wife held by two salespeople: 50/50.", "夫妻分属两位置业顾问：五五分。"),
    "REC-DES-2": ("Change of salesperson on request: 70% first receiver, 30% named.", "指定更换：首接七成，指定三成。"),
    "ATT-EMP-5": ("Employee referral: 30% to the referrer.", "员工推荐：推荐人三成。"),
    "ATT-CO-3": ("Company client followed up by the salesperson: 70/30 with the pool.", "公司客户：七成，公佣三成。"),
    "ATT-CO-4": ("Deal arranged by the company: 30% salesperson, 70% pool.", "公司促成：三成，公佣七成。"),
    "ATT-CO-5": ("Deal arranged by the company, after-sales by others: 100% pool.", "公司促成：全部计入公佣。"),
    "ATT-DISP-1": ("A dispute opinion holds the commission until the ruling.", "争议意见：裁定前暂缓发放。"),
}


# ----------------------------------------------------------------------------------------------------------------
# Arguments
# ----------------------------------------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_COMMISSION_DATABASE_URL", DEFAULT_DATABASE_URL),
        help="the bench's own database (created if missing); its name must end in 'bench'. DATABASE_URL is "
        f"deliberately ignored. Default: $BENCH_COMMISSION_DATABASE_URL or {DEFAULT_DATABASE_URL}",
    )
    parser.add_argument("--reseed", action="store_true", help="drop and rebuild the bench database first")
    parser.add_argument("--seed-only", action="store_true", help="seed (or check the seed) and stop")
    parser.add_argument("--drop", action="store_true", help="drop the bench database at the end")
    parser.add_argument("--deals", type=int, default=50_000, help="deals (default 50000)")
    parser.add_argument("--sites", type=int, default=5, help="sales sites (default 5)")
    parser.add_argument("--salespeople", type=int, default=30, help="salespeople per site (default 30)")
    parser.add_argument("--days", type=int, default=730, help="days of deals up to yesterday (default 730)")
    parser.add_argument("--repeat", type=int, default=30, help="measured calls of each (default 30)")
    parser.add_argument("--exports", type=int, default=5, help="xlsx exports measured, if any (default 5)")
    parser.add_argument(
        "--month", help="the statement month to measure, as 2026-10 (default: the month with most ledger lines)"
    )
    parser.add_argument("--random-seed", type=int, default=20261127, help="seed of the data generator")
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="before measuring, wait up to this long for other processes to use under 25%% of the CPUs",
    )
    parser.add_argument("--explain", action="store_true", help="also EXPLAIN ANALYZE every query of monthly_statement")
    parser.add_argument("--fail-on-miss", action="store_true", help="exit 1 when the target is missed")
    return parser.parse_args()


# ----------------------------------------------------------------------------------------------------------------
# Seeding: people, clients, deals, splits and the ledger, generated in memory and written with COPY
# ----------------------------------------------------------------------------------------------------------------


@dataclass
class SiteStaff:
    site_id: int
    code: str
    pm_id: int
    salespeople: list[int]
    weights: list[float]  # how much each salesperson sells


@dataclass
class Staff:
    sites: list[SiteStaff]
    director_id: int
    employees: list[int]  # staff outside sales who refer friends (ATT-EMP)


@dataclass
class Rows:
    clients: list[tuple] = field(default_factory=list)
    phones: list[tuple] = field(default_factory=list)
    deals: list[tuple] = field(default_factory=list)
    splits: list[tuple] = field(default_factory=list)
    shares: list[tuple] = field(default_factory=list)
    ledger: list[tuple] = field(default_factory=list)
    patterns: Counter = field(default_factory=Counter)


def make_staff(args: argparse.Namespace, rng: random.Random) -> Staff:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from salesoffice.models import Site, SiteMembership
    from salesoffice.roles import Role

    User = get_user_model()
    groups = {g.name: g for g in Group.objects.all()}

    def join(role: Role, users: list) -> None:
        if role.value in groups:
            groups[role.value].user_set.add(*users)

    sites = []
    for s in range(args.sites):
        project = PROJECTS[s] if s < len(PROJECTS) else f"项目{s + 1}"
        site = Site.objects.create(code=f"{SITE_PREFIX}{s + 1}", name=f"{project} Bench", kind=Site.Kind.SALES_OFFICE)
        pm = User.objects.create(username=f"cb{s + 1}-pm", first_name=person_name(rng) + "经理", password="!")
        join(Role.PROJECT_MANAGER, [pm])
        sales = User.objects.bulk_create(
            [
                User(username=f"cb{s + 1}-sp{i:02d}", first_name=person_name(rng), password="!")
                for i in range(args.salespeople)
            ]
        )
        join(Role.SALESPERSON, sales)
        SiteMembership.objects.bulk_create([SiteMembership(site=site, user=u) for u in (pm, *sales)])
        weights = [rng.lognormvariate(0, 0.6) for _ in sales]  # a few top sellers, a long tail
        sites.append(SiteStaff(site.pk, site.code, pm.pk, [u.pk for u in sales], weights))
    director = User.objects.create(username="cb-director", first_name="总监", password="!")
    join(Role.SALES_DIRECTOR, [director])
    employees = User.objects.bulk_create(
        [User(username=f"cb-emp{i:02d}", first_name=person_name(rng), password="!") for i in range(25)]
    )
    return Staff(sites, director.pk, [u.pk for u in employees])


def load_staff() -> Staff:
    from django.contrib.auth import get_user_model

    from salesoffice.models import Site

    ids = dict(get_user_model().objects.filter(username__startswith="cb").values_list("username", "pk"))
    sites = []
    for site in Site.objects.filter(code__startswith=SITE_PREFIX).order_by("pk"):
        n = site.code.removeprefix(SITE_PREFIX)
        sales = [pk for name, pk in sorted(ids.items()) if name.startswith(f"cb{n}-sp")]
        sites.append(SiteStaff(site.pk, site.code, ids[f"cb{n}-pm"], sales, [1.0] * len(sales)))
    employees = [pk for name, pk in sorted(ids.items()) if name.startswith("cb-emp")]
    return Staff(sites, ids["cb-director"], employees)


def person_name(rng: random.Random) -> str:
    given = rng.choice(desk.GIVEN) if rng.random() < 0.4 else rng.choice(desk.GIVEN) + rng.choice(desk.GIVEN)
    return rng.choice(desk.SURNAMES) + given


def seeded_size() -> tuple[int, int] | None:
    """(deals, sites) already in the bench database, or None when it is empty."""
    from commission.models import Deal
    from salesoffice.models import Site

    sites = Site.objects.filter(code__startswith=SITE_PREFIX).count()
    if not sites:
        return None
    return Deal.objects.filter(site__code__startswith=SITE_PREFIX).count(), sites


def deal_days(rng: random.Random, first: dt.date, days: int, total: int) -> list[dt.date]:
    """`total` signing days over `days` days from `first`: weekends busier, the seasons of the trade, and
    a company that grows a little over the two years; spread by largest remainder so they sum exactly."""
    span = [first + dt.timedelta(days=i) for i in range(days)]
    weights = [
        (WEEKEND if d.weekday() >= 5 else 1.0) * SEASON[d.month] * (0.9 + 0.2 * i / days) * rng.uniform(0.8, 1.2)
        for i, d in enumerate(span)
    ]
    scale = total / sum(weights)
    raw = [w * scale for w in weights]
    counts = [int(r) for r in raw]
    for i in sorted(range(days), key=lambda i: raw[i] - counts[i], reverse=True)[: total - sum(counts)]:
        counts[i] += 1
    return [d for d, n in zip(span, counts, strict=True) for _ in range(n)]


class Months:
    """Statement months: each closed by the sales director on the 5th of the next month at 18:00 (COM-4), so a
    change made before that posts into the deal's month, a later one into the first month still open."""

    def __init__(self, zone, now: dt.datetime):
        self.zone = zone
        self.now = now
        self.used: set[dt.date] = set()

    @staticmethod
    def next(month: dt.date) -> dt.date:
        return (month + dt.timedelta(days=32)).replace(day=1)

    def closes_at(self, month: dt.date) -> dt.datetime:
        return dt.datetime.combine(self.next(month).replace(day=5), dt.time(18, 0), tzinfo=self.zone)

    def month_of(self, instant: dt.datetime) -> dt.date:
        return instant.astimezone(self.zone).date().replace(day=1)

    def open_at(self, first: dt.date, instant: dt.datetime) -> dt.date:
        """services._open_month_locked at `instant`: `first`, or the first month after it not yet closed."""
        month = first
        while self.closes_at(month) <= instant:
            month = self.next(month)
        self.used.add(month)
        return month


class Generator:
    """Deals and their splits as `commission.services` records them: the shares the rules would give in
    `split_amount`'s cents, the first split's ledger lines as shares in the deal's month, and a re-split's
    differences as adjustments in the month open when it was made."""

    def __init__(self, args, rng: random.Random, staff: Staff, zone, now: dt.datetime, first_ids: dict[str, int]):
        from commission import rules

        self.split_amount = rules.split_amount
        self.to_cents = rules.to_cents
        self.args, self.rng, self.staff, self.zone, self.now = args, rng, staff, zone, now
        self.months = Months(zone, now)
        self.rows = Rows()
        self.next_id = dict(first_ids)
        self.units: Counter = Counter()
        self.pickers = [
            weighted_picker(rng, site.salespeople, site.weights) for site in staff.sites
        ]  # who closes the deals of each site
        self.pick_site = weighted_picker(
            rng, list(range(len(staff.sites))), [SITE_WEIGHTS[i % len(SITE_WEIGHTS)] for i in range(len(staff.sites))]
        )
        self.pick_pattern = weighted_picker(rng, list(PATTERNS), list(PATTERNS.values()))

    def take_id(self, table: str) -> int:
        value = self.next_id[table]
        self.next_id[table] += 1
        return value

    # --- parties --------------------------------------------------------------------------------------------

    def colleague(self, s: int, closer: int) -> int:
        return self.rng.choice([sp for sp in self.staff.sites[s].salespeople if sp != closer])

    def referrer(self, s: int) -> int:
        """Another employee: staff outside sales, or a salesperson of another project."""
        others = [i for i in range(len(self.staff.sites)) if i != s]
        if self.rng.random() < 0.5 or not others:
            return self.rng.choice(self.staff.employees)
        return self.rng.choice(self.staff.sites[self.rng.choice(others)].salespeople)

    def parties(self, pattern: str, s: int, closer: int) -> list[tuple[str, int | None, Decimal, tuple[str, ...]]]:
        """(kind, user, percent, rules) in the order the rules name them."""
        sp, half, rules = "salesperson", HUNDRED / 2, REASONS.get(pattern, ())
        if pattern == "recognised":  # the original salesperson first, then the one who served and closed
            return [(sp, self.colleague(s, closer), half, rules), (sp, closer, half, rules)]
        if pattern == "spouse":
            return [(sp, closer, half, ("ATT-REG-3", *rules)), (sp, self.colleague(s, closer), half, rules)]
        if pattern == "designated":  # the first receiver keeps 70%, the named salesperson who closed it 30%
            return [(sp, self.colleague(s, closer), Decimal(70), rules), (sp, closer, Decimal(30), rules)]
        if pattern == "referral":
            return [
                ("referrer", self.referrer(s), Decimal(30), rules),
                (sp, closer, Decimal(70), ("ATT-REG-3", *rules)),
            ]
        if pattern == "company":
            rule = self.rng.choices(["ATT-CO-3", "ATT-CO-4", "ATT-CO-5"], [0.5, 0.3, 0.2])[0]
            own = {"ATT-CO-3": Decimal(70), "ATT-CO-4": Decimal(30), "ATT-CO-5": Decimal(0)}[rule]
            lines = [(sp, closer, own, REASONS[rule])] if own else []
            return [*lines, ("public_pool", None, HUNDRED - own, REASONS[rule])]
        return [(sp, closer, HUNDRED, REASONS["owner"])]  # owner, and what a held deal would pay

    # --- rows -----------------------------------------------------------------------------------------------

    def split(self, deal, number, supersedes, status, reason, basis_at, made_by, made_at, parties) -> tuple[int, dict]:
        """A Split row and its SplitShare rows; returns the split id and what each party is owed by it."""
        split_id = self.take_id("split")
        deal_id, commission = deal[0], deal[9]
        amounts = self.split_amount(commission, [p[2] for p in parties])
        rule_ids = list(dict.fromkeys(r for p in parties for r in p[3]))
        explanation = {
            "zh-hans": [TEXTS[r][1] for r in rule_ids],
            "en": [TEXTS[r][0] for r in rule_ids],
        }
        self.rows.splits.append(
            (split_id, deal_id, number, supersedes, status, reason, basis_at, json.dumps(rule_ids),
             json.dumps(explanation, ensure_ascii=False), made_by, made_at)
        )  # fmt: skip
        owed: dict[tuple[str, int | None], Decimal] = defaultdict(Decimal)
        for position, ((kind, user, percent, rules), amount) in enumerate(zip(parties, amounts, strict=True)):
            why = TEXTS[rules[-1]]
            self.rows.shares.append(
                (split_id, position, kind, user, percent, amount, json.dumps(list(rules)),
                 json.dumps({"en": why[0], "zh-hans": why[1]}, ensure_ascii=False))
            )  # fmt: skip
            if status == "split":
                owed[(kind, user)] += amount
        return split_id, owed

    def post(self, deal: tuple, split_id: int, number: int, owed: dict, posted: dict, at: dt.datetime) -> None:
        """services._post: each party's amount owed now minus what was posted before, never a zero line."""
        deal_id, site_id, signed_at = deal[0], deal[1], deal[6]
        parties = [*owed, *(p for p in posted if p not in owed)]
        deltas = [(party, owed.get(party, Decimal(0)) - posted.get(party, Decimal(0))) for party in parties]
        deltas = [(party, amount) for party, amount in deltas if amount != 0]
        if not deltas:
            return
        deal_month = self.months.month_of(signed_at)
        month = self.months.open_at(deal_month, at)
        kind = "share" if month == deal_month and not posted and number == 1 else "adjustment"
        for (party, user), amount in deltas:
            self.rows.ledger.append((month, deal_id, split_id, site_id, party, user, amount, kind, at))
            posted[(party, user)] = posted.get((party, user), Decimal(0)) + amount

    def deal(self, day: dt.date) -> None:
        rng, rows = self.rng, self.rows
        s = self.pick_site()
        site = self.staff.sites[s]
        closer = self.pickers[s]()
        signed_at = dt.datetime.combine(day, dt.time(10, 0), tzinfo=self.zone) + dt.timedelta(
            seconds=rng.randrange(10 * 3600 + 1800)
        )
        recorded_at = min(signed_at + dt.timedelta(hours=rng.uniform(0.3, 30)), self.now - dt.timedelta(minutes=5))
        client_id = self.take_id("client")
        name = person_name(rng)
        # Distinct for every client id < 10**8, and apart from the register bench's numbers (no 191 among its
        # prefixes; bench/seed.py puts both in one database, where a phone belongs to one client).
        number = f"191{(client_id * 7_919 + 1_234_567) % 10**8:08d}"
        created_at = signed_at - dt.timedelta(days=rng.uniform(1, 150))
        rows.clients.append((client_id, name, number, f"+86{number}", "", "", "", None, created_at))
        rows.phones.append((client_id, number, f"+86{number}"))
        k = self.units[s]
        self.units[s] += 1
        unit = f"{k // 300 + 1}-{(k // 10) % 30 + 1:02d}{k % 10 + 1:02d}"
        contract = f"{site.code.upper()}-{signed_at:%Y}-{k + 1:06d}"
        price = Decimal(rng.randrange(120_000, 650_000)) * 10
        commission = self.to_cents(price * Decimal(rng.uniform(0.004, 0.012)))
        pattern = self.pick_pattern()
        rows.patterns[pattern] += 1
        deal_id = self.take_id("deal")
        deal = [deal_id, site.site_id, client_id, closer, contract, unit, signed_at, price, name, commission,
                "split", site.pm_id, recorded_at, site.pm_id, recorded_at]  # fmt: skip
        parties = self.parties(pattern, s, closer)
        held = pattern == "held"
        status = "on_hold" if held else "split"
        first, owed = self.split(deal, 1, None, status, "recorded", signed_at, site.pm_id, recorded_at, parties)
        posted: dict = {}
        self.post(deal, first, 1, owed, posted, recorded_at)
        # A later fact: the sales director's ruling on a held deal, or a re-split of one paid out.
        change = None
        if held and rng.random() < RULED_SHARE:
            change = ("dispute_ruling", rng.uniform(10, 45), self.staff.director_id)
        elif not held and rng.random() < RESPLIT_SHARE:
            kind = rng.choices(["recognition", "facts_changed", "dispute_opinion"], [0.45, 0.3, 0.25])[0]
            days = rng.uniform(1, 28) if kind == "recognition" else rng.uniform(3, 60)
            change = (kind, days, site.pm_id)
        if change is not None:
            reason, days, actor = change
            made_at = recorded_at + dt.timedelta(days=days)
            if made_at < self.now - dt.timedelta(minutes=5):
                if reason == "dispute_opinion":
                    status, new = "on_hold", parties
                elif reason == "dispute_ruling":
                    status = "split"
                    new = [(k, u, p, ("ATT-DISP-1",)) for k, u, p, _r in parties]
                elif reason == "recognition" or pattern == "owner":
                    status = "split"
                    now_known = "recognised" if reason == "recognition" else rng.choice(["referral", "company"])
                    new = self.parties(now_known, s, closer)
                else:  # the facts changed back: the deal's closer alone
                    status, new = "split", self.parties("owner", s, closer)
                basis_at = made_at if reason == "recognition" else signed_at
                second, owed = self.split(deal, 2, first, status, reason, basis_at, actor, made_at, new)
                self.post(deal, second, 2, owed, posted, made_at)
                rows.patterns[f"re-split: {reason}"] += 1
        deal[10] = status
        rows.deals.append(tuple(deal))


def weighted_picker(rng: random.Random, items: list, weights: list[float]):
    cumulative, total = [], 0.0
    for w in weights:
        total += w
        cumulative.append(total)
    return lambda: items[bisect.bisect(cumulative, rng.random() * total)]


def copy_model(model, names: str, rows) -> int:
    """COPY rows (tuples in the order of `names`, model field names) into the model's table."""
    from django.db import connection

    with connection.cursor() as wrapper:
        desk.copy_model_rows(wrapper.cursor, model, names.split(), rows)
    return len(rows)


def reset_sequences(*models) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        for model in models:
            table = model._meta.db_table
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")


def seed(args: argparse.Namespace) -> tuple[dict[str, float], Counter]:
    """Generate and write everything in one transaction; returns seconds per phase and the mix of splits."""
    from django.db import connection, transaction
    from django.db.models import Max
    from django.utils import timezone

    from attribution.models import Client, ClientPhone
    from commission.models import Deal, LedgerEntry, Split, SplitShare, StatementMonth
    from salesoffice.models import Site

    rng = random.Random(args.random_seed)
    phases: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        phases[name] = time.perf_counter() - clock
        clock = time.perf_counter()

    with transaction.atomic():
        staff = make_staff(args, rng)
        zone = Site.objects.get(pk=staff.sites[0].site_id).zone
        now = timezone.now()
        today = now.astimezone(zone).date()
        first_ids = {
            key: (model.objects.aggregate(m=Max("id"))["m"] or 0) + 1
            for key, model in [("client", Client), ("deal", Deal), ("split", Split)]
        }
        gen = Generator(args, rng, staff, zone, now, first_ids)
        for day in deal_days(rng, today - dt.timedelta(days=args.days), args.days, args.deals):
            gen.deal(day)
        rows = gen.rows
        lap("generate")

        months = {}
        for month in sorted(gen.months.used):
            closes = gen.months.closes_at(month)
            closed = closes <= now
            row, _created = StatementMonth.objects.get_or_create(month=month)
            if closed and row.closed_at is None:
                row.closed_at, row.closed_by_id = closes, staff.director_id
                row.save(update_fields=["closed_at", "closed_by"])
            months[month] = row.pk
        copy_model(Client, "id name phone phone_normalised id_number grade needs budget created_at", rows.clients)
        copy_model(ClientPhone, "client phone phone_normalised", rows.phones)
        copy_model(
            Deal,
            "id site client salesperson contract_no unit signed_at price buyer_names commission split_status "
            "recorded_by recorded_at confirmed_by confirmed_at",  # the project manager's entries count at once (COM-5)
            rows.deals,
        )
        copy_model(
            Split,
            "id deal number supersedes status reason basis_at rule_ids explanation made_by made_at",
            rows.splits,
        )
        copy_model(SplitShare, "split position kind user percent amount rule_ids reason", rows.shares)
        rows.ledger.sort(key=lambda r: r[8])  # in the order they were posted, as the table would fill
        copy_model(
            LedgerEntry,
            "month deal split site party user amount entry_kind posted_at",
            [(months[r[0]], *r[1:]) for r in rows.ledger],
        )
        reset_sequences(Client, ClientPhone, Deal, Split, SplitShare, LedgerEntry)
        lap("COPY")
    lap("commit")
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    lap("VACUUM ANALYZE")
    return phases, rows.patterns


def seed_summary() -> dict:
    from django.db import connection

    from commission.models import Deal, LedgerEntry, Split, SplitShare, StatementMonth

    with connection.cursor() as cur:
        cur.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        size = cur.fetchone()[0]
        # COM-2/COM-4: a deal's ledger lines add up to its commission when split, to nothing while held, and
        # every split's shares to the commission.
        cur.execute(
            f"""
            SELECT count(*) FILTER (WHERE coalesce(l.total, 0)
                                    <> CASE WHEN d.split_status = 'split' THEN d.commission ELSE 0 END)
            FROM {Deal._meta.db_table} d
            LEFT JOIN (SELECT deal_id, sum(amount) AS total FROM {LedgerEntry._meta.db_table} GROUP BY deal_id) l
                   ON l.deal_id = d.id
            """
        )
        ledger_off = cur.fetchone()[0]
        cur.execute(
            f"""
            SELECT count(*) FROM (
                SELECT s.id FROM {Split._meta.db_table} s
                JOIN {Deal._meta.db_table} d ON d.id = s.deal_id
                JOIN {SplitShare._meta.db_table} sh ON sh.split_id = s.id
                GROUP BY s.id, d.commission HAVING sum(sh.amount) <> d.commission
            ) off
            """
        )
        shares_off = cur.fetchone()[0]
    entries = LedgerEntry.objects
    return {
        "deals": Deal.objects.count(),
        "on hold": Deal.objects.filter(split_status="on_hold").count(),
        "splits": Split.objects.count(),
        "shares": SplitShare.objects.count(),
        "ledger lines": entries.count(),
        "adjustments": entries.filter(entry_kind="adjustment").count(),
        "statement months": StatementMonth.objects.count(),
        "closed": StatementMonth.objects.filter(closed_at__isnull=False).count(),
        "size": size,
        "ledger_off": ledger_off,
        "shares_off": shares_off,
    }


# ----------------------------------------------------------------------------------------------------------------
# Measuring
# ----------------------------------------------------------------------------------------------------------------


class QueryMeter:
    """The queries of a measured call and the time they spent waiting on the database (an execute wrapper)."""

    def __init__(self) -> None:
        self.queries, self.seconds = 0, 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.queries += 1

    def reset(self) -> None:
        self.queries, self.seconds = 0, 0.0


@dataclass
class Series:
    label: str
    ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)  # this process's CPU: far less sensitive to contention
    queries: list[int] = field(default_factory=list)
    sql_ms: list[float] = field(default_factory=list)

    def run(self, call, meter: QueryMeter):
        from django.db import connection

        meter.reset()
        with connection.execute_wrapper(meter):
            started, cpu = time.perf_counter(), time.process_time()
            result = call()
            self.ms.append((time.perf_counter() - started) * 1000)
            self.cpu_ms.append((time.process_time() - cpu) * 1000)
        self.queries.append(meter.queries)
        self.sql_ms.append(meter.seconds * 1000)
        return result

    def p(self, q: float) -> float:
        return desk.percentile(self.ms, q) if self.ms else float("nan")


def print_series(rows: list[Series]) -> None:
    width = max(len(row.label) for row in rows) + 2
    header = f"{'':<{width}}{'n':>5}{'p50':>9}{'p95':>9}{'max':>9}   CPU p50/p95, queries, SQL p50"
    print(header)
    print("-" * (len(header) + 8))
    for row in rows:
        if not row.ms:
            print(f"{row.label:<{width}}{0:>5}")
            continue
        print(
            f"{row.label:<{width}}{len(row.ms):>5}{row.p(50):>9.2f}{row.p(95):>9.2f}{max(row.ms):>9.2f}   "
            f"{desk.percentile(row.cpu_ms, 50):.2f} / {desk.percentile(row.cpu_ms, 95):.2f} ms, "
            f"{statistics.median(row.queries):.0f} queries, SQL {statistics.median(row.sql_ms):.2f} ms"
        )
    print("(milliseconds, in-process; SQL = time waiting on PostgreSQL, fetching included)")


class CpuWatch:
    """Where the CPUs went while this process measured: itself, its database backend, and every other process on
    the machine (other people's test runs inflate every figure)."""

    def __init__(self) -> None:
        from django.db import connection

        with connection.cursor() as cur:
            cur.execute("SELECT pg_backend_pid()")
            self.backend = cur.fetchone()[0]
        self.start = self._read()

    def _read(self) -> tuple[float, float, float, float]:
        return sum(os.times()[:2]), desk.proc_cpu(self.backend), desk.machine_busy_seconds(), time.monotonic()

    def report(self) -> str:
        own, db, machine, wall = (b - a for a, b in zip(self.start, self._read(), strict=True))
        capacity = wall * (os.cpu_count() or 1)
        others = max(0.0, machine - own - db)
        line = (
            f"CPU: this process {own:.1f} s, its PostgreSQL backend {db:.1f} s, other processes {others:.1f} s "
            f"({others / capacity:.0%} of the machine's {capacity:.0f} CPU-s over {wall:.0f} s)"
        )
        if others / capacity > 0.15:
            line += "\nWARNING: other processes competed for the CPUs; the latencies are inflated"
        return line


def raw_sql(month: str = "%s") -> str:
    """The statement's aggregate as one query: each party's total, shares and adjustments for the month; a
    person's lines across sites make one row, the public pool one per site (as statement_totals merges them).
    `month`: the month's placeholder."""
    from commission.models import LedgerEntry, StatementMonth

    return f"""
        SELECT e.party, e.user_id, CASE WHEN e.party = 'public_pool' THEN e.site_id END AS site_id,
               sum(e.amount) AS total,
               coalesce(sum(e.amount) FILTER (WHERE e.entry_kind = 'share'), 0) AS shares,
               coalesce(sum(e.amount) FILTER (WHERE e.entry_kind = 'adjustment'), 0) AS adjustments
        FROM {LedgerEntry._meta.db_table} e
        JOIN {StatementMonth._meta.db_table} m ON m.id = e.month_id
        WHERE m.month = {month}
        GROUP BY 1, 2, 3
    """


def statement_raw_sql() -> str:
    """Every figure the statement shows as ONE query: each party's total, shares and adjustments (as `raw_sql`), and
    the count and total of the deals signed by the month's end that are on hold now and of those not confirmed yet
    (COM-5). Parameters: month (its first day), end (the month's end in the company's zone), held (the statuses).
    One row per party, the deal figures on each; a month without lines gives one row of deal figures."""
    from commission.models import Deal

    unconfirmed = "d.confirmed_at IS NULL AND d.cancelled_at IS NULL"
    return f"""
        WITH totals AS ({raw_sql("%(month)s")}),
        pending AS (
          SELECT count(*) FILTER (WHERE d.split_status = ANY(%(held)s)) AS held_count,
                 coalesce(sum(d.commission) FILTER (WHERE d.split_status = ANY(%(held)s)), 0) AS held_total,
                 count(*) FILTER (WHERE {unconfirmed}) AS unconfirmed_count,
                 coalesce(sum(d.commission) FILTER (WHERE {unconfirmed}), 0) AS unconfirmed_total
          FROM {Deal._meta.db_table} d
          WHERE d.signed_at < %(end)s AND (d.split_status = ANY(%(held)s) OR ({unconfirmed})))
        SELECT p.held_count, p.held_total, p.unconfirmed_count, p.unconfirmed_total,
               t.party, t.user_id, t.site_id, t.total, t.shares, t.adjustments
        FROM pending p LEFT JOIN totals t ON true
    """


def statement_raw_figures(rows: list[tuple]) -> dict:
    """`statement_raw_sql`'s rows as the figures `statement_figures` reads from a statement."""
    held_count, held_total, unconfirmed_count, unconfirmed_total = rows[0][:4]
    return {
        "parties": {
            (p, u, s): (Decimal(t), Decimal(sh), Decimal(adj)) for *_, p, u, s, t, sh, adj in rows if p is not None
        },
        "held": (held_count, Decimal(held_total)),
        "unconfirmed": (unconfirmed_count, Decimal(unconfirmed_total)),
    }


def statement_figures(statement) -> dict:
    """The figures a built statement shows: every row's total, shares and adjustments, the deals on hold and those
    not confirmed yet (count and total)."""
    rows = (*statement.salespeople, *statement.referrers, *statement.pool)
    return {
        "parties": {(r.party, r.user_id, r.site_id): (r.total, r.shares, r.adjustments) for r in rows},
        "held": (statement.held_count, statement.held_total),
        "unconfirmed": (statement.unconfirmed_count, statement.unconfirmed_total),
    }


def raw_totals(month: dt.date) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(raw_sql(), [month])
        return cur.fetchall()


def busiest_month() -> tuple[dt.date, int]:
    from django.db.models import Count

    from commission.models import LedgerEntry

    row = LedgerEntry.objects.values("month__month").annotate(n=Count("id")).order_by("-n", "-month__month").first()
    return row["month__month"], row["n"]


def xlsx_exporter():
    """(name, function) of the statement's xlsx export in commission.reports, or None while there is none."""
    try:
        from commission import reports
    except ImportError:
        return None
    names = ["monthly_statement_xlsx", "statement_xlsx"]
    names += sorted(n for n in dir(reports) if "xlsx" in n.lower() and not n.startswith("_") and n not in names)
    for name in names:
        fn = getattr(reports, name, None)
        if callable(fn) and inspect.isfunction(fn):
            return name, fn
    return None


def export_call(fn, month: dt.date, statement):
    """A call of the export with the arguments its signature names, or None when it asks for others."""
    from django.utils import timezone

    known = {"statement": statement, "month": month, "site_ids": None, "now": timezone.now()}
    args, kwargs = [], {}
    for name, param in inspect.signature(fn).parameters.items():
        if name in known:
            if param.kind == param.POSITIONAL_ONLY:
                args.append(known[name])
            else:
                kwargs[name] = known[name]
        elif param.default is param.empty and param.kind not in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            return None
    return lambda: fn(*args, **kwargs)


def statement_breakdown(month: dt.date) -> str:
    """Each query of one monthly_statement call, by the table it reads, with its time (best of 5 calls)."""
    from django.db import connection

    from commission import selectors

    best: dict[str, float] = {}
    for _ in range(5):
        seen: list[tuple[str, float]] = []

        def wrapper(execute, sql, params, many, context, seen=seen):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                table = re.search(r'FROM "(\w+)"', sql)
                seen.append((table.group(1) if table else sql.split(None, 1)[0], time.perf_counter() - started))

        with connection.execute_wrapper(wrapper):
            selectors.monthly_statement(month=month, site_ids=None)
        for i, (table, seconds) in enumerate(seen):
            key = f"{i + 1}. {table}"
            best[key] = min(best.get(key, float("inf")), seconds * 1000)
    return ", ".join(f"{key} {ms:.1f} ms" for key, ms in best.items())


def explain_raw(month: dt.date) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + raw_sql(), [month])
        plan = [r[0] for r in cur.fetchall()]
    print("EXPLAIN ANALYZE of the raw query:")
    for line in plan:
        print(f"  {line}")
    used = "yes" if any("ledger_month_party_idx" in line for line in plan) else "no"
    total = next((line.strip() for line in plan if line.strip().startswith("Execution Time")), "?")
    print(f"=> {total}; ledger_month_party_idx used: {used}")


# ----------------------------------------------------------------------------------------------------------------
# Main
# ----------------------------------------------------------------------------------------------------------------


def main() -> int:
    args = parse_args()
    load = os.getloadavg()
    print(f"load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} ({os.cpu_count()} CPUs)")
    desk.ensure_database(args.database_url, drop=args.reseed)
    desk.setup_django(args.database_url, secrets.token_urlsafe(40))

    from django.core.management import call_command
    from django.db import connection, connections

    from commission import selectors

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    migrate_seconds = time.perf_counter() - started
    wanted = (args.deals, args.sites)
    have = seeded_size()
    seed_seconds, seed_detail, patterns = None, "", Counter()
    if have is not None and have != wanted:
        print(f"bench database holds {have} (deals, sites), wanted {wanted}: rebuilding")
        connections.close_all()
        desk.ensure_database(args.database_url, drop=True)
        call_command("migrate", verbosity=0, interactive=False)
        have = None
    if have is None:
        print(f"seeding {args.deals:,} deals over {args.days} days on {args.sites} sites (migrate took "
              f"{migrate_seconds:.0f} s) ...")  # fmt: skip
        started = time.perf_counter()
        phases, patterns = seed(args)
        seed_seconds = time.perf_counter() - started
        seed_detail = ", ".join(f"{name} {secs:.1f} s" for name, secs in phases.items())
        print(f"seeded in {seed_seconds:.1f} s ({seed_detail})")
    else:
        print("reusing the seeded deals (use --reseed to rebuild them)")
    staff = load_staff()
    summary = seed_summary()
    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        pg_version = cur.fetchone()[0]
    if args.month:
        month = dt.date.fromisoformat(f"{args.month}-01")
        from commission.models import LedgerEntry

        lines = LedgerEntry.objects.filter(month__month=month).count()
    else:
        month, lines = busiest_month()

    print()
    print("=" * 110)
    print(f"salesoffice commission statement benchmark — PostgreSQL {pg_version}, database "
          f"{desk.database_name(args.database_url)} ({summary['size']})")  # fmt: skip
    print(
        f"data: {len(staff.sites)} sites x {args.salespeople} salespeople, {summary['deals']:,} deals over "
        f"{args.days} days ({summary['on hold']:,} on hold), {summary['splits']:,} splits, {summary['shares']:,} "
        f"shares, {summary['ledger lines']:,} ledger lines ({summary['adjustments']:,} adjustments), "
        f"{summary['statement months']} statement months ({summary['closed']} closed)"
    )
    if patterns:
        print("mix: " + ", ".join(f"{k} {v:,}" for k, v in patterns.items()))
    ok_data = summary["ledger_off"] == 0 and summary["shares_off"] == 0
    print(
        f"check: deals whose ledger does not add up to their commission {summary['ledger_off']}, splits whose "
        f"shares do not {summary['shares_off']}" + ("" if ok_data else "  <- the seed is wrong")
    )
    if seed_seconds is not None:
        print(f"seeding took {seed_seconds:.1f} s ({seed_detail}); migrate excluded")
    if args.explain:
        from django.test.utils import CaptureQueriesContext

        selectors.monthly_statement(month=month, site_ids=None)
        with CaptureQueriesContext(connection) as ctx:
            selectors.monthly_statement(month=month, site_ids=None)
        desk.explain_queries(f"monthly_statement(month={month})", ctx.captured_queries)
    if args.seed_only:
        return finish(args, 0)

    quiet = desk.wait_for_quiet(args.wait_quiet)
    load = os.getloadavg()
    print(f"other processes used {quiet:.0%} of the CPUs just before measuring; load average {load[0]:.2f} "
          f"{load[1]:.2f} {load[2]:.2f}")  # fmt: skip
    print()
    print(f"The statement of {month:%Y-%m} for the whole company ({lines:,} ledger lines), {args.repeat} times each, "
          "interleaved, after 3 unmeasured calls")  # fmt: skip
    rng = random.Random(time.time_ns())
    meter = QueryMeter()
    statement_s = Series("monthly_statement(site_ids=None)")
    totals_s = Series("statement_totals alone")
    raw_s = Series("raw SQL, one query (the floor)")
    calls = [
        (statement_s, lambda: selectors.monthly_statement(month=month, site_ids=None)),
        (totals_s, lambda: selectors.statement_totals(month=month, site_ids=None)),
        (raw_s, lambda: raw_totals(month)),
    ]
    for _series, call in calls * 3:  # warm-up: connection, imports, the plan cache
        call()
    watch = CpuWatch()
    for _ in range(args.repeat):
        rng.shuffle(calls)
        for series, call in calls:
            series.run(call, meter)
    rows = [statement_s, totals_s, raw_s]

    statement = selectors.monthly_statement(month=month, site_ids=None)
    exporter = xlsx_exporter()
    export_note = "xlsx export: commission.reports has no xlsx export yet (skipped)"
    if exporter is not None:
        name, fn = exporter
        call = export_call(fn, month, statement)
        if call is None:
            export_note = f"xlsx export: reports.{name}{inspect.signature(fn)} takes arguments the bench does not know"
        else:
            export_s = Series(f"reports.{name} alone")
            call()
            for _ in range(args.exports):
                result = export_s.run(call, meter)
            rows.append(export_s)
            size = len(result) if isinstance(result, bytes | bytearray) else None
            export_note = f"xlsx export: reports.{name}{inspect.signature(fn)}" + (f", {size:,} bytes" if size else "")
            if "statement" in inspect.signature(fn).parameters:
                # What the download does: build the statement, then the workbook from it.
                download_s = Series("monthly_statement + xlsx")

                def download():
                    return export_call(fn, month, selectors.monthly_statement(month=month, site_ids=None))()

                for _ in range(args.exports):
                    download_s.run(download, meter)
                rows.append(download_s)
    print_series(rows)
    print(watch.report())
    print("where one monthly_statement's SQL time goes: " + statement_breakdown(month))

    orm_rows = selectors.statement_totals(month=month, site_ids=None)
    orm = {(r.party, r.user_id, r.site_id): (r.total, r.shares, r.adjustments) for r in orm_rows}
    raw = {(p, u, s): (t, sh, adj) for p, u, s, t, sh, adj in raw_totals(month)}
    total = sum((v[0] for v in raw.values()), Decimal(0))
    print(
        f"statement: {len(statement.salespeople)} salespeople, {len(statement.referrers)} referrers, "
        f"{len(statement.pool)} pool rows, total ¥{statement.total:,.2f}; {len(statement.held)} deals on hold "
        f"listed (¥{statement.held_total:,.2f}); raw query = statement_totals: "
        + ("yes" if orm == raw else "NO, they differ")
        + f" ({len(raw)} rows, ¥{total:,.2f})"
    )
    print(export_note)
    print(
        f"ratio ORM / raw at p50: monthly_statement {statement_s.p(50) / raw_s.p(50):.1f}x, statement_totals "
        f"{totals_s.p(50) / raw_s.p(50):.1f}x"
    )
    print()
    explain_raw(month)
    print()
    slowest = max(statement_s.ms)
    ok = slowest < TARGET_STATEMENT_MS
    print(f"{'PASS' if ok else 'FAIL'}  monthly statement, whole company, slowest of {len(statement_s.ms)}"
          f" {slowest:9.1f} ms  (target < {TARGET_STATEMENT_MS:g} ms; p95 {statement_s.p(95):.1f} ms)")  # fmt: skip
    return finish(args, 1 if args.fail_on_miss and not (ok and ok_data) else 0)


def finish(args: argparse.Namespace, code: int) -> int:
    if args.drop:
        from django.db import connections

        connections.close_all()
        import psycopg

        name = desk.database_name(args.database_url)
        with psycopg.connect(args.database_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE "{name}"')
        print(f"dropped database {name} (--drop)")
    return code


if __name__ == "__main__":
    sys.exit(main())
