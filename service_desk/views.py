"""The desk's pages: thin — access check, form, service, render or redirect."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from salesoffice.access import sites_for, user_roles
from salesoffice.forms import submit
from salesoffice.keyset import keyset_page
from salesoffice.models import Site
from salesoffice.timeutil import add_months, local_day, start_of_day

from . import rules, selectors, services
from .access import (
    completion_for_site_or_404,
    notice_for_site_or_404,
    office_or_403,
    shift_for_site_or_404,
)
from .forms import (
    CallbackForm,
    OutingForm,
    RectifyForm,
    RequestForm,
    SettingsForm,
    ShiftForm,
    yes_no,
)
from .models import ServiceRequest

PAGE_SIZE = 25


def _valid(form, site) -> bool:
    # A time typed on the page is the office's local time.
    with timezone.override(site.zone):
        return form.is_valid()


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The offices this person works at; one office goes straight to its desk."""
    offices = list(sites_for(request.user, Site.Kind.PROPERTY_OFFICE)[:50])
    if len(offices) == 1:
        return redirect("service_desk:desk", site=offices[0].code)
    return render(request, "service_desk/index.html", {"offices": offices})


@login_required
def desk(request: HttpRequest, site: str) -> HttpResponse:
    """SVC-FIRST-1 and SVC-DUTY-1: my open items with their reply deadlines, and who is on duty to call."""
    office = office_or_403(request.user, site)
    now = timezone.now()
    settings = selectors.settings_of(office)
    page = Paginator(selectors.my_open_items(site=office, user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for item in page:
        item.state = rules.deadline_state(
            due_at=item.reply_due_at, done_at=None, now=now, remind_hours=settings.reminder_hours
        )
    context = {"site": office, "page": page, "duty": selectors.duty_board(site=office, now=now, upcoming=0), "now": now}
    return render(request, "service_desk/desk.html", context)


@login_required
def register(request: HttpRequest, site: str) -> HttpResponse:
    """One form for every kind of request; whoever registers it owns it (SVC-FIRST-1)."""
    office = office_or_403(request.user, site)
    form = RequestForm(request.POST or None, site=office, initial={"kind": request.GET.get("kind", "question")})
    if request.method == "POST" and _valid(form, office):
        data = form.cleaned_data
        item = submit(
            form,
            services.request_register,
            site=office,
            actor=request.user,
            kind=data["kind"],
            channel=data["channel"],
            requester_name=data["requester_name"],
            phone=data["phone"],
            address=data["address"],
            content=data["content"],
            important=data["important"],
            category=data[form.category_field()],
            severity=data["severity"] or "minor",
            other_organisation=data["other_organisation"],
            appointment=data["appointment"],
            repair_staff=data["repair_staff"],
            now=timezone.now(),
        )
        if item:
            messages.success(request, _("Registered; you are its first-contact owner (SVC-FIRST-1)."))
            return redirect("service_desk:item", site=office.code, item_id=item.pk)
    return render(request, "service_desk/register.html", {"site": office, "form": form})


@login_required
def items(request: HttpRequest, site: str) -> HttpResponse:
    """Every request of the office, filtered by kind and status (managers)."""
    office = office_or_403(request.user, site, "service_desk.view_all_requests")
    kind = request.GET.get("kind", "")
    status = request.GET.get("status", "")
    rows = selectors.office_items(site=office, kind=kind if kind in ServiceRequest.Kind.values else "", status=status)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "site": office,
        "page": page,
        "kind": kind,
        "status": status,
        "kinds": ServiceRequest.Kind.choices,
        "extra_query": f"kind={kind}&status={status}",
        "now": timezone.now(),
    }
    return render(request, "service_desk/items.html", context)


@login_required
def callbacks(request: HttpRequest, site: str) -> HttpResponse:
    """SVC-CB-3: completed repairs awaiting their callback, soonest first."""
    office = office_or_403(request.user, site, "service_desk.make_callback")
    now = timezone.now()
    settings = selectors.settings_of(office)
    today = local_day(now, office.zone)
    my_role = rules.callback_role(user_roles(request.user))
    # SVC-CB-2: each role counts its own callbacks of this month's and last month's completed repairs.
    since = start_of_day(add_months(today.replace(day=1), -1), office.zone)
    pending = selectors.pending_callbacks(site=office, role=my_role, since=since)
    # Issue 17: soonest due first by the (site, callback_due_at, id) index, a page after another's last row, uncounted.
    page = keyset_page(
        pending, keys=("callback_due_at", "pk"), cursor=request.GET.get("after", ""), size=PAGE_SIZE, param="after"
    )
    for completion in page:
        completion.state = rules.deadline_state(
            due_at=completion.callback_due_at, done_at=None, now=now, remind_hours=settings.reminder_hours
        )
    context = {
        "site": office,
        "page": page,
        "now": now,
        "month": f"{today:%Y-%m}",
        # SVC-CB-2: each callback role sees its own rate this month, and the person their own count.
        "rates": selectors.callback_rates_for_month(site=office, year=today.year, month=today.month),
        "my_role": my_role,
        "mine": selectors.my_callbacks_in_month(site=office, user=request.user, year=today.year, month=today.month),
    }
    return render(request, "service_desk/callbacks.html", context)


@login_required
def callback_form(request: HttpRequest, site: str, completion_id: int) -> HttpResponse:
    """The callback evaluation form with the resident's signature drawn on screen (SVC-CB-4)."""
    office = office_or_403(request.user, site, "service_desk.make_callback")
    if rules.callback_role(user_roles(request.user)) is None:
        raise PermissionDenied(rules.callback_role_refusal().message)
    completion = completion_for_site_or_404(office, completion_id)
    form = CallbackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        callback = submit(
            form,
            services.callback_record,
            completion=completion,
            actor=request.user,
            inspected_on_site=d["inspected_on_site"],
            service_opinion=d["service_opinion"],
            suggestions=d["suggestions"],
            charges_checked=form.charges_check()[0],
            charges_correct=form.charges_check()[1],
            satisfied=yes_no(d["satisfied"]) is True,
            problem=d["problem"],
            signature=d["signature"],
            now=timezone.now(),
        )
        if callback:
            outcome = rules.callback_outcome(
                satisfied=callback.satisfied, charges_correct=callback.charges_correct, problem=callback.problem
            )
            messages.success(request, outcome.explanation)
            return redirect("service_desk:item", site=office.code, item_id=completion.repair.request_id)
    context = {"site": office, "completion": completion, "form": form}
    return render(request, "service_desk/callback.html", context, status=422 if form.errors else 200)


@login_required
def rectifications(request: HttpRequest, site: str) -> HttpResponse:
    """SVC-CB-5: written rectification notices, open ones first (the repair staff see their own)."""
    office = office_or_403(request.user, site, "service_desk.work_repairs")
    everyone = request.user.has_perm("service_desk.view_all_requests")
    notices = selectors.rectification_notices(site=office, user=request.user, everyone=everyone)
    page = Paginator(notices, PAGE_SIZE).get_page(request.GET.get("page"))
    for notice in page:  # each reader reads the notice in their own language
        notice.shown_text = notice.text_in(get_language())
    context = {"site": office, "page": page, "form": RectifyForm(), "now": timezone.now()}
    return render(request, "service_desk/rectifications.html", context)


@login_required
@require_POST
def rectification_done(request: HttpRequest, site: str, notice_id: int) -> HttpResponse:
    office = office_or_403(request.user, site, "service_desk.work_repairs")
    notice = notice_for_site_or_404(office, notice_id)
    if notice.addressed_to_id != request.user.pk and not request.user.has_perm("service_desk.view_all_requests"):
        raise PermissionDenied
    form = RectifyForm(request.POST)
    if form.is_valid():
        try:
            services.rectification_done(
                notice=notice, actor=request.user, note=form.cleaned_data["note"], now=timezone.now()
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Rectification recorded (SVC-CB-5)."))
    return redirect("service_desk:rectifications", site=office.code)


@login_required
def duty(request: HttpRequest, site: str) -> HttpResponse:
    """SVC-DUTY-1: who is on duty now, the coming shifts, scheduling (managers), going out and back."""
    office = office_or_403(request.user, site)
    may_manage = request.user.has_perm("service_desk.manage_duty")
    form = ShiftForm(request.POST or None, site=office)
    if request.method == "POST":
        if not may_manage:
            raise PermissionDenied
        if _valid(form, office):
            d = form.cleaned_data
            shift = submit(
                form,
                services.duty_shift_add,
                site=office,
                actor=request.user,
                person=d["person"],
                kind=d["kind"],
                starts_at=d["starts_at"],
                ends_at=d["ends_at"],
                duty_phone=d["duty_phone"],
                now=timezone.now(),
            )
            if shift:
                messages.success(request, _("Shift scheduled (SVC-DUTY-1)."))
                return redirect("service_desk:duty", site=office.code)
    context = {
        "site": office,
        "board": selectors.duty_board(site=office, now=timezone.now()),
        "form": form if may_manage else None,
        "outing_form": OutingForm(),
    }
    return render(request, "service_desk/duty.html", context, status=422 if form.errors else 200)


def _duty_page(request: HttpRequest, office, shift, outing_form) -> HttpResponse:
    """The duty page again with the going-out form's refusal next to its field, at that shift."""
    context = {
        "site": office,
        "board": selectors.duty_board(site=office, now=timezone.now()),
        "form": ShiftForm(site=office) if request.user.has_perm("service_desk.manage_duty") else None,
        "outing_form": outing_form,
        "outing_shift": shift.pk,
    }
    return render(request, "service_desk/duty.html", context, status=422)


@login_required
@require_POST
def duty_out(request: HttpRequest, site: str, shift_id: int) -> HttpResponse:
    """The person on duty goes out: the duty phone forwarded, a radio carried (SVC-DUTY-1)."""
    office = office_or_403(request.user, site)
    shift = shift_for_site_or_404(office, shift_id)
    form = OutingForm(request.POST)
    if form.is_valid():  # else a typed phone that is not one: shown at its field, nothing logged
        d = form.cleaned_data
        made = submit(
            form,
            services.duty_go_out,
            shift=shift,
            actor=request.user,
            reason=d["reason"],
            forwarded_to=d["forwarded_to"],
            radio=d["radio"],
            now=timezone.now(),
        )
        if made:
            messages.success(request, _("Going out logged: the duty phone is forwarded (SVC-DUTY-1)."))
            return redirect("service_desk:duty", site=office.code)
    return _duty_page(request, office, shift, form)


@login_required
@require_POST
def duty_back(request: HttpRequest, site: str, shift_id: int) -> HttpResponse:
    """The person on duty is back at the post (SVC-DUTY-1)."""
    office = office_or_403(request.user, site)
    shift = shift_for_site_or_404(office, shift_id)
    form = OutingForm(request.POST)
    if submit(form, services.duty_back, shift=shift, actor=request.user, now=timezone.now()):
        messages.success(request, _("Back at the post (SVC-DUTY-1)."))
    if form.errors:  # the refusal is shown on the going-out form
        return _duty_page(request, office, shift, form)
    return redirect("service_desk:duty", site=office.code)


@login_required
def office_settings(request: HttpRequest, site: str) -> HttpResponse:
    """The office's deadline settings; past deadlines keep the setting they were computed with."""
    office = office_or_403(request.user, site, "service_desk.change_office_settings")
    current = selectors.settings_of(office)
    form = SettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        saved = submit(
            form,
            services.settings_update,
            site=office,
            actor=request.user,
            values=form.cleaned_data,
            now=timezone.now(),
        )
        if saved:
            messages.success(request, _("Settings saved; deadlines already set are unchanged."))
            return redirect("service_desk:settings", site=office.code)
    history = current.history.select_related("history_user").order_by("-history_date")[:20] if current.pk else []
    context = {"site": office, "form": form, "history": history}
    return render(request, "service_desk/settings.html", context, status=422 if form.errors else 200)
