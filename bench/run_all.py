#!/usr/bin/env python
"""The benchmark of the whole product: every page of every role, side by side with a floor, and the monthly
reports against their raw SQL. Prints figures; it is not a test (exit 0 unless the run itself breaks).

1. Its own database (`--database-url`, default $BENCH_ALL_DATABASE_URL or salesoffice_allbench; the name must end
   in `bench`), seeded with every app's history at `--scale` (bench/seed.py) and reused while it holds that scale.
2. In-process: each monthly report (reception, service desk, commission statement) built by the product's code and
   the same aggregate as one raw SQL query over psycopg, interleaved, their figures checked equal.
3. gunicorn as production runs it (DEBUG off, DJANGO_HTTPS=0, AXES_ENABLED=0, the cache on Redis, 3 workers), with
   bench/settings_bench.py adding an `X-Query-Count` header. One persona per demo role (`allbench-<role>`, a member
   of every site) walks the app from the home page and every page without parameters, following links, htmx
   fetches and redirects; pages no link leads to get their parameters from the pages seen and from the seeded
   data. Every page that answered 200 is then requested `--repeat` times by 8 concurrent clients, each request
   followed by the floor (the login page, GET, as the same signed-in user), in random order; and the main POST
   ("client arrived" at the desk).

Run from the project root:  .venv/bin/python bench/run_all.py --scale small   (see bench/README.md)
"""

import argparse
import datetime as dt
import html.parser
import itertools
import json
import os
import queue
import random
import re
import secrets
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import desk_bench as desk  # noqa: E402 - database, gunicorn and percentile helpers
import seed  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/salesoffice_allbench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/8"
# The walk visits one site of each kind: the one holding that app's history.
WALKED_SITES = {desk.SITE_CODE, "rb-1", "cb-1", "vb-01", "svc-01"}
# Why a page is not measured, when the walk cannot tell.
NOT_MEASURED_WHY = {
    "vip:api_": "the till's API authenticates a till by its token, not a session (bench/vip_bench.py measures it)",
}
NOT_WALKED = {
    "login": "the floor itself: requested after every page",
    "logout": "signing out would end the session",
    "choose_language": "a POST that changes the session's language",
}
FORM_ERROR = re.compile(r"invalid-feedback|is-invalid|alert-danger")
URL_IN_PAGE = re.compile(r'="(/[^"]*)"')
TOKEN_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", choices=sorted(seed.SCALES), default="small")
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_ALL_DATABASE_URL", DEFAULT_DATABASE_URL), help="its own"
    )
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_ALL_REDIS_URL", DEFAULT_REDIS_URL))
    parser.add_argument("--reseed", action="store_true", help="drop and rebuild the bench database first")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--repeat", type=int, help="requests per page (default: 5 small, 10 full)")
    parser.add_argument("--report-repeat", type=int, default=15, help="builds of each report (default 15)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (3, as docker-compose.yml)")
    parser.add_argument(
        "--markdown", type=Path, help="also write the pages' table (each page once, its worst role) to this file"
    )
    parser.add_argument(
        "--seed-only", action="store_true", help="prepare the database (migrate, seed if needed) and stop"
    )
    args = parser.parse_args()
    if args.repeat is None:
        args.repeat = 5 if args.scale == "small" else 10
    return args


# --- the database ------------------------------------------------------------------------------------------------


def prepare_database(args: argparse.Namespace, secret_key: str) -> str:
    """Create/migrate/seed as needed; returns what was done."""
    desk.ensure_database(args.database_url, drop=args.reseed)
    desk.setup_django(args.database_url, secret_key)
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", verbosity=0, interactive=False)
    have = seed.stored_scale()
    if have is not None and have == {"scale": args.scale, "sizes": seed.SCALES[args.scale]}:
        seed.ensure_personas()
        return f"reused the {args.scale} seed (--reseed rebuilds it)"
    if have is not None or _has_rows():
        print(f"the bench database holds {have and have['scale']!r}, wanted {args.scale!r}: rebuilding", flush=True)
        connections.close_all()
        desk.ensure_database(args.database_url, drop=True)
        call_command("migrate", verbosity=0, interactive=False)
    started = time.perf_counter()
    phases = seed.seed_all(args.scale)
    return (
        f"seeded {args.scale} in {time.perf_counter() - started:.0f} s ("
        + ", ".join(f"{k} {v:.0f} s" for k, v in phases.items())
        + ")"
    )


def _has_rows() -> bool:
    from salesoffice.models import Site

    return Site.objects.exists()


# --- reports against raw SQL ---------------------------------------------------------------------------------------

