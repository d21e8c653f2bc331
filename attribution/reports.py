"""The weekly client report (ATT-FU-3): every Monday, each project's call, visit and deal clients of the week
before, consolidated into one cross-project list (one row per client: the Client table is the department's single
client database, one record per person across every project).

A week runs Monday to Sunday in each site's own zone. The figures are grouped by the database (GROUP BY site and
client), a few queries whatever the size of the register; Python only merges the week's groups."""

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Sequence
from io import BytesIO
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext as _
from openpyxl import Workbook

from salesoffice.models import Site
from salesoffice.notifications import notify
from salesoffice.phones import normalise_phone
from salesoffice.roles import Role
from salesoffice.timeutil import local_day, start_of_day

from .models import Client, ClientPhone, VisitApproval, VisitEntry, WeeklyClientReport, WeeklyReportPart
from .selectors import signed_deals, user_names

WEEK = dt.timedelta(days=7)
KINDS = ("calls", "visits", "deals")


def previous_week_start(day: dt.date) -> dt.date:
    """The Monday of the week before the one holding `day`."""
    return day - dt.timedelta(days=day.weekday()) - WEEK


def latest_complete_week(now: dt.datetime, sites: list[Site]) -> dt.date:
    """The latest week that is over on every project: each site's own zone decides when its Sunday ends."""
    zones = {site.time_zone for site in sites} or {settings.TIME_ZONE}
    return min(previous_week_start(local_day(now, ZoneInfo(zone))) for zone in zones)


