"""The service desk's facts and expectations for scenario files (docs/scenarios.md, framework in
salesoffice/scenarios/). Every fact calls service_desk's own service at the step's instant, as the step's actor;
every expectation reads the stored deadlines, the selectors or the rules, as the pages do."""

import datetime as dt
from decimal import Decimal

from salesoffice.models import Notification, Site
from salesoffice.roles import Role
from salesoffice.timeutil import end_of_day
from service_desk import reminders, rules, selectors, services
from service_desk.models import (
    SETTING_FIELDS,
    Complaint,
    DutyShift,
    OfficeSettings,
    RectificationNotice,
    Repair,
    ServiceRequest,
)

from .registry import Check, ScenarioError, expect, fact, same, setup
from .world import World

DESK = (Role.SERVICE_DESK_STAFF, Role.ADMINISTRATOR, Role.OFFICE_DIRECTOR)
REPAIRERS = (Role.REPAIR_STAFF, Role.REPAIR_LEAD)
CALLERS = (Role.REPAIR_LEAD, Role.ADMINISTRATOR, Role.OFFICE_DIRECTOR)
HEAD = (Role.OFFICE_DIRECTOR,)
# A drawn signature as the pad posts it (a PNG data URL); `signature: false` in a file leaves it out.
SIGNATURE = "data:image/png;base64," + "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk" * 2


# --- helpers -----------------------------------------------------------------------------------------------------


def _request(world: World, name) -> ServiceRequest:
    item = world.get(name, ServiceRequest)
    item.site = world.site
    return item


def _of_kind(world: World, name, kind: str, model):
    """The repair or complaint of the request the file named `name`."""
    item = _request(world, name)
    if item.kind != kind:
        raise ScenarioError(f"'{name}' is a {item.kind}, not a {kind}")
    found = model.objects.select_related("request").get(request=item)
    found.request.site = world.site
    return found


def _repair(world: World, name) -> Repair:
    return _of_kind(world, name, ServiceRequest.Kind.REPAIR, Repair)


def _complaint(world: World, name) -> Complaint:
    return _of_kind(world, name, ServiceRequest.Kind.COMPLAINT, Complaint)


def _optional_instant(world: World, value) -> dt.datetime | None:
    return None if value is None else world.instant(value)


def _shown_instant(world: World, instant: dt.datetime | None) -> str | None:
    if instant is None:
        return None
    local = instant.astimezone(world.zone)
    if local == end_of_day(local.date(), world.zone):
        return f"end of {local:%Y-%m-%d}"
    return f"{local:%Y-%m-%d %H:%M}"


def _expected_instant(world: World, value) -> str | None:
    """`2026-03-03 10:00`, or `end of 2026-03-05` (the last instant of that day), as written."""
    if value is None or str(value) == "nobody":
        return None
    text = str(value).strip()
    if text.startswith("end of "):
        return text
    return _shown_instant(world, world.instant(text))


def _mapping(name: str, expected) -> dict:
    if not isinstance(expected, dict):
        raise ScenarioError(f"{name}: is a mapping of named requests, e.g. {{r1: ...}}")
    return expected


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


# --- facts -------------------------------------------------------------------------------------------------------


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


def _open_notice(world: World, repair) -> RectificationNotice | None:
    found = _repair(world, repair)
    notice = RectificationNotice.objects.filter(callback__completion__repair=found).order_by("-issued_at").first()
    if notice is not None:
        notice.site = world.site
    return notice


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


# --- expectations -------------------------------------------------------------------------------------------------


@expect("first_contact_owner")
def first_contact_owner(world: World, expected) -> list[Check]:
    """{request: person}: who owns the request (SVC-FIRST-1)."""
    return [
        same(f"{name} first-contact owner", str(who), world.handle(_request(world, name).owner_id))
        for name, who in _mapping("first_contact_owner", expected).items()
    ]


@expect("assignee")
def assignee(world: World, expected) -> list[Check]:
    """{request: person or nobody}: who the request was routed to."""
    checks = []
    for name, who in _mapping("assignee", expected).items():
        item = _request(world, name)
        checks.append(
            same(f"{name} assignee", None if who in (None, "nobody") else str(who), world.handle(item.assignee_id))
        )
    return checks


def _deadline_check(world: World, what: str, expected, read) -> list[Check]:
    return [
        same(f"{name} {what}", _expected_instant(world, value), _shown_instant(world, read(name)))
        for name, value in _mapping(what.replace(" ", "_"), expected).items()
    ]


@expect("reply_due")
def reply_due(world: World, expected) -> list[Check]:
    """{request: instant}: the stored reply deadline (SVC-FIRST-1)."""
    return _deadline_check(world, "reply due", expected, lambda n: _request(world, n).reply_due_at)