RECEPTION_SQL = """
WITH rec AS (
  SELECT salesperson_id AS sp,
         count(*) FILTER (WHERE status <> 'bye') AS receptions, count(*) FILTER (WHERE consumed_turn) AS rota,
         count(*) FILTER (WHERE kind = 'priority') AS priority, count(*) FILTER (WHERE kind = 'returning') AS ret,
         count(*) FILTER (WHERE kind = 'duty') AS duty, count(*) FILTER (WHERE kind = 'designated') AS designated,
         count(*) FILTER (WHERE status = 'bye') AS byes
  FROM reception_reception
  WHERE site_id = %(site)s AND arrived_at >= %(start)s AND arrived_at < %(end)s AND salesperson_id IS NOT NULL
    AND status <> 'voided'
  GROUP BY 1),
fo AS (
  SELECT e.salesperson_id AS sp, count(*) AS n
  FROM reception_rotaevent e LEFT JOIN reception_reception r ON r.id = e.reception_id
  WHERE e.site_id = %(site)s AND e.at >= %(start)s AND e.at < %(end)s
    AND (e.kind = ANY(%(forfeit)s) OR (e.kind = ANY(%(pending)s) AND EXISTS (
         SELECT 1 FROM reception_absence a WHERE a.site_id = e.site_id AND a.salesperson_id = e.salesperson_id
           AND a.approval = 'rejected' AND a.started_at <= e.at AND (a.ended_at IS NULL OR a.ended_at >= e.at))))
    AND (r.status IS NULL OR r.status <> 'voided')
  GROUP BY 1),
sl AS (
  SELECT salesperson_id AS sp, count(*) AS n FROM reception_priorityslot
  WHERE site_id = %(site)s AND granted_at >= %(start)s AND granted_at < %(end)s
    AND status NOT IN ('cancelled', 'pending')
  GROUP BY 1),
vi AS (
  SELECT salesperson_id AS sp, count(*) AS n FROM reception_violation
  WHERE site_id = %(site)s AND occurred_at >= %(start)s AND occurred_at < %(end)s
  GROUP BY 1)
SELECT sp, coalesce(receptions, 0), coalesce(rota, 0), coalesce(priority, 0), coalesce(ret, 0), coalesce(duty, 0),
       coalesce(designated, 0), coalesce(byes, 0), coalesce(fo.n, 0), coalesce(sl.n, 0), coalesce(vi.n, 0)
FROM rec FULL JOIN fo USING (sp) FULL JOIN sl USING (sp) FULL JOIN vi USING (sp)
WHERE sp IS NOT NULL
"""

SERVICE_SQL = """
WITH m AS (
  SELECT * FROM service_desk_servicerequest
  WHERE site_id = %(site)s AND registered_at >= %(start)s AND registered_at < %(end)s),
c AS (SELECT c.* FROM service_desk_complaint c JOIN m ON m.id = c.request_id),
comp AS (
  SELECT * FROM service_desk_completion
  WHERE site_id = %(site)s AND completed_at >= %(start)s AND completed_at < %(end)s),
cb AS (SELECT b.*, comp.callback_due_at FROM service_desk_callback b JOIN comp ON comp.id = b.completion_id)
SELECT
  (SELECT coalesce(json_object_agg(kind, n), '{}') FROM (SELECT kind, count(*) AS n FROM m GROUP BY 1) k),
  (SELECT count(*) FROM m), (SELECT count(*) FROM m WHERE replied_at <= reply_due_at),
  (SELECT count(*) FROM m WHERE replied_at > reply_due_at),
  (SELECT count(*) FROM m WHERE replied_at IS NULL AND reply_due_at < %(cutoff)s),
  (SELECT count(*) FROM c), (SELECT count(*) FROM c WHERE severity = 'major'),
  (SELECT count(*) FROM c WHERE signed_off_at <= due_at),
  (SELECT count(*) FROM c WHERE signed_off_at IS NULL AND due_at < %(cutoff)s),
  (SELECT count(*) FROM service_desk_complaintcallback x JOIN c ON c.id = x.complaint_id),
  (SELECT count(*) FROM service_desk_complaintcallback x JOIN c ON c.id = x.complaint_id WHERE x.satisfied),
  (SELECT count(*) FROM comp),
  (SELECT count(*) FROM comp WHERE EXISTS (SELECT 1 FROM cb WHERE cb.completion_id = comp.id)),
  (SELECT count(*) FROM comp WHERE NOT EXISTS (SELECT 1 FROM cb WHERE cb.completion_id = comp.id)
     AND callback_due_at < %(cutoff)s),
  (SELECT count(*) FROM cb), (SELECT count(*) FROM cb WHERE made_at <= callback_due_at),
  (SELECT count(*) FROM cb WHERE satisfied),
  (SELECT coalesce(json_object_agg(category, n), '{}') FROM (SELECT category, count(*) AS n FROM c GROUP BY 1) k),
  (SELECT coalesce(json_object_agg(category, n), '{}') FROM (
     SELECT p.category, count(*) AS n FROM m JOIN service_desk_repair p ON p.request_id = m.id
     WHERE m.kind = 'repair' GROUP BY 1) k),
  (SELECT coalesce(json_object_agg(role, n), '{}') FROM (SELECT role, count(*) AS n FROM cb GROUP BY 1) k),
  (SELECT coalesce(json_agg(json_build_array(role, first_name, last_name, username, n)
                            ORDER BY role, n DESC, made_by_id), '[]')
     FROM (SELECT role, made_by_id, u.first_name, u.last_name, u.username, count(*) AS n
           FROM cb JOIN auth_user u ON u.id = cb.made_by_id GROUP BY 1, 2, 3, 4, 5) k)
"""


