"""The sales office's parts of the management cockpit (salesoffice.cockpit).

- Sales: visits (the front desk's receptions, as reception.reports.monthly_report counts them), registrations
  (attribution.cockpit) and deals by site and salesperson, with the visit-to-deal conversion.
- Commission: each person's and each site's public pool's commission with the adjustments, from the month's
  statement (commission.selectors.monthly_statement, COM-4), and what is held (ATT-DISP-1) or not confirmed (COM-5).
"""

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from attribution.cockpit import registrations_by_month, registrations_by_salesperson
from attribution.selectors import user_names
from reception.cockpit import receptions_by_month
from reception.reports import monthly_report
from salesoffice.cockpit import (
    BAR,
    LINE,
    MONEY,
    PERCENT,
    TEXT,
    CockpitMonth,
    Column,
    Figures,
    Section,
    Table,
    month_filters,
    month_label,
    percent,
    trend_span,
)
from salesoffice.models import Site
from salesoffice.money import summed

from .models import Deal, LedgerEntry, PartyKind
from .selectors import monthly_statement

CONVERSION_NOTE = gettext_lazy(
    "Visits are the front desk's receptions of the month (a bye or a voided reception is none); registrations the "
    "visits entered on the register (ATT-REG-1; a correction is not another); deals those signed in the month and "
    "not cancelled. Conversion: deals per 100 visits."
)


def _deals(sites: Sequence[Site], months: Sequence[dt.date]):
    return Deal.objects.filter(
        trend_span(months, sites, "signed_at"), site__in=[s.pk for s in sites], cancelled_at__isnull=True
    ).order_by()


def deals_by_salesperson(*, sites: Sequence[Site], first: dt.date) -> dict[tuple[int, int | None], int]:
    """{(site id, salesperson id or None for the company's own deal): deals signed in the month}: one query."""
    if not sites:
        return {}
    (in_month,) = month_filters([first], sites, at="signed_at")
    rows = _deals(sites, [first]).filter(in_month).values_list("site_id", "salesperson_id")
    return {(site, person): n for site, person, n in rows.annotate(n=Count("pk"))}


def deals_by_month(*, sites: Sequence[Site], months: Sequence[dt.date]) -> list[int]:
    if not sites:
        return [0 for _m in months]
    conditions = month_filters(months, sites, at="signed_at")
    found = _deals(sites, months).aggregate(**{f"m{i}": Count("pk", filter=q) for i, q in enumerate(conditions)})
    return [found[f"m{i}"] for i in range(len(months))]


def sales_tables(month: CockpitMonth) -> list[Table]:
    """By site and by salesperson: one reception report per site, then three queries (registrations, deals, names)."""
    visits: dict[tuple[int, int | None], int] = {}
    for site in month.sites:
        for row in monthly_report(site, month.first.year, month.first.month).rows:
            visits[(site.pk, row.salesperson_id)] = row.receptions
    registrations = registrations_by_salesperson(sites=month.sites, first=month.first)
    deals = deals_by_salesperson(sites=month.sites, first=month.first)
    keys = set(visits) | set(registrations) | set(deals)
    # Everyone's name in one query, whether or not the desk's report named them: a fixed count, whatever the month.
    names = user_names(person for _site, person in keys)
    site_names = {s.pk: s.name for s in month.sites}

    def figures(key) -> list:
        v, r, d = visits.get(key, 0), registrations.get(key, 0), deals.get(key, 0)
        return [v, r, d, percent(d, v)]

    people = sorted(keys, key=lambda k: (site_names[k[0]], names.get(k[1], "") if k[1] else "\uffff"))
    person_rows = [
        [
            names[person] if person is not None else _("The company (ATT-CO-5)"),
            site_names[site],
            *figures((site, person)),
        ]
        for site, person in people
    ]
    site_rows = []
    for site in month.sites:
        mine = [k for k in keys if k[0] == site.pk]
        v, r, d = (sum(source.get(k, 0) for k in mine) for source in (visits, registrations, deals))
        site_rows.append([site.name, v, r, d, percent(d, v)])
    counts = [Column(_("Visits")), Column(_("Registrations")), Column(_("Deals")), Column(_("Conversion %"), PERCENT)]
    return [
        Table(
            key="sites",
            title=_("Visits, registrations and deals by site"),
            columns=[Column(_("Site"), TEXT), *counts],
            rows=site_rows,
            chart=BAR,
            charted=(1, 2, 3),
            note=str(CONVERSION_NOTE),
        ),
        Table(
            key="people",
            title=_("Visits, registrations and deals by salesperson"),
            columns=[Column(_("Salesperson"), TEXT), Column(_("Site"), TEXT), *counts],
            rows=person_rows,
            chart=BAR,
            charted=(2, 3, 4),
            labels=2,
        ),
    ]


