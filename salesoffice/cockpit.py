"""The management cockpit: one page per month with each area's charts and the figures behind them, and the monthly
pack that keeps a closed month's figures as they were generated.

The ground floor knows no app: each app contributes a section from its own `<app>/cockpit.py`, registered in its
AppConfig.ready() with `register_section`, and computes its figures through its own selectors and monthly reports.
A section returns plain tables (`Table`): a title, typed columns and rows, and how to chart them; the page draws
each charted table with ECharts (static/vendor/echarts.min.js, static/js/cockpit.js) from data passed with
json_script and prints the table under it; the pack stores the same tables as JSON (`figures_to_json`) and writes
them to an xlsx workbook, a sheet per section.

Every section also gives a 12-month trend (`Table` with one row per month, oldest first); the month-over-month
figures at the top of each section are its last two rows, so the two never disagree. The trend's counts are one
aggregate per model, one conditional count per month (`month_filters`): a fixed number of queries whatever the
history holds, on PostgreSQL and SQLite alike.
"""

import datetime as dt
import operator
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import reduce
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q
from django.utils.functional import Promise

from .access import sites_for
from .models import Site
from .money import percent_of
from .timeutil import add_months, month_bounds

TEXT, INT, MONEY, PERCENT = "text", "int", "money", "percent"
BAR, LINE = "bar", "line"
TREND_MONTHS = 12
VIEW_PERMISSION = "salesoffice.view_cockpit"
PACK_PERMISSION = "salesoffice.generate_monthly_pack"


@dataclass(frozen=True)
class Column:
    title: str
    kind: str = INT  # TEXT, INT, MONEY (Decimal yuan) or PERCENT (a float, one place)


@dataclass
class Table:
    """Figures as a page, a sheet and a chart read them. The first `labels` columns name a row (the chart's
    category); `charted` are the columns drawn (all numeric ones when empty)."""

    key: str
    title: str
    columns: list[Column]
    rows: list[list[Any]]
    chart: str = ""  # BAR, LINE or "" (a table only)
    charted: tuple[int, ...] = ()
    labels: int = 1
    note: str = ""  # what the figures mean, with the rule IDs behind them

    def display_rows(self) -> list[list[tuple[Any, str]]]:
        """Each cell with its column's kind, as the templates format it."""
        kinds = [c.kind for c in self.columns]
        return [list(zip(row, kinds, strict=True)) for row in self.rows]

    def charted_columns(self) -> list[int]:
        if self.charted:
            return list(self.charted)
        return [i for i, c in enumerate(self.columns) if i >= self.labels and c.kind != TEXT]


@dataclass(frozen=True)
class Headline:
    title: str
    kind: str
    value: Any
    previous: Any

    @property
    def change(self) -> Any:
        return self.value - self.previous


@dataclass
class Figures:
    """One section's month: its tables and its trend (a row per month, oldest first, the month asked last)."""

    key: str
    title: str
    tables: list[Table]
    trend: Table

    @property
    def headlines(self) -> list[Headline]:
        """Month over month: the trend's last two rows."""
        rows = self.trend.rows
        if not rows:
            return []
        last, before = rows[-1], (rows[-2] if len(rows) > 1 else None)
        return [
            Headline(c.title, c.kind, last[i], before[i] if before else _zero(c.kind))
            for i, c in enumerate(self.trend.columns)
            if i >= self.trend.labels
        ]


def _zero(kind: str) -> Any:
    return Decimal(0) if kind == MONEY else 0


@dataclass(frozen=True)
class CockpitMonth:
    """What a section is asked for: the month (its first day), the sites of its kind the reader may see, and the
    time of the request (a month still running is read as of now)."""

    first: dt.date
    sites: tuple[Site, ...]
    now: dt.datetime

    @property
    def site_ids(self) -> list[int]:
        return [s.pk for s in self.sites]

    @property
    def trend_months(self) -> list[dt.date]:
        return [add_months(self.first, -back) for back in range(TREND_MONTHS - 1, -1, -1)]


@dataclass(frozen=True)
class Section:
    key: str
    title: Promise | str
    site_kind: str
    permission: str  # besides VIEW_PERMISSION: the app's own right to its reports
    build: Callable[[CockpitMonth], Figures]
    order: int = 100


_sections: dict[str, Section] = {}


def register_section(section: Section) -> None:
    """An app's section (its AppConfig.ready()); the same section again is nothing, another under its key an error."""
    known = _sections.get(section.key)
    if known is not None and known != section:
        raise ImproperlyConfigured(f"two cockpit sections are called {section.key!r}")
    _sections[section.key] = section


def sections() -> list[Section]:
    return sorted(_sections.values(), key=lambda s: (s.order, s.key))


def sections_for(user: AbstractBaseUser) -> list[Section]:
    """The sections the user's roles open: the admin every one, the sales director the sales office's, operations
    the stores', the office director the service desk's."""
    if not user.has_perm(VIEW_PERMISSION):
        return []
    return [s for s in sections() if user.has_perm(s.permission)]


def site_scope(user: AbstractBaseUser | None, kind: str) -> tuple[Site, ...]:
    """The sites of `kind` the reader may see (salesoffice.access.sites_for); the pack (no reader) every one."""
    if user is None:
        return tuple(Site.objects.filter(kind=kind).order_by("name"))
    return tuple(sites_for(user, kind))


