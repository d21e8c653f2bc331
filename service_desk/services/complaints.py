"""A complaint's corrective action, inspection, liaison, signed-off result and callback (SVC-COMP-1, SVC-CB-1)."""

import datetime as dt

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from salesoffice.access import require_site_perm

from .. import rules
from ..models import Complaint, ComplaintCallback, ComplaintInspection
from .common import office_settings, refuse, reopen_request, stamp, works_elsewhere
from .requests import may_handle


def _complaint_locked(complaint: Complaint) -> Complaint:
    locked = Complaint.objects.select_for_update().select_related("request").get(pk=complaint.pk)
    locked.request.site = complaint.request.site
    return locked


@transaction.atomic
def complaint_set_action(
    *,
    complaint: Complaint,
    actor: User,
    corrective_action: str,
    responsible: User | None,
    due_at: dt.datetime | None,
    now: dt.datetime,
) -> Complaint:
    """The office head sets a major complaint's corrective action, responsible person and deadline (SVC-COMP-1)."""
    site = complaint.request.site
    require_site_perm(
        actor, site, "service_desk.handle_complaints", _("SVC-COMP-1: the office head sets the corrective action.")
    )
    complaint = _complaint_locked(complaint)
    refuse(
        rules.corrective_action_refusals(
            major=complaint.severity == Complaint.Severity.MAJOR,
            corrective_action=corrective_action,
            responsible_named=responsible is not None,
            responsible_elsewhere=works_elsewhere(site, responsible),
            due_at=due_at,
            now=now,
        )
    )
    complaint.corrective_action = corrective_action.strip()
    complaint.action_responsible = responsible
    complaint.action_due_at = due_at
    complaint.action_set_by = actor
    stamp(complaint, actor, now)
    complaint.save(update_fields=["corrective_action", "action_responsible", "action_due_at", "action_set_by"])
    return complaint


def complaint_inspect(
    *, complaint: Complaint, actor: User, findings: str, corrective_report: str, now: dt.datetime
) -> ComplaintInspection:
    """Record an on-site inspection and its corrective-action report (SVC-COMP-1); permanent."""
    may_handle(actor, complaint.request)
    refuse(rules.inspection_refusals(findings=findings, corrective_report=corrective_report))
    return ComplaintInspection.objects.create(
        complaint=complaint,
        inspected_at=now,
        inspected_by=actor,
        findings=findings.strip(),
        corrective_report=corrective_report.strip(),
    )


@transaction.atomic
def complaint_liaise(*, complaint: Complaint, actor: User, liaison: str, now: dt.datetime) -> Complaint:
    """A complaint involving another organisation: explanation, apology and liaison recorded (SVC-COMP-1)."""
    may_handle(actor, complaint.request)
    complaint = _complaint_locked(complaint)
    refuse(rules.liaison_refusals(liaison=liaison))
    complaint.liaison = rules.liaison_log(
        previous=complaint.liaison, liaison=liaison, now=now, zone=complaint.request.site.zone
    )
    stamp(complaint, actor, now)
    complaint.save(update_fields=["liaison"])
    return complaint


@transaction.atomic
def complaint_sign_off(
    *, complaint: Complaint, actor: User, resolution: str, resolved: bool | None, now: dt.datetime
) -> Complaint:
    """The person who resolved the complaint records the result and signs it off (SVC-COMP-1); a non-result is
    refused (the complaint stays open with its department)."""
    may_handle(actor, complaint.request)
    complaint = _complaint_locked(complaint)
    refuse(
        rules.complaint_sign_off_refusals(
            signed_off_already=complaint.signed_off_at is not None,
            resolution=resolution,
            resolved=resolved,
            other_organisation=complaint.other_organisation,
            liaison=complaint.liaison,
        )
    )
    site = complaint.request.site
    settings = office_settings(site)
    major = complaint.severity == Complaint.Severity.MAJOR
    days = rules.complaint_callback_days(
        major=major,
        major_days=settings.complaint_callback_days_major,
        minor_days=settings.complaint_callback_days_minor,
    )
    callback = rules.complaint_callback_deadline(signed_off_at=now, major=major, days=days, zone=site.zone)
    complaint.resolution = resolution.strip()
    complaint.resolved_by = actor
    complaint.signed_off_at = now
    complaint.callback_due_at = callback.due_at
    stamp(complaint, actor, now)
    complaint.save(update_fields=["resolution", "resolved_by", "signed_off_at", "callback_due_at"])
    return complaint


@transaction.atomic
def complaint_callback_record(
    *,
    complaint: Complaint,
    actor: User,
    suggestions: str,
    satisfied: bool,
    reopen: bool,
    explanation: str,
    now: dt.datetime,
) -> ComplaintCallback:
    """Call the resident back after the complaint was resolved (SVC-CB-1): their suggestions and satisfaction; a
    dissatisfied resident's complaint is reopened, or the reason it cannot be fixed at once explained."""
    may_handle(actor, complaint.request)
    complaint = _complaint_locked(complaint)
    signed_off = complaint.signed_off_at is not None
    this_result = complaint.callbacks.filter(made_at__gte=complaint.signed_off_at) if signed_off else None
    refuse(
        rules.complaint_callback_refusals(
            signed_off=signed_off,
            called_back_already=this_result is not None and this_result.exists(),
            satisfied=satisfied,
            reopen=reopen,
            explanation=explanation,
        )
    )
    callback = ComplaintCallback.objects.create(
        complaint=complaint,
        made_at=now,
        made_by=actor,
        suggestions=suggestions.strip(),
        satisfied=satisfied,
        reopened=rules.complaint_callback_reopens(satisfied=satisfied, reopen=reopen),
        explanation=explanation.strip(),
    )
    if callback.reopened:  # the result was not good enough: resolve it again, and sign it off again
        complaint.signed_off_at = None
        complaint.callback_due_at = None
        stamp(complaint, actor, now)
        complaint.save(update_fields=["signed_off_at", "callback_due_at"])
        reopen_request(complaint.request_id, actor=actor, now=now)
    return callback
