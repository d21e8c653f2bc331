#!/usr/bin/env python
"""Client-register benchmark on PostgreSQL: prints figures, it is not a test.

Seeds five sales sites with 30 salespeople each, 200,000 clients (realistic Chinese names, many repeats) and
1,000,000 visit register entries over two years, with approvals, corrections, recognitions, spouses,
referrals, company clients, introductions, disputes, deals, change requests, follow-ups and phone inquiries,
in a database of its own, and measures:

* the duplicate check at registration (in-process, single-threaded): `client_by_phone` of the typed phone,
  the client's attribution on the site, `possible_duplicates`; and a whole `visit_register`, rolled back,
* the client page (over HTTP against gunicorn, logged in as the site's project manager) and the client list,
* the weekly client report (ATT-FU-3), built five times.

Prints p50, p95, p99 and max per measurement and PASS/FAIL against the targets (duplicate check p95 < 20 ms,
client page p95 < 50 ms, weekly report < 2 s). See bench/README.md.

Run from the project root:  .venv/bin/python bench/register_bench.py
"""

import argparse
import bisect
import datetime as dt
import json
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
import urllib.parse
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

# The desk benchmark's helpers (bench database, COPY, gunicorn, sessions, percentiles, CPU accounting) are
# reused as they are: the two benchmarks share their machinery, not their data.
import desk_bench as desk

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/salesoffice_regbench"
SITE_PREFIX = "rb-"
PROJECTS = ["滨江壹号", "西湖名苑", "高新雅居", "观澜府", "锦绣华庭"]
PASSWORD = desk.TERMINAL_PASSWORD  # the project managers log in over HTTP with the desk bench's session helper
# The client-list requests, in turn: as each site's project manager (all clients), and as one of its salespeople.
LIST_KINDS = ["first", "later", "name", "phone", "valid", "owner", "salesperson"]
TARGET_CHECK_P95_MS = 20.0
TARGET_PAGE_P95_MS = 50.0
TARGET_REPORT_MS = 2000.0
DAY = 86_400

# Surnames by their share of China's population (per cent): the few big ones are what makes names repeat.
SURNAMES = {
    "王": 7.1, "李": 7.0, "张": 6.7, "刘": 5.4, "陈": 4.5, "杨": 3.1, "黄": 2.2, "赵": 2.0, "吴": 2.0, "周": 1.9,
    "徐": 1.7, "孙": 1.5, "马": 1.4, "朱": 1.3, "胡": 1.3, "郭": 1.2, "何": 1.2, "高": 1.1, "林": 1.1, "罗": 0.9,
    "郑": 0.9, "梁": 0.9, "谢": 0.8, "宋": 0.8, "唐": 0.8, "许": 0.7, "韩": 0.7, "冯": 0.7, "邓": 0.7, "曹": 0.6,
    "彭": 0.6, "曾": 0.6, "肖": 0.6, "田": 0.5, "董": 0.5, "袁": 0.5, "潘": 0.5, "于": 0.5, "蒋": 0.5, "蔡": 0.5,
    "余": 0.4, "杜": 0.4, "叶": 0.4, "程": 0.4, "苏": 0.4, "魏": 0.4, "吕": 0.4, "丁": 0.4, "任": 0.4, "沈": 0.4,
    "姚": 0.3, "卢": 0.3, "姜": 0.3, "崔": 0.3, "钟": 0.3, "谭": 0.3, "陆": 0.3, "汪": 0.3, "范": 0.3, "金": 0.3,
    "石": 0.3, "廖": 0.3, "贾": 0.3, "夏": 0.3, "韦": 0.3, "付": 0.3, "方": 0.3, "白": 0.2, "邹": 0.2, "孟": 0.2,
    "熊": 0.2, "秦": 0.2, "邱": 0.2, "江": 0.2, "尹": 0.2, "薛": 0.2, "闫": 0.2, "段": 0.2, "雷": 0.2, "侯": 0.2,
}  # fmt: skip
# The most common given names, most common first (伟, 芳, 娜 ... are the classic repeats); a third of clients
# carry one of them, the rest a rarer one made of two characters.
COMMON_GIVEN = [
    "伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛",
    "明", "超", "秀兰", "霞", "平", "刚", "桂英", "华", "红", "玲", "飞", "鹏", "辉", "斌", "丹", "萍",
    "鑫", "波", "宇", "浩", "凯", "健", "俊", "帆", "帅", "旭", "宁", "龙", "林", "欢", "阳", "建华",
    "亮", "成", "建国", "建军", "玉兰", "海燕", "志强", "秀珍", "晨", "婷", "雪", "琳", "博", "文", "峰", "颖",
    "倩", "慧", "莉", "燕", "桂兰", "志明", "春梅", "淑珍", "丽娟", "秀梅", "海涛", "国强", "小红", "金凤",
]  # fmt: skip
GIVEN_CHARS = (
    "子梓浩宇轩然涵欣怡思雨晨博文嘉佳俊泽睿瑞诗琪雅梦馨悦可心语安一诺亦依晓紫若宏志国庆春秋冬夏海江河山云天"
    "德仁义礼智信忠诚光荣富贵祥吉康永长乐宁美秀婉玉珍珠翠琴芬芝兰菊梅竹松柏振家豪鸿运达昊天逸凡辰星月"
)
COMMON_GIVEN_SHARE = 0.35
MOBILE_PREFIXES = [*range(130, 134), *range(135, 140), 150, 151, 152, 153, *range(155, 160), 166, 176, 177, 178]
MOBILE_PREFIXES += [*range(180, 190), 198, 199]
NEEDS = [
    "三居室，110-130平",
    "学区房",
    "两居室，首套",
    "改善型四居室",
    "低楼层，方便老人",
    "南北通透",
    "地铁口",
    "带车位",
]
REGIONS = ["330106", "330108", "110105", "310115", "440305", "320102", "510107", "420106"]

# How many visits a client makes: most come once or twice, a few dozen times (the client page's hard cases).
VISIT_BUCKETS = [(0.40, 1, 2), (0.75, 3, 6), (0.95, 7, 12), (0.99, 13, 30), (1.00, 31, 80)]


# ----------------------------------------------------------------------------------------------------------------
# Arguments
# ----------------------------------------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_REGISTER_DATABASE_URL", DEFAULT_DATABASE_URL),
        help="the bench's own database (created if missing); its name must end in 'bench'. DATABASE_URL is "
        f"deliberately ignored. Default: $BENCH_REGISTER_DATABASE_URL or {DEFAULT_DATABASE_URL}",
    )
    parser.add_argument("--reseed", action="store_true", help="drop and rebuild the bench database first")
    parser.add_argument("--seed-only", action="store_true", help="seed (or check the seed) and stop")
    parser.add_argument("--clients", type=int, default=200_000, help="clients (default 200000)")
    parser.add_argument("--entries", type=int, default=1_000_000, help="visit register entries (default 1000000)")
    parser.add_argument("--sites", type=int, default=5, help="sales sites (default 5)")
    parser.add_argument("--salespeople", type=int, default=30, help="salespeople per site (default 30)")
    parser.add_argument("--days", type=int, default=730, help="days of history (default 730, two years)")
    parser.add_argument("--checks", type=int, default=3000, help="duplicate checks measured (default 3000)")
    parser.add_argument("--registrations", type=int, default=500, help="visit_register calls, rolled back (500)")
    parser.add_argument("--pages", type=int, default=300, help="client pages requested (default 300)")
    parser.add_argument("--lists", type=int, default=84, help="client list pages requested (default 84)")
    parser.add_argument("--reports", type=int, default=5, help="weekly reports built (default 5)")
    parser.add_argument(
        "--only",
        choices=["check", "page", "report"],
        action="append",
        help="measure only this (repeatable); default: all three",
    )
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="measure the client page in-process (selectors and template) instead of over HTTP",
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers for the page requests (default 2)")
    parser.add_argument("--random-seed", type=int, default=20261127, help="seed of the data generator")
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="before measuring, wait up to this long for other processes to use under 25%% of the CPUs",
    )
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the queries of each measurement")
    parser.add_argument("--fail-on-miss", action="store_true", help="exit 1 when a target is missed")
    return parser.parse_args()


# ----------------------------------------------------------------------------------------------------------------
# Seeding: people, clients and two years of register, generated in memory and written with COPY
# ----------------------------------------------------------------------------------------------------------------


@dataclass
class SiteStaff:
    site_id: int
    code: str
    pm_id: int
    supervisor_id: int
    manager_id: int
    salespeople: list[int]


@dataclass
class Staff:
    sites: list[SiteStaff]
    director_id: int
    assistant_id: int