@expect("complaint_due")
def complaint_due(world: World, expected) -> list[Check]:
    """{complaint: instant}: the complaint's deadline (SVC-COMP-1)."""
    return _deadline_check(world, "complaint due", expected, lambda n: _complaint(world, n).due_at)


@expect("complaint_callback_due")
def complaint_callback_due(world: World, expected) -> list[Check]:
    """{complaint: `end of YYYY-MM-DD` or nobody}: when the resident is to be called back (SVC-CB-1)."""
    return _deadline_check(world, "complaint callback due", expected, lambda n: _complaint(world, n).callback_due_at)


@expect("complaint_signed_off")
def complaint_signed_off(world: World, expected) -> list[Check]:
    """{complaint: true/false}: whether the result stands signed off (a reopened complaint's does not)."""
    return [
        same(f"{name} signed off", bool(value), _complaint(world, name).signed_off_at is not None)
        for name, value in _mapping("complaint_signed_off", expected).items()
    ]


def _latest_completion(world: World, name):
    return _repair(world, name).completions.order_by("-round").first()


@expect("callback_due")
def callback_due(world: World, expected) -> list[Check]:
    """{repair: `end of YYYY-MM-DD`}: the latest completion's callback deadline (SVC-CB-3)."""

    def read(name):
        completion = _latest_completion(world, name)
        return completion.callback_due_at if completion else None

    return _deadline_check(world, "callback due", expected, read)


@expect("explains")
def explains(world: World, expected) -> list[Check]:
    """{request: text}: the deadline sentence the item's page shows contains the text (with its rule ID)."""
    checks = []
    for name, text in _mapping("explains", expected).items():
        item = selectors.item_detail(site=world.site, item_id=_request(world, name).pk)
        sentences = [item.reply_explanation, getattr(item, "complaint_explanation", "")]
        sentences.append(getattr(item, "complaint_callback_explanation", ""))
        sentences += [c.explanation for c in item.completions]
        sentences += [cb.notice.text_in("en") for c in item.completions for cb in c.cbs if cb.notice]
        found = next((s for s in sentences if str(text) in str(s)), None)
        checks.append(Check(f"{name} explains", found is not None, str(text), " | ".join(map(str, sentences))))
    return checks


@expect("rectification")
def rectification(world: World, expected) -> list[Check]:
    """{repair: {to, due, rectified, says, never} or none}: the repair's latest written rectification notice
    (SVC-CB-5); `says`/`never`: a text its sentence must / must not contain."""
    checks = []
    for name, spec in _mapping("rectification", expected).items():
        notice = _open_notice(world, name)
        if spec in (None, "none", False):
            checks.append(same(f"{name} rectification notice", None, None if notice is None else "a notice"))
            continue
        if notice is None:
            checks.append(Check(f"{name} rectification notice", False, "a notice", "none"))
            continue
        if "to" in spec:
            checks.append(same(f"{name} notice to", str(spec["to"]), world.handle(notice.addressed_to_id)))
        if "due" in spec:
            checks.append(
                same(f"{name} notice due", _expected_instant(world, spec["due"]), _shown_instant(world, notice.due_at))
            )
        if "rectified" in spec:
            checks.append(same(f"{name} rectified", bool(spec["rectified"]), notice.rectified_at is not None))
        if "says" in spec:
            text = str(spec["says"])
            checks.append(Check(f"{name} notice says", text in notice.text_in("en"), text, notice.text_in("en")))
        if "never" in spec:
            text = str(spec["never"])
            shown = notice.text_in("en")
            checks.append(Check(f"{name} notice never says", text not in shown, f"not {text!r}", shown))
    return checks


@expect("repair")
def repair_state(world: World, expected) -> list[Check]:
    """{repair: {status, round, appointments, callback_role}}: the repair's state and its whole history."""
    checks = []
    for name, spec in _mapping("repair", expected).items():
        found = _repair(world, name)
        if "status" in spec:
            checks.append(same(f"{name} status", str(spec["status"]), found.status))
        if "round" in spec:
            checks.append(same(f"{name} round", int(spec["round"]), found.round))
        if "appointments" in spec:
            got = [_shown_instant(world, a.scheduled_for) for a in found.appointments.order_by("made_at", "pk")]
            checks.append(
                same(f"{name} appointments", [_expected_instant(world, a) for a in spec["appointments"]], got)
            )
        if "notices" in spec:
            got = [a.notice_method for a in found.appointments.order_by("made_at", "pk") if a.replaces_id]
            checks.append(same(f"{name} notices to the resident", list(spec["notices"]), got))
        if "completions" in spec:
            checks.append(same(f"{name} completions", int(spec["completions"]), found.completions.count()))
    return checks


