"""The manager's actions on a client page, one view each at its own URL: GET opens its form in the page's panel
(htmx), POST validates it and calls its service through `submit`; a refusal comes back next to its field (the form
alone to htmx, else the whole page), a success goes back to the client page."""

import datetime as dt
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from salesoffice import money
from salesoffice.access import site_with_perm_or_403
from salesoffice.forms import submit
from salesoffice.models import Site, display_name

from . import rules, selectors, services
from .access import client_for_user_or_404
from .forms import PUBLIC_POOL
from .models import Client, VisitEntry
from .views import ACTIONS, SALES, _client_page


def _action_form(
    name: str,
    data,
    site: Site,
    salespeople: list,
    now: dt.datetime,
    *,
    entries: list[VisitEntry] = (),
    attribution: rules.Attribution | None = None,
    switches: list = (),
):
    kwargs: dict = {"prefix": name, "zone": site.zone, "salespeople": salespeople}
    if name == "recognition":
        kwargs["initial"] = {"recognised_at": now}
    elif name == "correction":
        kwargs["entries"] = entries
    elif name == "instigation":
        kwargs["switches"] = switches
    elif name == "dispute" and attribution is not None:
        kwargs["initial"] = _dispute_initial(attribution, salespeople)
    return ACTIONS[name].form_class(data, **kwargs)


def _dispute_initial(attribution: rules.Attribution, salespeople: list) -> dict:
    """The opinion starts from the shares the rules give now; the project manager changes what they must."""
    known = {p.pk for p in salespeople}
    initial = {}
    rows = [s for s in attribution.shares if s.kind == rules.PUBLIC_POOL or s.user_id in known]
    for row, share in enumerate(rows[:4], start=1):
        initial[f"share_{row}_who"] = PUBLIC_POOL if share.user_id is None else share.user_id
        initial[f"share_{row}_percent"] = money.rounded(share.percent, money.SHARE_PERCENT)
    return initial


@dataclass
class _Action:
    """One action on one client: where, for whom, when, and its form (bound to the POST, or empty for the panel)."""

    name: str
    site: Site
    client: Client
    now: dt.datetime
    form: object


def _action(request: HttpRequest, site: str, client_id: int, name: str) -> _Action:
    action = ACTIONS[name]
    site_obj = site_with_perm_or_403(request.user, site, action.perm, SALES)
    now = timezone.now()
    client = client_for_user_or_404(request.user, site_obj, client_id, now=now)
    entries = selectors.client_entries(client=client, site=site_obj) if name == "correction" else []
    switches = selectors.instigation_candidates(client=client, site=site_obj) if name == "instigation" else []
    salespeople = selectors.site_salespeople(site_obj)
    if request.method == "GET":
        attribution = selectors.client_attribution(client=client, site=site_obj, now=now) if name == "dispute" else None
        form = _action_form(
            name, None, site_obj, salespeople, now, entries=entries, attribution=attribution, switches=switches
        )
    else:
        form = _action_form(name, request.POST, site_obj, salespeople, now, entries=entries, switches=switches)
    return _Action(name, site_obj, client, now, form)


def _panel(request: HttpRequest, found: _Action) -> HttpResponse:
    """The action's form alone: its panel opened (GET), or sent back with its refusal to htmx."""
    context = {
        "site": found.site,
        "client": found.client,
        "name": found.name,
        "action": ACTIONS[found.name],
        "form": found.form,
    }
    return render(request, "attribution/partials/action_form.html", context)


def _done(request: HttpRequest, found: _Action, message: str) -> HttpResponse:
    messages.success(request, message)
    target = reverse("attribution:client", kwargs={"site": found.site.code, "client_id": found.client.pk})
    return HttpResponseClientRedirect(target) if request.htmx else redirect(target)


def _refused(request: HttpRequest, found: _Action) -> HttpResponse:
    if request.htmx:
        return _panel(request, found)
    return _client_page(request, found.site, found.client, found.now, bound={found.name: found.form})


def _typed_minute(value: dt.datetime, now: dt.datetime) -> dt.datetime:
    """A time typed to the minute happened somewhere in that minute: take its end, but never after `now`, so
    "recognised now" is not placed seconds before the visit it recognises (REC-NEW-2)."""
    if value > now:
        return value  # the service refuses a recognition in the future
    return min(value.replace(second=59, microsecond=999_999), now)


@login_required
@require_http_methods(["GET", "POST"])
def client_recognition(request: HttpRequest, site: str, client_id: int) -> HttpResponse:
    """The original salesperson recognised the client served as new (REC-NEW-2)."""
    found = _action(request, site, client_id, "recognition")
    if request.method == "GET":
        return _panel(request, found)
    if found.form.is_valid():
        d = found.form.cleaned_data
        made = submit(
            found.form,
            services.recognition_record,
            site=found.site,
            client=found.client,
            original_client=d["original_phone"],
            original_salesperson=d["original_salesperson"],
            recognised_at=_typed_minute(d["recognised_at"], found.now),
            actor=request.user,
            now=found.now,
            note=d["note"],
        )
        if made:
            _recognition, verdict = made
            return _done(request, found, f"{verdict.text} ({', '.join(verdict.rule_ids)})")
    return _refused(request, found)


