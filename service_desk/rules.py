"""Part 4 of the regulations (SVC-*) as pure functions: facts and an instant in, a decision and a sentence citing the
rule out. Services, views, tasks and the scenario runner all ask here; nothing else re-derives a deadline."""

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import formats
from django.utils.translation import gettext as _

from salesoffice import money
from salesoffice.phones import INVALID_MESSAGE as INVALID_PHONE
from salesoffice.phones import is_valid_phone
from salesoffice.roles import Role
from salesoffice.timeutil import end_of_day, local_day

# The callback roles of SVC-CB-2, in the order a person holding several is counted.
CALLBACK_ROLES = (Role.OFFICE_DIRECTOR, Role.ADMINISTRATOR, Role.REPAIR_LEAD)
SIGNATURE_PREFIX = "data:image/png;base64,"
SIGNATURE_MAX_CHARS = 400_000
_BASE64 = re.compile(r"^[A-Za-z0-9+/]+={0,2}$")


@dataclass(frozen=True)
class Deadline:
    due_at: dt.datetime
    rule_id: str
    explanation: str


@dataclass(frozen=True)
class Refusal:
    """A rule says no: `field` names the form field the message belongs next to (None: the whole form)."""

    rule_id: str
    message: str
    field: str | None = None


def _when(instant: dt.datetime, zone: ZoneInfo) -> str:
    return formats.date_format(instant.astimezone(zone), "Y-m-d H:i")


def _day(day: dt.date) -> str:
    return formats.date_format(day, "Y-m-d")


# --- deadlines ---------------------------------------------------------------------------------------------------


def reply_deadline(*, registered_at: dt.datetime, reply_hours: int, zone: ZoneInfo) -> Deadline:
    """SVC-FIRST-1: the owner replies within the office's limit, counted from registration."""
    due = registered_at + dt.timedelta(hours=reply_hours)
    return Deadline(
        due,
        "SVC-FIRST-1",
        _("SVC-FIRST-1: the first-contact owner replies within %(hours)s hours, by %(due)s.")
        % {"hours": reply_hours, "due": _when(due, zone)},
    )


def complaint_deadline(*, registered_at: dt.datetime, major: bool, hours: int, zone: ZoneInfo) -> Deadline:
    """SVC-COMP-1: the responsible department resolves the complaint within the limit for its severity."""
    due = registered_at + dt.timedelta(hours=hours)
    text = (
        _("SVC-COMP-1: a major complaint, reported to the office head; resolve within %(hours)s hours, by %(due)s.")
        if major
        else _("SVC-COMP-1: resolve within %(hours)s hours, by %(due)s.")
    )
    return Deadline(due, "SVC-COMP-1", text % {"hours": hours, "due": _when(due, zone)})


def callback_days(category: str, *, safety: int, water: int, other: int) -> int:
    return {"safety": safety, "water": water}.get(category, other)


def callback_deadline(*, completed_at: dt.datetime, category: str, days: int, zone: ZoneInfo) -> Deadline:
    """SVC-CB-3: "within N days" ends with the N-th calendar day after the day of completion (site zone)."""
    day = local_day(completed_at, zone) + dt.timedelta(days=days)
    labels = {"safety": _("safety facility"), "water": _("water leak"), "other": _("other repair")}
    return Deadline(
        end_of_day(day, zone),
        "SVC-CB-3",
        _("SVC-CB-3: %(category)s, callback due by the end of %(day)s (%(days)s days after completion).")
        % {"category": labels.get(category, labels["other"]), "day": _day(day), "days": days},
    )


def complaint_callback_deadline(*, signed_off_at: dt.datetime, major: bool, days: int, zone: ZoneInfo) -> Deadline:
    """SVC-CB-1: the resident is called back after the complaint is resolved, sooner for a major one; "within N days"
    ends with the N-th calendar day after the sign-off (office time zone), as SVC-CB-3 reads it."""
    day = local_day(signed_off_at, zone) + dt.timedelta(days=days)
    text = (
        _("SVC-CB-1: major complaint, call the resident back by the end of %(day)s.")
        if major
        else _("SVC-CB-1: call the resident back by the end of %(day)s.")
    )
    return Deadline(end_of_day(day, zone), "SVC-CB-1", text % {"day": _day(day)})