def week_bounds(week_start: dt.date, zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """[Monday 00:00, next Monday 00:00) in the site's zone."""
    return start_of_day(week_start, zone), start_of_day(week_start + WEEK, zone)


def _in_week(field: str, sites: list[Site], week_start: dt.date, *, also_from: str = "") -> Q:
    """Rows of each site within that site's own week (and, for `also_from`, not before it either)."""
    condition = Q(pk__in=[])
    for site in sites:
        start, end = week_bounds(week_start, site.zone)
        bounds = {f"{field}__gte": start, f"{field}__lt": end}
        if also_from:
            bounds[f"{also_from}__gte"] = start
        condition |= Q(site_id=site.pk, **bounds)
    return condition


def _caller_key(name: str, phone: str) -> tuple[str, str]:
    """How a caller is told apart: (key, normalised phone) — by phone when it is a valid one, else by name."""
    try:
        normalised = normalise_phone(phone) if phone.strip() else ""
    except ValidationError:
        normalised = ""
    if normalised:
        return f"phone:{normalised}", normalised
    if name.strip():
        return f"name:{name.strip()}", ""
    return "unknown", ""


Group = tuple[str, int, str, int | None, int]  # kind, site id, client key, salesperson id, count


def _call_groups(sites: list[Site], week_start: dt.date) -> tuple[list[Group], dict[str, str]]:
    """The week's calls grouped by site, caller and taker; a caller whose phone is on the register is that client
    (the log itself never makes anyone an owner, REC-NEW-3). Also the names callers gave, by key."""
    from reception.models import PhoneInquiry

    calls = (
        PhoneInquiry.objects.filter(_in_week("taken_at", sites, week_start))
        .values_list("site_id", "caller_name", "caller_phone", "taken_by_id")
        .annotate(n=Count("pk"), last=Max("taken_at"))
        .order_by()
    )
    callers = []
    latest_name: dict[str, tuple[dt.datetime, str]] = {}  # a caller known by phone goes by their latest name
    for site_id, name, phone, taken_by, n, last in calls:
        key, normalised = _caller_key(name, phone)
        callers.append((site_id, key, normalised, taken_by, n))
        if normalised and name.strip() and (key not in latest_name or latest_name[key] < (last, name)):
            latest_name[key] = (last, name.strip())
    caller_names = {key: name for key, (_last, name) in latest_name.items()}
    phones = {normalised for _s, _k, normalised, _t, _n in callers if normalised}
    on_register = dict(
        ClientPhone.objects.filter(phone_normalised__in=phones).values_list("phone_normalised", "client_id")
    )
    groups = [
        ("calls", site_id, f"client:{on_register[normalised]}" if normalised in on_register else key, taken_by, n)
        for site_id, key, normalised, taken_by, n in callers
    ]
    return groups, caller_names


def _visit_and_deal_groups(sites: list[Site], week_start: dt.date, now: dt.datetime) -> list[Group]:
    """The week's visits and deals grouped by site, client and salesperson: two queries. Visits are the register's
    entries for a visit that week, less rejected ones and those an approved correction replaced (ATT-REG-1);
    `registered_at >= start` holds for all of them (nobody registers a visit before it happens) and lets the
    (site, registered_at) index find them."""
    rejected = VisitApproval.objects.filter(entry=OuterRef("pk"), approved=False)
    replaced = VisitApproval.objects.filter(entry__corrects=OuterRef("pk"), approved=True, approved_at__lte=now)
    visits = (
        VisitEntry.objects.filter(_in_week("visited_at", sites, week_start, also_from="registered_at"))
        .exclude(Exists(rejected))
        .exclude(Exists(replaced))
        .values_list("site_id", "client_id", "salesperson_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    deals = (
        signed_deals()
        .filter(_in_week("signed_at", sites, week_start))
        .values_list("site_id", "client_id", "salesperson_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return [
        *(("visits", site_id, f"client:{client}", person, n) for site_id, client, person, n in visits),
        *(("deals", site_id, f"client:{client}", person, n) for site_id, client, person, n in deals),
    ]


def _client_rows(keys: set[str], caller_names: dict[str, str]) -> dict[str, dict]:
    """Name, phone and grade of every client key of the week: one query for the register's clients."""
    ids = [int(key.split(":", 1)[1]) for key in keys if key.startswith("client:")]
    rows = {
        f"client:{pk}": {"client_id": pk, "name": name, "phone": phone, "grade": grade}
        for pk, name, phone, grade in Client.objects.filter(pk__in=ids).values_list("pk", "name", "phone", "grade")
    }
    for key in keys - set(rows):
        kind, _sep, value = key.partition(":")
        name = caller_names.get(key, "") if kind == "phone" else value
        rows[key] = {"client_id": None, "name": name, "phone": value if kind == "phone" else "", "grade": ""}
    return rows


def weekly_report_data(*, week_start: dt.date, now: dt.datetime, sites: list[Site] | None = None) -> dict:
    """The report of the week starting on Monday `week_start`, as stored in WeeklyClientReport.data."""
    sites = sorted(sites if sites is not None else Site.objects.filter(kind=Site.Kind.SALES_OFFICE), key=str)
    groups: list[Group] = []
    caller_names: dict[str, str] = {}
    if sites:
        groups, caller_names = _call_groups(sites, week_start)
        groups += _visit_and_deal_groups(sites, week_start, now)
    # (site, kind, key) -> count and the salespeople involved
    cells: dict[tuple[int, str, str], dict] = defaultdict(lambda: {"n": 0, "people": set()})
    for kind, site_id, key, person, n in groups:
        cell = cells[(site_id, kind, key)]
        cell["n"] += n
        if person:
            cell["people"].add(person)
    clients = _client_rows({key for _s, _k, key in cells}, caller_names)
    names = user_names({p for cell in cells.values() for p in cell["people"]})

    projects = []
    consolidated: dict[str, dict] = {}
    for site in sites:
        start, end = week_bounds(week_start, site.zone)
        project = {
            "site_id": site.pk,
            "code": site.code,
            "name": site.name,
            "time_zone": site.time_zone,
            "from": start.isoformat(),
            "to": end.isoformat(),
        }
        for kind in KINDS:
            rows = []
            for (site_id, cell_kind, key), cell in cells.items():
                if site_id != site.pk or cell_kind != kind:
                    continue
                people = sorted(names.get(p, f"#{p}") for p in cell["people"])
                rows.append({"key": key, **clients[key], "count": cell["n"], "salespeople": people})
                row = consolidated.setdefault(
                    key, {"key": key, **clients[key], "projects": {}, **dict.fromkeys(KINDS, 0)}
                )
                row[kind] += cell["n"]
                touched = row["projects"].setdefault(site.code, {"code": site.code, "name": site.name})
                touched[kind] = touched.get(kind, 0) + cell["n"]
            rows.sort(key=lambda r: (r["name"], r["key"]))
            project[kind] = rows
        project["counts"] = {
            **{kind: sum(r["count"] for r in project[kind]) for kind in KINDS},
            **{f"{kind}_clients": len(project[kind]) for kind in KINDS},
        }
        projects.append(project)
    clients_list = sorted(consolidated.values(), key=lambda r: (r["name"], r["key"]))
    for row in clients_list:
        row["projects"] = sorted(row["projects"].values(), key=lambda p: p["name"])
    return {
        "week_start": week_start.isoformat(),
        "week_end": (week_start + WEEK - dt.timedelta(days=1)).isoformat(),
        "projects": projects,
        "clients": clients_list,
        "totals": _totals(projects, clients_list),
    }


def _totals(projects: list[dict], clients: list[dict]) -> dict:
    totals = {name: sum(p["counts"][name] for p in projects) for name in (projects[0]["counts"] if projects else {})}
    totals["clients"] = len(clients)
    totals["clients_on_register"] = sum(1 for c in clients if c["client_id"] is not None)
    totals["clients_in_several_projects"] = sum(1 for c in clients if len(c["projects"]) > 1)
    return totals


def weekly_report_generate(*, now: dt.datetime, week_start: dt.date | None = None) -> WeeklyClientReport | None:
    """ATT-FU-3: store the report of the latest week that is over (or of `week_start`) once, and tell the sales
    assistants; run again, it returns the stored report and notifies nobody."""
    sites = list(Site.objects.filter(kind=Site.Kind.SALES_OFFICE))
    latest = latest_complete_week(now, sites)
    week_start = week_start or latest
    if week_start.weekday() != 0 or week_start > latest:
        raise ValueError(f"{week_start} is not the Monday of a week that is over")
    existing = WeeklyClientReport.objects.filter(week_start=week_start).first()
    if existing is not None:
        return existing
    data = weekly_report_data(week_start=week_start, now=now, sites=sites)
    try:
        with transaction.atomic():
            report = WeeklyClientReport.objects.create(week_start=week_start, generated_at=now, data=data)
            _notify_assistants(report, now)
    except IntegrityError:  # a concurrent run stored it first, and told the assistants
        return WeeklyClientReport.objects.get(week_start=week_start)
    return report


def _notify_assistants(report: WeeklyClientReport, now: dt.datetime) -> None:
    week = report.week_start.isoformat()
    assistants = (
        get_user_model()
        .objects.filter(groups__name=Role.SALES_ASSISTANT.value, is_active=True)
        .values_list("pk", flat=True)
        .distinct()
    )
    for user_id in assistants:
        notify(
            recipient_id=user_id,
            key=f"weekly-report:{week}:{user_id}",
            kind="weekly_report_ready",
            now=now,
            rule_id="ATT-FU-3",
            params={"week": week},
            link=reverse("attribution:weekly_report", kwargs={"week": week}),
        )


# --- reading a stored report ---------------------------------------------------------------------------------


def visible_part(data: dict, site_ids: set[int]) -> dict:
    """The report as a reader sees it: only the projects of their sites, and the clients who touched them."""
    codes = {p["code"] for p in data["projects"] if p["site_id"] in site_ids}
    projects = [p for p in data["projects"] if p["code"] in codes]
    clients = []
    for row in data["clients"]:
        touched = [p for p in row["projects"] if p["code"] in codes]
        if touched:
            totals = {kind: sum(p.get(kind, 0) for p in touched) for kind in KINDS}
            clients.append({**row, **totals, "projects": touched})
    return {**data, "projects": projects, "clients": clients, "totals": _totals(projects, clients)}


# The reader's view of a stored report is kept in parts (WeeklyReportPart) once built, per set of the reader's
# sites: the summary (the projects' figures and the totals), the consolidated list a page at a time, each project's
# lists, and the workbook per language. A page reads two or three small parts instead of decoding the whole week.
# Bump LAYOUT when a part's shape, the page size or the workbook's layout changes: older parts are then never read.
LAYOUT = "1"
CLIENTS_PER_PAGE = 100


def readers_key(site_ids: set[int]) -> str:
    """The parts' key for readers of these sites (a digest: an admin's list of sites has no bound)."""
    return hashlib.sha256(",".join(map(str, sorted(site_ids))).encode()).hexdigest()


def _part(name: str) -> str:
    return f"{LAYOUT}:{name}"


def _page_parts(visible: dict) -> dict[str, dict | list]:
    """The reader's view cut into the parts a page reads: the summary, the client list's pages, each project."""
    clients = visible["clients"]
    summary = {
        **{key: value for key, value in visible.items() if key not in ("projects", "clients")},
        "projects": [{key: value for key, value in p.items() if key not in KINDS} for p in visible["projects"]],
        "clients_count": len(clients),
    }
    parts: dict[str, dict | list] = {_part("summary"): summary}
    for number, start in enumerate(range(0, len(clients), CLIENTS_PER_PAGE), start=1):
        parts[_part(f"clients:{number}")] = clients[start : start + CLIENTS_PER_PAGE]
    for project in visible["projects"]:
        parts[_part(f"project:{project['code']}")] = project
    return parts


def _store_parts(report: WeeklyClientReport, key: str, parts: dict[str, object], *, binary: bool = False) -> None:
    """Keep what was built; a reader who built the same parts at the same moment wins the race harmlessly."""
    WeeklyReportPart.objects.bulk_create(
        [
            WeeklyReportPart(report=report, sites=key, name=name, **({"content": value} if binary else {"data": value}))
            for name, value in parts.items()
        ],
        ignore_conflicts=True,
    )


class StoredClients(Sequence):
    """A reader's consolidated client list, stored a page at a time: its length is the summary's, a slice reads the
    pages it spans (the asked page comes preloaded with the summary), a walk through it reads every page."""

    def __init__(self, report: WeeklyClientReport, key: str, length: int, loaded: dict[int, list]):
        self.report, self.key, self.length, self.loaded = report, key, length, loaded

    def __len__(self) -> int:
        return self.length

    def _pages(self, first: int, last: int) -> list[dict]:
        names = {_part(f"clients:{n}"): n for n in range(first, last + 1) if n not in self.loaded}
        if names:
            stored = WeeklyReportPart.objects.filter(report=self.report, sites=self.key, name__in=names)
            for name, rows in stored.values_list("name", "data"):
                self.loaded[names[name]] = rows
        return [row for n in range(first, last + 1) for row in self.loaded.get(n, [])]

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return list(self)[index]
        start, stop, step = index.indices(self.length)
        if step != 1:
            return list(self)[index]
        if start >= stop:
            return []
        first, last = start // CLIENTS_PER_PAGE + 1, (stop - 1) // CLIENTS_PER_PAGE + 1
        offset = (first - 1) * CLIENTS_PER_PAGE
        return self._pages(first, last)[start - offset : stop - offset]

    def __iter__(self):
        return iter(self._pages(1, (self.length - 1) // CLIENTS_PER_PAGE + 1) if self.length else [])


def weekly_report_view(*, report: WeeklyClientReport, site_ids: set[int], page: str | None, project: str | None):
    """The report as readers of `site_ids` see it, for the page: the summary with its client list (stored pages,
    `StoredClients`) and, when `project` names one of theirs, that project's lists (None otherwise). Reads the
    summary, the asked page and the project in one query; the first reader of a set of sites builds the parts."""
    key = readers_key(site_ids)
    try:
        number = max(1, int(page or 1))
    except ValueError:
        number = 1
    wanted = [_part("summary"), _part(f"clients:{number}")] + ([_part(f"project:{project}")] if project else [])
    parts = dict(WeeklyReportPart.objects.filter(report=report, sites=key, name__in=wanted).values_list("name", "data"))
    if _part("summary") not in parts:
        built = _page_parts(visible_part(_report_data(report), site_ids))
        _store_parts(report, key, built)
        parts = {name: built[name] for name in wanted if name in built}
    summary = parts[_part("summary")]
    loaded = {number: parts[_part(f"clients:{number}")]} if _part(f"clients:{number}") in parts else {}
    data = {**summary, "clients": StoredClients(report, key, summary["clients_count"], loaded)}
    return data, parts.get(_part(f"project:{project}"))


def weekly_report_download(*, report: WeeklyClientReport, site_ids: set[int], language: str) -> bytes:
    """The workbook as readers of `site_ids` see it, in `language`: built by the first such reader, then read."""
    key, name = readers_key(site_ids), _part(f"xlsx:{language}")
    content = WeeklyReportPart.objects.filter(report=report, sites=key, name=name).values_list("content", flat=True)
    stored = content.first()
    if stored is not None:
        return bytes(stored)
    built = weekly_report_xlsx(visible_part(_report_data(report), site_ids))
    _store_parts(report, key, {name: built}, binary=True)
    return built


def _report_data(report: WeeklyClientReport) -> dict:
    """The stored figures, read only when a part is built (the views load the report without them)."""
    return WeeklyClientReport.objects.values_list("data", flat=True).get(pk=report.pk)


def _sheet_title(text: str, used: set[str]) -> str:
    title = "".join(ch for ch in text if ch not in "[]:*?/\\")[:31] or "-"
    base, n = title, 2
    while title.lower() in used:
        suffix = f" ({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(title.lower())
    return title


def weekly_report_xlsx(data: dict) -> bytes:
    """A consolidated sheet, then one sheet per project with its call, visit and deal clients."""
    book = Workbook(write_only=True)
    used: set[str] = set()
    period = f"{data['week_start']} – {data['week_end']}"
    sheet = book.create_sheet(_sheet_title(_("All projects"), used))
    sheet.append([_("Weekly client report (ATT-FU-3)"), period])
    sheet.append([])
    sheet.append([_("Client"), _("Phone"), _("Grade"), _("On the register"), _("Projects"), *_kind_titles()])
    for row in data["clients"]:
        sheet.append(
            [
                row["name"],
                row["phone"],
                row["grade"],
                _("yes") if row["client_id"] else _("no"),
                ", ".join(p["name"] for p in row["projects"]),
                *(row[kind] for kind in KINDS),
            ]
        )
    for project in data["projects"]:
        sheet = book.create_sheet(_sheet_title(project["name"], used))
        sheet.append([project["name"], period, project["time_zone"]])
        counts = project["counts"]
        sheet.append([_("Call clients"), counts["calls_clients"], _("Calls"), counts["calls"]])
        sheet.append([_("Visit clients"), counts["visits_clients"], _("Register entries"), counts["visits"]])
        sheet.append([_("Deal clients"), counts["deals_clients"], _("Deals"), counts["deals"]])
        for kind, title in zip(KINDS, _section_titles(), strict=True):
            sheet.append([])
            sheet.append([title])
            sheet.append([_("Client"), _("Phone"), _("Grade"), _("Count"), _("Salespeople")])
            for row in project[kind]:
                sheet.append([row["name"], row["phone"], row["grade"], row["count"], ", ".join(row["salespeople"])])
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _kind_titles() -> list[str]:
    return [_("Calls"), _("Register entries"), _("Deals")]


def _section_titles() -> list[str]:
    return [_("Call clients"), _("Visit clients"), _("Deal clients")]


# --- the register archive as xlsx (ATT-REG-1) ----------------------------------------------------------------

ARCHIVE_FIELDS = (
    "pk",
    "registered_at",
    "visited_at",
    "client__name",
    "client__phone",
    "salesperson_id",
    "received_by_id",
    "source",
    "registered_by_id",
    "approval__approved",
    "approval__approved_by_id",
    "approval__approved_at",
    "approval__reason",
    "corrects_id",
    "note",
)


def _archive_header() -> list[str]:
    """The archive sheet's column titles, in the order register_archive_xlsx writes each row."""
    return [
        _("No."),
        _("Registered at"),
        _("Visited at"),
        _("Client"),
        _("Phone"),
        _("Salesperson"),
        _("Received by"),
        _("Source"),
        _("Registered by"),
        _("Review"),
        _("Reviewed by"),
        _("Reviewed at"),
        _("Reason"),
        _("Corrects"),
        _("Corrected by"),
        _("Note"),
    ]


def register_archive_xlsx(*, site: Site, date_from: dt.date, date_to: dt.date, salesperson=None) -> tuple[bytes, int]:
    """The site's register entries of a date range (the caller bounds it) as one sheet, and how many there are:
    plain rows streamed from two queries and a lookup of names, whatever the range holds."""
    from .selectors_office import archive_entries

    entries = archive_entries(site, date_from=date_from, date_to=date_to, salesperson=salesperson)
    rows = list(entries.values_list(*ARCHIVE_FIELDS))
    corrected: dict[int, list[int]] = defaultdict(list)
    for original, correction in (
        VisitEntry.objects.filter(corrects__in=entries.values("pk")).order_by("pk").values_list("corrects_id", "pk")
    ):
        corrected[original].append(correction)
    people = user_names({row[i] for row in rows for i in (5, 6, 8, 10)} - {None})
    sources = dict(VisitEntry.Source.choices)
    zone = site.zone

    def local(instant: dt.datetime | None):
        return instant.astimezone(zone).replace(tzinfo=None) if instant else None

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_sheet_title(site.name, set()))
    sheet.append([f"{site.name} — {date_from.isoformat()} – {date_to.isoformat()} ({site.time_zone})"])
    sheet.append(_archive_header())
    for row in rows:
        pk, registered, visited, name, phone, person, receiver, source, writer, approved, reviewer, reviewed = row[:12]
        reason, corrects, note = row[12:]
        review = _("awaiting review") if reviewed is None else (_("approved") if approved else _("rejected"))
        sheet.append(
            [
                pk,
                local(registered),
                local(visited),
                name,
                phone,
                people.get(person, ""),
                people.get(receiver, ""),
                str(sources.get(source, source)),
                people.get(writer, ""),
                review,
                people.get(reviewer, ""),
                local(reviewed),
                reason or "",
                f"#{corrects}" if corrects else "",
                ", ".join(f"#{n}" for n in corrected.get(pk, [])),
                note,
            ]
        )
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue(), len(rows)