@dataclass
class ReportResult:
    name: str
    orm_ms: list[float] = field(default_factory=list)
    raw_ms: list[float] = field(default_factory=list)
    equal: bool = False
    detail: str = ""

    @property
    def ratio(self) -> float:
        return desk.percentile(self.orm_ms, 50) / desk.percentile(self.raw_ms, 50)


def last_full_month(zone) -> tuple[int, int]:
    from django.utils import timezone

    first = timezone.now().astimezone(zone).date().replace(day=1)
    previous = first - dt.timedelta(days=1)
    return previous.year, previous.month


def same(value):
    return value


def figures_detail(figures) -> str:
    if isinstance(figures, dict) and "parties" in figures:  # the commission statement's
        return (
            f"{len(figures['parties'])} rows, held {figures['held'][0]} / ¥{figures['held'][1]:,}, "
            f"unconfirmed {figures['unconfirmed'][0]} / ¥{figures['unconfirmed'][1]:,}"
        )
    return f"{len(figures)} rows" if isinstance(figures, dict) else "figures equal"


def compare_reports(args: argparse.Namespace) -> list[ReportResult]:
    """Each report by the product's code and as one raw SQL query over psycopg, interleaved, for last month."""
    import commission_bench
    import psycopg
    from django.db import connections
    from django.utils import timezone

    from commission import selectors as commission_selectors
    from commission.models import HELD_STATUSES
    from reception import reports as reception_reports
    from salesoffice.models import Site, display_name_of
    from salesoffice.timeutil import month_bounds
    from service_desk import selectors as service_selectors
    from service_desk.models import Complaint, Repair

    # Planned on every run, as the product's queries are: Django's psycopg backend binds parameters client-side, so
    # PostgreSQL never keeps a plan for them, while psycopg would prepare a raw query after its fifth run and then
    # skip planning (about 1 ms of the service-desk report's statement); that would compare a cached plan with a
    # fresh one, not the report's code with its SQL.
    raw_conn = psycopg.connect(args.database_url, autocommit=True, prepare_threshold=None)
    desk_site = Site.objects.get(code=desk.SITE_CODE)
    office = Site.objects.get(code="svc-01")
    year, month = last_full_month(desk_site.zone)
    start, end = month_bounds(year, month, desk_site.zone)
    now = timezone.now()
    from reception.reports import FORFEIT_KINDS, NUMERIC_FIELDS, PENDING_PASS_KINDS

    def reception_orm():
        report = reception_reports.monthly_report(desk_site, year, month)
        return {r.salesperson_id: tuple(getattr(r, f) for f in NUMERIC_FIELDS) for r in report.rows}

    def reception_raw():
        rows = raw_conn.execute(
            RECEPTION_SQL,
            {
                "site": desk_site.pk,
                "start": start,
                "end": end,
                "forfeit": list(FORFEIT_KINDS),
                "pending": list(PENDING_PASS_KINDS),
            },
        ).fetchall()
        return {r[0]: tuple(r[1:]) for r in rows}

    complaint_category = {str(label): value for value, label in Complaint.Category.choices}
    repair_category = {str(label): value for value, label in Repair.Category.choices}

    def service_orm():  # every figure the report shows (the rates are the roles' counts against the settings)
        r = service_selectors.monthly_report(site=office, year=year, month=month, now=now)
        kinds = {k: n for k, _label, n in r.by_kind if n}
        c, b, p = r.complaints, r.callbacks, r.replies
        return (
            kinds,
            (p["total"], p["on_time"], p["late"], p["overdue"]),
            (c["total"], c["major"], c["on_time"], c["overdue"], c["called"], c["satisfied"]),
            (b["completed"], b["called"], b["overdue"], b["made"], b["on_time"], b["satisfied"]),
            {complaint_category[label]: n for label, n in r.complaints_by_category},
            {repair_category[label]: n for label, n in r.repairs_by_category},
            {rate.role.value: rate.callbacks for rate in r.rates if rate.callbacks},
            r.per_person,
        )

    def service_raw():
        row = raw_conn.execute(
            SERVICE_SQL, {"site": office.pk, "start": start, "end": end, "cutoff": min(now, end)}
        ).fetchone()
        kinds, complaints, repairs, roles, people = (
            value if isinstance(value, (dict, list)) else json.loads(value) for value in (row[0], *row[17:21])
        )
        per_person = [(role, display_name_of(first, last, username), n) for role, first, last, username, n in people]
        return (kinds, tuple(row[1:5]), tuple(row[5:11]), tuple(row[11:17]), complaints, repairs, roles, per_person)

    statement_month = dt.date(year, month, 1)
    _start, statement_end = month_bounds(year, month, commission_selectors.company_zone())
    statement_params = {"month": statement_month, "end": statement_end, "held": [str(s) for s in HELD_STATUSES]}

    def commission_orm():  # what the statement page builds for a director
        return commission_selectors.monthly_statement(month=statement_month, site_ids=None)

    def commission_raw():  # every figure it shows, in one query
        return raw_conn.execute(commission_bench.statement_raw_sql(), statement_params).fetchall()

    label = f"{year}-{month:02d}"
    cases = [
        (f"reception monthly report ({desk.SITE_CODE}, {label})", reception_orm, reception_raw, same, same),
        (f"service-desk monthly report (svc-01, {label})", service_orm, service_raw, same, same),
        (
            f"commission statement (company, {label})",
            commission_orm,
            commission_raw,
            commission_bench.statement_figures,
            commission_bench.statement_raw_figures,
        ),
    ]
    results = []
    for name, orm, raw, orm_figures, raw_figures in cases:
        result = ReportResult(name)
        orm_value = orm_figures(orm())  # warm: the first build reads the catalog and fills caches
        raw_value = raw_figures(raw())
        result.equal = orm_value == raw_value
        if not result.equal:
            result.detail = f"product {str(orm_value)[:300]} / raw {str(raw_value)[:300]}"
        else:
            result.detail = figures_detail(raw_value)
        for _ in range(args.report_repeat):
            for fn, bucket in random.sample([(orm, result.orm_ms), (raw, result.raw_ms)], 2):
                started = time.perf_counter()
                fn()
                bucket.append((time.perf_counter() - started) * 1000)
        results.append(result)
    raw_conn.close()
    connections.close_all()
    return results


