"""Leaving the post and coming back; the project manager's approval of extra work (REC-ROT-4, REC-ROT-5)."""

import datetime as dt

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from salesoffice.access import (
    is_site_project_manager,
    require_site_perm,
)
from salesoffice.models import Notification, Site, SiteMembership, display_name
from salesoffice.notifications import notify, reminder_threshold
from salesoffice.outbox import task_enqueue
from salesoffice.roles import Role

from .. import rules
from ..models import (
    Absence,
    PrioritySlot,
    Reception,
)
from .desk import (
    DeskError,
    DeskResult,
    _bump,
    _event,
    _lock_desk,
    _refuse,
    require_own_presence,
)
from .turns import _serve_waiting


def absence_start(
    *,
    site: Site,
    salesperson: User,
    reason: str,
    detail: str,
    actor: User,
    now: dt.datetime,
) -> Absence:
    """The salesperson leaves the post; extra work assigned by a superior waits for the PM (REC-ROT-4/5)."""
    require_site_perm(actor, site, "reception.operate_desk", _("Only front-desk staff of this site may do this."))
    require_own_presence(site=site, salesperson=salesperson, actor=actor)
    with transaction.atomic():
        desk = _lock_desk(site)
        name = display_name(salesperson)
        _refuse(
            rules.absence_start_refusal(
                in_reception=Reception.objects.filter(
                    site=site, salesperson=salesperson, status=Reception.Status.ACTIVE
                ).exists(),
                already_away=Absence.objects.filter(site=site, salesperson=salesperson, ended_at__isnull=True).exists(),
                name=name,
            )
        )
        start = rules.absence_start(reason=reason)
        try:
            absence = Absence.objects.create(
                site=site,
                salesperson=salesperson,
                reason=reason,
                detail=detail,
                started_at=now,
                approval=Absence.Approval(start.approval),
                recorded_by=actor,
            )
        except IntegrityError as exc:  # the partial unique index: two presses at once
            raise DeskError(rules.already_away_refusal(name=name).message) from exc
        _bump(desk)
        if start.awaits_approval:
            # In this transaction: kept if the broker is down (the drain publishes it), dropped if this rolls back.
            task_enqueue("reception.tasks.remind_pending_absence_approvals", now=now)
        _event(
            site,
            now,
            f"away_{reason}",
            start.rule_ids[0],
            salesperson_id=salesperson.pk,
            actor=actor,
            name=display_name(salesperson),
            detail=detail,
        )
        return absence


def absence_end(*, site: Site, salesperson: User, actor: User, now: dt.datetime) -> DeskResult:
    """Back at post: the salesperson is eligible again and takes any waiting client (REC-ROT-5, REC-ROT-6)."""
    require_site_perm(actor, site, "reception.operate_desk", _("Only front-desk staff of this site may do this."))
    require_own_presence(site=site, salesperson=salesperson, actor=actor)
    with transaction.atomic():
        desk = _lock_desk(site)
        absence = (
            Absence.objects.select_for_update()
            .filter(site=site, salesperson=salesperson, ended_at__isnull=True)
            .first()
        )
        if absence is None:
            return DeskResult(None, duplicate=True)
        absence.ended_at = now
        absence.save(update_fields=["ended_at"])
        _bump(desk)
        events = [
            _event(
                site,
                now,
                "back_at_post",
                "REC-ROT-4",
                salesperson_id=salesperson.pk,
                actor=actor,
                name=display_name(salesperson),
            )
        ]
        events += _serve_waiting(site, desk, now)
        return DeskResult(None, events)


def absence_decide(*, absence: Absence, approve: bool, actor: User, now: dt.datetime) -> Absence:
    """The site's project manager verifies extra work (REC-ROT-5); rejected, any passed turn is forfeit."""
    site = absence.site
    _refuse(
        rules.absence_decide_refusal(actor_is_project_manager=is_site_project_manager(actor, site)), permission=True
    )
    with transaction.atomic():
        desk = _lock_desk(site)
        absence = Absence.objects.select_for_update().get(pk=absence.pk)
        _refuse(rules.absence_decided_refusal(approval=absence.approval))
        decision = rules.absence_decision(approve=approve)
        absence.approval = Absence.Approval(decision.approval)
        absence.decided_by = actor
        absence.decided_at = now
        absence.save(update_fields=["approval", "decided_by", "decided_at"])
        pending = PrioritySlot.objects.select_for_update().filter(absence=absence, status=PrioritySlot.Status.PENDING)
        had_pending_slot = pending.exists()
        pending.update(status=decision.slot_status)
        _event(
            site,
            now,
            decision.event_kind,
            decision.rule_ids[0],
            salesperson_id=absence.salesperson_id,
            actor=actor,
            name=display_name(absence.salesperson),
            slot=had_pending_slot,
        )
        _bump(desk)
        _serve_waiting(site, desk, now)
        _close_absence_reminders(absence=absence, now=now)
        return absence


def _close_absence_reminders(*, absence: Absence, now: dt.datetime) -> None:
    """The project managers' "awaits your approval" notes now say how it was decided, and are read: the absence
    no longer waits for anyone. One note per manager of the site."""
    notes = Notification.objects.select_for_update().filter(
        kind="absence_pending", key__startswith=f"absence-pending:{absence.pk}:"
    )
    for note in notes:
        note.params = {**note.params, "decision": absence.approval}
        note.read_at = note.read_at or now
        note.save(update_fields=["params", "read_at"])


def absence_approval_reminders(*, now: dt.datetime) -> int:
    """Notify every project manager of a site about each extra-work absence awaiting their approval (REC-ROT-5), and
    once more when it still waits NOTIFY_REMINDER_AFTER after it began (issue 19).

    Idempotent: one notification per absence and manager (and one reminder), however often it runs."""
    pending = Absence.objects.filter(approval=Absence.Approval.PENDING).select_related("site", "salesperson")
    site_ids = {absence.site_id for absence in pending}
    managers = SiteMembership.objects.filter(
        site_id__in=site_ids, user__groups__name=Role.PROJECT_MANAGER.value, user__is_active=True
    ).values_list("site_id", "user_id")
    managers_by_site: dict[int, list[int]] = {}
    for site_id, manager_id in managers:
        managers_by_site.setdefault(site_id, []).append(manager_id)
    threshold = reminder_threshold(now)
    made = 0
    for absence in pending:
        params = {"name": display_name(absence.salesperson), "detail": absence.detail, "site": absence.site.name}
        # The reminder's key starts like the first note's, so the decision closes both (_close_absence_reminders).
        occasions = [("", params)] + (
            [("remind:", params | {"reminder": True})] if absence.started_at <= threshold else []
        )
        for prefix, occasion_params in occasions:
            for manager_id in managers_by_site.get(absence.site_id, []):
                made += notify(
                    recipient_id=manager_id,
                    key=f"absence-pending:{absence.pk}:{prefix}{manager_id}",
                    kind="absence_pending",
                    rule_id="REC-ROT-5",
                    site=absence.site,
                    now=now,
                    params=occasion_params,
                    link=reverse("reception:absences", kwargs={"site": absence.site.code}),
                )
    return made