def build(
    sections_: Iterable[Section], *, first: dt.date, now: dt.datetime, user: AbstractBaseUser | None
) -> list[Figures]:
    """Each section's figures for the month, over the sites of its kind the user sees (every site for the pack).
    One query for the sites of each kind, then what each section's builders take."""
    scopes: dict[str, tuple[Site, ...]] = {}
    found = []
    for section in sections_:
        if section.site_kind not in scopes:
            scopes[section.site_kind] = site_scope(user, section.site_kind)
        found.append(section.build(CockpitMonth(first=first, sites=scopes[section.site_kind], now=now)))
    return found


def month_filters(months: Sequence[dt.date], sites: Sequence[Site], *, at: str, site: str = "site_id") -> list[Q]:
    """For each month, the condition "`at` falls in that month in the site's own zone" over `sites` (a day is the
    site's, RULES.md's Time): sites are grouped by zone, so a month is one OR of a few ranges. Used as the filter of a
    conditional count, twelve months make one aggregate query."""
    by_zone: dict[str, list[int]] = {}
    zones = {}
    for s in sites:
        by_zone.setdefault(s.time_zone, []).append(s.pk)
        zones[s.time_zone] = s.zone
    conditions = []
    for first in months:
        ranges = []
        for name, ids in by_zone.items():
            start, end = month_bounds(first.year, first.month, zones[name])
            ranges.append(Q(**{f"{site}__in": ids, f"{at}__gte": start, f"{at}__lt": end}))
        conditions.append(reduce(operator.or_, ranges, Q(pk__in=[])) if len(ranges) != 1 else ranges[0])
    return conditions


def trend_span(months: Sequence[dt.date], sites: Sequence[Site], at: str) -> Q:
    """`at` from the first month's start to the last month's end at any of the sites: a plain range the indexes
    narrow to first, so the conditional counts read only the months asked, whatever came before or after."""
    zones = {s.time_zone: s.zone for s in sites} or {"UTC": dt.UTC}
    start = min(month_bounds(months[0].year, months[0].month, zone)[0] for zone in zones.values())
    end = max(month_bounds(months[-1].year, months[-1].month, zone)[1] for zone in zones.values())
    return Q(**{f"{at}__gte": start, f"{at}__lt": end})


def month_label(first: dt.date) -> str:
    return f"{first:%Y-%m}"


def parse_month(value: str) -> dt.date | None:
    """'2026-11' as the month's first day, or None for anything else."""
    year, sep, month = (value or "").partition("-")
    if not (sep and len(year) == 4 and len(month) == 2 and year.isdigit() and month.isdigit()):
        return None
    if not (2000 <= int(year) <= 2999 and 1 <= int(month) <= 12):
        return None
    return dt.date(int(year), int(month), 1)


def percent(part: float, whole: float) -> float:
    """A rate shown in the cockpit: one place, 0 when nothing was counted (as the apps' reports)."""
    return percent_of(part, whole)


# The pack keeps the tables as JSON: money as its decimal string, the rest as it is.
def _cell_to_json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Promise):
        return str(value)
    return value


def _cell_from_json(value: Any, kind: str) -> Any:
    if kind == MONEY and value is not None:
        return Decimal(value)
    return value


def _table_to_json(table: Table) -> dict:
    return {
        "key": table.key,
        "title": str(table.title),
        "columns": [[str(c.title), c.kind] for c in table.columns],
        "rows": [[_cell_to_json(v) for v in row] for row in table.rows],
        "chart": table.chart,
        "charted": list(table.charted),
        "labels": table.labels,
        "note": str(table.note),
    }


def _table_from_json(data: dict) -> Table:
    columns = [Column(title, kind) for title, kind in data["columns"]]
    return Table(
        key=data["key"],
        title=data["title"],
        columns=columns,
        rows=[[_cell_from_json(v, c.kind) for v, c in zip(row, columns, strict=True)] for row in data["rows"]],
        chart=data["chart"],
        charted=tuple(data["charted"]),
        labels=data["labels"],
        note=data["note"],
    )


def figures_to_json(figures: Iterable[Figures]) -> list[dict]:
    return [
        {
            "key": f.key,
            "title": str(f.title),
            "tables": [_table_to_json(t) for t in f.tables],
            "trend": _table_to_json(f.trend),
        }
        for f in figures
    ]


def figures_from_json(data: Iterable[dict]) -> list[Figures]:
    return [
        Figures(
            key=d["key"],
            title=d["title"],
            tables=[_table_from_json(t) for t in d["tables"]],
            trend=_table_from_json(d["trend"]),
        )
        for d in data
    ]


def _number(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else value


def chart_data(figures: Iterable[Figures]) -> list[dict]:
    """What static/js/cockpit.js draws: per charted table, its categories and one series per charted column, with
    the titles already in the reader's language. Money goes as a number of yuan (a chart's bar, not a sum)."""
    charts = []
    for f in figures:
        for table in [*f.tables, f.trend]:
            if not table.chart or not table.rows:
                continue
            charted = table.charted_columns()
            charts.append(
                {
                    "id": f"chart-{f.key}-{table.key}",
                    "type": table.chart,
                    "title": str(table.title),
                    "categories": [" · ".join(str(v) for v in row[: table.labels]) for row in table.rows],
                    "series": [
                        {
                            "name": str(table.columns[i].title),
                            "kind": table.columns[i].kind,
                            "data": [_number(row[i]) for row in table.rows],
                        }
                        for i in charted
                    ],
                }
            )
    return charts


@dataclass
class Cockpit:
    """The page's content: the month, the months around it to move to, and every section's figures."""

    first: dt.date
    figures: list[Figures] = field(default_factory=list)

    @property
    def label(self) -> str:
        return month_label(self.first)

    @property
    def previous(self) -> str:
        return month_label(add_months(self.first, -1))

    @property
    def next(self) -> str:
        return month_label(add_months(self.first, 1))
