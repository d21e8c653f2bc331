"""One request's page and its actions. Each action is one view with its own URL: access check, its form, its service
through `submit` (a refusal shown next to its field, nothing saved), then back to the page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from salesoffice.access import user_roles
from salesoffice.forms import submit
from salesoffice.models import Site

from . import rules, selectors, services
from .access import item_for_user_or_404, office_or_403
from .forms import (
    ActionForm,
    CloseForm,
    ComplaintCallbackForm,
    CompleteForm,
    InspectionForm,
    LiaisonForm,
    OwnerForm,
    RescheduleForm,
    RouteForm,
    SignOffForm,
    yes_no,
)
from .models import Complaint, Repair, ServiceRequest


def _valid(form, site: Site) -> bool:
    # A time typed on the page is the office's local time.
    with timezone.override(site.zone):
        return form.is_valid()


def _complaint(item: ServiceRequest) -> Complaint:
    if item.kind != ServiceRequest.Kind.COMPLAINT:
        raise Http404("Not a complaint")
    return item.complaint


def _repair(item: ServiceRequest) -> Repair:
    if item.kind != ServiceRequest.Kind.REPAIR:
        raise Http404("Not a repair")
    return item.repair


def _empty_forms(office: Site) -> dict:
    """The page's action forms, each posted to its own view below."""
    return {
        "route": RouteForm(site=office),
        "close": CloseForm(),
        "corrective_action": ActionForm(site=office),
        "inspection": InspectionForm(),
        "liaison": LiaisonForm(),
        "sign_off": SignOffForm(),
        "complaint_callback": ComplaintCallbackForm(),
        "reschedule": RescheduleForm(),
        "complete": CompleteForm(),
    }


def _item_page(request, office, item, bound: dict | None = None, status: int = 200) -> HttpResponse:
    now = timezone.now()
    forms = {**_empty_forms(office), **(bound or {})}
    settings = selectors.settings_of(office)
    item.state = rules.deadline_state(
        due_at=item.reply_due_at, done_at=item.replied_at, now=now, remind_hours=settings.reminder_hours
    )
    context = {
        "site": office,
        "item": item,
        "forms": forms,
        "now": now,
        "may_head": request.user.has_perm("service_desk.handle_complaints"),
        "may_repair": request.user.has_perm("service_desk.work_repairs"),
        "my_callback_role": getattr(rules.callback_role(user_roles(request.user)), "value", ""),
    }
    return render(request, "service_desk/item.html", context, status=status)


@login_required
def item(request: HttpRequest, site: str, item_id: int) -> HttpResponse:
    office = office_or_403(request.user, site)
    return _item_page(request, office, item_for_user_or_404(request.user, office, item_id))


def _posted(request: HttpRequest, site: str, item_id: int) -> tuple[Site, ServiceRequest]:
    office = office_or_403(request.user, site)
    return office, item_for_user_or_404(request.user, office, item_id)


