"""The front desk's part of the management cockpit (salesoffice.cockpit): rota fairness per person, from the monthly
reception report of each site (reception.reports.monthly_report), and the desk's 12-month trend."""

from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salesoffice.cockpit import (
    BAR,
    LINE,
    TEXT,
    CockpitMonth,
    Column,
    Figures,
    Section,
    Table,
    month_filters,
    month_label,
    trend_span,
)
from salesoffice.models import Site

from .models import PrioritySlot, Reception
from .reports import monthly_report


def rota_fairness(month: CockpitMonth) -> Table:
    """Per salesperson and site: receptions, turns by the rota and by a priority slot, turns forfeited and priority
    slots granted, as the site's monthly reception report counts them (REC-ROT-1/4/5/6). One query per site."""
    rows = []
    for site in month.sites:
        report = monthly_report(site, month.first.year, month.first.month)
        rows += [
            [r.name, site.name, r.receptions, r.rota_turns, r.priority_turns, r.forfeits, r.slots_granted]
            for r in report.rows
        ]
    return Table(
        key="rota",
        title=_("Rota fairness by salesperson"),
        columns=[
            Column(_("Salesperson"), TEXT),
            Column(_("Site"), TEXT),
            Column(_("Receptions")),
            Column(_("Rota turns (REC-ROT-1)")),
            Column(_("Priority-slot turns (REC-ROT-5)")),
            Column(_("Turns forfeited (REC-ROT-4/6)")),
            Column(_("Priority slots granted")),
        ],
        rows=rows,
        chart=BAR,
        charted=(3, 4, 5, 6),
        labels=2,
        note=_(
            "Turns go in rota order (REC-ROT-1); a turn is forfeited by someone busy, away or not ready "
            "(REC-ROT-4/6); an excused absence earns a priority slot (REC-ROT-5)."
        ),
    )


def receptions_by_month(*, sites, months) -> list[int]:
    """Receptions in each of `months`, counted as the monthly report counts them (a bye or a voided reception is
    none): one aggregate query."""
    if not sites:
        return [0 for _m in months]
    conditions = month_filters(months, sites, at="arrived_at")
    found = (
        Reception.objects.filter(
            trend_span(months, sites, "arrived_at"), site__in=[s.pk for s in sites], salesperson__isnull=False
        )
        .exclude(status__in=[Reception.Status.BYE, Reception.Status.VOIDED])
        .aggregate(**{f"m{i}": Count("pk", filter=q) for i, q in enumerate(conditions)})
    )
    return [found[f"m{i}"] for i in range(len(months))]


def slots_by_month(*, sites, months) -> list[int]:
    """Priority slots granted (neither pending nor cancelled, as the report counts them) in each of `months`."""
    if not sites:
        return [0 for _m in months]
    conditions = month_filters(months, sites, at="granted_at")
    found = (
        PrioritySlot.objects.filter(trend_span(months, sites, "granted_at"), site__in=[s.pk for s in sites])
        .exclude(status__in=[PrioritySlot.Status.CANCELLED, PrioritySlot.Status.PENDING])
        .aggregate(**{f"m{i}": Count("pk", filter=q) for i, q in enumerate(conditions)})
    )
    return [found[f"m{i}"] for i in range(len(months))]


def desk_trend(month: CockpitMonth) -> Table:
    """Receptions and priority slots granted per month over the last twelve: two aggregate queries."""
    months = month.trend_months
    receptions = receptions_by_month(sites=month.sites, months=months)
    slots = slots_by_month(sites=month.sites, months=months)
    return Table(
        key="trend",
        title=_("Front desk, last 12 months"),
        columns=[Column(_("Month"), TEXT), Column(_("Receptions")), Column(_("Priority slots granted"))],
        rows=[[month_label(m), r, n] for m, r, n in zip(months, receptions, slots, strict=True)],
        chart=LINE,
    )


def build(month: CockpitMonth) -> Figures:
    return Figures(key="rota", title=_("Front desk and rota"), tables=[rota_fairness(month)], trend=desk_trend(month))


SECTION = Section(
    key="rota",
    title=gettext_lazy("Front desk and rota"),
    site_kind=Site.Kind.SALES_OFFICE,
    permission="reception.view_reception_report",
    build=build,
    order=20,
)
