"""The department head's monthly report (SVC-CB-1, SVC-CB-2): on screen with inline SVG bars, and as xlsx."""

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from salesoffice import money
from salesoffice.dates import query_month
from salesoffice.roles import ROLE_LABELS
from salesoffice.timeutil import local_day

from . import reports, selectors
from .access import office_or_403

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PERM = "service_desk.view_service_report"


def _month(request: HttpRequest, zone, now: dt.datetime) -> tuple[int, int]:
    """?month=YYYY-MM (a plausible one: year 1 would overflow the month's bounds), else the current month at the
    office."""
    first = query_month(request.GET.get("month", "")) or local_day(now, zone)
    return first.year, first.month


def _bars(rows: list[tuple[str, int]]) -> list[dict]:
    """Bar widths in percent of the largest value, for the inline SVG."""
    top = max((n for _l, n in rows), default=0) or 1
    return [{"label": label, "value": n, "width": money.percent_of(n, top)} for label, n in rows]


@login_required
def report(request: HttpRequest, site: str) -> HttpResponse:
    office = office_or_403(request.user, site, PERM)
    now = timezone.now()
    year, month = _month(request, office.zone, now)
    data = selectors.monthly_report(site=office, year=year, month=month, now=now)
    context = {
        "site": office,
        "report": data,
        "month": f"{year}-{month:02d}",
        "kind_bars": _bars([(label, n) for _k, label, n in data.by_kind]),
        "complaint_bars": _bars(data.complaints_by_category),
        "repair_bars": _bars(data.repairs_by_category),
        "rates": [{"rate": r, "label": ROLE_LABELS[r.role], "width": min(float(r.rate), 100.0)} for r in data.rates],
    }
    return render(request, "service_desk/report.html", context)


@login_required
def report_xlsx(request: HttpRequest, site: str) -> HttpResponse:
    office = office_or_403(request.user, site, PERM)
    now = timezone.now()
    year, month = _month(request, office.zone, now)
    data = selectors.monthly_report(site=office, year=year, month=month, now=now, overdue_limit=5000)
    response = HttpResponse(reports.monthly_report_xlsx(data), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="service-report-{office.code}-{year}-{month:02d}.xlsx"'
    return response
