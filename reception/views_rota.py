"""The rota page (REC-ROT-2/3, REC-READY-1): one view shows it, and each action on it has a view and URL of its
own. A refused or invalid action shows the page again with that action's form and its errors."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from salesoffice.access import site_with_perm_or_403
from salesoffice.forms import submit
from salesoffice.models import Site, display_name

from . import services
from .access import member_for_site_or_404, posted_id_or_404, salespeople_of
from .forms import MoveForm, ReadinessGridForm, RosterForm, SwapForm
from .models import RotaMember
from .selectors import board

SALES = Site.Kind.SALES_OFFICE


def _readiness_grid(site: Site, now, data=None, the_board=None) -> ReadinessGridForm:
    """The morning check's grid (REC-READY-1): everyone on today's roster as the board shows them, the unchecked ones
    ticked "checked now". Built only when shown or saved: the other actions redirect without it."""
    rows = [row for row in (the_board or board(site, now)).rows if row.availability != "off_duty"]
    return ReadinessGridForm(
        data,
        prefix="ready",
        people=[(row.salesperson_id, row.name) for row in rows],
        unchecked_ids=frozenset(row.salesperson_id for row in rows if row.readiness == "unchecked"),
    )


def _rota_members(site: Site):
    return RotaMember.objects.filter(site=site, active=True).select_related("salesperson")


def _rota_page(request: HttpRequest, site: Site, now, **forms) -> HttpResponse:
    """The page with its forms: unbound ones, except the action's own when it comes back with its errors."""
    if "swap_form" not in forms:
        forms["swap_form"] = SwapForm(prefix="swap", members=_rota_members(site))
    if "roster_form" not in forms:
        people = salespeople_of(site)
        today = now.astimezone(site.zone).date()
        on_duty = list(people.filter(duty_assignments__site=site, duty_assignments__day=today))
        forms["roster_form"] = RosterForm(
            prefix="roster", salespeople=people, initial={"day": today, "salespeople": on_duty}
        )
    forms.setdefault("move_form", MoveForm(prefix="move"))
    the_board = board(site, now)
    if "readiness_form" not in forms:
        forms["readiness_form"] = _readiness_grid(site, now, the_board=the_board)
    context = {
        "site": site,
        "board": the_board,
        **forms,
        "can_manage_rota": request.user.has_perm("reception.manage_rota"),
    }
    return render(request, "reception/rota.html", context)


def _rota_site(request: HttpRequest, site: str) -> Site:
    return site_with_perm_or_403(request.user, site, "reception.view_board", SALES)


def _back_to_rota(request: HttpRequest, site: Site, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("reception:rota", site=site.code)


@login_required
@require_GET
def rota_page(request: HttpRequest, site: str) -> HttpResponse:
    """The supervisor's page: the order, swaps, today's roster and readiness checks."""
    return _rota_page(request, _rota_site(request, site), timezone.now())


@login_required
@require_POST
def rota_swap(request: HttpRequest, site: str) -> HttpResponse:
    """REC-ROT-3: two places of the order swapped, with the reason (the service refuses anyone but the supervisor)."""
    site_obj = _rota_site(request, site)
    now = timezone.now()
    form = SwapForm(request.POST, prefix="swap", members=_rota_members(site_obj))
    if form.is_valid():
        data = form.cleaned_data
        submit(
            form,
            services.rota_swap,
            site=site_obj,
            first=data["first"],
            second=data["second"],
            reason=data["reason"],
            actor=request.user,
            now=now,
        )
        if not form.errors:  # the service returns nothing; a refusal is at the form
            return _back_to_rota(request, site_obj, _("The order was changed."))
    return _rota_page(request, site_obj, now, swap_form=form)


@login_required
@require_POST
def rota_roster(request: HttpRequest, site: str) -> HttpResponse:
    """Who is on duty on a day (the service checks the roster permission and refuses to take a busy person off)."""
    site_obj = _rota_site(request, site)
    now = timezone.now()
    form = RosterForm(request.POST, prefix="roster", salespeople=salespeople_of(site_obj))
    if form.is_valid():
        submit(
            form,
            services.roster_set,
            site=site_obj,
            day=form.cleaned_data["day"],
            salesperson_ids={u.pk for u in form.cleaned_data["salespeople"]},
            actor=request.user,
            now=now,
        )
        if not form.errors:  # the service returns nothing; a refusal is at the form
            return _back_to_rota(request, site_obj, _("The duty roster was saved."))
    return _rota_page(request, site_obj, now, roster_form=form)


@login_required
@require_POST
def rota_readiness(request: HttpRequest, site: str) -> HttpResponse:
    """REC-READY-1: the morning check's grid saved; who failed takes no turns until passed."""
    site_obj = _rota_site(request, site)
    if not request.user.has_perm("reception.check_readiness"):
        raise PermissionDenied
    now = timezone.now()
    form = _readiness_grid(site_obj, now, request.POST)
    if form.is_valid():
        results = form.results()
        users = salespeople_of(site_obj).in_bulk([row["salesperson_id"] for row in results])
        checks = submit(
            form,
            services.readiness_record_day,
            site=site_obj,
            results=[
                services.ReadinessResult(
                    salesperson=users[row["salesperson_id"]],
                    **{k: v for k, v in row.items() if k != "salesperson_id"},
                )
                for row in results
            ],
            actor=request.user,
            now=now,
        )
        if checks is not None:
            failed = [display_name(check.salesperson) for check in checks if not check.passed]
            if failed:
                messages.warning(
                    request,
                    _("Readiness check failed for %(names)s: no turns until passed (REC-READY-1).")
                    % {"names": ", ".join(failed)},
                )
            else:
                messages.success(request, _("Readiness check passed."))
            return redirect("reception:rota", site=site_obj.code)
    return _rota_page(request, site_obj, now, readiness_form=form)


def _rota_move(request: HttpRequest, site: str, offset: int) -> HttpResponse:
    """REC-ROT-3: a place moved one up or down, with the reason typed once for all the ↑/↓ buttons."""
    site_obj = _rota_site(request, site)
    if not request.user.has_perm("reception.manage_rota"):
        raise PermissionDenied
    member = member_for_site_or_404(site_obj, posted_id_or_404(request, "member"))
    now = timezone.now()
    form = MoveForm(request.POST, prefix="move")
    if form.is_valid():
        submit(
            form,
            services.rota_move,
            member=member,
            offset=offset,
            reason=form.cleaned_data["reason"],
            actor=request.user,
            now=now,
        )
        if not form.errors:  # the service returns nothing; a refusal is at the form
            return _back_to_rota(request, site_obj, _("The order was changed."))
    return _rota_page(request, site_obj, now, move_form=form)


@login_required
@require_POST
def rota_up(request: HttpRequest, site: str) -> HttpResponse:
    return _rota_move(request, site, -1)


@login_required
@require_POST
def rota_down(request: HttpRequest, site: str) -> HttpResponse:
    return _rota_move(request, site, 1)
