"""A repair's appointments and completion (SVC-REP-1/2), its callback (SVC-CB-2..4) and the written rectification
notice a failed callback sends (SVC-CB-5)."""

import datetime as dt
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from salesoffice import money
from salesoffice.access import require_site_perm, user_roles
from salesoffice.languages import in_each_language
from salesoffice.models import Site
from salesoffice.notifications import notify
from salesoffice.roles import Role

from .. import rules
from ..models import Appointment, Callback, Completion, RectificationNotice, Repair
from .common import office_settings, refuse, reopen_request, stamp


def _repair_locked(repair: Repair) -> Repair:
    # Two staff completing the same repair at once: the row lock lets one through, the other sees it completed.
    locked = Repair.objects.select_for_update().select_related("request").get(pk=repair.pk)
    locked.request.site = repair.request.site
    return locked


def _work_repairs(actor: User, repair: Repair) -> None:
    require_site_perm(
        actor, repair.request.site, "service_desk.work_repairs", _("Only the repair team records repair work.")
    )


def _current_appointment(repair: Repair) -> Appointment | None:
    return repair.appointments.order_by("-made_at", "-pk").first()


@transaction.atomic
def repair_reschedule(
    *,
    repair: Repair,
    actor: User,
    reason: str,
    notice_method: str,
    notice_text: str,
    new_at: dt.datetime | None,
    now: dt.datetime,
) -> Appointment:
    """A missed appointment: its reason, the notice to the resident and the new appointment (SVC-REP-2)."""
    _work_repairs(actor, repair)
    repair = _repair_locked(repair)
    refuse(
        rules.reschedule_refusals(
            reason=reason,
            notice_method=notice_method,
            notice_text=notice_text,
            new_at=new_at,
            now=now,
            repair_open=repair.status == Repair.Status.OPEN,
        )
    )
    assert new_at is not None  # refused above without a new appointment (SVC-REP-2)
    return Appointment.objects.create(
        repair=repair,
        scheduled_for=new_at,
        made_at=now,
        made_by=actor,
        replaces=_current_appointment(repair),
        missed_reason=reason.strip(),
        notice_method=notice_method,
        notice_text=notice_text.strip(),
    )


@transaction.atomic
def repair_complete(
    *,
    repair: Repair,
    actor: User,
    work_done: str = "",
    charges: Decimal = Decimal("0"),
    now: dt.datetime,
    reason: str = "",
) -> Completion:
    """Record the repair completed; its callback falls due by category (SVC-CB-3). One completion per round. A
    completion before its appointment, or by someone who does not repair, needs a confirming reason."""
    _work_repairs(actor, repair)
    repair = _repair_locked(repair)
    site = repair.request.site
    current = _current_appointment(repair)
    doubts = rules.completion_doubts(
        completed_at=now,
        appointment_at=current.scheduled_for if current else None,
        roles=user_roles(actor),
        zone=site.zone,
    )
    refuse(
        rules.completion_refusals(
            repair_open=repair.status == Repair.Status.OPEN, charges=charges, doubts=doubts, reason=reason
        )
    )
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
        refuse([rules.completed_already_refusal()])
    repair.status = Repair.Status.COMPLETED
    stamp(repair, actor, now)
    repair.save(update_fields=["status"])
    return completion


def _callback_role_for(actor: User, site: Site) -> Role:
    role = rules.callback_role(user_roles(actor))
    if role is None or not actor.has_perm("service_desk.make_callback"):
        raise PermissionDenied(rules.callback_role_refusal().message)
    require_site_perm(actor, site, "service_desk.make_callback", rules.callback_role_refusal().message)
    return role


@transaction.atomic
def callback_record(
    *,
    completion: Completion,
    actor: User,
    inspected_on_site: bool,
    service_opinion: str,
    suggestions: str,
    charges_checked: bool,
    charges_correct: bool | None,
    satisfied: bool,
    problem: str,
    signature: str,
    now: dt.datetime,
) -> Callback:
    """The callback evaluation form (SVC-CB-4) by a callback role (SVC-CB-2); a failed one sends a written
    rectification notice (SVC-CB-5), a dissatisfied one reopens the work (SVC-CB-1)."""
    site = completion.repair.request.site
    role = _callback_role_for(actor, site)
    repair = _repair_locked(completion.repair)
    refuse(
        rules.callback_refusals(
            role=role,
            roles_called=set(Callback.objects.filter(completion=completion).values_list("role", flat=True)),
            inspected_on_site=inspected_on_site,
            service_opinion=service_opinion,
            charges_checked=charges_checked,
            charges_correct=charges_correct,
            signature=signature,
        )
    )
    assert charges_correct is not None  # refused above when the charges check is left open (SVC-CB-4)
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
        repeat = rules.callback_repeat_refusal(role=role, roles_called={role.value})
        refuse([repeat] if repeat else [])
        raise  # not reached: the role is named as called, so the rule refuses it
    outcome = rules.callback_outcome(satisfied=satisfied, charges_correct=charges_correct, problem=problem)
    if outcome.rectification:
        _issue_rectification(callback, repair, completion, now=now)
    _reopen_round(repair, completion, reopens=outcome.reopens, actor=actor, now=now)
    return callback


def _reopen_round(repair: Repair, completion: Completion, *, reopens: bool, actor: User, now: dt.datetime) -> None:
    """A dissatisfied callback reopens the work of the round it called back, and its request (SVC-CB-1)."""
    if rules.callback_reopens_round(
        reopens=reopens,
        repair_round=repair.round,
        completion_round=completion.round,
        repair_completed=repair.status == Repair.Status.COMPLETED,
    ):
        repair.status = Repair.Status.OPEN
        repair.round += 1
        stamp(repair, actor, now)
        repair.save(update_fields=["status", "round"])
        reopen_request(repair.request_id, actor=actor, now=now)


def _issue_rectification(
    callback: Callback, repair: Repair, completion: Completion, *, now: dt.datetime
) -> RectificationNotice:
    """The written rectification notice of a failed callback, to the repair staff (SVC-CB-5), in each language."""
    site = repair.request.site
    hours = office_settings(site).rectification_hours
    staff_id = rules.rectification_addressee(
        repair_staff_id=repair.repair_staff_id, completed_by_id=completion.completed_by_id
    )

    def notice_text() -> str:  # the rules' sentences again in each language, so each reader reads their own
        return rules.rectification_text(
            outcome=rules.callback_outcome(
                satisfied=callback.satisfied, charges_correct=callback.charges_correct, problem=callback.problem
            ),
            deadline=rules.rectification_deadline(callback_at=now, hours=hours, zone=site.zone),
            problem=callback.problem,
            charges_correct=callback.charges_correct,
        )

    notice = RectificationNotice.objects.create(
        callback=callback,
        site=site,
        addressed_to_id=staff_id,
        issued_at=now,
        due_at=rules.rectification_deadline(callback_at=now, hours=hours, zone=site.zone).due_at,
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
    return notice


@transaction.atomic
def rectification_done(*, notice: RectificationNotice, actor: User, note: str, now: dt.datetime) -> RectificationNotice:
    """The repair staff record what they did about the notice (SVC-CB-5)."""
    require_site_perm(actor, notice.site, "service_desk.work_repairs", _("Only the repair team rectifies."))
    notice = RectificationNotice.objects.select_for_update().get(pk=notice.pk)
    refuse(rules.rectification_refusals(rectified_already=notice.rectified_at is not None, note=note))
    notice.rectified_at = now
    notice.rectified_note = note.strip()
    notice.save(update_fields=["rectified_at", "rectified_note"])
    return notice
