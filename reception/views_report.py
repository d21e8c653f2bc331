"""The monthly reception report's pages: on screen, and as xlsx (the report itself is built in reports.py)."""

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from salesoffice.access import site_with_perm_or_403
from salesoffice.models import Site

from . import reports
from .forms import ReportMonthForm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PERM = "reception.view_reception_report"


def _month_from(request: HttpRequest, site: Site) -> tuple[int, int, ReportMonthForm]:
    today = timezone.now().astimezone(site.zone).date()
    form = ReportMonthForm(request.GET if "month" in request.GET else {"month": f"{today:%Y-%m}"})
    if form.is_valid():
        year, month = (int(part) for part in form.cleaned_data["month"].split("-"))
        return year, month, form
    return today.year, today.month, form


@login_required
@require_GET
def report_page(request: HttpRequest, site: str) -> HttpResponse:
    site_obj = site_with_perm_or_403(request.user, site, PERM, Site.Kind.SALES_OFFICE)
    year, month, form = _month_from(request, site_obj)
    context = {
        "site": site_obj,
        "form": form,
        "report": reports.monthly_report(site_obj, year, month),
        "titles": reports.column_titles(),
        "month_label": dt.date(year, month, 1).strftime("%Y-%m"),
    }
    return render(request, "reception/report.html", context)


@login_required
@require_GET
def report_xlsx(request: HttpRequest, site: str) -> HttpResponse:
    site_obj = site_with_perm_or_403(request.user, site, PERM, Site.Kind.SALES_OFFICE)
    year, month, _form = _month_from(request, site_obj)
    report = reports.monthly_report(site_obj, year, month)
    response = HttpResponse(reports.monthly_report_xlsx(report), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="reception-{site_obj.code}-{year}-{month:02d}.xlsx"'
    return response
