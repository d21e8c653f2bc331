"""Registering, routing and closing requests (SVC-FIRST-1, SVC-VIS-1): the actor is the first-contact owner for good."""

import datetime as dt

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from salesoffice.access import require_site_perm
from salesoffice.models import Site
from salesoffice.notifications import notify
from salesoffice.roles import Role

from .. import rules
from ..models import Appointment, Complaint, OfficeSettings, Repair, ServiceRequest
from .common import deny, item_link, office_settings, refuse, stamp, tell, works_elsewhere

Kind = ServiceRequest.Kind


@transaction.atomic
def request_register(
    *,
    site: Site,
    actor: User,
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
    repair_staff: User | None = None,
) -> ServiceRequest:
    """Register any request; the actor is its first-contact owner for good (SVC-FIRST-1).

    Why one function: it is long only by its keyword arguments, one form for every kind of request; the body is
    check, ask the rules, write the request, then its complaint or repair (`_open_complaint`, `_open_repair`)."""
    require_site_perm(actor, site, "service_desk.register_request", _("Only the office's staff register requests."))
    if site.kind != Site.Kind.PROPERTY_OFFICE:
        raise PermissionDenied(_("Requests are registered at a property-service office."))
    refuse(
        rules.request_refusals(
            kind=kind,
            requester_name=requester_name,
            content=content,
            category=category,
            phone=phone,
            address=address,
            appointment=appointment,
            repair_staff_elsewhere=works_elsewhere(site, repair_staff),
            now=now,
        )
    )
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
    major = severity == Complaint.Severity.MAJOR
    if kind == Kind.COMPLAINT:
        _open_complaint(
            item, settings, category=category, severity=severity, other_organisation=other_organisation, now=now
        )
    if kind == Kind.REPAIR:
        assert appointment is not None  # a repair without one is refused above (SVC-REP-1)
        _open_repair(item, category=category, repair_staff=repair_staff, appointment=appointment, actor=actor, now=now)
    for notice_kind, rule_id, key in rules.registration_notices(kind=kind, major=major, important=important):
        tell(site, Role.OFFICE_DIRECTOR, item, notice_kind, rule_id, f"{key}:{item.pk}", now)
    return item


def _open_complaint(
    item: ServiceRequest,
    settings: OfficeSettings,
    *,
    category: str,
    severity: str,
    other_organisation: str,
    now: dt.datetime,
) -> Complaint:
    """The complaint of a new request, due by its severity's limit; a major one is escalated at once (SVC-COMP-1)."""
    major = severity == Complaint.Severity.MAJOR
    hours = rules.complaint_hours(
        major=major, major_hours=settings.major_complaint_hours, minor_hours=settings.complaint_hours
    )
    deadline = rules.complaint_deadline(registered_at=now, major=major, hours=hours, zone=item.site.zone)
    return Complaint.objects.create(
        request=item,
        category=category,
        severity=severity,
        due_at=deadline.due_at,
        other_organisation=other_organisation.strip(),
        escalated_at=now if major else None,
    )


def _open_repair(
    item: ServiceRequest,
    *,
    category: str,
    repair_staff: User | None,
    appointment: dt.datetime,
    actor: User,
    now: dt.datetime,
) -> Repair:
    """The repair of a new request and its first appointment, made by the registering person (SVC-REP-1)."""
    repair = Repair.objects.create(request=item, category=category, repair_staff=repair_staff)
    Appointment.objects.create(repair=repair, scheduled_for=appointment, made_at=now, made_by=actor)
    return repair


def locked_request(item: ServiceRequest) -> ServiceRequest:
    # Two people acting on one request at once (routing while it is closed): the row lock orders them.
    locked = ServiceRequest.objects.select_for_update().get(pk=item.pk)
    locked.site = item.site
    return locked


def may_handle(actor: User, item: ServiceRequest) -> None:
    """The office's staff handle requests; this one is its owner's, its assignee's or a manager's (SVC-FIRST-1)."""
    require_site_perm(actor, item.site, "service_desk.register_request", _("Only the office's staff handle requests."))
    deny(
        rules.handler_refusal(
            owner_or_assignee=actor.pk in (item.owner_id, item.assignee_id),
            sees_all=actor.has_perm("service_desk.view_all_requests"),
        )
    )


@transaction.atomic
def request_route(
    *, item: ServiceRequest, actor: User, department: str, assignee: User | None, now: dt.datetime
) -> ServiceRequest:
    """Send the request to the responsible department (SVC-FIRST-1): an assignee is added, the owner stays."""
    may_handle(actor, item)
    item = locked_request(item)
    refuse(
        rules.route_refusals(
            closed=item.closed_at is not None,
            department=department,
            assignee_elsewhere=works_elsewhere(item.site, assignee),
        )
    )
    item.department = department.strip()
    item.assignee = assignee
    item.routed_at = now
    stamp(item, actor, now)  # the item's timeline says who routed it
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
            link=item_link(item),
        )
    return item


def request_change_owner(*, item: ServiceRequest, actor: User, new_owner: User | None, now: dt.datetime) -> None:
    """Always refused (SVC-FIRST-1): the first person who received a request owns it until it is closed."""
    refuse([rules.owner_change_refusal()])


@transaction.atomic
def request_close(
    *,
    item: ServiceRequest,
    actor: User,
    reply: str,
    solved: bool | None,
    now: dt.datetime,
    not_ours: bool = False,
) -> ServiceRequest:
    """Reply to the resident and close with the answer or result, signed by the actor (SVC-FIRST-1, SVC-VIS-1; a
    complaint only on its signed-off result, SVC-COMP-1). "Not ours" is refused: it is a routing."""
    may_handle(actor, item)
    item = locked_request(item)
    is_complaint, is_repair = item.kind == Kind.COMPLAINT, item.kind == Kind.REPAIR
    refuse(
        rules.closing_refusals(
            closed=item.closed_at is not None,
            kind=item.kind,
            reply=reply,
            solved=solved,
            not_ours=not_ours,
            closer_is_owner=actor.pk == item.owner_id,
            signed_off=is_complaint and Complaint.objects.filter(request=item, signed_off_at__isnull=False).exists(),
            repair_completed=is_repair and item.repair.status == Repair.Status.COMPLETED,
        )
    )
    item.reply = reply.strip()
    item.solved = solved
    item.replied_at = now
    item.closed_at = now
    item.closed_by = actor
    stamp(item, actor, now)
    item.save(update_fields=["reply", "solved", "replied_at", "closed_at", "closed_by"])
    return item