def complaint_callback_refusal(*, satisfied: bool, reopen: bool, explanation: str) -> Refusal | None:
    """SVC-CB-1: dissatisfaction leads to rectification (the work reopened) or an explanation when it cannot be
    fixed at once."""
    if not satisfied and not reopen and len(explanation.strip()) < 10:
        return Refusal(
            "SVC-CB-1",
            _("SVC-CB-1: the resident is not satisfied: reopen the work, or explain why it cannot be fixed at once."),
            "explanation",
        )
    return None


def rectification_deadline(*, callback_at: dt.datetime, hours: int, zone: ZoneInfo) -> Deadline:
    """SVC-CB-5: the repair staff rectify within 24 hours of the callback being recorded."""
    due = callback_at + dt.timedelta(hours=hours)
    return Deadline(
        due,
        "SVC-CB-5",
        _("SVC-CB-5: written rectification notice to the repair staff, due within %(hours)s hours, by %(due)s.")
        % {"hours": hours, "due": _when(due, zone)},
    )


class State:
    OPEN = "open"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    ON_TIME = "on_time"
    LATE = "late"


def deadline_state(*, due_at: dt.datetime, done_at: dt.datetime | None, now: dt.datetime, remind_hours: int) -> str:
    """Where an item stands against its deadline at `now`. The deadline instant itself is still on time."""
    if done_at is not None and done_at <= now:
        return State.ON_TIME if done_at <= due_at else State.LATE
    if now > due_at:
        return State.OVERDUE
    if now >= due_at - dt.timedelta(hours=remind_hours):
        return State.DUE_SOON
    return State.OPEN


def callback_timeliness(*, made_at: dt.datetime, due_at: dt.datetime) -> str:
    """SVC-CB-3: a callback made by its deadline's last instant is on time, after it late, as the monthly report
    counts it (the repair page shows the same)."""
    return State.ON_TIME if made_at <= due_at else State.LATE


# --- registration and the first-contact owner --------------------------------------------------------------------


def phone_refusals(phone: str, *, rule_id: str, field: str) -> list[Refusal]:
    """A phone typed at the desk is checked by the one validator; blank is for the caller to require or not."""
    if phone.strip() and not is_valid_phone(phone):
        return [Refusal(rule_id, str(INVALID_PHONE), field)]
    return []


def registration_refusals(
    *, kind: str, phone: str, address: str, appointment: dt.datetime | None, now: dt.datetime
) -> list[Refusal]:
    """SVC-REP-1: a repair needs the resident's phone, address and an appointment that is not in the past. A
    phone given with any request must be a phone (salesoffice.phones)."""
    refusals = phone_refusals(phone, rule_id="SVC-REP-1" if kind == "repair" else "SVC-FIRST-1", field="phone")
    if kind != "repair":
        return refusals
    if not phone.strip():
        refusals.append(Refusal("SVC-REP-1", _("SVC-REP-1: a repair needs the resident's phone."), "phone"))
    if not address.strip():
        refusals.append(Refusal("SVC-REP-1", _("SVC-REP-1: a repair needs the address."), "address"))
    missing = Refusal("SVC-REP-1", _("SVC-REP-1: a repair needs an appointment."), "appointment")
    return refusals + _appointment_refusals(appointment, now=now, missing=missing)


def _appointment_refusals(scheduled_for: dt.datetime | None, *, now: dt.datetime, missing: Refusal) -> list[Refusal]:
    """An appointment must be given (`missing` says so next to its field) and not in the past."""
    if scheduled_for is None:
        return [missing]
    refusal = appointment_refusal(scheduled_for, now=now, field=missing.field)
    return [refusal] if refusal else []


