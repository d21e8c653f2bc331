"""The sales assistant's pages: the weekly client report (ATT-FU-3) and the register archive (ATT-REG-1), both on
screen and as xlsx. A reader sees the projects of their own sites only."""

import datetime as dt
import logging
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from salesoffice.access import site_with_perm_or_403, sites_for
from salesoffice.models import Site
from salesoffice.paging import UncountedPage
from salesoffice.timeutil import local_day

from . import reports
from .access_office import weekly_report_or_404
from .forms_office import ArchiveExportForm, ArchiveFilterForm
from .models import WeeklyClientReport
from .selectors_office import archive_entries, archive_rows, archive_salespeople

SALES = Site.Kind.SALES_OFFICE
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PERM = "attribution.view_weekly_report"
exports = logging.getLogger("salesoffice.exports")


def _require_report_reader(request: HttpRequest) -> None:
    if not request.user.has_perm(PERM):
        raise PermissionDenied


def _report_and_readers_sites(request: HttpRequest, week: str) -> tuple[WeeklyClientReport, set[int]]:
    _require_report_reader(request)
    report = weekly_report_or_404(week)
    return report, set(sites_for(request.user, SALES).values_list("pk", flat=True))


@login_required
@require_GET
def weekly_reports(request: HttpRequest) -> HttpResponse:
    _require_report_reader(request)
    stored = WeeklyClientReport.objects.only("pk", "week_start", "generated_at").order_by("-week_start")
    page = Paginator(stored, 25).get_page(request.GET.get("page"))
    return render(request, "attribution/office/weekly_reports.html", {"page": page})


@login_required
@require_GET
def weekly_report(request: HttpRequest, week: str) -> HttpResponse:
    """One week: each project's figures, one project's client lists (`?project=code`), and the consolidated list
    of clients across projects, a page at a time; only the reader's projects, read from the parts stored for
    readers of their sites."""
    report, site_ids = _report_and_readers_sites(request, week)
    data, project = reports.weekly_report_view(
        report=report, site_ids=site_ids, page=request.GET.get("page"), project=request.GET.get("project")
    )
    context = {"report": report, "data": data, "project": project}
    if project is None:
        context["page"] = Paginator(data["clients"], reports.CLIENTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "attribution/office/weekly_report.html", context)


@login_required
@require_GET
def weekly_report_xlsx(request: HttpRequest, week: str) -> HttpResponse:
    report, site_ids = _report_and_readers_sites(request, week)
    content = reports.weekly_report_download(report=report, site_ids=site_ids, language=get_language())
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="weekly-client-report-{report.week_start}.xlsx"'
    return response


def _archive_filters(request: HttpRequest, site: Site, form_class, now: dt.datetime):
    form = form_class(request.GET or None, salespeople=archive_salespeople(site))
    if not form.is_bound:
        # The date fields start on this month so far: what "Download xlsx" exports without typing anything.
        today = local_day(now, site.zone)
        form.fields["date_from"].initial = today.replace(day=1)
        form.fields["date_to"].initial = today
    valid = form.is_valid()
    data = form.cleaned_data if valid else {}
    filters = {key: data.get(key) for key in ("date_from", "date_to", "salesperson")}
    return form, valid, filters


def _archive_page(request: HttpRequest, site: Site, form, filters: dict, *, status: int = 200) -> HttpResponse:
    # Issue 17: no count of the register; the newest entries first through the (site | salesperson, registered_at)
    # indexes, one LIMIT per page.
    page = UncountedPage(archive_entries(site, **filters), 50, request.GET.get("page"))
    query = {key: request.GET[key] for key in ("date_from", "date_to", "salesperson") if request.GET.get(key)}
    context = {
        "site": site,
        "form": form,
        "page": page,
        "rows": archive_rows(page.object_list),
        "extra_query": urlencode(query),
    }
    return render(request, "attribution/office/register_archive.html", context, status=status)


@login_required
@require_GET
def register_archive(request: HttpRequest, site: str) -> HttpResponse:
    """ATT-REG-1: the append-only register as written, with each entry's review and corrections."""
    site_obj = site_with_perm_or_403(request.user, site, PERM, SALES)
    form, _valid, filters = _archive_filters(request, site_obj, ArchiveFilterForm, timezone.now())
    return _archive_page(request, site_obj, form, filters)


@login_required
@require_GET
def register_archive_xlsx(request: HttpRequest, site: str) -> HttpResponse:
    """A date range of the register (a month at most), logged with who took it."""
    site_obj = site_with_perm_or_403(request.user, site, PERM, SALES)
    form, valid, filters = _archive_filters(request, site_obj, ArchiveExportForm, timezone.now())
    if not valid:
        # The page again, with the export's errors next to the dates it needs (and the list as filtered so far).
        listed = ArchiveFilterForm(request.GET or None, salespeople=archive_salespeople(site_obj))
        shown = listed.cleaned_data if listed.is_valid() else {}
        filters = {key: shown.get(key) for key in ("date_from", "date_to", "salesperson")}
        return _archive_page(request, site_obj, form, filters, status=400)
    content, count = reports.register_archive_xlsx(site=site_obj, **filters)
    exports.info(
        "register export: user=%s site=%s from=%s to=%s salesperson=%s entries=%d",
        request.user.pk,
        site_obj.code,
        filters["date_from"],
        filters["date_to"],
        getattr(filters["salesperson"], "pk", ""),
        count,
    )
    response = HttpResponse(content, content_type=XLSX)
    name = f"register-{site_obj.code}-{filters['date_from']}-{filters['date_to']}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
