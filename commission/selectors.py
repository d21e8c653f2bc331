"""Reads for the commission pages and statements: aggregates in the database, bounded queries."""

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Case, Count, Func, IntegerField, Q, QuerySet, Subquery, Sum, When

from salesoffice.models import NAME_FIELDS, Site, display_name_of
from salesoffice.money import summed
from salesoffice.timeutil import month_bounds

from .models import (
    HELD,
    UNCONFIRMED,
    CommissionSettings,
    Deal,
    LedgerEntry,
    PartyKind,
    Split,
    SplitShare,
    SplitStatus,
    StatementMonth,
)

HELD_SHOWN = 100


def commission_settings(site: Site) -> CommissionSettings:
    """The site's deal checks (COM-5); a site that never saved any has the defaults."""
    found = CommissionSettings.objects.filter(site=site).first()
    return found if found is not None else CommissionSettings(site=site)


def unconfirmed_deals(
    *, site_ids: Iterable[int] | None = None, signed_before: dt.datetime | None = None
) -> QuerySet[Deal]:
    """Deals recorded by a salesperson that the project manager has not confirmed yet: they count in no statement
    (COM-5)."""
    deals = Deal.objects.filter(UNCONFIRMED)
    if signed_before is not None:
        deals = deals.filter(signed_at__lt=signed_before)
    if site_ids is not None:
        deals = deals.filter(site_id__in=list(site_ids))
    return deals


def company_zone() -> ZoneInfo:
    """Statement months are the company's, in its default zone (SITE_DEFAULT_TIME_ZONE)."""
    return ZoneInfo(settings.TIME_ZONE)


@dataclass
class StatementRow:
    party: str
    user_id: int | None
    site_id: int | None  # the public pool is per site; people across sites
    total: Decimal
    name: str = ""
    site_name: str = ""
    shares: Decimal = Decimal(0)
    adjustments: Decimal = Decimal(0)


@dataclass
class ListedDeal:
    """A deal as the statement lists it among those on hold or not confirmed yet."""

    pk: int
    unit: str
    signed_at: dt.datetime
    commission: Decimal
    split_status: str
    site_name: str
    site_code: str
    client_name: str
    salesperson_name: str = ""  # none for a deal the company arranged (ATT-CO-5)

    def get_split_status_display(self) -> str:
        return str(SplitStatus(self.split_status).label)


@dataclass
class Statement:
    month: dt.date
    closed_at: dt.datetime | None  # None while the month is open (COM-4)
    salespeople: list[StatementRow] = field(default_factory=list)
    referrers: list[StatementRow] = field(default_factory=list)
    pool: list[StatementRow] = field(default_factory=list)
    held: list[ListedDeal] = field(default_factory=list)  # the first HELD_SHOWN of them
    held_count: int = 0
    held_total: Decimal = Decimal(0)
    unconfirmed: list[ListedDeal] = field(default_factory=list)  # the first HELD_SHOWN of them (COM-5)
    unconfirmed_count: int = 0
    unconfirmed_total: Decimal = Decimal(0)

    @property
    def total(self) -> Decimal:
        return sum((r.total for r in (*self.salespeople, *self.referrers, *self.pool)), Decimal(0))

    @property
    def held_not_shown(self) -> int:
        return self.held_count - len(self.held)


def _totals(month: dt.date, site_ids: list[int] | None) -> QuerySet[LedgerEntry, dict[str, Any]]:
    """Each party's total, shares and adjustments for the month with its name: one aggregate over the month's ledger
    entries (COM-4). A person's entries across sites make one row; the public pool has a row per site."""
    entries = LedgerEntry.objects.filter(month__month=month)
    if site_ids is not None:
        entries = entries.filter(site_id__in=site_ids)
    pool = Q(party=PartyKind.PUBLIC_POOL)
    totals: QuerySet[LedgerEntry, dict[str, Any]] = entries.values(
        "party",
        "user_id",
        *(f"user__{f}" for f in NAME_FIELDS),
        pool_site_id=Case(When(pool, then="site_id")),
        pool_site_name=Case(When(pool, then="site__name")),
    ).annotate(
        total=Sum("amount"),
        shares=Sum("amount", filter=Q(entry_kind=LedgerEntry.Kind.SHARE)),
        adjustments=Sum("amount", filter=Q(entry_kind=LedgerEntry.Kind.ADJUSTMENT)),
    )
    return totals