def appointment_refusal(scheduled_for: dt.datetime, *, now: dt.datetime, field: str) -> Refusal | None:
    if scheduled_for < now:
        return Refusal("SVC-REP-1", _("SVC-REP-1: an appointment cannot be in the past."), field)
    return None


def owner_change_refusal() -> Refusal:
    """SVC-FIRST-1: the first person who received the request owns it until it is closed; nobody deflects it."""
    return Refusal(
        "SVC-FIRST-1",
        _(
            "SVC-FIRST-1: the first-contact owner cannot be changed; route the request to a department instead "
            "(the owner keeps following it up)."
        ),
        "owner",
    )


def close_refusals(*, kind: str, reply: str, solved: bool | None, signed_off: bool) -> list[Refusal]:
    """What closing needs: a reply to the resident (SVC-FIRST-1), the reason when a request cannot be solved
    (SVC-VIS-1), the resolver's sign-off for a complaint (SVC-COMP-1)."""
    refusals = []
    if not reply.strip():
        refusals.append(Refusal("SVC-FIRST-1", _("SVC-FIRST-1: record the reply given to the resident."), "reply"))
    if solved is None:
        refusals.append(Refusal("SVC-VIS-1", _("SVC-VIS-1: say whether the request was solved."), "solved"))
    if kind == "complaint" and not signed_off:
        refusals.append(
            Refusal("SVC-COMP-1", _("SVC-COMP-1: a complaint is closed only after the resolver signs off the result."))
        )
    return refusals


def deflection_refusals(*, kind: str, solved: bool | None, not_ours: bool, closer_is_owner: bool) -> list[Refusal]:
    """SVC-FIRST-1 (Decision): a request closes only with an answer or a result recorded and signed by the person
    who resolved it. "Not our department" is a routing to the responsible department or organisation, never a close;
    and when it cannot be solved, the first-contact owner (who keeps following it up) tells the resident why, not an
    assignee handing it back. SVC-COMP-1: a complaint closes on its result, never on "not solved"."""
    if not_ours:
        return [
            Refusal(
                "SVC-FIRST-1",
                _(
                    'SVC-FIRST-1: "not our department" is not a close: route the request to the responsible '
                    "department or organisation; the first-contact owner keeps following it up until the answer or "
                    "result is recorded."
                ),
                "solved",
            )
        ]
    if solved is not False:
        return []
    if kind == "complaint":
        return [
            Refusal(
                "SVC-COMP-1",
                _("SVC-COMP-1: a complaint closes only on its result, signed off by the person who resolved it."),
                "solved",
            )
        ]
    if not closer_is_owner:
        return [
            Refusal(
                "SVC-FIRST-1",
                _(
                    "SVC-FIRST-1: record the answer or the result you reached; if it is not your department, route "
                    "it on. Only the first-contact owner closes a request that cannot be solved, telling the resident "
                    "why."
                ),
                "solved",
            )
        ]
    return []


def sign_off_refusals(*, resolution: str, resolved: bool | None) -> list[Refusal]:
    """SVC-COMP-1 (Decision): the result is recorded and signed off by the person who resolved it; a non-result
    ("not ours", "could not be done") is never signed off: the complaint stays open with its department."""
    refusals = []
    if not resolution.strip():
        refusals.append(Refusal("SVC-COMP-1", _("Record the result."), "resolution"))
    if resolved is None:
        refusals.append(Refusal("SVC-COMP-1", _("SVC-COMP-1: say whether the complaint was resolved."), "resolved"))
    elif not resolved:
        refusals.append(
            Refusal(
                "SVC-COMP-1",
                _(
                    "SVC-COMP-1: only a result is signed off. A complaint that is not resolved stays open: route it "
                    "to the responsible department, or record the corrective action."
                ),
                "resolved",
            )
        )
    return refusals


def unsolved_needs_reason(*, solved: bool | None, reply: str) -> Refusal | None:
    if solved is False and len(reply.strip()) < 10:
        return Refusal(
            "SVC-VIS-1",
            _("SVC-VIS-1: explain to the resident why it cannot be solved (at least 10 characters)."),
            "reply",
        )
    return None