# --- over HTTP ---------------------------------------------------------------------------------------------------


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is the page's answer: measured as it is, followed by the walk only


@dataclass
class Answer:
    status: int
    ms: float
    text: str
    headers: dict


class Session:
    """One signed-in persona (cookies), usable from several threads: each request is its own connection."""

    def __init__(self, base: str, role: str, username: str):
        self.base, self.role, self.username = base, role, username
        self.cookies: dict[str, str] = {}
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), NoRedirect())

    def request(self, method: str, path: str, data: dict | None = None, htmx: bool = False) -> Answer:
        headers = {"User-Agent": "run-all-bench", "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
            headers["Origin"] = self.base
        if htmx:
            headers["HX-Request"] = "true"
        req = urllib.request.Request(self.base + path, data=body, headers=headers, method=method)
        started = time.perf_counter()
        try:
            with self.opener.open(req, timeout=120) as resp:
                raw, status, got = resp.read(), resp.status, resp.headers
        except urllib.error.HTTPError as exc:
            raw, status, got = exc.read(), exc.code, exc.headers
        except OSError as exc:
            return Answer(0, (time.perf_counter() - started) * 1000, repr(exc), {})
        ms = (time.perf_counter() - started) * 1000
        for cookie in got.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        kind = got.get("Content-Type", "")
        text = raw.decode(errors="replace") if "html" in kind or "json" in kind else ""
        return Answer(status, ms, text, {k.lower(): v for k, v in got.items()})

    def login(self) -> None:
        page = self.request("GET", "/accounts/login/")
        token = TOKEN_RE.search(page.text)
        if token is None:
            raise RuntimeError(f"login page: HTTP {page.status}")
        form = {"username": self.username, "password": seed.PASSWORD, "csrfmiddlewaretoken": token.group(1)}
        answer = self.request("POST", "/accounts/login/", form)
        if "sessionid" not in self.cookies:
            raise RuntimeError(f"{self.username} could not sign in (HTTP {answer.status})")


@dataclass
class Page:
    key: str  # view name [role]
    session: Session
    method: str
    path: str
    htmx: bool = False
    data_fn: object = None  # for a POST: a function of the request number giving its form
    status: int = 200  # what the page answers when it works (a redirect for a page that sends on)


def walk(session: Session, patterns: dict, samples: list[dict], outcome: dict) -> list[Page]:
    """The pages this persona opens (200), one per view name, from links and then filled parameters."""
    from django.urls import NoReverseMatch, resolve, reverse
    from django.urls.exceptions import Resolver404

    pages: dict[str, Page] = {}
    done: set = set()
    kwargs_seen: list[dict] = []

    def visit_all(urls: list[str]) -> None:
        todo = list(urls)
        while todo:
            todo.extend(visit(todo.pop(0)))

    def visit(url: str) -> list[str]:
        parts = urllib.parse.urlsplit(url.replace("&amp;", "&"))
        if parts.path.startswith("/admin/"):
            return []
        try:
            match = resolve(parts.path)
        except Resolver404:
            return []
        site = match.kwargs.get("site")
        if match.url_name in NOT_WALKED or (site is not None and site not in WALKED_SITES):
            return []
        step = (match.view_name, frozenset(k for k, _v in urllib.parse.parse_qsl(parts.query)))
        if step in done or match.view_name in pages:
            return []
        done.add(step)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        answer = session.request("GET", path)
        htmx = False
        if answer.status == 400:  # an htmx fragment may want the htmx header
            retry = session.request("GET", path, htmx=True)
            if retry.status == 200:
                answer, htmx = retry, True
        outcome.setdefault(match.view_name, {})[session.role] = answer.status
        if answer.status not in (200, 301, 302, 303, 307, 308):
            return []
        kwargs_seen.append(match.kwargs)
        key = f"{match.view_name} [{session.role}]"
        pages[match.view_name] = Page(key, session, "GET", path, htmx, status=answer.status)
        if answer.status != 200:  # a page that sends on (the statements' index to the latest month) is its redirect
            location = answer.headers.get("location", "")
            return [location] if location.startswith("/") else []
        return URL_IN_PAGE.findall(answer.text)

    visit_all(["/", *(reverse(n) for n, p in patterns.items() if not p)])
    kwargs_seen.extend(samples)
    while True:
        more = []
        for name, params in patterns.items():
            if name in pages or not params:
                continue
            for kwargs in kwargs_seen:
                if params <= set(kwargs):
                    try:
                        more.append(reverse(name, kwargs={k: kwargs[k] for k in params}))
                        break
                    except NoReverseMatch:
                        continue
        before = len(pages)
        visit_all(more)
        if len(pages) == before:
            return list(pages.values())


def sampled_parameters() -> list[dict]:
    """Parameters from the seeded data, for pages no link of the walk leads to (or leads to with a light object):
    the register's busiest client, an entry awaiting review, an open follow-up, a dispute, a referral; a customer
    (found by the till's search), a rota member, a rectification notice, a duty shift."""
    from django.db.models import Count

    from attribution.models import DisputeOpinion, FollowUp, Referral, VisitEntry
    from reception.models import RotaMember
    from salesoffice.models import Site
    from service_desk.models import DutyShift, RectificationNotice
    from vip.models import Customer

    sites = {s.code: s for s in Site.objects.filter(code__in=WALKED_SITES)}
    register, office = sites.get("rb-1"), sites.get("svc-01")
    found = []

    def add(site, param: str, pk) -> None:
        if site is not None and pk is not None:
            found.append({"site": site.code, param: pk})

    busiest = (
        VisitEntry.objects.filter(site=register).values("client_id").annotate(n=Count("pk")).order_by("-n").first()
    )
    add(register, "client_id", busiest and busiest["client_id"])
    add(register, "entry_id", _first(VisitEntry.objects.filter(site=register, approval__isnull=True)))
    add(register, "follow_up_id", _first(FollowUp.objects.filter(site=register, done_at__isnull=True)))
    add(register, "opinion_id", _first(DisputeOpinion.objects.filter(site=register)))
    add(register, "referral_id", _first(Referral.objects.filter(site=register)))
    add(office, "notice_id", _first(RectificationNotice.objects.filter(site=office)))
    add(office, "shift_id", _first(DutyShift.objects.filter(site=office)))
    for _code, site in sorted(sites.items()):
        add(site, "customer_id", _first(Customer.objects.filter(store=site)))
        add(site, "member_id", _first(RotaMember.objects.filter(site=site)))
    return found


def _first(queryset):
    return queryset.order_by("-pk").values_list("pk", flat=True).first()


def desk_arrive(session: Session, run_id: str) -> Page:
    """'Client arrived' as the desk's form posts it (htmx), a fresh request key each time."""
    counter = itertools.count()

    def form() -> dict:
        n = next(counter)
        return {"walkin-request_key": f"allbench-{run_id}-{n}", "walkin-client_label": f"散客 {n}"}

    return Page(
        f"reception:arrive POST [{session.role}]", session, "POST", f"/desk/{desk.SITE_CODE}/arrive/", True, form
    )


class FormFields(html.parser.HTMLParser):
    """The fields of a page's forms with the values they show: inputs, the selected (or first) option, textareas."""

    def __init__(self):
        super().__init__()
        self.fields: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields.setdefault(name, a.get("value") or "")
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select:
            if "selected" in a or self._select not in self.fields:
                self.fields[self._select] = a.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields.setdefault(name, "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def form_post(session: Session, name: str, form_path: str, action: str, overrides, htmx: bool = False) -> Page | None:
    """A POST of the form `form_path` shows, its fields as shown and `overrides(n)` on top; None when the persona
    cannot open the form."""
    answer = session.request("GET", form_path)
    if answer.status != 200:
        return None
    parser = FormFields()
    parser.feed(answer.text)
    defaults = parser.fields
    counter = itertools.count()

    def form() -> dict:
        return {**defaults, **overrides(next(counter))}

    return Page(f"{name} POST [{session.role}]", session, "POST", action, htmx, form)


def main_posts(sessions: dict[str, Session], run_id: str) -> list[Page]:
    """The main POSTs: client arrived, register a visit, a till quote and purchase, a service request."""
    from vip.models import Card

    card = Card.objects.filter(membership__store__code="vb-01").order_by("pk").values_list("number", flat=True).first()
    # Phones no seeded client has (the register's and commission's prefixes are others): every visit is a new client.
    fresh = int(time.time()) % 10**6

    def visit(n: int) -> dict:
        return {"name": f"基准客{n}", "phone": f"1470{fresh:06d}{n % 10}"[:7] + f"{(fresh * 10 + n) % 10**4:04d}"}

    def till(n: int) -> dict:
        return {
            "key": f"allbench-{run_id}-{n}",
            "card": card or "",
            "amount_1": "128.00",
            "item_1": "基准商品",
            "signature": "on",  # VIP-CARD-2: a member signs the receipt
        }

    def request(n: int) -> dict:
        return {"kind": "question", "requester_name": f"住户{n}", "content": f"基准请求 {n}", "phone": "13800138000"}

    pages = [
        desk_arrive(sessions["site_supervisor"], run_id),
        form_post(sessions["salesperson"], "attribution:register", "/register/rb-1/visit/", "/register/rb-1/visit/",
                  visit),
        form_post(sessions["store_clerk"], "vip:till_quote", "/store/vb-01/till/", "/store/vb-01/till/quote/", till,
                  htmx=True),
        form_post(sessions["store_clerk"], "vip:till", "/store/vb-01/till/", "/store/vb-01/till/", till),
        form_post(sessions["service_desk_staff"], "service_desk:register", "/service/svc-01/new/",
                  "/service/svc-01/new/", request),
    ]  # fmt: skip
    return [page for page in pages if page is not None]


@dataclass
class Sample:
    key: str
    ms: float
    status: int
    queries: int | None
    ok: bool = True


def measure(pages: list[Page], args: argparse.Namespace) -> tuple[list[Sample], list[Sample]]:
    """Every page `repeat` times, each followed by the floor as the same user, shuffled, from `clients` threads."""
    jobs: queue.Queue = queue.Queue()
    order = [page for page in pages for _ in range(args.repeat)]
    random.shuffle(order)
    for page in order:
        jobs.put(page)
    samples: list[Sample] = []
    floor: list[Sample] = []
    lock = threading.Lock()

    def worker() -> None:
        while True:
            try:
                page = jobs.get_nowait()
            except queue.Empty:
                return
            data = page.data_fn() if page.data_fn else None
            answer = page.session.request(page.method, page.path, data, page.htmx)
            base = page.session.request("GET", "/accounts/login/")
            with lock:
                samples.append(Sample(page.key, answer.ms, answer.status, _queries(answer), succeeded(page, answer)))
                floor.append(Sample("floor", base.ms, base.status, _queries(base)))

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(args.clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return samples, floor


def succeeded(page: Page, answer: Answer) -> bool:
    """A page answers 200; a POST a redirect, or a page that shows no error (a refused form shows its errors)."""
    if page.method == "GET":
        return answer.status == page.status
    return answer.status in (302, 303) or (answer.status == 200 and not FORM_ERROR.search(answer.text))


def _queries(answer: Answer) -> int | None:
    value = answer.headers.get("x-query-count")
    return int(value) if value is not None else None


# --- main --------------------------------------------------------------------------------------------------------


def main() -> int:
    args = parse_args()
    started = time.perf_counter()
    load_before = os.getloadavg()
    secret_key = secrets.token_urlsafe(40)
    print(f"run_all --scale {args.scale}: {os.cpu_count()} CPUs, load average {load_before[0]:.2f} at the start")
    print(prepare_database(args, secret_key), flush=True)
    if args.seed_only:
        return 0

    from django.db import connections
    from django.utils import timezone

    personas = seed.ensure_personas()
    live = desk.prepare_today(argparse.Namespace(busy_at_start=12, random_seed=seed.RANDOM_SEED), timezone.now())
    print(f"desk today: {live}", flush=True)
    from attribution.reports import weekly_report_generate

    weekly_report_generate(now=timezone.now())  # the last week's stored report (the weekly job's), for its pages
    reports = compare_reports(args)
    connections.close_all()

    sys.path.insert(0, str(desk.BASE_DIR))
    from tests.page_walk import named_patterns

    patterns = named_patterns()
    samples_params = sampled_parameters()
    connections.close_all()
    desk.check_redis(args.redis_url)
    env = desk.bench_env(args.database_url, secret_key, args.redis_url)
    env.update({"DJANGO_SETTINGS_MODULE": "bench.settings_bench", "BENCH_COUNT_QUERIES": "1"})
    logdir = Path(tempfile.mkdtemp(prefix="run-all-bench-"))
    server = desk.Server(env, args.workers, 1, logdir)
    run_id = f"{dt.datetime.now(dt.UTC):%m%d%H%M%S}{secrets.token_hex(2)}"
    try:
        server.wait_ready()
        sessions = {role: Session(server.base, role, username) for role, username in personas.items()}
        outcome: dict[str, dict[str, int]] = {}
        pages: list[Page] = []
        for session in sessions.values():
            session.login()
            pages += walk(session, patterns, samples_params, outcome)
        pages += main_posts(sessions, run_id)
        print(f"walk: {len(pages)} pages over {len(sessions)} roles; measuring ...", flush=True)
        load_start = os.getloadavg()
        meter = desk.CpuMeter(server, args.database_url)
        cpu_start = meter.read()
        measure_started = time.perf_counter()
        samples, floor = measure(pages, args)
        measure_seconds = time.perf_counter() - measure_started
        cpu = desk.CpuMeter.delta(cpu_start, meter.read())
    finally:
        server.stop()
    load_after = os.getloadavg()

    measured = {p.key.split(" [")[0].removesuffix(" POST") for p in pages}
    print_pages(samples, floor, measure_seconds)
    print_cpu(cpu, len(samples) + len(floor))
    print_unmeasured(patterns, outcome, measured)
    worst_report = print_reports(reports)
    print(
        f"machine: {os.cpu_count()} CPUs; load average (1, 5, 15 min) {fmt_load(load_before)} at the start, "
        f"{fmt_load(load_start)} when measuring began, {fmt_load(load_after)} at the end; "
        f"whole run {time.perf_counter() - started:.0f} s; gunicorn logs in {logdir}"
    )
    worst_page = max(page_rows(samples, floor), key=lambda r: r["ratio"])
    if args.markdown:
        args.markdown.write_text(pages_markdown(page_rows(samples, floor)), encoding="utf-8")
    print(
        f"worst page p95: {worst_page['ratio']:.1f}× floor ({worst_page['key']}); "
        f"worst report: {worst_report.ratio:.1f}× raw SQL ({worst_report.name.split(' (')[0]})"
    )
    return 0


def fmt_load(load: tuple[float, float, float]) -> str:
    return "/".join(f"{x:.2f}" for x in load)


def page_rows(samples: list[Sample], floor: list[Sample]) -> list[dict]:
    floor_p95 = desk.percentile([s.ms for s in floor], 95)
    by_key: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        by_key[sample.key].append(sample)
    rows = []
    for key, group in sorted(by_key.items()):
        times = [s.ms for s in group]
        queries = sorted({s.queries for s in group if s.queries is not None})
        p95 = desk.percentile(times, 95)
        rows.append(
            {
                "key": key,
                "n": len(group),
                "p50": desk.percentile(times, 50),
                "p95": p95,
                # A range when they varied (a board rendered or read from the cache); "?" without the header.
                "queries": "-".join(str(q) for q in sorted({queries[0], queries[-1]})) if queries else "?",
                "bad": sum(1 for s in group if not s.ok),
                "ratio": p95 / floor_p95,
            }
        )
    return rows


def print_pages(samples: list[Sample], floor: list[Sample], seconds: float) -> None:
    times = [s.ms for s in floor]
    print()
    print(
        f"pages: {len(samples)} requests and {len(floor)} floor requests in {seconds:.1f} s "
        f"({(len(samples) + len(floor)) / seconds:.0f} req/s, {len(samples) / seconds:.0f} page req/s)"
    )
    print(f"floor (GET /accounts/login/ signed in): p50 {desk.percentile(times, 50):.1f} ms, "
          f"p95 {desk.percentile(times, 95):.1f} ms, queries {floor[0].queries}")  # fmt: skip
    print(f"{'page [role]':<58} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8} {'p95/floor':>10} {'failed':>8}")
    for row in page_rows(samples, floor):
        print(
            f"{row['key']:<58} {row['n']:>4} {row['p50']:>8.1f} {row['p95']:>8.1f} {row['queries']:>8} "
            f"{row['ratio']:>9.1f}× {row['bad']:>8}"
        )


def pages_markdown(rows: list[dict]) -> str:
    """Each page once, with the role for which it was slowest against the floor and how many roles opened it,
    slowest first: the table bench/README.md shows."""
    by_page: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_page[row["key"].rsplit(" [", 1)[0]].append(row)
    worst = sorted(
        ((max(group, key=lambda r: r["ratio"]), len(group)) for group in by_page.values()),
        key=lambda item: -item[0]["ratio"],
    )
    lines = [
        "| page (worst role of those measured) | roles | p50 ms | p95 ms | queries | p95 / floor | failed |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row, roles in worst:
        lines.append(
            f"| {row['key']} | {roles} | {row['p50']:.1f} | {row['p95']:.1f} | {row['queries']} | "
            f"{row['ratio']:.1f}× | {row['bad']} |"
        )
    return "\n".join(lines) + "\n"


def print_cpu(cpu: dict, requests: int) -> None:
    """Where the CPUs went while measuring: what a request costs the app and the database (docs/scaling.md reads
    its per-site figures from here), and how much other processes took (their share inflates every latency)."""
    print(
        f"CPU while measuring ({cpu['capacity']:.0f} CPU-s available): gunicorn {cpu['app']:.1f} s "
        f"({cpu['app'] / requests * 1000:.1f} ms per request), PostgreSQL {cpu['db']:.1f} s "
        f"({cpu['db'] / requests * 1000:.1f} ms per request), the clients {cpu['client']:.1f} s, "
        f"other processes {cpu['others']:.1f} s ({cpu['others'] / cpu['capacity']:.0%} of the machine)"
    )


def print_unmeasured(patterns: dict, outcome: dict, measured: set[str]) -> None:
    print()
    print("not measured:")
    print("  admin:* (Django's admin: not a page of the product's roles)")
    for name in sorted(set(patterns) - measured):
        if name in NOT_WALKED:
            why = NOT_WALKED[name]
        elif prefix := next((p for p in NOT_MEASURED_WHY if name.startswith(p)), None):
            why = NOT_MEASURED_WHY[prefix]
        elif name in outcome:
            why = "answered " + ", ".join(f"{role} {status}" for role, status in sorted(outcome[name].items()))
            if all(s == 405 for s in outcome[name].values()):
                why += " (POST only; no bench form for it yet)"
        else:
            why = "no persona reached it (no link, no sample parameters)"
        print(f"  {name}: {why}")


def print_reports(reports: list[ReportResult]) -> ReportResult:
    print()
    print(f"{'monthly report vs one raw SQL query (psycopg)':<58} {'p50 ms':>8} {'p95 ms':>8} {'raw p50':>8} "
          f"{'raw p95':>8} {'ratio p50':>10}  equal")  # fmt: skip
    for r in reports:
        print(
            f"{r.name:<58} {desk.percentile(r.orm_ms, 50):>8.1f} {desk.percentile(r.orm_ms, 95):>8.1f} "
            f"{desk.percentile(r.raw_ms, 50):>8.1f} {desk.percentile(r.raw_ms, 95):>8.1f} {r.ratio:>9.1f}×  "
            f"{'yes' if r.equal else 'NO'} ({r.detail})"
        )
    return max(reports, key=lambda r: r.ratio)


if __name__ == "__main__":
    sys.exit(main())
