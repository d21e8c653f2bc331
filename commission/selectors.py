"""Reads for the commission pages and statements: aggregates in the database, bounded queries."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum

from salesoffice.models import NAME_FIELDS, display_name_of
from salesoffice.money import summed
from salesoffice.timeutil import month_bounds

from .models import CommissionSettings, Deal, LedgerEntry, PartyKind, Split, SplitShare, SplitStatus, StatementMonth

HELD_SHOWN = 100
# Deals whose commission is in no statement for now: held by a dispute, without an owner, or awaiting the register.
HELD_STATUSES = (SplitStatus.ON_HOLD, SplitStatus.NO_OWNER, SplitStatus.AWAITING)


def commission_settings(site) -> CommissionSettings:
    """The site's deal checks (COM-5); a site that never saved any has the defaults."""
    found = CommissionSettings.objects.filter(site=site).first()
    return found if found is not None else CommissionSettings(site=site)


def unconfirmed_deals(*, site_ids: Iterable[int] | None = None, signed_before: dt.datetime | None = None) -> QuerySet:
    """Deals recorded by a salesperson that the project manager has not confirmed yet: they count in no statement
    (COM-5)."""
    deals = Deal.objects.filter(confirmed_at__isnull=True, cancelled_at__isnull=True)
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
class Statement:
    month: dt.date
    closed: StatementMonth | None
    salespeople: list[StatementRow] = field(default_factory=list)
    referrers: list[StatementRow] = field(default_factory=list)
    pool: list[StatementRow] = field(default_factory=list)
    held: list[Deal] = field(default_factory=list)  # the first HELD_SHOWN of them
    held_count: int = 0
    held_total: Decimal = Decimal(0)
    unconfirmed: list[Deal] = field(default_factory=list)  # the first HELD_SHOWN of them (COM-5)
    unconfirmed_count: int = 0
    unconfirmed_total: Decimal = Decimal(0)

    @property
    def total(self) -> Decimal:
        return sum((r.total for r in (*self.salespeople, *self.referrers, *self.pool)), Decimal(0))

    @property
    def held_not_shown(self) -> int:
        return self.held_count - len(self.held)


def statement_totals(*, month: dt.date, site_ids: Iterable[int] | None = None) -> list[StatementRow]:
    """Each party's total for the month: one aggregate over the month's ledger entries (COM-4). A person's
    entries across sites make one row; the public pool has a row per site."""
    entries = LedgerEntry.objects.filter(month__month=month)
    if site_ids is not None:
        entries = entries.filter(site_id__in=list(site_ids))
    rows = entries.values("party", "user_id", "site_id").annotate(
        total=Sum("amount"),
        shares=Sum("amount", filter=Q(entry_kind=LedgerEntry.Kind.SHARE)),
        adjustments=Sum("amount", filter=Q(entry_kind=LedgerEntry.Kind.ADJUSTMENT)),
    )
    merged: dict[tuple, StatementRow] = {}
    for r in rows:
        site_id = r["site_id"] if r["party"] == PartyKind.PUBLIC_POOL else None
        row = merged.setdefault(
            (r["party"], r["user_id"], site_id), StatementRow(r["party"], r["user_id"], site_id, Decimal(0))
        )
        row.total += summed(r["total"])
        row.shares += summed(r["shares"])
        row.adjustments += summed(r["adjustments"])
    return list(merged.values())