def sales_trend(month: CockpitMonth) -> Table:
    months = month.trend_months
    visits = receptions_by_month(sites=month.sites, months=months)
    registrations = registrations_by_month(sites=month.sites, months=months)
    deals = deals_by_month(sites=month.sites, months=months)
    return Table(
        key="trend",
        title=_("Sales, last 12 months"),
        columns=[
            Column(_("Month"), TEXT),
            Column(_("Visits")),
            Column(_("Registrations")),
            Column(_("Deals")),
            Column(_("Conversion %"), PERCENT),
        ],
        rows=[
            [month_label(m), v, r, d, percent(d, v)]
            for m, v, r, d in zip(months, visits, registrations, deals, strict=True)
        ],
        chart=LINE,
        charted=(1, 2, 3),
    )


def build_sales(month: CockpitMonth) -> Figures:
    return Figures(
        key="sales", title=_("Visits, registrations and deals"), tables=sales_tables(month), trend=sales_trend(month)
    )


def commission_tables(month: CockpitMonth) -> list[Table]:
    """The month's statement over the sites in scope (three queries, commission.selectors.monthly_statement)."""
    statement = monthly_statement(month=month.first, site_ids=month.site_ids)
    labels = {PartyKind.SALESPERSON: _("Salesperson"), PartyKind.REFERRER: _("Referrer")}
    rows = [
        [row.name, str(labels[PartyKind(row.party)]), row.shares, row.adjustments, row.total]
        for row in (*statement.salespeople, *statement.referrers)
    ]
    rows += [[row.site_name, _("Public pool (公佣)"), row.shares, row.adjustments, row.total] for row in statement.pool]
    adjustments = sum((r[3] for r in rows), Decimal(0))
    return [
        Table(
            key="people",
            title=_("Commission by person and public pool"),
            columns=[
                Column(_("Name"), TEXT),
                Column(_("Party"), TEXT),
                Column(_("Shares"), MONEY),
                Column(_("Adjustments"), MONEY),
                Column(_("Total"), MONEY),
            ],
            rows=rows,
            chart=BAR,
            charted=(4,),
            labels=2,
            note=_(
                "The month's statement (COM-4): each party's shares of the deals signed in the month and the "
                "adjustments posted to it for earlier months."
            ),
        ),
        Table(
            key="held",
            title=_("Commission total, held and adjusted"),
            columns=[Column(_("Figure"), TEXT), Column(_("Deals")), Column(_("Amount"), MONEY)],
            rows=[
                [_("Statement total"), None, statement.total],
                [_("Adjustments in the total"), None, adjustments],
                [_("On hold (ATT-DISP-1), not in the total"), statement.held_count, statement.held_total],
                [
                    _("Not confirmed (COM-5), not in the total"),
                    statement.unconfirmed_count,
                    statement.unconfirmed_total,
                ],
            ],
        ),
    ]


def commission_trend(month: CockpitMonth) -> Table:
    """The ledger's total and adjustments per statement month: one aggregate query (COM-4)."""
    months = month.trend_months
    found: dict[dt.date, dict] = {}
    if month.sites:
        rows = (
            LedgerEntry.objects.filter(month__month__in=months, site_id__in=month.site_ids)
            .values("month__month")
            .annotate(total=Sum("amount"), adjustments=Sum("amount", filter=Q(entry_kind=LedgerEntry.Kind.ADJUSTMENT)))
            .order_by()
        )
        found = {r["month__month"]: r for r in rows}
    return Table(
        key="trend",
        title=_("Commission, last 12 months"),
        columns=[Column(_("Month"), TEXT), Column(_("Total"), MONEY), Column(_("Adjustments"), MONEY)],
        rows=[
            [month_label(m), summed(found.get(m, {}).get("total")), summed(found.get(m, {}).get("adjustments"))]
            for m in months
        ],
        chart=LINE,
    )


def build_commission(month: CockpitMonth) -> Figures:
    return Figures(
        key="commission", title=_("Commission"), tables=commission_tables(month), trend=commission_trend(month)
    )


SALES = Section(
    key="sales",
    title=gettext_lazy("Visits, registrations and deals"),
    site_kind=Site.Kind.SALES_OFFICE,
    permission="commission.view_statements",
    build=build_sales,
    order=10,
)
COMMISSION = Section(
    key="commission",
    title=gettext_lazy("Commission"),
    site_kind=Site.Kind.SALES_OFFICE,
    permission="commission.view_statements",
    build=build_commission,
    order=30,
)