# A visit record while generating: mutable, so ids can be given after sorting by registration instant.
REG, VISITED, CLIENT, SITE, SP, RECV, SOURCE, REGBY, CORRECTS, ID, REVIEW = range(11)


@dataclass
class Seed:
    """Everything generated before a row is written: client columns by index (client id = index + 1), the
    register's visit records, and the first and last visit of each client on each site."""

    names: list[str] = field(default_factory=list)
    phones: list[list[tuple[str, str]]] = field(default_factory=list)  # (as typed, E.164)
    id_numbers: list[str] = field(default_factory=list)
    dup_of: dict[int, int] = field(default_factory=dict)  # client id -> the earlier record of the same person
    visits: list[list] = field(default_factory=list)
    first: dict[tuple[int, int], list] = field(default_factory=dict)  # (client, site index) -> first record
    last: dict[tuple[int, int], list] = field(default_factory=dict)
    counts: Counter = field(default_factory=Counter)
    created: dict[int, float] = field(default_factory=dict)  # client id -> epoch of the client record


def weighted_picker(rng: random.Random, items: list, weights: list[float]):
    cumulative = []
    total = 0.0
    for w in weights:
        total += w
        cumulative.append(total)
    return lambda: items[bisect.bisect(cumulative, rng.random() * total)]


def name_maker(rng: random.Random):
    surnames = list(SURNAMES)
    other_share = 100 - sum(SURNAMES.values())  # the long tail of rarer surnames, shared out evenly
    rare = list("欧阳顾孔向毛邵万覃武戴莫贺龚严常温康施牛洪龙黎易乔文")
    pick_surname = weighted_picker(
        rng, surnames + rare, list(SURNAMES.values()) + [other_share / len(rare)] * len(rare)
    )
    pick_common = weighted_picker(rng, COMMON_GIVEN, [1 / (i + 1) ** 0.6 for i in range(len(COMMON_GIVEN))])

    def make() -> str:
        if rng.random() < COMMON_GIVEN_SHARE:
            given = pick_common()
        else:
            given = rng.choice(GIVEN_CHARS) + rng.choice(GIVEN_CHARS)
        return pick_surname() + given

    return make


def typed(number: str, rng: random.Random) -> str:
    """A mobile number as a salesperson might type it."""
    style = rng.random()
    if style < 0.55:
        return number
    if style < 0.80:
        return f"{number[:3]} {number[3:7]} {number[7:]}"
    if style < 0.92:
        return f"{number[:3]}-{number[3:7]}-{number[7:]}"
    return f"+86 {number}"


def near_phone(number: str, rng: random.Random) -> str:
    """One digit off, or two neighbours swapped: the typing slips the register flags (ATT-REG-3)."""
    digits = list(number)
    i = rng.randrange(4, len(digits) - 1)
    if rng.random() < 0.7 or digits[i] == digits[i + 1]:
        digits[i] = rng.choice([d for d in "0123456789" if d != digits[i]])
    else:
        digits[i], digits[i + 1] = digits[i + 1], digits[i]
    return "".join(digits)


def id_number(rng: random.Random) -> str:
    """An 18-digit resident ID with a valid check digit."""
    born = dt.date(1955, 1, 1) + dt.timedelta(days=rng.randrange(365 * 45))
    body = f"{rng.choice(REGIONS)}{born:%Y%m%d}{rng.randrange(1000):03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11]