def _done(request: HttpRequest, office: Site, found: ServiceRequest, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("service_desk:item", site=office.code, item_id=found.pk)


def _refused(request: HttpRequest, office: Site, found: ServiceRequest, name: str, form) -> HttpResponse:
    return _item_page(request, office, found, {name: form}, status=422)


@login_required
@require_POST
def item_route(request: HttpRequest, site: str, item_id: int) -> HttpResponse:
    """Send the request to its department; the poster stays its first-contact owner (SVC-FIRST-1)."""
    office, found = _posted(request, site, item_id)
    form = RouteForm(request.POST, site=office)
    if _valid(form, office):
        d = form.cleaned_data
        made = submit(
            form,
            services.request_route,
            item=found,
            actor=request.user,
            department=d["department"],
            assignee=d["assignee"],
            now=timezone.now(),
        )
        if made:
            return _done(request, office, found, _("Routed; you remain the first-contact owner (SVC-FIRST-1)."))
    return _refused(request, office, found, "route", form)


@login_required
@require_POST
def item_owner(request: HttpRequest, site: str, item_id: int) -> HttpResponse:
    """Asking to change the owner is always refused, with the reason (SVC-FIRST-1)."""
    office, found = _posted(request, site, item_id)
    form = OwnerForm(request.POST, site=office)
    if _valid(form, office):
        owner = form.cleaned_data["owner"]
        submit(form, services.request_change_owner, item=found, actor=request.user, new_owner=owner, now=timezone.now())
    return _refused(request, office, found, "owner", form)


@login_required
@require_POST
def item_close(request: HttpRequest, site: str, item_id: int) -> HttpResponse:
    """Reply to the resident and close (SVC-FIRST-1, SVC-VIS-1)."""
    office, found = _posted(request, site, item_id)
    form = CloseForm(request.POST)
    if _valid(form, office):
        d = form.cleaned_data
        made = submit(
            form,
            services.request_close,
            item=found,
            actor=request.user,
            reply=d["reply"],
            solved=yes_no(d["solved"]),
            not_ours=d["solved"] == "not_ours",
            now=timezone.now(),
        )
        if made:
            return _done(request, office, found, _("Replied and closed."))
    return _refused(request, office, found, "close", form)


@login_required
@require_POST
def item_corrective_action(request: HttpRequest, site: str, item_id: int) -> HttpResponse:
    """The office head's corrective action on a major complaint (SVC-COMP-1)."""
    office, found = _posted(request, site, item_id)
    form = ActionForm(request.POST, site=office)
    if _valid(form, office):
        d = form.cleaned_data
        made = submit(
            form,
            services.complaint_set_action,
            complaint=_complaint(found),
            actor=request.user,
            corrective_action=d["corrective_action"],
            responsible=d["responsible"],
            due_at=d["due_at"],
            now=timezone.now(),
        )
        if made:
            return _done(request, office, found, _("Corrective action recorded (SVC-COMP-1)."))
    return _refused(request, office, found, "corrective_action", form)


@login_required
@require_POST
def item_inspection(request: HttpRequest, site: str, item_id: int) -> HttpResponse:
    """An on-site inspection of a complaint (SVC-COMP-1)."""
    office, found = _posted(request, site, item_id)
    form = InspectionForm(request.POST)
    if _valid(form, office):
        d = form.cleaned_data
        made = submit(
            form,
            services.complaint_inspect,
            complaint=_complaint(found),
            actor=request.user,
            findings=d["findings"],
            corrective_report=d["corrective_report"],
            now=timezone.now(),
        )
        if made:
            return _done(request, office, found, _("Inspection recorded (SVC-COMP-1)."))
    return _refused(request, office, found, "inspection", form)


@login_required
@require_POST
def item_liaison(request: HttpRequest, site: str, item_id: int) -> HttpResponse:
    """The liaison with another organisation a complaint involves (SVC-COMP-1)."""
    office, found = _posted(request, site, item_id)
    form = LiaisonForm(request.POST)
    if _valid(form, office):
        made = submit(
            form,
            services.complaint_liaise,
            complaint=_complaint(found),
            actor=request.user,
            liaison=form.cleaned_data["liaison"],
            now=timezone.now(),
        )
        if made:
            return _done(request, office, found, _("Liaison recorded (SVC-COMP-1)."))
    return _refused(request, office, found, "liaison", form)


@login_required
@require_POST
def item_sign_off(request: HttpRequest, site: str, item_id: int) -> HttpResponse:
    """The resolver signs off the complaint's result (SVC-COMP-1)."""
    office, found = _posted(request, site, item_id)
    form = SignOffForm(request.POST)
    if _valid(form, office):
        d = form.cleaned_data
        made = submit(
            form,
            services.complaint_sign_off,
            complaint=_complaint(found),
            actor=request.user,
            resolution=d["resolution"],
            resolved=yes_no(d["resolved"]),
            now=timezone.now(),
        )
        if made:
            return _done(request, office, found, _("Result signed off (SVC-COMP-1)."))
    return _refused(request, office, found, "sign_off", form)


@login_required
@require_POST
def item_complaint_callback(request: HttpRequest, site: str, item_id: int) -> HttpResponse:
    """The call to the resident after a complaint's result (SVC-CB-1)."""
    office, found = _posted(request, site, item_id)
    form = ComplaintCallbackForm(request.POST)
    if _valid(form, office):
        d = form.cleaned_data
        made = submit(
            form,
            services.complaint_callback_record,
            complaint=_complaint(found),
            actor=request.user,
            suggestions=d["suggestions"],
            satisfied=yes_no(d["satisfied"]) is True,
            reopen=d["reopen"],
            explanation=d["explanation"],
            now=timezone.now(),
        )
        if made:
            return _done(request, office, found, _("Callback recorded (SVC-CB-1)."))
    return _refused(request, office, found, "complaint_callback", form)


@login_required
@require_POST
def item_reschedule(request: HttpRequest, site: str, item_id: int) -> HttpResponse:
    """A missed repair appointment and the new one (SVC-REP-2)."""
    office, found = _posted(request, site, item_id)
    form = RescheduleForm(request.POST)
    if _valid(form, office):
        d = form.cleaned_data
        made = submit(
            form,
            services.repair_reschedule,
            repair=_repair(found),
            actor=request.user,
            reason=d["reason"],
            notice_method=d["notice_method"],
            notice_text=d["notice_text"],
            new_at=d["new_appointment"],
            now=timezone.now(),
        )
        if made:
            return _done(request, office, found, _("New appointment made; the missed one is kept (SVC-REP-2)."))
    return _refused(request, office, found, "reschedule", form)


@login_required
@require_POST
def item_complete(request: HttpRequest, site: str, item_id: int) -> HttpResponse:
    """The repair completed; its callback falls due (SVC-CB-3)."""
    office, found = _posted(request, site, item_id)
    form = CompleteForm(request.POST)
    if _valid(form, office):
        d = form.cleaned_data
        made = submit(
            form,
            services.repair_complete,
            repair=_repair(found),
            actor=request.user,
            work_done=d["work_done"],
            charges=d["charges"],
            reason=d["confirm_reason"],
            now=timezone.now(),
        )
        if made:
            return _done(request, office, found, _("Repair completed; its callback is due (SVC-CB-3)."))
    return _refused(request, office, found, "complete", form)
