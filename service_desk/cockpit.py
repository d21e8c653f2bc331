"""The service desk's part of the management cockpit (salesoffice.cockpit): per office, the monthly report's
volumes, deadlines met and callback rates by role against their minimums (service_desk.selectors.monthly_report,
SVC-FIRST-1, SVC-COMP-1, SVC-CB-2/3)."""

from django.db.models import Count, F, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salesoffice.cockpit import (
    BAR,
    LINE,
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
from salesoffice.roles import ROLE_LABELS

from .models import Completion, ServiceRequest
from .selectors import MonthlyReport, monthly_report


def _deadline_row(office: Site, report: MonthlyReport) -> list:
    replies, complaints, callbacks = report.replies, report.complaints, report.callbacks
    return [
        office.name,
        replies["total"],
        replies["on_time"],
        replies["late"],
        replies["overdue"],
        float(replies["rate"]),
        complaints["total"],
        complaints["on_time"],
        complaints["overdue"],
        callbacks["made"],
        callbacks["on_time"],
        float(callbacks["on_time_rate"]),
    ]


def _rate_rows(office: Site, report: MonthlyReport) -> list[list]:
    return [
        [
            office.name,
            str(ROLE_LABELS[rate.role]),
            rate.callbacks,
            rate.completed,
            float(rate.rate),
            rate.minimum,
            _("yes") if rate.compliant else _("no"),
        ]
        for rate in report.rates
    ]


def office_tables(month: CockpitMonth) -> list[Table]:
    """The office's monthly report for each office in scope (two or three queries each)."""
    kinds = ServiceRequest.Kind.choices
    volumes, deadlines, rates = [], [], []
    for office in month.sites:
        report = monthly_report(site=office, year=month.first.year, month=month.first.month, now=month.now)
        volumes.append([office.name, *(n for _k, _l, n in report.by_kind), report.total])
        deadlines.append(_deadline_row(office, report))
        rates += _rate_rows(office, report)
    return [volumes_table(volumes, kinds), deadlines_table(deadlines), rates_table(rates)]


def volumes_table(rows: list[list], kinds) -> Table:
    return Table(
        key="volumes",
        title=_("Requests registered by office and kind"),
        columns=[Column(_("Office"), TEXT), *(Column(str(label)) for _v, label in kinds), Column(_("Total"))],
        rows=rows,
        chart=BAR,
        charted=tuple(range(1, len(kinds) + 1)),
    )


def deadlines_table(rows: list[list]) -> Table:
    return Table(
        key="deadlines",
        title=_("Deadlines met"),
        columns=[
            Column(_("Office"), TEXT),
            Column(_("Requests")),
            Column(_("Replied on time (SVC-FIRST-1)")),
            Column(_("Replied late")),
            Column(_("Overdue, no reply")),
            Column(_("Replies on time %"), PERCENT),
            Column(_("Complaints")),
            Column(_("Complaints closed on time (SVC-COMP-1)")),
            Column(_("Complaints overdue")),
            Column(_("Repair callbacks made")),
            Column(_("Callbacks on time (SVC-CB-3)")),
            Column(_("Callbacks on time %"), PERCENT),
        ],
        rows=rows,
        chart=BAR,
        charted=(5, 11),
    )


def rates_table(rows: list[list]) -> Table:
    return Table(
        key="callbacks",
        title=_("Repair callback rates by role (SVC-CB-2)"),
        columns=[
            Column(_("Office"), TEXT),
            Column(_("Role"), TEXT),
            Column(_("Callbacks")),
            Column(_("Repairs completed")),
            Column(_("Rate %"), PERCENT),
            Column(_("Minimum %"), PERCENT),
            Column(_("Met"), TEXT),
        ],
        rows=rows,
        chart=BAR,
        charted=(4, 5),
        labels=2,
        note=_(
            "SVC-CB-2: over the repairs completed in the month, the office director calls back at least 10%, "
            "the administrators 30% and the repair lead 60% (the office's settings)."
        ),
    )


def service_trend(month: CockpitMonth) -> Table:
    """Requests registered, replied on time, and repairs completed per month: two aggregate queries."""
    months = month.trend_months
    offices = month.sites
    rows: list[list] = [[month_label(m)] for m in months]
    if offices:
        ids = [s.pk for s in offices]
        registered = month_filters(months, offices, at="registered_at")
        on_time = Q(replied_at__lte=F("reply_due_at"))
        requests = ServiceRequest.objects.filter(trend_span(months, offices, "registered_at"), site__in=ids).aggregate(
            **{f"m{i}": Count("pk", filter=q) for i, q in enumerate(registered)},
            **{f"t{i}": Count("pk", filter=q & on_time) for i, q in enumerate(registered)},
        )
        completed = Completion.objects.filter(trend_span(months, offices, "completed_at"), site__in=ids).aggregate(
            **{f"m{i}": Count("pk", filter=q) for i, q in enumerate(month_filters(months, offices, at="completed_at"))}
        )
        for i, row in enumerate(rows):
            total, timely = requests[f"m{i}"], requests[f"t{i}"]
            row += [total, timely, percent(timely, total), completed[f"m{i}"]]
    else:
        for row in rows:
            row += [0, 0, 0.0, 0]
    return Table(
        key="trend",
        title=_("Service desk, last 12 months"),
        columns=[
            Column(_("Month"), TEXT),
            Column(_("Requests")),
            Column(_("Replied on time (SVC-FIRST-1)")),
            Column(_("Replies on time %"), PERCENT),
            Column(_("Repairs completed")),
        ],
        rows=rows,
        chart=LINE,
        charted=(1, 2, 4),
    )


def build(month: CockpitMonth) -> Figures:
    return Figures(key="service", title=_("Service desk"), tables=office_tables(month), trend=service_trend(month))


SECTION = Section(
    key="service",
    title=gettext_lazy("Service desk"),
    site_kind=Site.Kind.PROPERTY_OFFICE,
    permission="service_desk.view_service_report",
    build=build,
    order=50,
)