class PhoneBook:
    """Unique mobile numbers: every client phone and every new caller is a different number."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[str] = set()

    def fresh(self) -> str:
        while True:
            number = f"{self.rng.choice(MOBILE_PREFIXES)}{self.rng.randrange(10**8):08d}"
            if number not in self.used:
                self.used.add(number)
                return number

    def near(self, number: str) -> str:
        while True:
            other = near_phone(number, self.rng)
            if other not in self.used:
                self.used.add(other)
                return other


def visit_counts(rng: random.Random, clients: int, total: int) -> list[int]:
    counts = []
    for _ in range(clients):
        r = rng.random()
        low, high = next((lo, hi) for share, lo, hi in VISIT_BUCKETS if r < share)
        counts.append(rng.randint(low, high))
    diff = total - sum(counts)
    while diff > 0:  # top up or trim, one visit at a time, so the register holds exactly `total` entries
        i = rng.randrange(clients)
        counts[i] += 1
        diff -= 1
    while diff < 0:
        i = rng.randrange(clients)
        if counts[i] > 1:
            counts[i] -= 1
            diff += 1
    return counts


def generate_clients(seed: Seed, args: argparse.Namespace, rng: random.Random, book: PhoneBook) -> None:
    make_name = name_maker(rng)
    for index in range(args.clients):
        cid = index + 1
        if cid > 1000 and rng.random() < 0.015:  # the same person registered again, a typo in the phone
            original = rng.randrange(1, cid)
            seed.dup_of[cid] = original
            name = seed.names[original - 1]
            numbers = [book.near(seed.phones[original - 1][0][1][3:])]
            ident = seed.id_numbers[original - 1] if rng.random() < 0.4 else ""
        else:
            name = make_name()
            numbers = [book.fresh()]
            if rng.random() < 0.3:
                numbers.append(book.fresh())
            ident = id_number(rng) if rng.random() < 0.35 else ""
        seed.names.append(name)
        seed.phones.append([(typed(n, rng), f"+86{n}") for n in numbers])
        seed.id_numbers.append(ident)


def generate_visits(seed: Seed, args: argparse.Namespace, rng: random.Random, staff: Staff, base: float) -> None:
    """Each client's visits: a cluster in time, mostly on one site; on each site a salesperson registers the
    client first and keeps them with revisits, others register them once the registration has lapsed. A visit
    record is [registered, visited, client, site, salesperson, received by, source, registered by, corrects,
    id, review]."""
    corrections = round(args.entries * 0.005)
    counts = visit_counts(rng, args.clients, args.entries - corrections)
    horizon = args.days * DAY
    sources = weighted_picker(
        rng, ["walk_in", "old_client_intro", "company", "employee_referral"], [0.87, 0.05, 0.04, 0.04]
    )
    homes: dict[int, int] = {}
    for index, n in enumerate(counts):
        cid = index + 1
        # The same person registered again comes back to the same project: that is where they are recognised.
        home = homes[seed.dup_of[cid]] if cid in seed.dup_of else rng.randrange(args.sites)
        homes[cid] = home
        second = rng.randrange(args.sites) if args.sites > 1 and rng.random() < 0.12 else home
        mean_gap = 5.0 if n > 12 else 18.0
        gaps = [rng.expovariate(1 / mean_gap) for _ in range(n - 1)]
        span = sum(gaps)
        if span > args.days - 2:
            gaps = [g * (args.days - 2) / span for g in gaps]
        # Laid on a circle of `days` days, so that every week of the two years gets its share of visits: a cluster
        # that runs past the last day goes on from the first (a client who came back a long time later).
        day = rng.uniform(0, args.days)
        offsets = [day]
        for gap in gaps:
            day += gap
            offsets.append(day)
        owners: dict[int, tuple[int, float]] = {}  # site index -> (salesperson, registration valid until)
        first_registered = None
        for day in sorted(d % args.days for d in offsets):
            visited = base + int(day) * DAY + 9 * 3600 + rng.random() * 9.5 * 3600
            registered = min(visited + rng.uniform(120, 5400), base + horizon - 60)
            s = second if second != home and rng.random() < 0.3 else home
            people = staff.sites[s].salespeople
            held = owners.get(s)
            received_by = None
            if held and visited <= held[1]:
                r = rng.random()
                if r < 0.01:  # a second salesperson's entry while another holds the client (ATT-REG-3)
                    salesperson = rng.choice(people)
                else:
                    salesperson = held[0]
                    if r < 0.05:  # the owner was away: a duty reception, registered for the owner (REC-RET-2)
                        received_by = rng.choice(people)
            else:
                salesperson = held[0] if held and rng.random() < 0.5 else rng.choice(people)
            if held is None or salesperson == held[0] or visited > held[1]:
                owners[s] = (salesperson, (int(day) + 31) * DAY + base)
            source = sources() if (cid, s) not in seed.first else "returning"
            by = salesperson if rng.random() < 0.9 else staff.sites[s].supervisor_id
            record = [registered, visited, cid, s, salesperson, received_by, source, by, None, 0, None]
            seed.visits.append(record)
            seed.first.setdefault((cid, s), record)
            seed.last[(cid, s)] = record
            seed.counts[(cid, s)] += 1
            first_registered = first_registered or registered
        seed.created[cid] = first_registered
    for record in rng.sample(seed.visits, corrections):
        fixed = record[REG] + rng.uniform(0.3, 3) * DAY
        if fixed >= base + horizon - 60:
            fixed = base + horizon - 60
        salesperson = record[SP] if rng.random() < 0.7 else rng.choice(staff.sites[record[SITE]].salespeople)
        seed.visits.append(
            [fixed, record[VISITED], record[CLIENT], record[SITE], salesperson, None, record[SOURCE],
             staff.sites[record[SITE]].supervisor_id, record, 0, None]
        )  # fmt: skip
    seed.visits.sort(key=lambda v: v[REG])
    for i, record in enumerate(seed.visits, start=1):
        record[ID] = i


def review_visits(seed: Seed, rng: random.Random, staff: Staff, base: float, horizon: float) -> None:
    """The project manager reviews each day's entries that evening or the next morning (ATT-REG-1); a few are
    rejected, a few never reviewed, and the last day's mostly await review."""
    for record in seed.visits:
        registered = record[REG]
        if (registered > base + horizon - 1.5 * DAY and rng.random() < 0.6) or rng.random() < 0.024:
            continue
        local_day = int((registered - base) // DAY)
        evening = base + local_day * DAY + rng.uniform(19, 22) * 3600
        at = evening if evening > registered else registered + rng.uniform(0.5, 14) * 3600
        approved = rng.random() > 0.015
        record[REVIEW] = (approved, "" if approved else "重复登记，客户已由他人登记", min(at, base + horizon - 30))
    for record in seed.visits:
        if record[CORRECTS] is not None and record[CORRECTS][REVIEW] is None:
            record[REVIEW] = None  # a correction of an entry never reviewed is not reviewed either


def ts(epoch: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, tz=dt.UTC)


def copy_model(model, names: str, rows) -> int:
    """COPY rows (tuples in the order of `names`, model field names) into the model's table."""
    from django.db import connection

    count = 0

    def counted():
        nonlocal count
        for row in rows:
            count += 1
            yield row

    with connection.cursor() as wrapper:
        desk.copy_model_rows(wrapper.cursor, model, names.split(), counted())
    return count


def reset_sequences(*models) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        for model in models:
            table = model._meta.db_table
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")


def make_staff(args: argparse.Namespace) -> Staff:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group

    from reception.models import DeskSettings
    from salesoffice.models import Site, SiteMembership
    from salesoffice.roles import Role

    User = get_user_model()
    rng = random.Random(f"{args.random_seed}-staff")
    make_name = name_maker(rng)
    password = make_password(PASSWORD)  # one hash for everyone who logs in: hashing is slow on purpose
    groups = {g.name: g for g in Group.objects.all()}
    sites = []
    everyone = []
    for s in range(args.sites):
        project = PROJECTS[s] if s < len(PROJECTS) else f"项目{s + 1}"
        site = Site.objects.create(code=f"{SITE_PREFIX}{s + 1}", name=f"{project} Bench", kind=Site.Kind.SALES_OFFICE)
        DeskSettings.objects.create(site=site)

        def user(username: str, role: Role, first_name: str, pw: str = "!", site=site):
            u = User.objects.create(username=username, first_name=first_name, password=pw)
            groups[role.value].user_set.add(u)
            SiteMembership.objects.create(site=site, user=u)
            return u

        pm = user(f"rb{s + 1}-pm", Role.PROJECT_MANAGER, make_name() + "经理", password)
        supervisor = user(f"rb{s + 1}-supervisor", Role.SITE_SUPERVISOR, make_name() + "主管", password)
        manager = user(f"rb{s + 1}-salesmgr", Role.SALES_MANAGER, make_name(), password)
        sales = User.objects.bulk_create(
            [
                User(username=f"rb{s + 1}-sp{i:02d}", first_name=make_name(), password="!")
                for i in range(args.salespeople)
            ]
        )
        groups[Role.SALESPERSON.value].user_set.add(*sales)
        SiteMembership.objects.bulk_create([SiteMembership(site=site, user=u) for u in sales])
        sites.append(SiteStaff(site.pk, site.code, pm.pk, supervisor.pk, manager.pk, [u.pk for u in sales]))
        everyone.append(site)
    director = User.objects.create(username="rb-director", first_name="总监", password=password)
    groups[Role.SALES_DIRECTOR.value].user_set.add(director)
    assistant = User.objects.create(username="rb-assistant", first_name="助理", password=password)
    groups[Role.SALES_ASSISTANT.value].user_set.add(assistant)
    SiteMembership.objects.bulk_create(
        [SiteMembership(site=site, user=u) for site in everyone for u in (director, assistant)]
    )
    return Staff(sites, director.pk, assistant.pk)


def load_staff() -> Staff:
    from django.contrib.auth import get_user_model

    from salesoffice.models import Site

    User = get_user_model()
    ids = dict(User.objects.filter(username__startswith="rb").values_list("username", "pk"))
    sites = []
    for site in Site.objects.filter(code__startswith=SITE_PREFIX).order_by("pk"):
        n = site.code.removeprefix(SITE_PREFIX)
        sales = sorted((name, pk) for name, pk in ids.items() if name.startswith(f"rb{n}-sp"))
        sites.append(
            SiteStaff(
                site.pk, site.code, ids[f"rb{n}-pm"], ids[f"rb{n}-supervisor"], ids[f"rb{n}-salesmgr"],
                [pk for _name, pk in sales],
            )
        )  # fmt: skip
    return Staff(sites, ids["rb-director"], ids["rb-assistant"])


def seeded_size(args: argparse.Namespace) -> tuple[int, int, int] | None:
    """(clients, register entries, sites) already in the bench database, or None when it is empty."""
    from attribution.models import Client, VisitEntry
    from salesoffice.models import Site

    sites = Site.objects.filter(code__startswith=SITE_PREFIX).count()
    if not sites:
        return None
    return Client.objects.count(), VisitEntry.objects.count(), sites


def seed(args: argparse.Namespace) -> dict[str, float]:
    """Generate and write the whole register in one transaction; returns seconds per phase."""
    from django.db import connection, transaction
    from django.utils import timezone

    from salesoffice.models import Site

    rng = random.Random(args.random_seed)
    phases: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        phases[name] = time.perf_counter() - clock
        clock = time.perf_counter()

    with transaction.atomic():
        staff = make_staff(args)
        zone = Site.objects.get(pk=staff.sites[0].site_id).zone
        today = timezone.now().astimezone(zone).date()
        first_day = today - dt.timedelta(days=args.days)
        # The sites are in Asia/Shanghai, which has no daylight saving: a local day is always 86,400 s.
        base = dt.datetime.combine(first_day, dt.time.min, tzinfo=zone).timestamp()
        horizon = args.days * DAY
        data = Seed()
        book = PhoneBook(rng)
        generate_clients(data, args, rng, book)
        generate_visits(data, args, rng, staff, base)
        review_visits(data, rng, staff, base, horizon)
        facts = generate_facts(data, args, rng, staff, base, horizon, book, zone)
        lap("generate")
        write_seed(data, facts, staff, rng)
        lap("COPY")
        write_audit_rows()
        lap("audit rows")
        summarise_register()
        lap("client summaries")
    lap("commit")
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    lap("VACUUM ANALYZE")
    return phases


@dataclass
class Facts:
    """Rows of the other tables, as tuples in the order their COPY layouts name."""

    recognitions: list[tuple] = field(default_factory=list)
    spouses: list[tuple] = field(default_factory=list)
    referrals: list[tuple] = field(default_factory=list)
    company: list[tuple] = field(default_factory=list)
    introductions: list[tuple] = field(default_factory=list)
    disputes: list[tuple] = field(default_factory=list)
    shares: list[tuple] = field(default_factory=list)
    deals: list[tuple] = field(default_factory=list)
    receptions: list[tuple] = field(default_factory=list)
    changes: list[tuple] = field(default_factory=list)
    entry_reception: dict[int, int] = field(default_factory=dict)
    follow_ups: list[tuple] = field(default_factory=list)
    inquiries: list[tuple] = field(default_factory=list)


def generate_facts(
    data: Seed,
    args: argparse.Namespace,
    rng: random.Random,
    staff: Staff,
    base: float,
    horizon: float,
    book: PhoneBook,
    zone,
) -> Facts:
    facts = Facts()
    end = base + horizon - 60
    scale = args.entries / 1_000_000
    pairs = list(data.first)
    by_site: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for pair in pairs:
        by_site[pair[1]].append(pair)

    # REC-NEW-2: the duplicate records' salespeople recognise the earlier record's client within the month.
    for dup, original in data.dup_of.items():
        for s in range(args.sites):
            mine, theirs = data.first.get((dup, s)), data.first.get((original, s))
            if mine is None or theirs is None or theirs[REG] >= mine[REG] or rng.random() < 0.4:
                continue
            at = min(mine[VISITED] + rng.choice([0.05, 1, 3, 8, 20]) * DAY * rng.random(), end)
            pm = staff.sites[s].pm_id
            facts.recognitions.append(
                (staff.sites[s].site_id, dup, original, theirs[SP], ts(at), pm, ts(min(at + 3600, end)), "")
            )
    # ATT-SPOUSE: couples registered separately on one site.
    seen: set[tuple[int, int]] = set()
    for _ in range(round(3000 * scale)):
        s = rng.randrange(args.sites)
        (a, _s), (b, _s2) = rng.sample(by_site[s], 2)
        if (min(a, b), max(a, b)) in seen:
            continue
        seen.add((min(a, b), max(a, b)))
        at = min(max(data.first[(a, s)][REG], data.first[(b, s)][REG]) + rng.uniform(0.1, 5) * DAY, end)
        facts.spouses.append((staff.sites[s].site_id, a, b, staff.sites[s].pm_id, ts(at)))
    # First visits by source: referrals (ATT-EMP), company clients (ATT-CO), old-client introductions (ATT-REF-OLD).
    for (cid, s), record in data.first.items():
        site = staff.sites[s]
        visited = record[VISITED]
        if record[SOURCE] == "employee_referral":
            registered = visited - rng.uniform(1, 7) * DAY
            data.created[cid] = min(data.created[cid], registered)
            other = staff.sites[rng.randrange(args.sites)]
            referrer = rng.choice([*other.salespeople, other.supervisor_id])
            day = dt.datetime.fromtimestamp(visited, tz=dt.UTC).astimezone(zone).date()
            confirmed = rng.random() < 0.85
            facts.referrals.append(
                (site.site_id, cid, referrer, day, ts(registered), referrer,
                 ts(visited + 600) if confirmed else None, site.pm_id if confirmed else None, "", not confirmed)
            )  # fmt: skip
        elif record[SOURCE] == "company":
            kind = rng.choice(["followed_up", "followed_up", "direct_sales", "direct_other"])
            designated = rng.choice(site.salespeople) if rng.random() < 0.1 else None
            contacted = visited - rng.uniform(1, 10) * DAY
            marked = min(visited + 7200, end)
            facts.company.append((site.site_id, cid, kind, ts(contacted), designated, site.pm_id, ts(marked)))
        elif record[SOURCE] == "old_client_intro":
            mode = rng.choice("aabc")
            declared = ts(visited - DAY) if mode == "a" else None
            appointment = ts(visited - 600) if mode == "a" else None
            facts.introductions.append(
                (site.site_id, cid, rng.choice(site.salespeople), mode, declared, appointment, site.pm_id,
                 ts(min(visited + 7200, end)))
            )  # fmt: skip
    # ATT-DISP-1: opinions on clients two salespeople served; most decided by the director.
    many = [p for p in pairs if data.counts[p] >= 3 and data.first[p][SP] != data.last[p][SP]]
    for dispute_id, (cid, s) in enumerate(rng.sample(many, min(len(many), round(300 * scale))), start=1):
        site = staff.sites[s]
        written = min(data.last[(cid, s)][REG] + DAY, end - 7200)
        decided = rng.random() < 0.8
        approved = rng.random() < 0.7 if decided else None
        facts.disputes.append(
            (dispute_id, site.site_id, cid, "双方均有接待，首访与成交分属不同销售员。", site.pm_id, ts(written),
             approved, staff.director_id if decided else None, ts(written + 3600) if decided else None, "")
        )  # fmt: skip
        facts.shares += [
            (dispute_id, data.first[(cid, s)][SP], Decimal(60)),
            (dispute_id, data.last[(cid, s)][SP], Decimal(40)),
        ]
    # Deals (COM-1), on the day of a later visit, by the salesperson who served it.
    returning = [p for p in pairs if data.counts[p] >= 2]
    for number, (cid, s) in enumerate(rng.sample(returning, min(len(returning), round(12_000 * scale)))):
        last = data.last[(cid, s)]
        signed = min(last[VISITED] + rng.uniform(0.5, 3) * 3600, end)
        price = Decimal(rng.randrange(120, 600)) * 10_000
        # A unit sells once per site (and a contract is recorded once): numbered, so never twice.
        facts.deals.append(
            (staff.sites[s].site_id, cid, last[SP], f"RB-{number:06d}", f"{number // 500 + 1}-{number % 500 + 1:04d}",
             data.names[cid - 1], ts(signed), price, (price / 100).quantize(Decimal("0.01")), "split",
             staff.sites[s].pm_id, ts(min(signed + 3600, end)), staff.sites[s].pm_id, ts(min(signed + 3600, end)))
        )  # fmt: skip
    # Change-of-salesperson requests during a reception (REC-NEW-4, REC-DES-2/3): the entry that followed points
    # at the reception; for a named salesperson, the replacing reception.
    reception_id = 0
    candidates = [v for v in rng.sample(data.visits, round(5000 * scale)) if v[CORRECTS] is None]
    for record in candidates:
        site = staff.sites[record[SITE]]
        arrived = record[VISITED] - 300
        reception_id += 1
        first = reception_id
        named = rng.random() < 0.5
        first_receiver = rng.choice([sp for sp in site.salespeople if sp != record[SP]]) if named else record[SP]
        facts.receptions.append(
            (first, site.site_id, "rota", "bye" if named else "ended", first_receiver, None, None, record[CLIENT],
             data.names[record[CLIENT] - 1], 0, True, ts(arrived), ts(arrived + 60),
             ts(arrived + 900 if named else record[VISITED] + 2400), None, f"rb-{first}", site.supervisor_id)
        )  # fmt: skip
        if named:
            reception_id += 1
            facts.receptions.append(
                (reception_id, site.site_id, "switched", "ended", record[SP], None, None, record[CLIENT],
                 data.names[record[CLIENT] - 1], 0, False, ts(arrived + 900), ts(arrived + 900),
                 ts(record[VISITED] + 2400), first, f"rb-{reception_id}", site.supervisor_id)
            )  # fmt: skip
        facts.entry_reception[record[ID]] = reception_id
        decision = "d" if named else rng.choice("ab")
        facts.changes.append(
            (first, decision, record[SP] if named else None, named and rng.random() < 0.1, "",
             site.manager_id, ts(arrived + 600), False)
        )  # fmt: skip
    # ATT-FU-1: follow-ups planned after some visits, most of them done.
    for record in data.visits:
        if record[CORRECTS] is not None or rng.random() >= 0.12:
            continue
        planned = record[VISITED] + rng.uniform(2, 7) * DAY
        done = planned + rng.uniform(0, 2) * DAY
        is_done = done < end and rng.random() < 0.85
        facts.follow_ups.append(
            (staff.sites[record[SITE]].site_id, record[CLIENT], record[SP], "call" if rng.random() < 0.8 else "visit",
             ts(planned), "回访，介绍新推房源", ts(done) if is_done else None,
             "客户有意向，约周末来访" if is_done else "", ts(record[REG]))
        )  # fmt: skip
    # REC-NEW-3: phone inquiries, for reference only; half from people already on the register.
    make_name = name_maker(rng)
    for _ in range(round(100_000 * scale)):
        s = rng.randrange(args.sites)
        site = staff.sites[s]
        at = base + rng.randrange(args.days) * DAY + (9 + rng.random() * 9) * 3600
        if rng.random() < 0.5:
            cid = rng.randrange(1, args.clients + 1)
            name, phone, new = data.names[cid - 1], data.phones[cid - 1][0][0], False
        else:
            name, phone, new = make_name(), typed(book.fresh(), rng), True
        facts.inquiries.append(
            (site.site_id, rng.choice(site.salespeople), ts(min(at, end)), name, phone, new, rng.random() < 0.6, "")
        )
    return facts


def write_seed(data: Seed, facts: Facts, staff: Staff, rng: random.Random) -> None:
    from attribution import models as m
    from commission.models import Deal
    from reception.models import ChangeRequest, PhoneInquiry, Reception

    site_ids = [s.site_id for s in staff.sites]
    needs_of: dict[int, tuple[str, Decimal | None, str]] = {}
    for cid in range(1, len(data.names) + 1):
        budget = Decimal(rng.randrange(150, 800)) * 10_000 if rng.random() < 0.5 else None
        needs_of[cid] = (rng.choice(NEEDS) if rng.random() < 0.6 else "", budget, rng.choice("ABCD  "))
    copy_model(
        m.Client,
        "id name phone phone_normalised id_number grade needs budget created_at",
        (
            (cid, data.names[cid - 1], data.phones[cid - 1][0][0], data.phones[cid - 1][0][1],
             data.id_numbers[cid - 1], needs_of[cid][2].strip(), needs_of[cid][0], needs_of[cid][1],
             ts(data.created[cid]))
            for cid in range(1, len(data.names) + 1)
        ),
    )  # fmt: skip
    copy_model(
        m.ClientPhone,
        "client phone phone_normalised",
        ((cid, raw, e164) for cid, phones in enumerate(data.phones, start=1) for raw, e164 in phones),
    )
    copy_model(
        Reception,
        "id site kind status salesperson waiting_for owner client client_label party_new_clients consumed_turn "
        "arrived_at started_at ended_at replaces request_key created_by",
        facts.receptions,
    )
    copy_model(
        ChangeRequest,
        "reception decision requested_salesperson instigated note decided_by decided_at grant_priority",
        facts.changes,
    )

    def duplicates_seen(record) -> str:
        original = data.dup_of.get(record[CLIENT])
        if original is None or data.first.get((record[CLIENT], record[SITE])) is not record:
            return "[]"
        return json.dumps(
            [{"id": original, "name": data.names[original - 1], "phone": data.phones[original - 1][0][0]}],
            ensure_ascii=False,
        )

    copy_model(
        m.VisitEntry,
        "id client site salesperson received_by reception source visited_at registered_at registered_by corrects "
        "needs budget note possible_duplicates",
        (
            (v[ID], v[CLIENT], site_ids[v[SITE]], v[SP], v[RECV], facts.entry_reception.get(v[ID]), v[SOURCE],
             ts(v[VISITED]), ts(v[REG]), v[REGBY], v[CORRECTS][ID] if v[CORRECTS] else None,
             needs_of[v[CLIENT]][0] if v[SOURCE] != "returning" else "",
             needs_of[v[CLIENT]][1] if v[SOURCE] != "returning" else None,
             "更正：登记有误" if v[CORRECTS] else "", duplicates_seen(v))
            for v in data.visits
        ),
    )  # fmt: skip
    copy_model(
        m.VisitApproval,
        "entry approved reason approved_by approved_at",
        (
            (v[ID], v[REVIEW][0], v[REVIEW][1], staff.sites[v[SITE]].pm_id, ts(v[REVIEW][2]))
            for v in data.visits
            if v[REVIEW] is not None
        ),
    )
    copy_model(
        m.PendingReview,
        "entry site registered_at",
        ((v[ID], site_ids[v[SITE]], ts(v[REG])) for v in data.visits if v[REVIEW] is None),  # awaiting review
    )
    layouts = [
        (m.Recognition, "site client original_client original_salesperson recognised_at recorded_by recorded_at note",
         facts.recognitions),
        (m.SpouseLink, "site client spouse marked_by marked_at", facts.spouses),
        (m.Referral, "site client referrer appointment_date registered_at registered_by confirmed_at confirmed_by "
         "note lapse_notified", facts.referrals),
        (m.CompanyClientMark, "site client kind contacted_at designated_salesperson marked_by marked_at",
         facts.company),
        (m.OldClientIntroduction, "site client introducer_salesperson mode declared_at appointment_at marked_by "
         "marked_at", facts.introductions),
        (m.DisputeOpinion, "id site client reasoning written_by written_at approved decided_by decided_at "
         "decision_note", facts.disputes),
        (m.DisputeShare, "opinion salesperson percent", facts.shares),
        (Deal, "site client salesperson contract_no unit buyer_names signed_at price commission split_status "
         "recorded_by recorded_at confirmed_by confirmed_at", facts.deals),
        (m.FollowUp, "site client salesperson kind planned_for plan done_at outcome created_at", facts.follow_ups),
        (PhoneInquiry, "site taken_by taken_at caller_name caller_phone new_to_project invited_to_visit notes",
         facts.inquiries),
    ]  # fmt: skip
    for model, names, rows in layouts:
        copy_model(model, names, rows)
    reset_sequences(m.Client, m.VisitEntry, Reception, m.DisputeOpinion)


def write_audit_rows() -> None:
    """simple_history's '+' rows for the bulk-written objects that keep history, as real use would have made."""
    from attribution import models as m
    from commission.models import Deal

    created = "(SELECT c.created_at FROM attribution_client c WHERE c.id = client_id)"
    for model, at, user in [
        (m.Client, "created_at", "NULL"),
        (m.ClientPhone, created, "NULL"),
        (m.Referral, "registered_at", "registered_by_id"),
        (m.DisputeOpinion, "written_at", "written_by_id"),
        (m.FollowUp, "created_at", "salesperson_id"),
        (Deal, "recorded_at", "recorded_by_id"),
    ]:
        desk.write_history_rows(model, "TRUE", [], {"__at__": at, "__user__": user}, final_at=None)


def summarise_register() -> None:
    """The client list's summaries (ClientSiteSummary), which the register's services keep for what they write: the
    bulk-written register is summarised by the same code, site by site."""
    from attribution import services
    from salesoffice.models import Site

    for site in Site.objects.filter(code__startswith=SITE_PREFIX).order_by("pk"):
        services.client_summaries_rebuild(site=site)


def seed_summary() -> dict:
    from django.db import connection

    counts = {}
    with connection.cursor() as cur:
        for label, table in [
            ("clients", "attribution_client"),
            ("phones", "attribution_clientphone"),
            ("entries", "attribution_visitentry"),
            ("approvals", "attribution_visitapproval"),
            ("client summaries", "attribution_clientsitesummary"),
            ("recognitions", "attribution_recognition"),
            ("spouse links", "attribution_spouselink"),
            ("referrals", "attribution_referral"),
            ("company marks", "attribution_companyclientmark"),
            ("introductions", "attribution_oldclientintroduction"),
            ("disputes", "attribution_disputeopinion"),
            ("follow-ups", "attribution_followup"),
            ("deals", "commission_deal"),
            ("change requests", "reception_changerequest"),
            ("phone inquiries", "reception_phoneinquiry"),
        ]:
            cur.execute(f"SELECT count(*) FROM {table}")
            counts[label] = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM attribution_visitentry WHERE corrects_id IS NOT NULL")
        counts["corrections"] = cur.fetchone()[0]
        cur.execute("SELECT name, count(*) FROM attribution_client GROUP BY name ORDER BY 2 DESC LIMIT 3")
        counts["top names"] = ", ".join(f"{n} {c}" for n, c in cur.fetchall())
        cur.execute("SELECT count(DISTINCT name) FROM attribution_client")
        counts["distinct names"] = cur.fetchone()[0]
        cur.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        counts["database size"] = cur.fetchone()[0]
    return counts


# ----------------------------------------------------------------------------------------------------------------
# Measuring
# ----------------------------------------------------------------------------------------------------------------


class QueryMeter:
    """The queries of a measured call and the time they spent waiting on the database (an execute wrapper)."""

    def __init__(self) -> None:
        self.queries = 0
        self.seconds = 0.0

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
    queries: list[int] = field(default_factory=list)
    sql_ms: list[float] = field(default_factory=list)
    # CPU this process spent on each call (in-process), or the time inside gunicorn (HTTP): figures that depend
    # far less than the latencies on what else the shared machine is doing.
    cpu_ms: list[float] = field(default_factory=list)
    errors: int = 0

    def add(self, ms: float, meter: QueryMeter | None = None, cpu_ms: float | None = None) -> None:
        self.ms.append(ms)
        if meter is not None:
            self.queries.append(meter.queries)
            self.sql_ms.append(meter.seconds * 1000)
        if cpu_ms is not None:
            self.cpu_ms.append(cpu_ms)

    def p(self, q: float) -> float:
        return desk.percentile(self.ms, q) if self.ms else float("nan")


def print_series(rows: list[Series], *, cpu: str = "CPU") -> None:
    width = max(len(row.label) for row in rows) + 2
    queries = ", queries, SQL p50" if any(row.queries for row in rows) else ""
    header = f"{'':<{width}}{'n':>6}{'p50':>9}{'p95':>9}{'p99':>9}{'max':>9}   {cpu} p50/p95{queries}"
    print(header)
    print("-" * (len(header) + 12))
    for row in rows:
        if not row.ms:
            print(f"{row.label:<{width}}{0:>6}")
            continue
        note = ""
        if row.cpu_ms:
            note = f"{desk.percentile(row.cpu_ms, 50):.1f} / {desk.percentile(row.cpu_ms, 95):.1f} ms"
        if row.queries:
            note += f", {statistics.median(row.queries):.0f} queries, SQL {statistics.median(row.sql_ms):.1f} ms"
        if row.errors:
            note += f"  ({row.errors} failed)"
        print(
            f"{row.label:<{width}}{len(row.ms):>6}{row.p(50):>9.1f}{row.p(95):>9.1f}{row.p(99):>9.1f}"
            f"{max(row.ms):>9.1f}   {note}"
        )


class CpuWatch:
    """Where the CPUs went while this process measured in-process: itself, its database backend, and every other
    process on the machine (other people's test runs inflate every figure)."""

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
            f"({others / capacity:.0%} of the machine's {capacity:.0f} CPU-s)"
        )
        if others / capacity > 0.15:
            line += "\nWARNING: other processes competed for the CPUs; the latencies are inflated"
        return line