# --- repairs --------------------------------------------------------------------------------------------------


def reschedule_refusals(
    *, reason: str, notice_method: str, notice_text: str, new_at: dt.datetime | None, now: dt.datetime
) -> list[Refusal]:
    """SVC-REP-2: a missed appointment needs its reason, a recorded notice to the resident and a new appointment."""
    refusals = []
    if not reason.strip():
        refusals.append(Refusal("SVC-REP-2", _("SVC-REP-2: say why the appointment was missed."), "reason"))
    if notice_method not in ("phone", "written"):
        refusals.append(
            Refusal(
                "SVC-REP-2", _("SVC-REP-2: record how the resident was told (phone or in writing)."), "notice_method"
            )
        )
    if not notice_text.strip():
        refusals.append(Refusal("SVC-REP-2", _("SVC-REP-2: record what the resident was told."), "notice_text"))
    missing = Refusal("SVC-REP-2", _("SVC-REP-2: make a new appointment."), "new_appointment")
    return refusals + _appointment_refusals(new_at, now=now, missing=missing)


# The roles that repair (SVC-REP-1): anyone else recording a completion is asked to confirm it with a reason.
REPAIR_ROLES = (Role.REPAIR_STAFF, Role.REPAIR_LEAD)


def completion_doubts(
    *, completed_at: dt.datetime, appointment_at: dt.datetime | None, roles: frozenset[str], zone: ZoneInfo
) -> list[str]:
    """SVC-REP-1/2: what makes a completion implausible — recorded before the (current) appointment, or by someone
    who holds no repairing role. Each doubt is a sentence; none means nothing to confirm."""
    doubts = []
    if appointment_at is not None and completed_at < appointment_at:
        doubts.append(
            _("SVC-REP-1: this repair is marked complete before its appointment (%(when)s).")
            % {"when": _when(appointment_at, zone)}
        )
    if not any(role.value in roles for role in REPAIR_ROLES):
        doubts.append(_("SVC-REP-1: this repair is marked complete by someone who does not repair."))
    return doubts


def completion_confirmation_refusal(*, doubts: list[str], reason: str) -> Refusal | None:
    """A doubtful completion is recorded only when confirmed with its reason (at least 10 characters)."""
    if doubts and len(reason.strip()) < 10:
        ask = _("Confirm it with the reason (at least 10 characters).")
        return Refusal("SVC-REP-1", " ".join([*map(str, doubts), str(ask)]), "confirm_reason")
    return None


# --- callbacks ------------------------------------------------------------------------------------------------


def callback_role(roles: frozenset[str]) -> Role | None:
    """SVC-CB-2: the callback role a callback counts for; None when the person holds none."""
    for role in CALLBACK_ROLES:
        if role.value in roles:
            return role
    return None


def callback_role_refusal() -> Refusal:
    return Refusal(
        "SVC-CB-2",
        _("SVC-CB-2: repair callbacks are made by the office director, the administrators or the repair lead."),
    )


def callback_repeat_refusal(*, role: Role, roles_called: set[str]) -> Refusal | None:
    """SVC-CB-2: the office director, an administrator and the repair lead may each call the same repair back, each
    counting for their role; a role calls a completed repair back once (a second one would count it twice)."""
    from salesoffice.roles import ROLE_LABELS

    if role.value in roles_called:
        return Refusal(
            "SVC-CB-2",
            _(
                "SVC-CB-2: this repair was called back already for the role %(role)s; each role calls a repair back "
                "once."
            )
            % {"role": ROLE_LABELS[role]},
        )
    return None


def callback_reopens_round(*, reopens: bool, repair_round: int, completion_round: int, repair_completed: bool) -> bool:
    """SVC-CB-1: a dissatisfied callback reopens the work of the round it called back, once: a second role's
    dissatisfied callback of a round already reopened adds its notice, not another round."""
    return reopens and repair_completed and repair_round == completion_round


