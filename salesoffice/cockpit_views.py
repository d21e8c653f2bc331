"""The management cockpit's pages and the monthly packs: thin views over salesoffice.cockpit and cockpit_pack."""

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_POST

from . import cockpit, cockpit_pack
from .forms import CockpitMonthForm, submit
from .timeutil import add_months, local_day


def _this_month(now: dt.datetime) -> dt.date:
    return local_day(now, cockpit_pack.company_zone()).replace(day=1)


def _month_or_404(month: str) -> dt.date:
    first = cockpit.parse_month(month)
    if first is None:
        raise Http404("No such month")
    return first


@login_required
@require_GET
def cockpit_page(request: HttpRequest) -> HttpResponse:
    """One month of every section the reader's roles open, over the sites they see."""
    if not request.user.has_perm(cockpit.VIEW_PERMISSION):
        raise PermissionDenied
    sections = cockpit.sections_for(request.user)
    now = timezone.now()
    form = CockpitMonthForm(request.GET if "month" in request.GET else {"month": cockpit.month_label(_this_month(now))})
    first = cockpit.parse_month(form.data["month"]) if form.is_valid() else None
    first = first or _this_month(now)
    figures = cockpit.build(sections, first=first, now=now, user=request.user)
    context = {
        "form": form,
        "page": cockpit.Cockpit(first=first, figures=figures),
        "charts": cockpit.chart_data(figures),
        "may_pack": request.user.has_perm(cockpit.PACK_PERMISSION),
    }
    return render(request, "salesoffice/cockpit.html", context)


def _require_pack_permission(request: HttpRequest) -> None:
    if not request.user.has_perm(cockpit.PACK_PERMISSION):
        raise PermissionDenied


@login_required
@require_GET
def pack_list(request: HttpRequest) -> HttpResponse:
    _require_pack_permission(request)
    last_month = add_months(_this_month(timezone.now()), -1)
    form = CockpitMonthForm(initial={"month": cockpit.month_label(last_month)})
    return render(request, "salesoffice/packs.html", {"packs": list(cockpit_pack.packs()), "form": form})


@login_required
@require_POST
def pack_generate(request: HttpRequest) -> HttpResponse:
    _require_pack_permission(request)
    form = CockpitMonthForm(request.POST)
    if form.is_valid():
        first = _month_or_404(form.cleaned_data["month"])
        pack = submit(form, cockpit_pack.monthly_pack_generate, user=request.user, first=first, now=timezone.now())
        if pack is not None:
            return redirect("cockpit_pack", month=cockpit.month_label(pack.month))
    return render(request, "salesoffice/packs.html", {"packs": list(cockpit_pack.packs()), "form": form}, status=400)


def _kept_pack(request: HttpRequest, month: str):
    _require_pack_permission(request)
    pack = cockpit_pack.pack_of(_month_or_404(month))
    if pack is None:
        raise Http404("No pack for this month")
    return pack


@login_required
@require_GET
def pack_page(request: HttpRequest, month: str) -> HttpResponse:
    """The kept pack, print-styled: the figures as they were generated, charts drawn from them."""
    pack = _kept_pack(request, month)
    figures = cockpit_pack.pack_figures(pack, get_language())
    context = {
        "pack": pack,
        "page": cockpit.Cockpit(first=pack.month, figures=figures),
        "charts": cockpit.chart_data(figures),
    }
    return render(request, "salesoffice/pack.html", context)


@login_required
@require_GET
def pack_xlsx(request: HttpRequest, month: str) -> HttpResponse:
    pack = _kept_pack(request, month)
    response = HttpResponse(
        cockpit_pack.pack_workbook(pack, get_language()),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="monthly-pack-{pack.month:%Y-%m}.xlsx"'
    return response