@dataclass
class CheckInput:
    kind: str  # existing phone / common name, new phone / near-duplicate phone / new client
    site: int  # index into the sites
    name: str
    phones: list[str]
    id_number: str = ""
    holder: int | None = None  # the salesperson of the client's latest entry on that site


CHECK_KINDS = {
    "existing": "phone on the register",
    "common": "new phone, a common name",
    "near": "phone one digit off a client's, same name",
    "new": "new phone, a rare name",
}


def check_inputs(count: int, rng: random.Random, sites: list) -> list[CheckInput]:
    """What the desk types: 40% a phone already on the register, 25% a new phone with one of the common names,
    20% a phone one digit off a client's with that client's name, 15% a new client with a rarer name."""
    from django.db import connection

    site_index = {site.pk: i for i, site in enumerate(sites)}
    with connection.cursor() as cur:
        cur.execute("SELECT name, count(*) FROM attribution_client GROUP BY name ORDER BY 2 DESC, 1 LIMIT 300")
        common = cur.fetchall()
        cur.execute("SELECT max(id) FROM attribution_client")
        ids = rng.sample(range(1, cur.fetchone()[0] + 1), count)
        cur.execute(
            "SELECT c.id, c.name, c.id_number, p.phone_normalised, e.site_id, e.salesperson_id "
            "FROM attribution_client c "
            "JOIN LATERAL (SELECT phone_normalised FROM attribution_clientphone WHERE client_id = c.id "
            "              ORDER BY random() LIMIT 1) p ON TRUE "
            "LEFT JOIN LATERAL (SELECT site_id, salesperson_id FROM attribution_visitentry WHERE client_id = c.id "
            "                   ORDER BY registered_at DESC LIMIT 1) e ON TRUE "
            "WHERE c.id = ANY(%s)",
            [ids],
        )
        known = cur.fetchall()
    pick_common = weighted_picker(rng, [n for n, _c in common], [c for _n, c in common])
    with_id = [row[2] for row in known if row[2]]
    rng.shuffle(known)
    surnames = list(SURNAMES)

    def fresh() -> str:
        return f"{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**8):08d}"

    inputs = []
    for i in range(count):
        r = rng.random()
        cid, name, ident, e164, site_id, holder = known[i]
        if r < 0.40:
            inp = CheckInput(
                "existing",
                site_index.get(site_id, rng.randrange(len(sites))),
                name if rng.random() < 0.85 else pick_common(),
                [typed(e164[3:], rng)],
                ident if ident and rng.random() < 0.5 else "",
                holder,
            )
        elif r < 0.65:
            inp = CheckInput("common", rng.randrange(len(sites)), pick_common(), [typed(fresh(), rng)])
        elif r < 0.85:
            inp = CheckInput("near", site_index.get(site_id, 0), name, [typed(near_phone(e164[3:], rng), rng)])
        else:
            rare = rng.choice(surnames) + rng.choice(GIVEN_CHARS) + rng.choice(GIVEN_CHARS)
            phones = [typed(fresh(), rng) for _ in range(2 if rng.random() < 0.2 else 1)]
            ident = rng.choice(with_id) if with_id and rng.random() < 0.1 else ""
            inp = CheckInput("new", rng.randrange(len(sites)), rare, phones, ident)
        inputs.append(inp)
    # A "new" or "near" phone that happens to be on the register is re-drawn, so each kind is what it says.
    from attribution.models import ClientPhone
    from salesoffice.phones import normalise_phone

    taken = set(
        ClientPhone.objects.filter(
            phone_normalised__in=[normalise_phone(p) for i in inputs if i.kind != "existing" for p in i.phones]
        ).values_list("phone_normalised", flat=True)
    )
    for inp in inputs:
        if inp.kind != "existing":
            inp.phones = [typed(fresh(), rng) if normalise_phone(p) in taken else p for p in inp.phones]
    return inputs


