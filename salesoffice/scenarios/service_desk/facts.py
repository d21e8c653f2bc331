"""The service desk's header section and facts for scenario files (docs/scenarios.md). Every fact calls the
desk's own service at the step's instant, as the step's actor."""

from decimal import Decimal

from salesoffice.models import Site
from salesoffice.roles import Role
from service_desk import reminders, services
from service_desk.models import SETTING_FIELDS, DutyShift, OfficeSettings

from ..registry import ScenarioError, fact, setup
from ..world import World
from .common import (
    CALLERS,
    DESK,
    HEAD,
    REPAIRERS,
    SIGNATURE,
    _complaint,
    _open_notice,
    _optional_instant,
    _repair,
    _request,
)

# --- setup -------------------------------------------------------------------------------------------------------


@setup("office")
def office(
    world: World,
    *,
    reply_hours: int = 24,
    complaint_hours: int = 72,
    major_complaint_hours: int = 24,
    callback_days_safety: int = 2,
    callback_days_water: int = 3,
    callback_days_other: int = 7,
    rectification_hours: int = 24,
    reminder_hours: int = 2,
    rate_director: int = 10,
    rate_administrator: int = 30,
    rate_repair_lead: int = 60,
    complaint_callback_days_major: int = 1,
    complaint_callback_days_minor: int = 3,
):
    """The site is a property-service office with these settings (defaults as RULES.md says)."""
    values = dict(locals())
    Site.objects.filter(pk=world.site.pk).update(kind=Site.Kind.PROPERTY_OFFICE)
    world.site.kind = Site.Kind.PROPERTY_OFFICE
    OfficeSettings.objects.update_or_create(site=world.site, defaults={k: int(values[k]) for k in SETTING_FIELDS})


@fact("service_request", actor=DESK)
def service_request(
    world: World,
    *,
    kind: str,
    name: str = "Resident",
    content: str = "A request",
    channel: str = "in_person",
    phone: str = "",
    address: str = "",
    important: bool = False,
    category: str = "",
    severity: str = "minor",
    other_organisation: str = "",
    appointment=None,
    repair_staff=None,
):
    """Any request registered at the desk; the actor is its first-contact owner (SVC-FIRST-1, SVC-REP-1, -COMP-1)."""
    return services.request_register(
        site=world.site,
        actor=world.actor(),
        kind=str(kind),
        channel=str(channel),
        requester_name=str(name),
        content=str(content),
        phone=str(phone),
        address=str(address),
        important=bool(important),
        category=str(category),
        severity=str(severity),
        other_organisation=str(other_organisation),
        appointment=_optional_instant(world, appointment),
        repair_staff=None if repair_staff is None else world.person(repair_staff),
        now=world.now,
    )


@fact("route", actor=DESK)
def route(world: World, *, request, department: str, assignee=None):
    """Send to the responsible department (SVC-FIRST-1): an assignee added, the owner kept."""
    return services.request_route(
        item=_request(world, request),
        actor=world.actor(),
        department=str(department),
        assignee=None if assignee is None else world.person(assignee),
        now=world.now,
    )


@fact("change_owner", actor=HEAD)
def change_owner(world: World, *, request, to):
    """Try to hand a request to someone else (SVC-FIRST-1 refuses it)."""
    services.request_change_owner(
        item=_request(world, request), actor=world.actor(), new_owner=world.person(to), now=world.now
    )


@fact("close", shorthand="request", actor=DESK)
def close(world: World, *, request, reply: str = "Answered", solved: bool = True, not_ours: bool = False):
    """Reply to the resident and close (SVC-FIRST-1, SVC-VIS-1, SVC-COMP-1); `not_ours: true` is the page's "Not
    our department" choice (refused: a routing)."""
    return services.request_close(
        item=_request(world, request),
        actor=world.actor(),
        reply=str(reply),
        solved=None if not_ours else solved,
        not_ours=not_ours,
        now=world.now,
    )


@fact("corrective_action", actor=HEAD)
def corrective_action(world: World, *, complaint, action: str, responsible, due):
    """The office head's corrective action for a major complaint (SVC-COMP-1)."""
    return services.complaint_set_action(
        complaint=_complaint(world, complaint),
        actor=world.actor(),
        corrective_action=str(action),
        responsible=world.person(responsible),
        due_at=world.instant(due),
        now=world.now,
    )


@fact("inspection", actor=DESK)
def inspection(world: World, *, complaint, findings: str, report: str):
    """An on-site inspection with its corrective-action report (SVC-COMP-1)."""
    return services.complaint_inspect(
        complaint=_complaint(world, complaint),
        actor=world.actor(),
        findings=str(findings),
        corrective_report=str(report),
        now=world.now,
    )


@fact("liaison", actor=DESK)
def liaison(world: World, *, complaint, text: str):
    """Explanation, apology and liaison with another organisation (SVC-COMP-1)."""
    return services.complaint_liaise(
        complaint=_complaint(world, complaint), actor=world.actor(), liaison=str(text), now=world.now
    )


@fact("sign_off", actor=DESK)
def sign_off(world: World, *, complaint, result: str = "Resolved", resolved: bool = True):
    """The resolver records the result and signs it off (SVC-COMP-1); `resolved: false` (a non-result) is refused."""
    return services.complaint_sign_off(
        complaint=_complaint(world, complaint),
        actor=world.actor(),
        resolution=str(result),
        resolved=resolved,
        now=world.now,
    )


