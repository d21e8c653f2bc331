"""State changes of the service desk. Each takes `now`, checks the actor's permission on the office, asks
`service_desk.rules`, and stores the deadline the rules computed with the item (a later change of a setting never
rewrites it)."""

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from salesoffice import money
from salesoffice.access import require_site_perm, user_roles
from salesoffice.languages import in_each_language
from salesoffice.models import Site
from salesoffice.notifications import notify
from salesoffice.roles import Role

from . import rules
from .models import (
    SETTING_FIELDS,
    Appointment,
    Callback,
    Complaint,
    ComplaintCallback,
    ComplaintInspection,
    Completion,
    DutyOuting,
    DutyShift,
    OfficeSettings,
    RectificationNotice,
    Repair,
    ServiceRequest,
)

Kind = ServiceRequest.Kind


class ServiceDeskError(ValidationError):
    """A desk action the rules refuse; a dict message names the form field it belongs next to."""


def refuse(refusals: list[rules.Refusal]) -> None:
    """Raise the rules' refusals, each next to its field (or above the form)."""
    if not refusals:
        return
    errors: dict[str, list[str]] = {}
    for refusal in refusals:
        errors.setdefault(refusal.field or "__all__", []).append(refusal.message)
    raise ServiceDeskError(errors)


def office_settings(site: Site) -> OfficeSettings:
    """The office's settings row, made with the defaults on first use (kept on the site object for the request)."""
    return site.settings_row("service_settings")