def callback_form_refusals(
    *,
    inspected_on_site: bool,
    service_opinion: str,
    charges_checked: bool,
    signature: str,
    charges_correct: bool | None = True,
) -> list[Refusal]:
    """SVC-CB-4: inspection on site, the resident's opinion of the service, the charges check and a signature. The
    charges check is three-way — correct, wrong, not checked — so that a box left empty never reads as "wrong"."""
    refusals = []
    if not inspected_on_site:
        refusals.append(
            Refusal("SVC-CB-4", _("SVC-CB-4: a callback inspects the repair on site."), "inspected_on_site")
        )
    if not service_opinion.strip():
        refusals.append(
            Refusal("SVC-CB-4", _("SVC-CB-4: ask the resident about the repair staff's service."), "service_opinion")
        )
    if not charges_checked:
        refusals.append(Refusal("SVC-CB-4", _("SVC-CB-4: check the charges with the resident."), "charges"))
    elif charges_correct is None:
        refusals.append(
            Refusal("SVC-CB-4", _("SVC-CB-4: say whether the charges were found correct or wrong."), "charges")
        )
    if not signature_is_valid(signature):
        refusals.append(Refusal("SVC-CB-4", _("SVC-CB-4: the resident signs on the screen."), "signature"))
    return refusals


def signature_is_valid(signature: str) -> bool:
    """A PNG data URL, as the signature pad posts it, of a sensible size."""
    if not signature.startswith(SIGNATURE_PREFIX) or len(signature) > SIGNATURE_MAX_CHARS:
        return False
    body = signature[len(SIGNATURE_PREFIX) :]
    return len(body) >= 40 and bool(_BASE64.match(body))


@dataclass(frozen=True)
class CallbackOutcome:
    rectification: bool
    reopens: bool
    explanation: str


def callback_outcome(*, satisfied: bool, charges_correct: bool, problem: str) -> CallbackOutcome:
    """SVC-CB-5: any problem found (the resident dissatisfied, wrong charges, a problem noted) sends a written
    rectification notice; SVC-CB-1: a dissatisfied resident reopens the work."""
    failed = not satisfied or not charges_correct or bool(problem.strip())
    if not failed:
        return CallbackOutcome(False, False, _("SVC-CB-4: callback passed; the resident is satisfied."))
    if not satisfied:
        return CallbackOutcome(
            True, True, _("SVC-CB-1: the resident is not satisfied: the work is reopened, with a rectification notice.")
        )
    return CallbackOutcome(True, False, _("SVC-CB-5: a problem was found: a rectification notice goes to the staff."))


@dataclass(frozen=True)
class RoleRate:
    role: Role
    callbacks: int
    completed: int
    rate: Decimal  # percent, 1 place
    minimum: int
    compliant: bool
    explanation: str


def callback_rates(*, completed: int, callbacks_by_role: dict[str, int], minimums: dict[Role, int]) -> list[RoleRate]:
    """SVC-CB-2: each callback role's callbacks as a share of the month's completed repairs, against its minimum.
    A month with no completed repair asks nothing of anyone."""
    from salesoffice.roles import ROLE_LABELS

    rates = []
    for role in CALLBACK_ROLES:
        count = callbacks_by_role.get(role.value, 0)
        rate = money.rounded(Decimal(count) * 100 / completed, money.RATE_PERCENT) if completed else Decimal("0.0")
        minimum = minimums[role]
        compliant = completed == 0 or rate >= minimum
        params = {
            "role": ROLE_LABELS[role],
            "count": count,
            "completed": completed,
            "rate": rate,
            "minimum": minimum,
        }
        text = (
            _(
                "SVC-CB-2: %(role)s called back %(count)s of %(completed)s completed repairs (%(rate)s%%), minimum "
                "%(minimum)s%%: met."
            )
            if compliant
            else _(
                "SVC-CB-2: %(role)s called back %(count)s of %(completed)s completed repairs (%(rate)s%%), "
                "minimum %(minimum)s%%: below the minimum."
            )
        )
        rates.append(RoleRate(role, count, completed, rate, minimum, compliant, text % params))
    return rates