@fact("complaint_callback", actor=DESK)
def complaint_callback(
    world: World,
    *,
    complaint,
    satisfied: bool = True,
    suggestions: str = "",
    reopen: bool = False,
    explanation: str = "",
):
    """The resident called back after the complaint's result (SVC-CB-1)."""
    return services.complaint_callback_record(
        complaint=_complaint(world, complaint),
        actor=world.actor(),
        suggestions=str(suggestions),
        satisfied=satisfied,
        reopen=reopen,
        explanation=str(explanation),
        now=world.now,
    )


@fact("missed_appointment", actor=REPAIRERS)
def missed_appointment(
    world: World, *, repair, reason: str = "", told: str = "", notice: str = "", new_appointment=None
):
    """The repair could not be done at the appointment: reason, notice to the resident, new time (SVC-REP-2)."""
    return services.repair_reschedule(
        repair=_repair(world, repair),
        actor=world.actor(),
        reason=str(reason),
        notice_method=str(told),
        notice_text=str(notice),
        new_at=_optional_instant(world, new_appointment),
        now=world.now,
    )


@fact("repair_done", shorthand="repair", actor=REPAIRERS)
def repair_done(world: World, *, repair, work: str = "Repaired", charges="0", reason: str = ""):
    """The repair is completed; its callback falls due (SVC-CB-3). `reason` confirms a completion before the
    appointment or by someone who does not repair (SVC-REP-1)."""
    return services.repair_complete(
        repair=_repair(world, repair),
        actor=world.actor(),
        work_done=str(work),
        charges=Decimal(str(charges)),
        reason=str(reason),
        now=world.now,
    )


@fact("callback", shorthand="repair", actor=CALLERS)
def callback(
    world: World,
    *,
    repair,
    satisfied: bool = True,
    problem: str = "",
    charges_correct: bool = True,
    inspected: bool = True,
    opinion: str = "Polite and tidy",
    suggestions: str = "",
    charges_checked: bool = True,
    signature: bool = True,
):
    """The callback evaluation form of the repair's latest completion (SVC-CB-1..5)."""
    found = _repair(world, repair)
    completion = found.completions.order_by("-round").first()
    if completion is None:
        raise ScenarioError(f"callback: '{repair}' has not been completed")
    completion.repair = found
    return services.callback_record(
        completion=completion,
        actor=world.actor(),
        inspected_on_site=inspected,
        service_opinion=str(opinion),
        suggestions=str(suggestions),
        charges_checked=charges_checked,
        charges_correct=charges_correct,
        satisfied=satisfied,
        problem=str(problem),
        signature=SIGNATURE if signature else "",
        now=world.now,
    )


@fact("rectified", actor=REPAIRERS)
def rectified(world: World, *, repair, note: str = "Put right"):
    """The repair staff record what they did about the repair's open rectification notice (SVC-CB-5)."""
    notice = _open_notice(world, repair)
    if notice is None:
        raise ScenarioError(f"rectified: '{repair}' has no open rectification notice")
    return services.rectification_done(notice=notice, actor=world.actor(), note=str(note), now=world.now)


@fact("duty_shift", actor=(Role.OFFICE_DIRECTOR, Role.ADMINISTRATOR))
def duty_shift(world: World, *, person, kind: str, starts, ends, phone: str):
    """Schedule holiday, noon or night duty (SVC-DUTY-1)."""
    return services.duty_shift_add(
        site=world.site,
        actor=world.actor(),
        person=world.person(person),
        kind=str(kind),
        starts_at=world.instant(starts),
        ends_at=world.instant(ends),
        duty_phone=str(phone),
        now=world.now,
    )


def _current_shift(world: World, person):

    shift = DutyShift.objects.filter(
        site=world.site, person=world.person(person), starts_at__lte=world.now, ends_at__gt=world.now
    ).first()
    if shift is None:
        raise ScenarioError(f"{person} is on no duty shift at {world.now:%Y-%m-%d %H:%M}")
    return shift


@fact("duty_out", actor=())
def duty_out(world: World, *, person, reason: str = "", forwarded_to: str = "", radio: bool = False):
    """The person on duty leaves the post: phone forwarded, radio carried (SVC-DUTY-1). Done by the person."""
    actor = world.person(world.step.by) if world.step.by else world.person(person)
    return services.duty_go_out(
        shift=_current_shift(world, person),
        actor=actor,
        reason=str(reason),
        forwarded_to=str(forwarded_to),
        radio=radio,
        now=world.now,
    )


@fact("duty_back", shorthand="person", actor=())
def duty_back(world: World, *, person):
    """Back at the post (SVC-DUTY-1)."""
    return services.duty_back(shift=_current_shift(world, person), actor=world.person(person), now=world.now)


@fact("change_settings", actor=HEAD)
def change_settings(
    world: World,
    *,
    reply_hours: int | None = None,
    complaint_hours: int | None = None,
    major_complaint_hours: int | None = None,
    callback_days_safety: int | None = None,
    callback_days_water: int | None = None,
    callback_days_other: int | None = None,
    rectification_hours: int | None = None,
    reminder_hours: int | None = None,
    rate_director: int | None = None,
    rate_administrator: int | None = None,
    rate_repair_lead: int | None = None,
    complaint_callback_days_major: int | None = None,
    complaint_callback_days_minor: int | None = None,
):
    """The office director changes settings; deadlines already set stay as they were."""
    given = {k: int(v) for k, v in locals().items() if k in SETTING_FIELDS and v is not None}
    return services.settings_update(site=world.site, actor=world.actor(), values=given, now=world.now)


@fact("deadline_job")
def deadline_job(world: World):
    """The scheduler's deadline job runs now (reminders before, escalations after)."""
    reminders.deadline_notifications(now=world.now)


@fact("monthly_rates_job")
def monthly_rates_job(world: World):
    """The scheduler's monthly callback-rate job runs now (SVC-CB-2)."""
    reminders.monthly_rate_notifications(now=world.now)