def duplicate_check(inp: CheckInput, site, now: dt.datetime, marks: list[float]):
    """What the register form's live check and `visit_register` do before writing (ATT-REG-2/3)."""
    from attribution import selectors, services

    cleaned = services.normalise_phones(inp.phones)
    client = selectors.client_by_phone(normalised_phone=cleaned[0][1])
    marks.append(time.perf_counter())
    attribution = selectors.client_attribution(client=client, site=site, now=now) if client else None
    marks.append(time.perf_counter())
    found = services.possible_duplicates(
        name=inp.name,
        phones=[n for _raw, n in cleaned],
        id_number=inp.id_number,
        exclude_client_id=client.pk if client else None,
    )
    marks.append(time.perf_counter())
    return client, attribution, found


def measure_checks(inputs: list[CheckInput], sites: list, now: dt.datetime) -> tuple[list[Series], Counter]:
    from django.db import connection

    total = Series("duplicate check (all inputs)")
    by_kind = {k: Series(f"  {label}") for k, label in CHECK_KINDS.items()}
    parts = [
        Series("  part: client_by_phone"),
        Series("  part: client_attribution"),
        Series("  part: possible_duplicates"),
    ]
    seen: Counter = Counter()
    meter = QueryMeter()
    for inp in inputs[: min(100, len(inputs))]:  # warm-up: connections, caches, the translation catalog
        duplicate_check(inp, sites[inp.site], now, [])
    with connection.execute_wrapper(meter):
        for inp in inputs:
            meter.reset()
            cpu = time.process_time()
            marks = [time.perf_counter()]
            client, attribution, found = duplicate_check(inp, sites[inp.site], now, marks)
            ms = (marks[-1] - marks[0]) * 1000
            cpu = (time.process_time() - cpu) * 1000
            total.add(ms, meter, cpu)
            by_kind[inp.kind].add(ms, meter, cpu)
            for series, a, b in zip(parts, marks, marks[1:], strict=False):
                series.add((b - a) * 1000)
            seen["on the register"] += client is not None
            seen["held by someone"] += bool(attribution and attribution.owner_id)
            seen["flagged near-duplicates"] += bool(found)
    return [total, *by_kind.values(), *parts], seen