@login_required
@require_http_methods(["GET", "POST"])
def client_spouse(request: HttpRequest, site: str, client_id: int) -> HttpResponse:
    """The client and their spouse are a couple (ATT-SPOUSE)."""
    found = _action(request, site, client_id, "spouse")
    if request.method == "GET":
        return _panel(request, found)
    if found.form.is_valid():
        spouse = found.form.cleaned_data["spouse_phone"]
        made = submit(
            found.form,
            services.spouse_link,
            site=found.site,
            client=found.client,
            spouse=spouse,
            actor=request.user,
            now=found.now,
        )
        if made:
            message = _(
                "%(client)s and %(spouse)s are marked as a couple: their salespeople serve them jointly (ATT-SPOUSE)."
            ) % {"client": found.client.name, "spouse": spouse.name}
            return _done(request, found, message)
    return _refused(request, found)


@login_required
@require_http_methods(["GET", "POST"])
def client_company(request: HttpRequest, site: str, client_id: int) -> HttpResponse:
    """The company brought the client (ATT-CO-1..5)."""
    found = _action(request, site, client_id, "company")
    if request.method == "GET":
        return _panel(request, found)
    if found.form.is_valid():
        d = found.form.cleaned_data
        mark = submit(
            found.form,
            services.company_mark,
            site=found.site,
            client=found.client,
            kind=d["kind"],
            contacted_at=d["contacted_at"],
            designated_salesperson=d["designated_salesperson"],
            actor=request.user,
            now=found.now,
        )
        if mark:
            return _done(request, found, _("Marked as a company client: %(kind)s") % {"kind": mark.get_kind_display()})
    return _refused(request, found)


@login_required
@require_http_methods(["GET", "POST"])
def client_introduction(request: HttpRequest, site: str, client_id: int) -> HttpResponse:
    """An old client of a salesperson introduced this one (ATT-REF-OLD)."""
    found = _action(request, site, client_id, "introduction")
    if request.method == "GET":
        return _panel(request, found)
    if found.form.is_valid():
        d = found.form.cleaned_data
        intro = submit(
            found.form,
            services.introduction_record,
            site=found.site,
            client=found.client,
            introducer=d["introducer"],
            mode=d["mode"],
            declared_at=d["declared_at"],
            appointment_at=d["appointment_at"],
            actor=request.user,
            now=found.now,
        )
        if intro:
            return _done(request, found, _("Introduction recorded: %(mode)s") % {"mode": intro.get_mode_display()})
    return _refused(request, found)


@login_required
@require_http_methods(["GET", "POST"])
def client_correction(request: HttpRequest, site: str, client_id: int) -> HttpResponse:
    """A correction of one of the client's entries: a new entry pointing at it (ATT-REG-1)."""
    found = _action(request, site, client_id, "correction")
    if request.method == "GET":
        return _panel(request, found)
    if found.form.is_valid():
        d = found.form.cleaned_data
        entry = d["entry"]
        entry.site = found.site
        correction = submit(
            found.form,
            services.visit_correct,
            entry=entry,
            actor=request.user,
            now=found.now,
            note=d["note"],
            salesperson=d["salesperson"],
            visited_at=d["visited_at"],
            needs=d["needs"] or None,
        )
        if correction:
            message = _(
                "Correction of entry #%(old)d recorded as entry #%(new)d; it counts once the project manager approves "
                "it (ATT-REG-1)."
            ) % {"old": entry.pk, "new": correction.pk}
            return _done(request, found, message)
    return _refused(request, found)


@login_required
@require_http_methods(["GET", "POST"])
def client_instigation(request: HttpRequest, site: str, client_id: int) -> HttpResponse:
    """The sales manager finds the named salesperson instigated a switch (REC-DES-2)."""
    found = _action(request, site, client_id, "instigation")
    if request.method == "GET":
        return _panel(request, found)
    if found.form.is_valid():
        d = found.form.cleaned_data
        finding = submit(
            found.form,
            services.instigation_record,
            change_request=d["switch"],
            actor=request.user,
            reason=d["reason"],
            now=found.now,
        )
        if finding:
            message = _(
                "Recorded: %(named)s instigated the switch; the whole commission goes to the first receiver, and the "
                "client's deals are split again (REC-DES-2, COM-4)."
            ) % {"named": display_name(finding.change_request.requested_salesperson)}
            return _done(request, found, message)
    return _refused(request, found)


@login_required
@require_http_methods(["GET", "POST"])
def client_dispute(request: HttpRequest, site: str, client_id: int) -> HttpResponse:
    """The project manager's opinion on a disputed client, for the sales director (ATT-DISP-1)."""
    found = _action(request, site, client_id, "dispute")
    if request.method == "GET":
        return _panel(request, found)
    if found.form.is_valid():
        d = found.form.cleaned_data
        opinion = submit(
            found.form,
            services.dispute_open,
            site=found.site,
            client=found.client,
            actor=request.user,
            reasoning=d["reasoning"],
            shares=d["shares"],
            now=found.now,
        )
        if opinion:
            message = _("Opinion sent to the sales director; the commission is on hold until the ruling (ATT-DISP-1).")
            return _done(request, found, message)
    return _refused(request, found)