def _statement_row(r: dict[str, Any]) -> StatementRow:
    return StatementRow(
        r["party"],
        r["user_id"],
        r["pool_site_id"],
        summed(r["total"]),
        name=display_name_of(*(r[f"user__{f}"] for f in NAME_FIELDS)) if r["user_id"] else "",
        site_name=r["pool_site_name"] or "",
        shares=summed(r["shares"]),
        adjustments=summed(r["adjustments"]),
    )


def statement_totals(*, month: dt.date, site_ids: Iterable[int] | None = None) -> list[StatementRow]:
    """Each party's total for the month with its name (COM-4): a person's entries across sites make one row; the
    public pool has a row per site."""
    return [_statement_row(r) for r in _totals(month, None if site_ids is None else list(site_ids))]


def _figure(deals: QuerySet[Deal], function: str, column: str) -> Subquery:
    """COUNT or SUM of a column of `deals` as a scalar subquery, read in the same round trip as the totals."""
    output = Deal._meta.get_field("commission") if function == "SUM" else IntegerField()
    return Subquery(deals.order_by().values(figure=Func(column, function=function, output_field=output)))


def monthly_statement(*, month: dt.date, site_ids: Iterable[int] | None = None) -> Statement:
    """The statement of a month: totals per salesperson, referrer and site pool, whether the month is closed, and the
    deals on hold and not confirmed yet (their counts and totals, and the first of each). Three queries whatever the
    history: the totals with their names and every other figure, then the two lists."""
    site_ids = None if site_ids is None else list(site_ids)
    # Deals signed by the month's end whose commission is in no statement yet: on hold now (ATT-DISP-1), or not
    # confirmed by the project manager yet (COM-5). deal_pending_signed_idx holds both, with what the figures read.
    _start, end = month_bounds(month.year, month.month, company_zone())
    pending = Deal.objects.filter(signed_at__lt=end)
    if site_ids is not None:
        pending = pending.filter(site_id__in=site_ids)
    held, unconfirmed = pending.filter(HELD), pending.filter(UNCONFIRMED)
    figures = {
        "closed_at": Subquery(StatementMonth.objects.filter(month=month).values("closed_at")),
        "held_count": _figure(held, "COUNT", "pk"),
        "held_total": _figure(held, "SUM", "commission"),
        "unconfirmed_count": _figure(unconfirmed, "COUNT", "pk"),
        "unconfirmed_total": _figure(unconfirmed, "SUM", "commission"),
    }
    rows = list(_totals(month, site_ids).annotate(**figures))  # every row carries the same figures
    found = rows[0] if rows else _figures_without_lines(month, held, unconfirmed)
    statement = Statement(
        month=month,
        closed_at=found["closed_at"],
        held_count=found["held_count"],
        held_total=summed(found["held_total"]),
        unconfirmed_count=found["unconfirmed_count"],
        unconfirmed_total=summed(found["unconfirmed_total"]),
        held=_latest_listed(held),
        unconfirmed=_latest_listed(unconfirmed),
    )
    groups = {
        PartyKind.SALESPERSON: statement.salespeople,
        PartyKind.REFERRER: statement.referrers,
        PartyKind.PUBLIC_POOL: statement.pool,
    }
    for r in rows:
        groups[r["party"]].append(_statement_row(r))
    for group in (statement.salespeople, statement.referrers):
        group.sort(key=lambda r: r.name)
    statement.pool.sort(key=lambda r: r.site_name)
    return statement