def measure_registrations(
    inputs: list[CheckInput], sites: list, staff: Staff, now: dt.datetime, rng: random.Random
) -> tuple[Series, Counter]:
    """`visit_register` end to end, each in a transaction that is rolled back: the register does not grow."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from attribution import services

    User = get_user_model()
    series = Series("visit_register (rolled back)")
    outcomes: Counter = Counter()
    meter = QueryMeter()
    for k, inp in enumerate(inputs):
        people = staff.sites[inp.site].salespeople
        chosen = inp.holder if inp.holder in people and rng.random() < 0.7 else rng.choice(people)
        salesperson = User.objects.get(pk=chosen)  # a fresh user per request: permissions are read again
        when = now + dt.timedelta(milliseconds=k)
        meter.reset()
        with connection.execute_wrapper(meter):
            started, cpu = time.perf_counter(), time.process_time()
            try:
                with transaction.atomic():
                    result = services.visit_register(
                        site=sites[inp.site],
                        actor=salesperson,
                        salesperson=salesperson,
                        name=inp.name,
                        phones=inp.phones,
                        id_number=inp.id_number,
                        now=when,
                    )
                    outcomes["new client" if result.created_client else "client on the register"] += 1
                    transaction.set_rollback(True)
            except services.RegisterError:
                outcomes["refused (held or pending for another)"] += 1
            ms = (time.perf_counter() - started) * 1000
        series.add(ms, meter, (time.process_time() - cpu) * 1000)
    return series, outcomes


def heavy_clients(count: int, rng: random.Random, *, at_least: int) -> list[tuple[int, int]]:
    """(client id, site id) pairs with at least `at_least` register entries on the site, drawn at random."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT client_id, site_id FROM attribution_visitentry GROUP BY client_id, site_id HAVING count(*) >= %s",
            [at_least],
        )
        pairs = cur.fetchall()
    return [rng.choice(pairs) for _ in range(count)] if pairs else []


def typical_clients(count: int, rng: random.Random) -> list[tuple[int, int]]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT max(id) FROM attribution_visitentry")
        top = cur.fetchone()[0]
        cur.execute(
            "SELECT DISTINCT client_id, site_id FROM attribution_visitentry WHERE id = ANY(%s)",
            [rng.sample(range(1, top + 1), min(top, count))],
        )
        return cur.fetchall()


