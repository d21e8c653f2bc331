"""The sales director's dispute queue (ATT-DISP-1): the opinions awaiting a ruling, one opinion with the client's
picture, and the ruling."""

import datetime as dt
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from salesoffice.access import site_with_perm_or_403
from salesoffice.confirm import Consequence, confirmation_page, is_confirmed
from salesoffice.forms import submit
from salesoffice.models import Site, display_name

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


def _ruling_consequence(opinion, approve: bool) -> Consequence:
    client = opinion.client.name
    if approve:
        pool = _("the public pool")
        shares = ", ".join(
            f"{display_name(share.salesperson) if share.salesperson else pool} {share.percent.normalize():f}%"
            for share in opinion.shares.select_related("salesperson")
        )
        will_happen = [
            _("%(client)s's commission is shared as the opinion proposes: %(shares)s.")
            % {"client": client, "shares": shares},
            _("Deals held for this dispute are split so and paid in the open month; the ruling is final (ATT-DISP-1)."),
        ]
        title, label = _("Approve the opinion on %(client)s?") % {"client": client}, _("Approve the opinion")
    else:
        will_happen = [
            _("The opinion on %(client)s is rejected; ownership stays as the register decides it (ATT-DISP-1).")
            % {"client": client},
            _("Deals held for this dispute stay on hold until an opinion on them is approved (ATT-DISP-1)."),
        ]
        title, label = _("Reject the opinion on %(client)s?") % {"client": client}, _("Reject the opinion")
    return Consequence(title=title, will_happen=will_happen, confirm_label=label, rule_ids=("ATT-DISP-1",))


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
        # A ruling the rules refuse anyway (its author, a second ruling) is refused at once, not confirmed first.
        refused = rules.ruling_refusal(
            author=request.user.pk == opinion.written_by_id, decided=opinion.decided_at is not None
        )
        if not refused and not is_confirmed(request):
            back = reverse("attribution:dispute", kwargs={"site": site_obj.code, "opinion_id": opinion.pk})
            return confirmation_page(request, _ruling_consequence(opinion, approve), back_url=back)
        if submit(
            form, services.dispute_decide, opinion=opinion, actor=request.user, approve=approve, now=now, note=note
        ):
            message = _("%(client)s: opinion approved.") if approve else _("%(client)s: opinion rejected.")
            messages.success(request, message % {"client": opinion.client.name})
            return redirect("attribution:disputes", site=site_obj.code)
    return _dispute_page(request, site_obj, opinion, now, form)