def people_with_role(site: Site, *roles: Role) -> list[int]:
    """Members of the office holding one of `roles` (who gets escalations and reminders)."""
    return list(
        get_user_model()
        .objects.filter(memberships__site=site, groups__name__in=[r.value for r in roles], is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
        .distinct()
    )


def _works_at(site: Site, person) -> bool:
    return site.memberships.filter(user=person).exists()


def _by(record, actor, now: dt.datetime) -> None:
    """The history row this save writes says who made the change and when (the service's `now`, not the clock), so
    the item's timeline is derived from it."""
    record._history_user = actor
    record._history_date = now


def _link(item: ServiceRequest) -> str:
    return reverse("service_desk:item", kwargs={"site": item.site.code, "item_id": item.pk})


# --- requests (SVC-FIRST-1, SVC-VIS-1) -----------------------------------------------------------------------------


@transaction.atomic
def request_register(
    *,
    site: Site,
    actor: AbstractBaseUser,
    kind: str,
    requester_name: str,
    content: str,
    now: dt.datetime,
    channel: str = ServiceRequest.Channel.IN_PERSON,
    phone: str = "",
    address: str = "",
    important: bool = False,
    category: str = "",
    severity: str = Complaint.Severity.MINOR,
    other_organisation: str = "",
    appointment: dt.datetime | None = None,
    repair_staff: AbstractBaseUser | None = None,
) -> ServiceRequest:
    """Register any request; the actor is its first-contact owner for good (SVC-FIRST-1)."""
    require_site_perm(actor, site, "service_desk.register_request", _("Only the office's staff register requests."))
    if site.kind != Site.Kind.PROPERTY_OFFICE:
        raise PermissionDenied(_("Requests are registered at a property-service office."))
    refusals = rules.registration_refusals(kind=kind, phone=phone, address=address, appointment=appointment, now=now)
    if not requester_name.strip():
        refusals.append(rules.Refusal("SVC-FIRST-1", _("Enter the resident's name."), "requester_name"))
    if not content.strip():
        refusals.append(rules.Refusal("SVC-FIRST-1", _("Record what the resident asked."), "content"))
    if kind in (Kind.COMPLAINT, Kind.REPAIR) and not category:
        refusals.append(rules.Refusal("SVC-COMP-1", _("Choose a category."), "category"))
    if repair_staff is not None and not _works_at(site, repair_staff):
        refusals.append(rules.Refusal("SVC-REP-1", _("This person works at another office."), "repair_staff"))
    refuse(refusals)
    settings = office_settings(site)
    reply = rules.reply_deadline(registered_at=now, reply_hours=settings.reply_hours, zone=site.zone)
    item = ServiceRequest.objects.create(
        site=site,
        kind=kind,
        channel=channel,
        owner=actor,
        registered_at=now,
        requester_name=requester_name.strip(),
        phone=phone.strip(),
        address=address.strip(),
        content=content.strip(),
        important=important,
        reply_due_at=reply.due_at,
    )
    item.site = site
    if kind == Kind.COMPLAINT:
        major = severity == Complaint.Severity.MAJOR
        hours = settings.major_complaint_hours if major else settings.complaint_hours
        deadline = rules.complaint_deadline(registered_at=now, major=major, hours=hours, zone=site.zone)
        Complaint.objects.create(
            request=item,
            category=category,
            severity=severity,
            due_at=deadline.due_at,
            other_organisation=other_organisation.strip(),
            escalated_at=now if major else None,
        )
        if major:  # SVC-COMP-1: major complaints go to the office head at once
            _tell(site, Role.OFFICE_DIRECTOR, item, "svc_major_complaint", "SVC-COMP-1", f"svc:major:{item.pk}", now)
    if kind == Kind.REPAIR:
        repair = Repair.objects.create(request=item, category=category, repair_staff=repair_staff)
        Appointment.objects.create(repair=repair, scheduled_for=appointment, made_at=now, made_by=actor)
    if important:  # SVC-VIS-1: important visits and letters are reported to leadership
        _tell(site, Role.OFFICE_DIRECTOR, item, "svc_important", "SVC-VIS-1", f"svc:important:{item.pk}", now)
    return item


def _tell(site, role, item, kind, rule_id, key, now, params=None) -> None:
    for user_id in people_with_role(site, role):
        notify(
            recipient_id=user_id,
            key=f"{key}:{user_id}",
            kind=kind,
            now=now,
            site=site,
            rule_id=rule_id,
            params={"item": item.pk, "name": item.requester_name, **(params or {})},
            link=_link(item),
        )


def _locked(item: ServiceRequest) -> ServiceRequest:
    # Two people acting on one request at once (routing while it is closed): the row lock orders them.
    locked = ServiceRequest.objects.select_for_update().get(pk=item.pk)
    locked.site = item.site
    return locked


def _may_handle(actor: AbstractBaseUser, item: ServiceRequest) -> None:
    require_site_perm(actor, item.site, "service_desk.register_request", _("Only the office's staff handle requests."))
    if actor.pk not in (item.owner_id, item.assignee_id) and not actor.has_perm("service_desk.view_all_requests"):
        raise PermissionDenied(_("SVC-FIRST-1: this request belongs to its first-contact owner."))


@transaction.atomic
def request_route(
    *, item: ServiceRequest, actor: AbstractBaseUser, department: str, assignee: AbstractBaseUser | None, now
) -> ServiceRequest:
    """Send the request to the responsible department (SVC-FIRST-1): an assignee is added, the owner stays."""
    _may_handle(actor, item)
    item = _locked(item)
    if item.closed_at is not None:
        refuse([rules.Refusal("SVC-FIRST-1", _("This request is closed."))])
    if not department.strip():
        refuse([rules.Refusal("SVC-FIRST-1", _("Name the responsible department."), "department")])
    if assignee is not None and not _works_at(item.site, assignee):
        refuse([rules.Refusal("SVC-FIRST-1", _("The assignee works at another office."), "assignee")])
    item.department = department.strip()
    item.assignee = assignee
    item.routed_at = now
    _by(item, actor, now)  # the item's timeline says who routed it
    item.save(update_fields=["department", "assignee", "routed_at"])
    if assignee is not None and assignee.pk != actor.pk:
        notify(
            recipient_id=assignee.pk,
            key=f"svc:routed:{item.pk}:{assignee.pk}:{now.isoformat()}",
            kind="svc_routed",
            now=now,
            site=item.site,
            rule_id="SVC-FIRST-1",
            params={"item": item.pk, "name": item.requester_name},
            link=_link(item),
        )
    return item


def request_change_owner(*, item: ServiceRequest, actor: AbstractBaseUser, new_owner, now) -> None:
    """Always refused (SVC-FIRST-1): the first person who received a request owns it until it is closed."""
    refuse([rules.owner_change_refusal()])


@transaction.atomic
def request_close(
    *, item: ServiceRequest, actor: AbstractBaseUser, reply: str, solved: bool | None, now, not_ours: bool = False
) -> ServiceRequest:
    """Reply to the resident and close with the answer or result, signed by the actor (SVC-FIRST-1, SVC-VIS-1; a
    complaint only on its signed-off result, SVC-COMP-1). "Not ours" is refused: it is a routing."""
    _may_handle(actor, item)
    item = _locked(item)
    if item.closed_at is not None:
        refuse([rules.Refusal("SVC-FIRST-1", _("This request is closed already."))])
    signed_off = (
        item.kind != Kind.COMPLAINT or Complaint.objects.filter(request=item, signed_off_at__isnull=False).exists()
    )
    refusals = rules.deflection_refusals(
        kind=item.kind, solved=solved, not_ours=not_ours, closer_is_owner=actor.pk == item.owner_id
    )
    if refusals:  # a deflection is refused first, with the way to route it
        refuse(refusals)
    refusals = rules.close_refusals(kind=item.kind, reply=reply, solved=solved, signed_off=signed_off)
    unsolved = rules.unsolved_needs_reason(solved=solved, reply=reply)
    if unsolved and not any(r.field == "reply" for r in refusals):
        refusals.append(unsolved)
    if item.kind == Kind.REPAIR and item.repair.status != Repair.Status.COMPLETED:
        refusals.append(rules.Refusal("SVC-REP-1", _("SVC-REP-1: record the repair's completion before closing.")))
    refuse(refusals)
    item.reply = reply.strip()
    item.solved = solved
    item.replied_at = now
    item.closed_at = now
    item.closed_by = actor
    _by(item, actor, now)
    item.save(update_fields=["reply", "solved", "replied_at", "closed_at", "closed_by"])
    return item


# --- complaints (SVC-COMP-1) ---------------------------------------------------------------------------------------


def _complaint_locked(complaint: Complaint) -> Complaint:
    locked = Complaint.objects.select_for_update().select_related("request").get(pk=complaint.pk)
    locked.request.site = complaint.request.site
    return locked


@transaction.atomic
def complaint_set_action(
    *, complaint: Complaint, actor, corrective_action: str, responsible, due_at: dt.datetime | None, now
) -> Complaint:
    """The office head sets a major complaint's corrective action, responsible person and deadline (SVC-COMP-1)."""
    site = complaint.request.site
    require_site_perm(
        actor, site, "service_desk.handle_complaints", _("SVC-COMP-1: the office head sets the corrective action.")
    )
    complaint = _complaint_locked(complaint)
    refusals = []
    if complaint.severity != Complaint.Severity.MAJOR:
        refusals.append(rules.Refusal("SVC-COMP-1", _("SVC-COMP-1: only a major complaint goes to the office head.")))
    if not corrective_action.strip():
        refusals.append(rules.Refusal("SVC-COMP-1", _("Describe the corrective action."), "corrective_action"))
    if responsible is None:
        refusals.append(rules.Refusal("SVC-COMP-1", _("Name the responsible person."), "responsible"))
    elif not _works_at(site, responsible):
        refusals.append(rules.Refusal("SVC-COMP-1", _("This person works at another office."), "responsible"))
    if due_at is None:
        refusals.append(rules.Refusal("SVC-COMP-1", _("Set the deadline."), "due_at"))
    elif due_at < now:
        refusals.append(rules.Refusal("SVC-COMP-1", _("SVC-COMP-1: the deadline cannot be in the past."), "due_at"))
    refuse(refusals)
    complaint.corrective_action = corrective_action.strip()
    complaint.action_responsible = responsible
    complaint.action_due_at = due_at
    complaint.action_set_by = actor
    _by(complaint, actor, now)
    complaint.save(update_fields=["corrective_action", "action_responsible", "action_due_at", "action_set_by"])
    return complaint


def complaint_inspect(
    *, complaint: Complaint, actor, findings: str, corrective_report: str, now
) -> ComplaintInspection:
    """Record an on-site inspection and its corrective-action report (SVC-COMP-1); permanent."""
    _may_handle(actor, complaint.request)
    refusals = []
    if not findings.strip():
        refusals.append(rules.Refusal("SVC-COMP-1", _("Record what was found on site."), "findings"))
    if not corrective_report.strip():
        refusals.append(rules.Refusal("SVC-COMP-1", _("Write the corrective-action report."), "corrective_report"))
    refuse(refusals)
    return ComplaintInspection.objects.create(
        complaint=complaint,
        inspected_at=now,
        inspected_by=actor,
        findings=findings.strip(),
        corrective_report=corrective_report.strip(),
    )


@transaction.atomic
def complaint_liaise(*, complaint: Complaint, actor, liaison: str, now) -> Complaint:
    """A complaint involving another organisation: explanation, apology and liaison recorded (SVC-COMP-1)."""
    _may_handle(actor, complaint.request)
    complaint = _complaint_locked(complaint)
    if not liaison.strip():
        refuse([rules.Refusal("SVC-COMP-1", _("Record the explanation and the liaison."), "liaison")])
    stamp = rules._when(now, complaint.request.site.zone)
    complaint.liaison = (complaint.liaison + "\n" if complaint.liaison else "") + f"[{stamp}] {liaison.strip()}"
    _by(complaint, actor, now)
    complaint.save(update_fields=["liaison"])
    return complaint


@transaction.atomic
def complaint_sign_off(*, complaint: Complaint, actor, resolution: str, resolved: bool | None, now) -> Complaint:
    """The person who resolved the complaint records the result and signs it off (SVC-COMP-1); a non-result is
    refused (the complaint stays open with its department)."""
    _may_handle(actor, complaint.request)
    complaint = _complaint_locked(complaint)
    refusals = []
    if complaint.signed_off_at is not None:
        refusals.append(rules.Refusal("SVC-COMP-1", _("The result is signed off already.")))
    refusals += rules.sign_off_refusals(resolution=resolution, resolved=resolved)
    if complaint.other_organisation and not complaint.liaison:
        refusals.append(
            rules.Refusal(
                "SVC-COMP-1",
                _("SVC-COMP-1: record the explanation and liaison with %(org)s first.")
                % {"org": complaint.other_organisation},
            )
        )
    refuse(refusals)
    site = complaint.request.site
    settings = office_settings(site)
    major = complaint.severity == Complaint.Severity.MAJOR
    days = settings.complaint_callback_days_major if major else settings.complaint_callback_days_minor
    callback = rules.complaint_callback_deadline(signed_off_at=now, major=major, days=days, zone=site.zone)
    complaint.resolution = resolution.strip()
    complaint.resolved_by = actor
    complaint.signed_off_at = now
    complaint.callback_due_at = callback.due_at
    _by(complaint, actor, now)
    complaint.save(update_fields=["resolution", "resolved_by", "signed_off_at", "callback_due_at"])
    return complaint


@transaction.atomic
def complaint_callback_record(
    *, complaint: Complaint, actor, suggestions: str, satisfied: bool, reopen: bool, explanation: str, now
) -> ComplaintCallback:
    """Call the resident back after the complaint was resolved (SVC-CB-1): their suggestions and satisfaction; a
    dissatisfied resident's complaint is reopened, or the reason it cannot be fixed at once explained."""
    _may_handle(actor, complaint.request)
    complaint = _complaint_locked(complaint)
    refusals = []
    if complaint.signed_off_at is None:
        refusals.append(
            rules.Refusal("SVC-CB-1", _("SVC-CB-1: the resident is called back once the result is signed off."))
        )
    elif complaint.callbacks.filter(made_at__gte=complaint.signed_off_at).exists():
        refusals.append(rules.Refusal("SVC-CB-1", _("This result was called back already.")))
    refusal = rules.complaint_callback_refusal(satisfied=satisfied, reopen=reopen, explanation=explanation)
    if refusal:
        refusals.append(refusal)
    refuse(refusals)
    callback = ComplaintCallback.objects.create(
        complaint=complaint,
        made_at=now,
        made_by=actor,
        suggestions=suggestions.strip(),
        satisfied=satisfied,
        reopened=reopen and not satisfied,
        explanation=explanation.strip(),
    )
    if callback.reopened:  # the result was not good enough: resolve it again, and sign it off again
        complaint.signed_off_at = None
        complaint.callback_due_at = None
        _by(complaint, actor, now)
        complaint.save(update_fields=["signed_off_at", "callback_due_at"])
        request = ServiceRequest.objects.select_for_update().get(pk=complaint.request_id)
        if request.closed_at is not None:
            request.closed_at = request.replied_at = None
            request.closed_by = None
            _by(request, actor, now)  # reopened: the timeline says by whom
            request.save(update_fields=["closed_at", "replied_at", "closed_by"])
    return callback


# --- repairs (SVC-REP-1/2) ----------------------------------------------------------------------------------------


def _repair_locked(repair: Repair) -> Repair:
    # Two staff completing the same repair at once: the row lock lets one through, the other sees it completed.
    locked = Repair.objects.select_for_update().select_related("request").get(pk=repair.pk)
    locked.request.site = repair.request.site
    return locked


def _work_repairs(actor, repair: Repair) -> None:
    require_site_perm(
        actor, repair.request.site, "service_desk.work_repairs", _("Only the repair team records repair work.")
    )


@transaction.atomic
def repair_reschedule(
    *, repair: Repair, actor, reason: str, notice_method: str, notice_text: str, new_at: dt.datetime | None, now
) -> Appointment:
    """A missed appointment: its reason, the notice to the resident and the new appointment (SVC-REP-2)."""
    _work_repairs(actor, repair)
    repair = _repair_locked(repair)
    refusals = rules.reschedule_refusals(
        reason=reason, notice_method=notice_method, notice_text=notice_text, new_at=new_at, now=now
    )
    if repair.status != Repair.Status.OPEN:
        refusals.append(rules.Refusal("SVC-REP-2", _("The repair is completed.")))
    refuse(refusals)
    current = repair.appointments.order_by("-made_at", "-pk").first()
    return Appointment.objects.create(
        repair=repair,
        scheduled_for=new_at,
        made_at=now,
        made_by=actor,
        replaces=current,
        missed_reason=reason.strip(),
        notice_method=notice_method,
        notice_text=notice_text.strip(),
    )


@transaction.atomic
def repair_complete(
    *, repair: Repair, actor, work_done: str = "", charges: Decimal = Decimal("0"), now, reason: str = ""
) -> Completion:
    """Record the repair completed; its callback falls due by category (SVC-CB-3). One completion per round. A
    completion before its appointment, or by someone who does not repair, needs a confirming reason."""
    _work_repairs(actor, repair)
    repair = _repair_locked(repair)
    if repair.status != Repair.Status.OPEN:
        refuse([rules.Refusal("SVC-REP-1", _("This repair is completed already."))])
    if charges is None or charges < 0:
        refuse([rules.Refusal("SVC-CB-4", _("Charges cannot be negative."), "charges")])
    current = repair.appointments.order_by("-made_at", "-pk").first()
    doubts = rules.completion_doubts(
        completed_at=now,
        appointment_at=current.scheduled_for if current else None,
        roles=user_roles(actor),
        zone=repair.request.site.zone,
    )
    unconfirmed = rules.completion_confirmation_refusal(doubts=doubts, reason=reason)
    if unconfirmed:
        refuse([unconfirmed])
    site = repair.request.site
    settings = office_settings(site)
    days = rules.callback_days(
        repair.category,
        safety=settings.callback_days_safety,
        water=settings.callback_days_water,
        other=settings.callback_days_other,
    )
    deadline = rules.callback_deadline(completed_at=now, category=repair.category, days=days, zone=site.zone)
    try:
        with transaction.atomic():
            completion = Completion.objects.create(
                repair=repair,
                round=repair.round,
                site=site,
                completed_at=now,
                completed_by=actor,
                work_done=work_done.strip(),
                charges=money.to_cents(charges, money.SERVICE_CHARGE),
                callback_due_at=deadline.due_at,
                confirmed_reason=reason.strip() if doubts else "",
            )
    except IntegrityError:  # the unique (repair, round) is the last guard
        refuse([rules.Refusal("SVC-REP-1", _("This repair is completed already."))])
    repair.status = Repair.Status.COMPLETED
    _by(repair, actor, now)
    repair.save(update_fields=["status"])
    return completion


def _callback_refusals_for(actor, site) -> Role:
    role = rules.callback_role(user_roles(actor))
    if role is None or not actor.has_perm("service_desk.make_callback"):
        raise PermissionDenied(rules.callback_role_refusal().message)
    require_site_perm(actor, site, "service_desk.make_callback", rules.callback_role_refusal().message)
    return role


@transaction.atomic
def callback_record(
    *,
    completion: Completion,
    actor,
    inspected_on_site: bool,
    service_opinion: str,
    suggestions: str,
    charges_checked: bool,
    charges_correct: bool | None,
    satisfied: bool,
    problem: str,
    signature: str,
    now,
) -> Callback:
    """The callback evaluation form (SVC-CB-4) by a callback role (SVC-CB-2); a failed one sends a written
    rectification notice (SVC-CB-5), a dissatisfied one reopens the work (SVC-CB-1)."""
    repair = completion.repair
    site = repair.request.site
    role = _callback_refusals_for(actor, site)
    repair = _repair_locked(repair)
    refusals = rules.callback_form_refusals(
        inspected_on_site=inspected_on_site,
        service_opinion=service_opinion,
        charges_checked=charges_checked,
        charges_correct=charges_correct,
        signature=signature,
    )
    roles_called = set(Callback.objects.filter(completion=completion).values_list("role", flat=True))
    repeat = rules.callback_repeat_refusal(role=role, roles_called=roles_called)
    if repeat:
        refusals.append(repeat)
    refuse(refusals)
    try:
        with transaction.atomic():
            callback = Callback.objects.create(
                completion=completion,
                made_at=now,
                made_by=actor,
                role=role.value,
                inspected_on_site=inspected_on_site,
                service_opinion=service_opinion.strip(),
                suggestions=suggestions.strip(),
                charges_correct=charges_correct,
                satisfied=satisfied,
                problem=problem.strip(),
                signature=signature,
            )
    except IntegrityError:  # the unique (completion, role) is the last guard
        refuse([rules.callback_repeat_refusal(role=role, roles_called={role.value})])
    outcome = rules.callback_outcome(satisfied=satisfied, charges_correct=charges_correct, problem=problem)
    if outcome.rectification:
        settings = office_settings(site)
        deadline = rules.rectification_deadline(callback_at=now, hours=settings.rectification_hours, zone=site.zone)
        staff_id = repair.repair_staff_id or completion.completed_by_id
        hours = settings.rectification_hours

        def notice_text() -> str:  # the rules' sentences again in each language, so each reader reads their own
            return _rectification_text(
                callback,
                rules.callback_outcome(satisfied=satisfied, charges_correct=charges_correct, problem=problem),
                rules.rectification_deadline(callback_at=now, hours=hours, zone=site.zone),
            )

        notice = RectificationNotice.objects.create(
            callback=callback,
            site=site,
            addressed_to_id=staff_id,
            issued_at=now,
            due_at=deadline.due_at,
            text=notice_text(),
            texts=in_each_language(notice_text),
        )
        notify(
            recipient_id=staff_id,
            key=f"svc:rectify:{notice.pk}",
            kind="svc_rectification",
            now=now,
            site=site,
            rule_id="SVC-CB-5",
            params={"item": repair.request_id, "name": repair.request.requester_name},
            link=reverse("service_desk:rectifications", kwargs={"site": site.code}),
        )
    reopens = rules.callback_reopens_round(
        reopens=outcome.reopens,
        repair_round=repair.round,
        completion_round=completion.round,
        repair_completed=repair.status == Repair.Status.COMPLETED,
    )
    if reopens:
        repair.status = Repair.Status.OPEN
        repair.round += 1
        _by(repair, actor, now)
        repair.save(update_fields=["status", "round"])
        request = ServiceRequest.objects.select_for_update().get(pk=repair.request_id)
        if request.closed_at is not None:  # reopened work is open again on its owner's desk, in its history
            request.closed_at = request.replied_at = None
            request.closed_by = None
            _by(request, actor, now)  # reopened: the timeline says by whom
            request.save(update_fields=["closed_at", "replied_at", "closed_by"])
    return callback


def _rectification_text(callback: Callback, outcome: rules.CallbackOutcome, deadline: rules.Deadline) -> str:
    parts = [outcome.explanation, deadline.explanation]
    if callback.problem:
        parts.append(_("Problem found: %(problem)s") % {"problem": callback.problem})
    if callback.charges_correct is False:  # only a check that found them wrong says so (SVC-CB-4, three-way)
        parts.append(_("The charges were found wrong."))
    return "\n".join(str(p) for p in parts)


@transaction.atomic
def rectification_done(*, notice: RectificationNotice, actor, note: str, now) -> RectificationNotice:
    """The repair staff record what they did about the notice (SVC-CB-5)."""
    require_site_perm(actor, notice.site, "service_desk.work_repairs", _("Only the repair team rectifies."))
    notice = RectificationNotice.objects.select_for_update().get(pk=notice.pk)
    if notice.rectified_at is not None:
        refuse([rules.Refusal("SVC-CB-5", _("This notice is rectified already."))])
    if not note.strip():
        refuse([rules.Refusal("SVC-CB-5", _("Record what was done."), "note")])
    notice.rectified_at = now
    notice.rectified_note = note.strip()
    notice.save(update_fields=["rectified_at", "rectified_note"])
    return notice


# --- duty (SVC-DUTY-1) --------------------------------------------------------------------------------------------


def duty_shift_add(*, site: Site, actor, person, kind: str, starts_at, ends_at, duty_phone: str, now) -> DutyShift:
    """Put someone on holiday, noon or night duty (SVC-DUTY-1)."""
    require_site_perm(actor, site, "service_desk.manage_duty", _("SVC-DUTY-1: the department schedules duty."))
    refusals = []
    if not _works_at(site, person):
        refusals.append(rules.Refusal("SVC-DUTY-1", _("This person works at another office."), "person"))
    if ends_at <= starts_at:
        refusals.append(rules.Refusal("SVC-DUTY-1", _("The shift ends after it starts."), "ends_at"))
    if ends_at < now:
        refusals.append(rules.Refusal("SVC-DUTY-1", _("This shift is over already."), "ends_at"))
    if not duty_phone.strip():
        refusals.append(rules.Refusal("SVC-DUTY-1", _("Enter the duty phone."), "duty_phone"))
    refusals += rules.phone_refusals(duty_phone, rule_id="SVC-DUTY-1", field="duty_phone")
    refuse(refusals)
    return DutyShift.objects.create(
        site=site, person=person, kind=kind, starts_at=starts_at, ends_at=ends_at, duty_phone=duty_phone.strip()
    )


@transaction.atomic
def duty_go_out(*, shift: DutyShift, actor, reason: str, forwarded_to: str, radio: bool, now) -> DutyOuting:
    """The person on duty leaves the post: phone forwarded, radio carried, logged (SVC-DUTY-1)."""
    shift = DutyShift.objects.select_for_update().get(pk=shift.pk)
    if actor.pk != shift.person_id:
        raise PermissionDenied(_("SVC-DUTY-1: only the person on duty logs going out."))
    refusals = rules.outing_refusals(forwarded_to=forwarded_to, radio=radio, reason=reason)
    if not shift.starts_at <= now < shift.ends_at:
        refusals.append(rules.Refusal("SVC-DUTY-1", _("SVC-DUTY-1: you are not on duty now.")))
    if shift.outings.filter(returned_at__isnull=True).exists():
        refusals.append(rules.Refusal("SVC-DUTY-1", _("SVC-DUTY-1: you are out already.")))
    refuse(refusals)
    return DutyOuting.objects.create(
        shift=shift, left_at=now, reason=reason.strip(), forwarded_to=forwarded_to.strip(), radio=radio
    )


@transaction.atomic
def duty_back(*, shift: DutyShift, actor, now) -> DutyOuting:
    """Back at the post (SVC-DUTY-1)."""
    if actor.pk != shift.person_id:
        raise PermissionDenied(_("SVC-DUTY-1: only the person on duty logs being back."))
    outing = shift.outings.select_for_update().filter(returned_at__isnull=True).first()
    if outing is None:
        refuse([rules.Refusal("SVC-DUTY-1", _("SVC-DUTY-1: you are at the post."))])
    outing.returned_at = now
    outing.save(update_fields=["returned_at"])
    return outing


# --- settings ----------------------------------------------------------------------------------------------------


@transaction.atomic
def settings_update(*, site: Site, actor, values: dict, now) -> OfficeSettings:
    """Change the office's settings: items registered later get the new deadlines; past deadlines stay."""
    require_site_perm(
        actor, site, "service_desk.change_office_settings", _("Only the office director changes settings.")
    )
    settings = OfficeSettings.objects.select_for_update().get(pk=office_settings(site).pk)
    changed = [name for name in SETTING_FIELDS if name in values and getattr(settings, name) != values[name]]
    for name in changed:
        setattr(settings, name, values[name])
    settings.full_clean()
    if changed:
        settings._history_user = actor
        settings.save(update_fields=changed)
    site.service_settings = settings
    return settings
