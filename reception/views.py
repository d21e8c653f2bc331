"""Thin views: access check -> form -> service -> render; htmx requests get the board fragment back."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from salesoffice.access import is_site_project_manager, site_for_user_or_404, site_with_perm_or_403
from salesoffice.forms import renew_request_key, submit
from salesoffice.idempotency import KeyReused
from salesoffice.keyset import keyset_page
from salesoffice.models import Site, display_name

from . import services
from .access import (
    absence_for_site_or_404,
    member_for_site_or_404,
    posted_id_or_404,
    reception_for_site_or_404,
    salespeople_of,
)
from .board_cache import board_fragment
from .explain import describe
from .forms import (
    AwayForm,
    ChangeRequestForm,
    DesignatedForm,
    PhoneInquiryForm,
    ReturningForm,
    ViolationForm,
    VoidForm,
    WalkInForm,
)
from .models import Absence, DeskSettings, PhoneInquiry, RotaState, Violation
from .selectors import board_token, events_for_site

SALES = Site.Kind.SALES_OFFICE


# The desk's action forms, unbound (each with a new request key). `options` (the people as choices, read once) spares
# the board page a query per form; an action's fresh form after success reads them itself.
def _walk_in_form() -> WalkInForm:
    return WalkInForm(prefix="walkin")


def _designated_form(site: Site, options: list[tuple[int, str]] | None = None) -> DesignatedForm:
    return DesignatedForm(prefix="designated", salespeople=salespeople_of(site), options=options)


def _returning_form() -> ReturningForm:
    return ReturningForm(prefix="returning")


def _away_form(site: Site, options: list[tuple[int, str]] | None = None) -> AwayForm:
    return AwayForm(prefix="away", salespeople=salespeople_of(site), options=options)


def _action_forms(site: Site) -> dict:
    options = [(person.pk, display_name(person)) for person in salespeople_of(site)]
    return {
        "walk_in_form": _walk_in_form(),
        "designated_form": _designated_form(site, options),
        "returning_form": _returning_form(),
        "away_form": _away_form(site, options),
    }


DESK_CHANGED = "desk-changed"


def _full_page_fallback(request: HttpRequest, site: Site, *, errors=(), forms: dict | None = None) -> HttpResponse:
    """Without htmx: a redirect to the board carrying any message, or the whole page again when a form has field
    errors to show next to its fields."""
    for error in errors:
        messages.error(request, error)
    if not forms:
        return redirect("reception:board", site=site.code)
    return _board_page(request, site, forms)


def _form_response(
    request: HttpRequest, site: Site, name: str, form, *, errors=(), changed: bool, invalid: bool = False
) -> HttpResponse:
    """htmx: the action's own form comes back (fresh after success, bound with its errors otherwise) and the board
    is told to refresh itself, so an action never pays for rendering the whole desk."""
    if not request.htmx:
        return _full_page_fallback(request, site, errors=errors, forms={f"{name}_form": form} if invalid else None)
    context = {
        "site": site,
        f"{name}_form": form,
        "form_template": f"reception/partials/forms/{name}.html",
        "errors": errors,
    }
    response = render(request, "reception/partials/action_result.html", context)
    if changed:
        response["HX-Trigger"] = DESK_CHANGED
    return response


def _key_reused_response(request: HttpRequest, site: Site, name: str, form, exc: KeyReused) -> HttpResponse:
    """The form's key was used by other entries: the form comes back as sent, with a new key, and says so."""
    renew_request_key(form, "request_key")
    return _form_response(request, site, name, form, errors=_messages_of(exc), changed=False, invalid=True)


def _button_response(request: HttpRequest, site: Site, *, errors=()) -> HttpResponse:
    """A board button (reception ended, back at post): only any error comes back; the board refreshes itself."""
    if not request.htmx:
        return _full_page_fallback(request, site, errors=errors)
    response = render(request, "reception/partials/desk_errors.html", {"errors": errors, "oob": True})
    response["HX-Trigger"] = DESK_CHANGED
    return response


def _refused_response(request: HttpRequest, site: Site, exc: PermissionDenied, *, name: str = "", form=None):
    """A desk action the person may not take on someone else (REC-ROT-1, REC-ROT-4). Without htmx: 403 with the
    reason. With htmx the reason is shown in the desk's errors (htmx swaps no 4xx answer), and nothing changed."""
    errors = [str(exc)]
    if not request.htmx:
        messages.error(request, errors[0])
        return render(request, "403.html", status=403)
    if form is not None:
        return _form_response(request, site, name, form, errors=errors, changed=False)
    return render(request, "reception/partials/desk_errors.html", {"errors": errors, "oob": True})