def busiest_salesperson(site) -> str:
    """The username of the site's salesperson with the most register entries, given the bench password so that the
    list can be measured as a salesperson sees it (their own clients only)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db.models import Count

    from attribution.models import VisitEntry

    busiest = (
        VisitEntry.objects.filter(site=site)
        .values("salesperson_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "salesperson_id")
        .first()
    )
    user = get_user_model().objects.get(pk=busiest["salesperson_id"])
    if not user.check_password(PASSWORD):
        user.password = make_password(PASSWORD)
        user.save(update_fields=["password"])
    return user.username


def page_urls_available() -> bool:
    from django.urls import NoReverseMatch, reverse

    try:
        reverse("attribution:client", kwargs={"site": "x", "client_id": 1})
        reverse("attribution:clients", kwargs={"site": "x"})
    except NoReverseMatch:
        return False
    return True


def client_url(code: str, client_id: int) -> str:
    from django.urls import reverse

    return reverse("attribution:client", kwargs={"site": code, "client_id": client_id})


def list_urls(sites: list, staff: Staff, rng: random.Random, count: int) -> list[tuple[str, str]]:
    """(series, URL) of client-list requests as the project manager: the first page, a later page, a name search, a
    phone search, the valid registrations, one salesperson's holdings; and a salesperson's own list."""
    from django.db import connection
    from django.urls import reverse

    with connection.cursor() as cur:
        cur.execute("SELECT name FROM attribution_client GROUP BY name ORDER BY count(*) DESC LIMIT 50")
        names = [r[0] for r in cur.fetchall()]
    urls = []
    for i in range(count):
        base = reverse("attribution:clients", kwargs={"site": sites[i % len(sites)].code})
        kind = LIST_KINDS[i % len(LIST_KINDS)]
        query = {
            "first": "",
            "later": f"?page={rng.randint(2, 200)}",
            "name": f"?search={urllib.parse.quote(rng.choice(names))}",
            "phone": f"?search={rng.choice(MOBILE_PREFIXES)}{rng.randrange(10000):04d}",
            "valid": "?status=valid",
            "owner": f"?owner={rng.choice(staff.sites[i % len(sites)].salespeople)}",
            "salesperson": "",
        }[kind]
        urls.append((kind, base + query))
    return urls


def check_url(code: str, inp: CheckInput, salesperson: int) -> str:
    from django.urls import reverse

    query = {"name": inp.name, "phone": inp.phones[0], "id_number": inp.id_number, "salesperson": salesperson}
    if len(inp.phones) > 1:
        query["phone2"] = inp.phones[1]
    return reverse("attribution:register_check", kwargs={"site": code}) + "?" + urllib.parse.urlencode(query)


def measure_pages_http(
    args: argparse.Namespace, secret_key: str, sites: list, staff: Staff, inputs: list[CheckInput], rng
) -> tuple[list[Series], str]:
    """Client pages, client lists and the live register check over HTTP, one request at a time, each site's
    project manager logged in to their own site."""
    from django.db import connections

    heavy = heavy_clients(args.pages, rng, at_least=20)
    typical = typical_clients(max(1, args.pages // 3), rng)
    lists = list_urls(sites, staff, rng, args.lists)
    code_of = {site.pk: site.code for site in sites}
    # Who each session is: the site's project manager, or (key "<code>/sp") the salesperson with the most clients.
    users = {site.code: f"rb{site.code.removeprefix(SITE_PREFIX)}-pm" for site in sites}
    users.update({f"{site.code}/sp": busiest_salesperson(site) for site in sites})
    plan = [("page, many entries", code_of[s], client_url(code_of[s], c)) for c, s in heavy]
    plan += [("page, a typical client", code_of[s], client_url(code_of[s], c)) for c, s in typical]
    plan += [
        (f"list, {kind}", url.split("/")[2] + ("/sp" if kind == "salesperson" else ""), url) for kind, url in lists
    ]
    plan += [
        ("live check", sites[i.site].code, check_url(sites[i.site].code, i, staff.sites[i.site].pm_id))
        for i in inputs[: args.pages]
    ]
    rng.shuffle(plan)
    connections.close_all()
    env = desk.bench_env(args.database_url, secret_key)
    logdir = Path(tempfile.mkdtemp(prefix="register-bench-"))
    server = desk.Server(env, args.workers, 1, logdir)
    series = {
        label: Series(f"{label:<24}{path}")
        for label, path in [
            ("page, many entries", "GET /register/<s>/clients/<id>/  (>= 20 entries)"),
            ("page, a typical client", "GET /register/<s>/clients/<id>/"),
            ("list, first", "GET /register/<s>/clients/"),
            ("list, later", "GET /register/<s>/clients/?page=N"),
            ("list, name", "GET /register/<s>/clients/?search=<name>"),
            ("list, phone", "GET /register/<s>/clients/?search=<digits>"),
            ("list, valid", "GET /register/<s>/clients/?status=valid"),
            ("list, owner", "GET /register/<s>/clients/?owner=<salesperson>"),
            ("list, salesperson", "GET /register/<s>/clients/  (a salesperson's own)"),
            ("live check", "GET /register/<s>/visit/check/?phone=..."),
        ]
    }
    try:
        server.wait_ready()
        sessions = {}
        for i, (key, username) in enumerate(users.items(), start=1):
            term = desk.Terminal(server.base, i)
            term.login(username)
            sessions[key] = term
        for _label, code, url in plan[:10]:  # warm-up, not measured
            sessions[code].request("GET", url)
        meter = desk.CpuMeter(server, args.database_url)
        cpu_start = meter.read()
        skip_lines = len(server.access_log.read_text().splitlines())
        for label, code, url in plan:
            status, text, ms = sessions[code].request("GET", url, htmx=label == "live check")
            row = series[label]
            row.ms.append(ms)
            if status != 200:
                row.errors += 1
        cpu = desk.CpuMeter.delta(cpu_start, meter.read())
    finally:
        server.stop()
    # One request at a time: the access log's lines are the plan's requests in order (%(D)s, microseconds).
    logged = server.access_log.read_text().splitlines()[skip_lines:]
    for (label, _code, _url), line in zip(plan, logged, strict=False):
        series[label].cpu_ms.append(int(line.split()[-1]) / 1000)
    total = sum(len(s.ms) for s in series.values())
    line = (
        f"CPU: gunicorn {cpu['app']:.1f} s ({cpu['app'] / total * 1000:.1f} ms/request), PostgreSQL {cpu['db']:.1f} s "
        f"({cpu['db'] / total * 1000:.1f} ms/request), other processes {cpu['others']:.1f} s "
        f"({cpu['others'] / cpu['capacity']:.0%} of the machine); gunicorn logs in {logdir}"
    )
    if cpu["others"] / cpu["capacity"] > 0.15:
        line += "\nWARNING: other processes competed for the CPUs; the latencies are inflated"
    return list(series.values()), line


def measure_pages_in_process(args: argparse.Namespace, sites: list, rng) -> list[Series]:
    """The client page's work without HTTP: the view through Django's test client when the URL exists, else the
    selectors the page is built from."""
    from django.test import Client as TestClient
    from django.utils import timezone

    from attribution import selectors
    from attribution.models import Client

    site_by_id = {site.pk: site for site in sites}
    heavy = heavy_clients(args.pages, rng, at_least=20)
    row = Series("client page in-process, many entries")
    meter = QueryMeter()
    from django.db import connection

    if page_urls_available():
        from django.contrib.auth import get_user_model

        browsers = {}
        for site in sites:
            browser = TestClient(HTTP_HOST="127.0.0.1")
            browser.force_login(get_user_model().objects.get(username=f"rb{site.code.removeprefix(SITE_PREFIX)}-pm"))
            browsers[site.pk] = browser
        for client_id, site_id in heavy[:5]:
            browsers[site_id].get(client_url(site_by_id[site_id].code, client_id))
        with connection.execute_wrapper(meter):
            for client_id, site_id in heavy:
                meter.reset()
                started, cpu = time.perf_counter(), time.process_time()
                response = browsers[site_id].get(client_url(site_by_id[site_id].code, client_id))
                row.add((time.perf_counter() - started) * 1000, meter, (time.process_time() - cpu) * 1000)
                row.errors += response.status_code != 200
        return [row]
    row.label = "client attribution + entries in-process (no page yet)"
    with connection.execute_wrapper(meter):
        for client_id, site_id in heavy:
            meter.reset()
            started, cpu = time.perf_counter(), time.process_time()
            client = Client.objects.get(pk=client_id)
            selectors.client_attribution(client=client, site=site_by_id[site_id], now=timezone.now())
            row.add((time.perf_counter() - started) * 1000, meter, (time.process_time() - cpu) * 1000)
    return [row]


def report_builder():
    """The function that builds the weekly report's data (ATT-FU-3), or None while it does not exist."""
    try:
        from attribution import reports
    except ImportError:
        return None
    return getattr(reports, "weekly_report_data", None)