# --- duty ------------------------------------------------------------------------------------------------------


def outing_refusals(*, forwarded_to: str, radio: bool, reason: str) -> list[Refusal]:
    """SVC-DUTY-1: duty staff who must go out forward the duty phone and carry a radio."""
    refusals = []
    if not reason.strip():
        refusals.append(Refusal("SVC-DUTY-1", _("SVC-DUTY-1: say why you must leave the post."), "reason"))
    if not forwarded_to.strip():
        refusals.append(
            Refusal("SVC-DUTY-1", _("SVC-DUTY-1: forward the duty phone before going out."), "forwarded_to")
        )
    refusals += phone_refusals(forwarded_to, rule_id="SVC-DUTY-1", field="forwarded_to")
    if not radio:
        refusals.append(Refusal("SVC-DUTY-1", _("SVC-DUTY-1: carry a radio when going out."), "radio"))
    return refusals


@dataclass(frozen=True)
class OnDuty:
    person_id: int
    kind: str
    call: str  # the number to call now
    out: bool
    radio: bool
    explanation: str


def who_to_call(*, shifts: list[dict], now: dt.datetime) -> list[OnDuty]:
    """SVC-DUTY-1: who is on duty at `now` and the number that reaches them (the forwarded one while out).
    `shifts`: dicts with person_id, name, kind, starts_at, ends_at, duty_phone and `outing` (or None)."""
    found = []
    for shift in shifts:
        if not shift["starts_at"] <= now < shift["ends_at"]:
            continue
        outing = shift.get("outing")
        if outing and outing["left_at"] <= now and (outing["returned_at"] is None or outing["returned_at"] > now):
            found.append(
                OnDuty(
                    shift["person_id"],
                    shift["kind"],
                    outing["forwarded_to"],
                    True,
                    outing["radio"],
                    _("SVC-DUTY-1: %(name)s is out; the duty phone is forwarded to %(phone)s, radio carried.")
                    % {"name": shift["name"], "phone": outing["forwarded_to"]},
                )
            )
        else:
            found.append(
                OnDuty(
                    shift["person_id"],
                    shift["kind"],
                    shift["duty_phone"],
                    False,
                    False,
                    _("SVC-DUTY-1: %(name)s is on duty at the post: call %(phone)s.")
                    % {"name": shift["name"], "phone": shift["duty_phone"]},
                )
            )
    return found


# --- explanations of stored deadlines (the deadline was computed when the event happened) --------------------------


def explain_reply(due_at: dt.datetime, zone: ZoneInfo) -> str:
    return _("SVC-FIRST-1: the first-contact owner replies to the resident by %(due)s.") % {"due": _when(due_at, zone)}


def explain_complaint(due_at: dt.datetime, zone: ZoneInfo, *, major: bool) -> str:
    if major:
        return _("SVC-COMP-1: major complaint, reported to the office head; resolve by %(due)s.") % {
            "due": _when(due_at, zone)
        }
    return _("SVC-COMP-1: the responsible department resolves it by %(due)s.") % {"due": _when(due_at, zone)}


def explain_callback(category: str, due_at: dt.datetime, zone: ZoneInfo) -> str:
    labels = {"safety": _("safety facility"), "water": _("water leak"), "other": _("other repair")}
    return _("SVC-CB-3: %(category)s, callback due by the end of %(day)s.") % {
        "category": labels.get(category, labels["other"]),
        "day": _day(local_day(due_at, zone)),
    }


def explain_complaint_callback(due_at: dt.datetime, zone: ZoneInfo, *, major: bool) -> str:
    day = _day(local_day(due_at, zone))
    if major:
        return _("SVC-CB-1: major complaint, call the resident back by the end of %(day)s.") % {"day": day}
    return _("SVC-CB-1: call the resident back by the end of %(day)s.") % {"day": day}