@expect("closed_by")
def closed_by(world: World, expected) -> list[Check]:
    """{request: person or nobody}: who recorded and signed the answer or result that closed it (SVC-FIRST-1);
    nobody while it is open."""
    checks = []
    for name, who in _mapping("closed_by", expected).items():
        item = _request(world, name)
        wanted = None if who in (None, "nobody") else str(who)
        checks.append(same(f"{name} closed by", wanted, world.handle(item.closed_by_id)))
    return checks


@expect("timeline")
def timeline(world: World, expected) -> list[Check]:
    """{request: ["what by who at HH:MM" ...]}: the item's whole story as its page shows it, oldest first; each
    entry reads `<what> by <person>` (or `<what>` when the record names nobody) `at <YYYY-MM-DD HH:MM>`."""
    checks = []
    for name, wanted in _mapping("timeline", expected).items():
        item = selectors.item_detail(site=world.site, item_id=_request(world, name).pk)
        got = []
        for entry in item.timeline:
            who = f" by {world.handle(entry.who)}" if entry.who is not None else ""
            got.append(f"{entry.what}{who} at {entry.at.astimezone(world.zone):%Y-%m-%d %H:%M}")
        checks.append(same(f"{name} timeline", [str(w) for w in (wanted or [])], got))
    return checks


@expect("callbacks")
def callbacks(world: World, expected) -> list[Check]:
    """{repair: [{who, role, state}]}: the callbacks of the repair's latest completion as its page shows them, in
    order: who made each, the role it counts for (SVC-CB-2) and `on_time` or `late` against SVC-CB-3's deadline."""
    checks = []
    for name, specs in _mapping("callbacks", expected).items():
        item = selectors.item_detail(site=world.site, item_id=_request(world, name).pk)
        made = item.completions[-1].cbs if item.completions else []
        got = [{"who": world.handle(cb.made_by_id), "role": cb.role, "state": cb.state} for cb in made]
        wanted = [dict(spec) for spec in (specs or [])]
        shown = [{k: g[k] for k in w} for g, w in zip(got, wanted, strict=False)] + got[len(wanted) :]
        checks.append(same(f"{name} callbacks", wanted, shown))
    return checks


@expect("open_items")
def open_items(world: World, expected) -> list[Check]:
    """{person: [requests]}: the person's open items on the desk, soonest deadline first (SVC-FIRST-1)."""
    checks = []
    for handle, names in _mapping("open_items", expected).items():
        items = selectors.my_open_items(site=world.site, user=world.person(handle))
        got = [world.name_of(i) for i in items]
        checks.append(same(f"{handle}'s open items", list(names or []), got))
    return checks


@expect("reply_state")
def reply_state(world: World, expected) -> list[Check]:
    """{request: open|due_soon|overdue|on_time|late}: the reply against its deadline at the step's instant."""
    settings = selectors.settings_of(world.site)
    checks = []
    for name, state in _mapping("reply_state", expected).items():
        item = _request(world, name)
        got = rules.deadline_state(
            due_at=item.reply_due_at, done_at=item.replied_at, now=world.now, remind_hours=settings.reminder_hours
        )
        checks.append(same(f"{name} reply", str(state), got))
    return checks


@expect("on_call")
def on_call(world: World, expected) -> Check:
    """[numbers]: who the desk shows to call now (SVC-DUTY-1); [] when nobody is on duty."""
    board = selectors.duty_board(site=world.site, now=world.now)
    return same("on call", [str(n) for n in (expected or [])], [call.call for _shift, call in board.now_on_duty])


@expect("notified")
def notified(world: World, expected) -> list[Check]:
    """{person: {kind: count}}: notifications the person received, by kind (reminders, escalations, notices)."""
    checks = []
    for handle, kinds in _mapping("notified", expected).items():
        user = world.person(handle)
        for kind, count in (kinds or {}).items():
            got = Notification.objects.filter(recipient=user, kind=kind).count()
            checks.append(same(f"{handle} notified {kind}", int(count), got))
    return checks


@expect("compliance")
def compliance(world: World, expected) -> list[Check]:
    """{month: YYYY-MM, role: "30.0% met" or "20.0% below"}: SVC-CB-2 for that month."""
    spec = dict(_mapping("compliance", expected))
    try:
        year, month = (int(p) for p in str(spec.pop("month")).split("-"))
    except (KeyError, ValueError) as exc:
        raise ScenarioError("compliance: needs month: YYYY-MM") from exc
    rates = {r.role.value: r for r in selectors.callback_rates_for_month(site=world.site, year=year, month=month)}
    checks = []
    for role, text in spec.items():
        key = str(role).replace(" ", "_")
        if key not in rates:
            raise ScenarioError(f"compliance: {role} is not a callback role ({', '.join(rates)})")
        rate = rates[key]
        got = f"{rate.rate}% {'met' if rate.compliant else 'below'}"
        checks.append(same(f"{role} callback rate {year}-{month:02d}", str(text), got))
    return checks