def measure_reports(args: argparse.Namespace, now: dt.datetime) -> tuple[Series, Series, str]:
    """Build the latest complete week's report (not the stored row) `--reports` times, and its xlsx."""
    from django.db import connection

    from attribution import reports
    from salesoffice.models import Site

    sites = list(Site.objects.filter(kind=Site.Kind.SALES_OFFICE))
    week = reports.latest_complete_week(now, sites)
    build = Series(f"weekly report data, week of {week}")
    xlsx = Series("weekly report xlsx (from the data)")
    meter = QueryMeter()
    detail = ""
    for run in range(1, args.reports + 1):
        meter.reset()
        with connection.execute_wrapper(meter):
            started, cpu = time.perf_counter(), time.process_time()
            data = reports.weekly_report_data(week_start=week, now=now, sites=sites)
            ms = (time.perf_counter() - started) * 1000
        build.add(ms, meter, (time.process_time() - cpu) * 1000)
        started, cpu = time.perf_counter(), time.process_time()
        reports.weekly_report_xlsx(data)
        xlsx.add((time.perf_counter() - started) * 1000, cpu_ms=(time.process_time() - cpu) * 1000)
        print(f"  report run {run}: data {ms:.0f} ms ({meter.queries} queries, SQL {meter.seconds * 1000:.0f} ms), "
              f"xlsx {xlsx.ms[-1]:.0f} ms")  # fmt: skip
        totals = data["totals"]
        detail = (
            f"{totals.get('calls', 0)} calls, {totals.get('visits', 0)} register entries, {totals.get('deals', 0)} "
            f"deals; {totals['clients']} clients ({totals['clients_on_register']} on the register, "
            f"{totals['clients_in_several_projects']} in several projects)"
        )
    return build, xlsx, detail


def run_explain(sites: list, staff: Staff, inputs: list[CheckInput], rng: random.Random) -> None:
    """EXPLAIN ANALYZE the queries of a duplicate check on a common name, of a client page with many entries,
    of the client list (first page, a later page, a name and a phone search, the valid registrations) and of a
    weekly report."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client as TestClient
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    now = timezone.now()
    sample = next(i for i in inputs if i.kind == "existing")
    for label, inp in [("existing phone", sample), ("common name", next(i for i in inputs if i.kind == "common"))]:
        duplicate_check(inp, sites[inp.site], now, [])
        with CaptureQueriesContext(connection) as ctx:
            duplicate_check(inp, sites[inp.site], now, [])
        desk.explain_queries(f"duplicate check, {label} ({inp.name})", ctx.captured_queries)
    if page_urls_available():
        client_id, site_id = heavy_clients(1, rng, at_least=30)[0]
        site = next(s for s in sites if s.pk == site_id)
        browser = TestClient(HTTP_HOST="127.0.0.1")
        browser.force_login(get_user_model().objects.get(username=f"rb{site.code.removeprefix(SITE_PREFIX)}-pm"))
        lists = [url for _kind, url in list_urls([site], staff, rng, 5)]
        for url in (client_url(site.code, client_id), *lists):
            browser.get(url)
            with CaptureQueriesContext(connection) as ctx:
                browser.get(url)
            desk.explain_queries(f"GET {url}", ctx.captured_queries)
    if report_builder() is not None:
        from attribution import reports
        from salesoffice.models import Site

        all_sites = list(Site.objects.filter(kind=Site.Kind.SALES_OFFICE))
        week = reports.latest_complete_week(now, all_sites)
        with CaptureQueriesContext(connection) as ctx:
            reports.weekly_report_data(week_start=week, now=now, sites=all_sites)
        desk.explain_queries(f"weekly_report_data(week {week})", ctx.captured_queries)


# ----------------------------------------------------------------------------------------------------------------
# Main
# ----------------------------------------------------------------------------------------------------------------


def verdict(name: str, value: float, target: float) -> bool:
    ok = value < target
    print(f"{'PASS' if ok else 'FAIL'}  {name:<44} {value:9.1f} ms  (target < {target:g} ms)")
    return ok


def main() -> int:
    args = parse_args()
    secret_key = secrets.token_urlsafe(40)
    desk.ensure_database(args.database_url, drop=args.reseed)
    desk.setup_django(args.database_url, secret_key)

    from django.core.management import call_command
    from django.db import connection, connections
    from django.utils import timezone

    from salesoffice.models import Site

    call_command("migrate", verbosity=0, interactive=False)
    wanted = (args.clients, args.entries, args.sites)
    have = seeded_size(args)
    seed_seconds, seed_detail = None, ""
    if have is not None and have != wanted:
        print(f"bench database holds {have} (clients, entries, sites), wanted {wanted}: rebuilding")
        connections.close_all()
        desk.ensure_database(args.database_url, drop=True)
        call_command("migrate", verbosity=0, interactive=False)
        have = None
    if have is None:
        print(f"seeding {args.clients:,} clients and {args.entries:,} register entries over {args.days} days ...")
        started = time.perf_counter()
        phases = seed(args)
        seed_seconds = time.perf_counter() - started
        seed_detail = ", ".join(f"{name} {secs:.1f} s" for name, secs in phases.items())
        print(f"seeded in {seed_seconds:.1f} s ({seed_detail})")
    else:
        print("reusing the seeded register (use --reseed to rebuild it)")
    staff = load_staff()
    sites = list(Site.objects.filter(code__startswith=SITE_PREFIX).order_by("pk"))
    summary = seed_summary()
    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        pg_version = cur.fetchone()[0]
    rng = random.Random(f"{args.random_seed}-{time.time_ns()}")
    inputs = check_inputs(max(args.checks, args.registrations, args.pages), rng, sites)

    print()
    print("=" * 110)
    print(f"salesoffice client-register benchmark — PostgreSQL {pg_version}, database "
          f"{desk.database_name(args.database_url)} ({summary.pop('database size')})")  # fmt: skip
    print(
        f"register: {len(sites)} sites x {args.salespeople} salespeople, "
        + ", ".join(f"{v:,} {k}" if isinstance(v, int) else f"{k}: {v}" for k, v in summary.items())
    )
    if seed_seconds is not None:
        print(f"seeding took {seed_seconds:.1f} s ({seed_detail}); migrate excluded")
    if args.explain:
        run_explain(sites, staff, inputs, rng)
    if args.seed_only:
        return 0

    only = set(args.only or ["check", "page", "report"])
    quiet = desk.wait_for_quiet(args.wait_quiet)
    print(f"other processes used {quiet:.0%} of the CPUs just before measuring; load average {os.getloadavg()[0]:.1f}")
    now = timezone.now()
    verdicts = []
    if "check" in only:
        print()
        print(f"1. The duplicate check at registration, in-process, single-threaded ({args.checks} inputs)")
        watch = CpuWatch()
        rows, seen = measure_checks(inputs[: args.checks], sites, now)
        register, outcomes = measure_registrations(inputs[: args.registrations], sites, staff, now, rng)
        print_series([*rows, register])
        kinds = Counter(i.kind for i in inputs[: args.checks])
        print("inputs: " + ", ".join(f"{k} {kinds[k]}" for k in CHECK_KINDS))
        print("found: " + ", ".join(f"{k} {v}" for k, v in seen.items()))
        print("visit_register: " + ", ".join(f"{k} {v}" for k, v in outcomes.items()))
        print(watch.report())
        verdicts.append(verdict("duplicate check p95", rows[0].p(95), TARGET_CHECK_P95_MS))
    if "page" in only:
        print()
        if page_urls_available() and not args.in_process:
            print(f"2. The client page and the client list over HTTP (gunicorn, {args.workers} workers, one request "
                  "at a time, each site's project manager logged in)")  # fmt: skip
            rows, line = measure_pages_http(args, secret_key, sites, staff, inputs, rng)
            print_series(rows, cpu="in gunicorn")
            print(line)
        else:
            print("2. The client page in-process" + ("" if page_urls_available() else " (no client page URL yet)"))
            watch = CpuWatch()
            rows = measure_pages_in_process(args, sites, rng)
            print_series(rows)
            print(watch.report())
        verdicts.append(verdict("client page (many entries) p95", rows[0].p(95), TARGET_PAGE_P95_MS))
    if "report" in only:
        print()
        if report_builder() is None:
            print("3. The weekly report: attribution.reports.weekly_report_data does not exist yet")
        else:
            print("3. The weekly client report (ATT-FU-3), built from the register, not the stored row")
            watch = CpuWatch()
            build, xlsx, detail = measure_reports(args, now)
            print_series([build, xlsx])
            print(f"the week: {detail}")
            print(watch.report())
            verdicts.append(verdict("weekly report, slowest build", max(build.ms), TARGET_REPORT_MS))
    if args.fail_on_miss and not all(verdicts):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