def _messages_of(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


# The desk's state (its version: the board's token) and its settings read with the site, in one query.
WITH_DESK = ("rota_state", "desk")


def _desk_of(site: Site) -> tuple[RotaState, DeskSettings | None]:
    """The desk's state and settings, read with the site (WITH_DESK) or now. A site without them yet gets its
    state made here and its settings made by the snapshot."""
    try:
        state = site.rota_state
    except RotaState.DoesNotExist:
        state = services.rota_state_for(site)
    try:
        return state, site.desk
    except DeskSettings.DoesNotExist:
        return state, None


@login_required
@require_GET
def board_page(request: HttpRequest, site: str) -> HttpResponse:
    site_obj = site_with_perm_or_403(request.user, site, "reception.view_board", SALES, select_related=WITH_DESK)
    return _board_page(request, site_obj)


def _board_page(request: HttpRequest, site: Site, forms: dict | None = None) -> HttpResponse:
    board_html = board_fragment(request, site, timezone.now(), *_desk_of(site))
    context = {"site": site, "board_html": board_html, **_action_forms(site), **(forms or {})}
    return render(request, "reception/board.html", context)


@login_required
@require_GET
def board_state(request: HttpRequest, site: str) -> HttpResponse:
    """The polled fragment. A terminal that already shows the current desk gets 204: nothing to render or swap."""
    site_obj = site_with_perm_or_403(request.user, site, "reception.view_board", SALES, select_related=WITH_DESK)
    now = timezone.now()
    desk, settings = _desk_of(site_obj)
    if request.GET.get("token") == board_token(site_obj, now, desk):
        return HttpResponse(status=204)
    return HttpResponse(board_fragment(request, site_obj, now, desk, settings))


@login_required
@require_POST
def arrive_walk_in(request: HttpRequest, site: str) -> HttpResponse:
    site_obj = site_with_perm_or_403(request.user, site, "reception.operate_desk", SALES)
    form = WalkInForm(request.POST, prefix="walkin")
    if not form.is_valid():
        return _form_response(request, site_obj, "walk_in", form, changed=False, invalid=True)
    try:
        services.walk_in_arrive(
            site=site_obj,
            actor=request.user,
            request_key=form.cleaned_data["request_key"],
            now=timezone.now(),
            client_label=form.cleaned_data["client_label"],
            introduced_by_old_client=form.cleaned_data["introduced_by_old_client"],
        )
    except KeyReused as exc:
        return _key_reused_response(request, site_obj, "walk_in", form, exc)
    except ValidationError as exc:
        return _form_response(request, site_obj, "walk_in", form, errors=_messages_of(exc), changed=False)
    return _form_response(request, site_obj, "walk_in", _walk_in_form(), changed=True)


@login_required
@require_POST
def arrive_designated(request: HttpRequest, site: str) -> HttpResponse:
    site_obj = site_with_perm_or_403(request.user, site, "reception.operate_desk", SALES)
    form = DesignatedForm(request.POST, prefix="designated", salespeople=salespeople_of(site_obj))
    if not form.is_valid():
        return _form_response(request, site_obj, "designated", form, changed=False, invalid=True)
    try:
        services.designated_arrive(
            site=site_obj,
            actor=request.user,
            request_key=form.cleaned_data["request_key"],
            now=timezone.now(),
            salesperson=form.cleaned_data["salesperson"],
            client_label=form.cleaned_data["client_label"],
            introduced_by_old_client=form.cleaned_data["introduced_by_old_client"],
        )
    except PermissionDenied as exc:
        return _refused_response(request, site_obj, exc, name="designated", form=form)
    except KeyReused as exc:
        return _key_reused_response(request, site_obj, "designated", form, exc)
    except ValidationError as exc:
        return _form_response(request, site_obj, "designated", form, errors=_messages_of(exc), changed=False)
    return _form_response(request, site_obj, "designated", _designated_form(site_obj), changed=True)


@login_required
@require_POST
def arrive_returning(request: HttpRequest, site: str) -> HttpResponse:
    site_obj = site_with_perm_or_403(request.user, site, "reception.operate_desk", SALES)
    form = ReturningForm(request.POST, prefix="returning")
    if not form.is_valid():
        return _form_response(request, site_obj, "returning", form, changed=False, invalid=True)
    try:
        services.returning_arrive(
            site=site_obj,
            actor=request.user,
            request_key=form.cleaned_data["request_key"],
            now=timezone.now(),
            phone=form.cleaned_data["phone"],
            party_new_clients=form.cleaned_data["party_new_clients"] or 0,
        )
    except KeyReused as exc:
        return _key_reused_response(request, site_obj, "returning", form, exc)
    except ValidationError as exc:
        form.add_error("phone", exc)
        return _form_response(request, site_obj, "returning", form, changed=False, invalid=True)
    return _form_response(request, site_obj, "returning", _returning_form(), changed=True)


@login_required
@require_POST
def reception_end(request: HttpRequest, site: str, reception_id: int) -> HttpResponse:
    site_obj = site_with_perm_or_403(request.user, site, "reception.operate_desk", SALES)
    reception = reception_for_site_or_404(site_obj, reception_id)
    services.reception_end(reception=reception, actor=request.user, now=timezone.now())
    return _button_response(request, site_obj)


@login_required
@require_POST
def reception_left(request: HttpRequest, site: str, reception_id: int) -> HttpResponse:
    site_obj = site_with_perm_or_403(request.user, site, "reception.operate_desk", SALES)
    reception = reception_for_site_or_404(site_obj, reception_id)
    try:
        services.reception_left(reception=reception, actor=request.user, now=timezone.now())
    except ValidationError as exc:
        return _button_response(request, site_obj, errors=_messages_of(exc))
    return _button_response(request, site_obj)


@login_required
def reception_void(request: HttpRequest, site: str, reception_id: int) -> HttpResponse:
    """The supervisor voids a reception recorded by mistake, with a reason (within the site's window)."""
    site_obj = site_with_perm_or_403(request.user, site, "reception.manage_rota", SALES)
    reception = reception_for_site_or_404(site_obj, reception_id)
    form = VoidForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        voided = submit(
            form,
            services.reception_void,
            reception=reception,
            reason=form.cleaned_data["reason"],
            actor=request.user,
            now=timezone.now(),
        )
        if voided:
            messages.success(request, _("The reception was voided; the rota is back where it was."))
            return redirect("reception:board", site=site_obj.code)
    return render(request, "reception/void.html", {"site": site_obj, "reception": reception, "form": form})


@login_required
@require_POST
def mark_away(request: HttpRequest, site: str) -> HttpResponse:
    site_obj = site_with_perm_or_403(request.user, site, "reception.operate_desk", SALES)
    form = AwayForm(request.POST, prefix="away", salespeople=salespeople_of(site_obj))
    if not form.is_valid():
        return _form_response(request, site_obj, "away", form, changed=False, invalid=True)
    try:
        services.absence_start(
            site=site_obj,
            salesperson=form.cleaned_data["salesperson"],
            reason=form.cleaned_data["reason"],
            detail=form.cleaned_data["detail"],
            actor=request.user,
            now=timezone.now(),
        )
    except PermissionDenied as exc:
        return _refused_response(request, site_obj, exc, name="away", form=form)
    except ValidationError as exc:
        return _form_response(request, site_obj, "away", form, errors=_messages_of(exc), changed=False)
    return _form_response(request, site_obj, "away", _away_form(site_obj), changed=True)


@login_required
@require_POST
def back_at_post(request: HttpRequest, site: str, member_id: int) -> HttpResponse:
    site_obj = site_with_perm_or_403(request.user, site, "reception.operate_desk", SALES)
    member = member_for_site_or_404(site_obj, member_id)
    try:
        services.absence_end(site=site_obj, salesperson=member.salesperson, actor=request.user, now=timezone.now())
    except PermissionDenied as exc:
        return _refused_response(request, site_obj, exc)
    return _button_response(request, site_obj)


# --- absences -------------------------------------------------------------------------------------------------


@login_required
@require_GET
def absences_page(request: HttpRequest, site: str) -> HttpResponse:
    site_obj = site_with_perm_or_403(request.user, site, "reception.view_board", SALES)
    absences = Absence.objects.filter(site=site_obj).select_related("salesperson", "decided_by").order_by("-started_at")
    page = Paginator(absences, 25).get_page(request.GET.get("page"))
    context = {"site": site_obj, "page": page, "can_decide": is_site_project_manager(request.user, site_obj)}
    return render(request, "reception/absences.html", context)


@login_required
@require_POST
def absence_decide(request: HttpRequest, site: str) -> HttpResponse:
    """REC-ROT-6: the site's project manager approves or rejects extra work (the service checks who decides)."""
    site_obj = site_for_user_or_404(request.user, site, SALES)
    absence = absence_for_site_or_404(site_obj, posted_id_or_404(request, "absence"))
    try:
        services.absence_decide(
            absence=absence,
            approve=request.POST.get("decision") == "approve",
            actor=request.user,
            now=timezone.now(),
        )
        messages.success(request, _("The decision was recorded."))
    except ValidationError as exc:
        for message in _messages_of(exc):
            messages.error(request, message)
    return redirect("reception:absences", site=site_obj.code)


@login_required
def violations_page(request: HttpRequest, site: str) -> HttpResponse:
    site_obj = site_with_perm_or_403(request.user, site, "reception.record_violation", SALES)
    form = ViolationForm(request.POST or None, salespeople=salespeople_of(site_obj))
    if request.method == "POST" and form.is_valid():
        recorded = submit(
            form, services.violation_record, site=site_obj, actor=request.user, now=timezone.now(), **form.cleaned_data
        )
        if recorded:
            messages.success(request, _("The violation was recorded."))
            return redirect("reception:violations", site=site_obj.code)
    violations = (
        Violation.objects.filter(site=site_obj).select_related("salesperson", "recorded_by").order_by("-occurred_at")
    )
    page = Paginator(violations, 25).get_page(request.GET.get("page"))
    return render(request, "reception/violations.html", {"site": site_obj, "form": form, "page": page})


@login_required
def change_request_page(request: HttpRequest, site: str, reception_id: int) -> HttpResponse:
    site_obj = site_with_perm_or_403(request.user, site, "reception.decide_change_request", SALES)
    reception = reception_for_site_or_404(site_obj, reception_id)
    form = ChangeRequestForm(request.POST or None, salespeople=salespeople_of(site_obj))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        decided = submit(
            form,
            services.change_request_decide,
            reception=reception,
            decision=data["decision"],
            note=data["note"],
            grant_priority=data["grant_priority"],
            actor=request.user,
            now=timezone.now(),
            request_key=data["request_key"],
            requested_salesperson=data["requested_salesperson"],
            instigated=data["instigated"],
            record_violation=data["record_violation"],
        )
        if decided:
            messages.success(request, _("The decision was recorded."))
            return redirect("reception:board", site=site_obj.code)
    return render(request, "reception/change_request.html", {"site": site_obj, "reception": reception, "form": form})


@login_required
def phone_inquiries_page(request: HttpRequest, site: str) -> HttpResponse:
    site_obj = site_with_perm_or_403(request.user, site, "reception.log_phone_inquiry", SALES)
    form = PhoneInquiryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        logged = submit(
            form, services.phone_inquiry_log, site=site_obj, actor=request.user, now=timezone.now(), **form.cleaned_data
        )
        if logged:
            messages.success(request, _("The call was logged (for reference only, REC-NEW-3)."))
            return redirect("reception:phone", site=site_obj.code)
    inquiries = PhoneInquiry.objects.filter(site=site_obj).select_related("taken_by").order_by("-taken_at")
    page = Paginator(inquiries, 25).get_page(request.GET.get("page"))
    return render(request, "reception/phone_inquiries.html", {"site": site_obj, "form": form, "page": page})


@login_required
@require_GET
def events_page(request: HttpRequest, site: str) -> HttpResponse:
    site_obj = site_with_perm_or_403(request.user, site, "reception.view_board", SALES)
    # Issue 17: newest first by the (site, at, id) index, a page after another's last row; the history is not counted.
    page = keyset_page(
        events_for_site(site_obj), keys=("-at", "-pk"), cursor=request.GET.get("before", ""), size=50, param="before"
    )
    # The clause has its own column: the sentence goes without it.
    rows = [(event, describe(event, with_rule=False)) for event in page.object_list]
    return render(request, "reception/events.html", {"site": site_obj, "page": page, "rows": rows})