def _figures_without_lines(month: dt.date, held: QuerySet[Deal], unconfirmed: QuerySet[Deal]) -> dict[str, Any]:
    """A month with no lines (not begun, or closed empty) has no totals' rows to carry its figures: read them alone,
    in two queries."""
    found = (held | unconfirmed).aggregate(
        held_count=Count("pk", filter=HELD),
        held_total=Sum("commission", filter=HELD),
        unconfirmed_count=Count("pk", filter=UNCONFIRMED),
        unconfirmed_total=Sum("commission", filter=UNCONFIRMED),
    )
    found["closed_at"] = StatementMonth.objects.filter(month=month).values_list("closed_at", flat=True).first()
    return found


def _latest_listed(deals: QuerySet[Deal]) -> list[ListedDeal]:
    """The first HELD_SHOWN deals, latest signed first, as the statement shows them (page and workbook): plain rows
    read with their site's and client's names, not a hundred model instances on every view."""
    columns = ("pk", "unit", "signed_at", "commission", "split_status", "site__name", "site__code", "client__name")
    rows = deals.order_by("-signed_at").values_list(*columns, *(f"salesperson__{f}" for f in NAME_FIELDS))
    listed = []
    for row in rows[:HELD_SHOWN]:
        pk, unit, signed_at, commission, split_status, site_name, site_code, client_name, *salesperson = row
        # The salesperson's name fields are all None for a deal with no salesperson (ATT-CO-5).
        name = display_name_of(*salesperson) if salesperson[-1] is not None else ""
        listed.append(
            ListedDeal(pk, unit, signed_at, commission, split_status, site_name, site_code, client_name, name)
        )
    return listed


def party_entries(
    *, month: dt.date, party: str, user_id: int | None, site_id: int | None = None
) -> QuerySet[LedgerEntry]:
    """The lines behind one statement row: each deal's share or adjustment, with the split that made it."""
    # In a Q: the public pool's lines have no person, and user_id=None reads as IS NULL, a lookup value the stubs'
    # keyword types refuse.
    entries = LedgerEntry.objects.filter(Q(user_id=user_id), month__month=month, party=party)
    if party == PartyKind.PUBLIC_POOL and site_id is not None:
        entries = entries.filter(site_id=site_id)
    return entries.select_related("deal", "deal__client", "deal__site", "split").order_by("deal__signed_at", "pk")


def entry_reasons(entries: Iterable[LedgerEntry], *, language: str) -> dict[int, tuple[list[str], str]]:
    """Each ledger line's rules and reason, in `language`: those of its party's share in the split that posted it (all
    the rules that shaped it, COM-1..3), or the split's own when the party has no share in it (a reversal, COM-5). One
    query for the shares of all the lines' splits."""
    entries = list(entries)
    shares = _shares_by_party({e.split_id for e in entries})
    return {
        e.pk: _rules_and_reason(shares, (e.split_id, e.party, e.user_id), e.split.rule_ids, language) for e in entries
    }


# A share as a ledger line finds it (split, party, person), and what it holds (its rules, its reason by language).
_ShareKey = tuple[int, str, int | None]
_Shares = dict[_ShareKey, tuple[list[str], dict[str, str]]]


def _shares_by_party(split_ids: set[int]) -> _Shares:
    shares = SplitShare.objects.filter(split_id__in=split_ids).values_list(
        "split_id", "kind", "user_id", "rule_ids", "reason"
    )
    return {(split_id, kind, user_id): (rule_ids, reason) for split_id, kind, user_id, rule_ids, reason in shares}


def _rules_and_reason(shares: _Shares, key: _ShareKey, split_rules: list[str], language: str) -> tuple[list[str], str]:
    share = shares.get(key)
    if share is None:
        return list(split_rules), ""
    rule_ids, reason = share
    return rule_ids, reason.get(language) or reason.get("en", "")


