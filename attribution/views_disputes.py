"""The sales director's dispute queue (ATT-DISP-1): the opinions awaiting a ruling, one opinion with the client's
picture, and the ruling."""

import datetime as dt
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from salesoffice.access import site_with_perm_or_403
from salesoffice.forms import submit
from salesoffice.models import Site

from . import rules, selectors, services
from .access import opinion_for_site_or_404
from .forms import DecideForm
from .views import OPINIONS_PER_PAGE, SALES, _client_view


@dataclass
class DisputeRow:
    opinion: object
    holder: rules.Ownership
    holder_name: str


@login_required
@require_GET
def disputes(request: HttpRequest, site: str) -> HttpResponse:
    site_obj = site_with_perm_or_403(request.user, site, "attribution.rule_dispute", SALES)
    now = timezone.now()
    page = Paginator(selectors.open_disputes(site=site_obj), OPINIONS_PER_PAGE).get_page(request.GET.get("page"))
    opinions = list(page.object_list)
    holders = selectors.registered_owners(client_ids={o.client_id for o in opinions}, site=site_obj, now=now)
    names = selectors.user_names(h.owner_id for h in holders.values())
    rows = [DisputeRow(o, holders[o.client_id], names.get(holders[o.client_id].owner_id, "")) for o in opinions]
    return render(request, "attribution/disputes.html", {"site": site_obj, "page": page, "rows": rows})


def _dispute_page(request: HttpRequest, site: Site, opinion, now: dt.datetime, form: DecideForm) -> HttpResponse:
    view = _client_view(opinion.client, site, now)
    context = {"site": site, "opinion": opinion, "view": view, "client": opinion.client, "form": form}
    return render(request, "attribution/dispute.html", context)


@login_required
@require_GET
def dispute_page(request: HttpRequest, site: str, opinion_id: int) -> HttpResponse:
    site_obj = site_with_perm_or_403(request.user, site, "attribution.rule_dispute", SALES)
    opinion = opinion_for_site_or_404(site_obj, opinion_id)
    return _dispute_page(request, site_obj, opinion, timezone.now(), DecideForm())


@login_required
@require_POST
def dispute_decide(request: HttpRequest, site: str, opinion_id: int) -> HttpResponse:
    site_obj = site_with_perm_or_403(request.user, site, "attribution.rule_dispute", SALES)
    opinion = opinion_for_site_or_404(site_obj, opinion_id)
    now = timezone.now()
    form = DecideForm(request.POST)
    if form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        note = form.cleaned_data["note"]
        if submit(
            form, services.dispute_decide, opinion=opinion, actor=request.user, approve=approve, now=now, note=note
        ):
            message = _("%(client)s: opinion approved.") if approve else _("%(client)s: opinion rejected.")
            messages.success(request, message % {"client": opinion.client.name})
            return redirect("attribution:disputes", site=site_obj.code)
    return _dispute_page(request, site_obj, opinion, now, form)