def monthly_statement(*, month: dt.date, site_ids: Iterable[int] | None = None) -> Statement:
    """The statement of a month: totals per salesperson, referrer and site pool, and the deals on hold."""
    from django.contrib.auth import get_user_model

    from salesoffice.models import Site

    site_ids = None if site_ids is None else list(site_ids)
    rows = statement_totals(month=month, site_ids=site_ids)
    user_ids = {r.user_id for r in rows if r.user_id}
    names = {
        u["pk"]: display_name_of(*(u[f] for f in NAME_FIELDS))
        for u in get_user_model().objects.filter(pk__in=user_ids).values("pk", *NAME_FIELDS)
    }
    site_names = dict(Site.objects.filter(pk__in={r.site_id for r in rows if r.site_id}).values_list("pk", "name"))
    statement = Statement(
        month=month, closed=StatementMonth.objects.filter(month=month, closed_at__isnull=False).first()
    )
    for row in rows:
        row.name = names.get(row.user_id, "")
        row.site_name = site_names.get(row.site_id, "")
        {
            PartyKind.SALESPERSON: statement.salespeople,
            PartyKind.REFERRER: statement.referrers,
            PartyKind.PUBLIC_POOL: statement.pool,
        }[row.party].append(row)
    for group in (statement.salespeople, statement.referrers):
        group.sort(key=lambda r: r.name)
    statement.pool.sort(key=lambda r: r.site_name)
    # Deals signed by the month's end whose commission is not in any statement yet: on hold now (ATT-DISP-1).
    _start, end = month_bounds(month.year, month.month, company_zone())
    held = Deal.objects.filter(signed_at__lt=end, split_status__in=HELD_STATUSES)
    if site_ids is not None:
        held = held.filter(site_id__in=site_ids)
    summary = held.aggregate(count=Count("pk"), total=Sum("commission"))
    statement.held_count, statement.held_total = summary["count"], summed(summary["total"])
    statement.held = list(held.select_related("site", "client").order_by("-signed_at")[:HELD_SHOWN])
    # Deals signed by the month's end that the project manager has not confirmed yet (COM-5).
    waiting = unconfirmed_deals(site_ids=site_ids, signed_before=end)
    summary = waiting.aggregate(count=Count("pk"), total=Sum("commission"))
    statement.unconfirmed_count, statement.unconfirmed_total = summary["count"], summed(summary["total"])
    statement.unconfirmed = list(
        waiting.select_related("site", "client", "salesperson").order_by("-signed_at")[:HELD_SHOWN]
    )
    return statement


def party_entries(*, month: dt.date, party: str, user_id: int | None, site_id: int | None = None) -> QuerySet:
    """The lines behind one statement row: each deal's share or adjustment, with the split that made it."""
    entries = LedgerEntry.objects.filter(month__month=month, party=party, user_id=user_id)
    if party == PartyKind.PUBLIC_POOL and site_id is not None:
        entries = entries.filter(site_id=site_id)
    return entries.select_related("deal", "deal__client", "deal__site", "split").order_by("deal__signed_at", "pk")


def entry_reasons(entries: Iterable[LedgerEntry], *, language: str) -> dict[int, tuple[list[str], str]]:
    """Each ledger line's rules and reason, in `language`: those of its party's share in the split that posted it (all
    the rules that shaped it, COM-1..3), or the split's own when the party has no share in it (a reversal, COM-5). One
    query for the shares of all the lines' splits."""
    entries = list(entries)
    shares = SplitShare.objects.filter(split_id__in={e.split_id for e in entries}).values(
        "split_id", "kind", "user_id", "rule_ids", "reason"
    )
    by_party = {(s["split_id"], s["kind"], s["user_id"]): s for s in shares}
    found = {}
    for entry in entries:
        share = by_party.get((entry.split_id, entry.party, entry.user_id))
        if share is None:
            found[entry.pk] = (list(entry.split.rule_ids), "")
        else:
            found[entry.pk] = (share["rule_ids"], share["reason"].get(language) or share["reason"].get("en", ""))
    return found


def month_lines(*, month: dt.date, site_ids: Iterable[int] | None, language: str, batch: int = 2000):
    """Every line of a month's statement with its rules and reason in `language`, in batches (the workbook's lines:
    a month can hold tens of thousands)."""
    entries = LedgerEntry.objects.filter(month__month=month)
    if site_ids is not None:
        entries = entries.filter(site_id__in=list(site_ids))
    entries = entries.select_related("deal__client", "deal__site", "user", "split").order_by("deal__site_id", "pk")
    chunk: list[LedgerEntry] = []
    for entry in entries.iterator(chunk_size=batch):
        chunk.append(entry)
        if len(chunk) == batch:
            yield from _with_reasons(chunk, language)
            chunk = []
    yield from _with_reasons(chunk, language)


def _with_reasons(entries: list[LedgerEntry], language: str):
    reasons = entry_reasons(entries, language=language) if entries else {}
    for entry in entries:
        yield (entry, *reasons[entry.pk])


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