@dataclass(frozen=True)
class StatementLine:
    """One line of the month's workbook, as plain values."""

    site_name: str
    unit: str
    client_name: str
    user_name: str  # "" for the public pool
    entry_kind: str
    amount: Decimal
    rule_ids: list[str]
    reason: str


LINE_COLUMNS = (
    "pk",
    "split_id",
    "party",
    "user_id",
    "entry_kind",
    "amount",
    "split__rule_ids",
    "deal__site__name",
    "deal__unit",
    "deal__client__name",
    *(f"user__{f}" for f in NAME_FIELDS),
)


def month_lines(
    *, month: dt.date, site_ids: Iterable[int] | None, language: str, batch: int = 2000
) -> Iterator[StatementLine]:
    """Every line of a month's statement with its rules and reason in `language`, in batches (the workbook's lines:
    a month can hold tens of thousands). Plain rows, not model instances: building five instances per line (the
    line, its deal, site, client and person) was a third of the workbook's time at full scale (issue 17)."""
    entries = LedgerEntry.objects.filter(month__month=month)
    if site_ids is not None:
        entries = entries.filter(site_id__in=list(site_ids))
    rows = entries.order_by("deal__site_id", "pk").values_list(*LINE_COLUMNS)
    chunk: list[tuple[Any, ...]] = []
    for row in rows.iterator(chunk_size=batch):
        chunk.append(row)
        if len(chunk) == batch:
            yield from _lines_with_reasons(chunk, language)
            chunk = []
    yield from _lines_with_reasons(chunk, language)


def _lines_with_reasons(rows: list[tuple[Any, ...]], language: str) -> Iterator[StatementLine]:
    if not rows:
        return
    shares = _shares_by_party({row[1] for row in rows})  # one query per batch, as entry_reasons reads them
    kinds = dict(LedgerEntry.Kind.choices)
    for _pk, split_id, party, user_id, kind, amount, split_rules, site, unit, client, *name in rows:
        rule_ids, reason = _rules_and_reason(shares, (split_id, party, user_id), split_rules, language)
        user_name = display_name_of(*name) if user_id else ""
        yield StatementLine(site, unit, client, user_name, str(kinds[kind]), amount, rule_ids, reason)


def person_entries(*, user_id: int, month: dt.date) -> QuerySet[LedgerEntry]:
    """A person's lines in a month's statement: shares, and adjustments of earlier deals (COM-4)."""
    return LedgerEntry.objects.filter(month__month=month, user_id=user_id).order_by("posted_at", "pk")


def person_year_total(*, user_id: int, month: dt.date) -> Decimal:
    """Year to date, up to and including `month`: the running total on 'my commission'."""
    entries = LedgerEntry.objects.filter(month__month__year=month.year, month__month__lte=month, user_id=user_id)
    return summed(entries.aggregate(t=Sum("amount"))["t"])


def person_deals(*, user_id: int, month_start: dt.datetime, month_end: dt.datetime) -> QuerySet[Deal]:
    """Deals signed this month in which the person closed the deal or holds a share of the current split."""
    shared = Split.objects.filter(shares__user_id=user_id, superseded_by__isnull=True).values("deal_id")
    return (
        Deal.objects.filter(
            Q(salesperson_id=user_id) | Q(pk__in=shared), signed_at__gte=month_start, signed_at__lt=month_end
        )
        .select_related("site", "client")
        .order_by("-signed_at")
    )


def latest_splits(deal_ids: Iterable[int]) -> dict[int, Split]:
    """The current split of each deal, with its shares: two queries whatever the number of deals."""
    splits = Split.objects.filter(deal_id__in=list(deal_ids), superseded_by__isnull=True).prefetch_related("shares")
    return {s.deal_id: s for s in splits}


def open_months() -> QuerySet[StatementMonth]:
    return StatementMonth.objects.filter(closed_at__isnull=True).order_by("month")
