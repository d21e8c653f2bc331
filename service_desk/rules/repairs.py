"""SVC-REP-1/2 and SVC-CB-2..5: a repair's appointments and completion, the callback that follows it (who makes it,
what its form needs, what it finds) and the written rectification notice a failed one sends."""

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from salesoffice import money
from salesoffice.roles import ROLE_LABELS, Role

from .base import Deadline, Refusal, _when, first_only
from .requests import _appointment_refusals

# The callback roles of SVC-CB-2, in the order a person holding several is counted.
CALLBACK_ROLES = (Role.OFFICE_DIRECTOR, Role.ADMINISTRATOR, Role.REPAIR_LEAD)
SIGNATURE_PREFIX = "data:image/png;base64,"
SIGNATURE_MAX_CHARS = 400_000
_BASE64 = re.compile(r"^[A-Za-z0-9+/]+={0,2}$")


def reschedule_refusals(
    *,
    reason: str,
    notice_method: str,
    notice_text: str,
    new_at: dt.datetime | None,
    now: dt.datetime,
    repair_open: bool = True,
) -> list[Refusal]:
    """SVC-REP-2: a missed appointment needs its reason, a recorded notice to the resident and a new appointment;
    a completed repair has no appointment to reschedule.

    Decides: SVC-REP-2.
    """
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
    refusals += _appointment_refusals(new_at, now=now, missing=missing)
    if not repair_open:
        refusals.append(Refusal("SVC-REP-2", _("The repair is completed.")))
    return refusals


# The roles that repair (SVC-REP-1): anyone else recording a completion is asked to confirm it with a reason.
REPAIR_ROLES = (Role.REPAIR_STAFF, Role.REPAIR_LEAD)


def completion_doubts(
    *, completed_at: dt.datetime, appointment_at: dt.datetime | None, roles: frozenset[str], zone: ZoneInfo
) -> list[str]:
    """SVC-REP-1/2: what makes a completion implausible — recorded before the (current) appointment, or by someone
    who holds no repairing role. Each doubt is a sentence; none means nothing to confirm.

    Applies: SVC-REP-1.
    """
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
    """A doubtful completion is recorded only when confirmed with its reason (at least 10 characters).

    Applies: SVC-REP-1.
    """
    if doubts and len(reason.strip()) < 10:
        ask = _("Confirm it with the reason (at least 10 characters).")
        return Refusal("SVC-REP-1", " ".join([*map(str, doubts), str(ask)]), "confirm_reason")
    return None


def completed_already_refusal() -> Refusal:
    """One completion per round (SVC-REP-1): a second one, or one racing the first, is refused.

    Applies: SVC-REP-1.
    """
    return Refusal("SVC-REP-1", _("This repair is completed already."))


def completion_refusals(*, repair_open: bool, charges: Decimal | None, doubts: list[str], reason: str) -> list[Refusal]:
    """Whether a completion may be recorded: an open repair, charges that are not negative, and a doubtful
    completion confirmed with its reason.

    Applies: SVC-REP-1, SVC-CB-4.
    """
    unconfirmed = completion_confirmation_refusal(doubts=doubts, reason=reason)
    return first_only(
        [] if repair_open else [completed_already_refusal()],
        [Refusal("SVC-CB-4", _("Charges cannot be negative."), "charges")] if charges is None or charges < 0 else [],
        [unconfirmed] if unconfirmed else [],
    )


def callback_role(roles: frozenset[str]) -> Role | None:
    """SVC-CB-2: the callback role a callback counts for; None when the person holds none.

    Decides: SVC-CB-2.
    """
    for role in CALLBACK_ROLES:
        if role.value in roles:
            return role
    return None


def callback_role_refusal() -> Refusal:
    """SVC-CB-2: who may make a repair callback.

    Applies: SVC-CB-2.
    """
    return Refusal(
        "SVC-CB-2",
        _("SVC-CB-2: repair callbacks are made by the office director, the administrators or the repair lead."),
    )


def callback_repeat_refusal(*, role: Role, roles_called: set[str]) -> Refusal | None:
    """SVC-CB-2: the office director, an administrator and the repair lead may each call the same repair back, each
    counting for their role; a role calls a completed repair back once (a second one would count it twice).

    Applies: SVC-CB-2.
    """
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
    dissatisfied callback of a round already reopened adds its notice, not another round.

    Applies: SVC-CB-1.
    """
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
    charges check is three-way — correct, wrong, not checked — so that a box left empty never reads as "wrong".

    Applies: SVC-CB-4.
    """
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
    """A PNG data URL, as the signature pad posts it, of a sensible size.

    Decides: SVC-CB-4.
    """
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
    rectification notice; SVC-CB-1: a dissatisfied resident reopens the work.

    Applies: SVC-CB-5, SVC-CB-1.
    """
    failed = not satisfied or not charges_correct or bool(problem.strip())
    if not failed:
        return CallbackOutcome(False, False, _("SVC-CB-4: callback passed; the resident is satisfied."))
    if not satisfied:
        return CallbackOutcome(
            True, True, _("SVC-CB-1: the resident is not satisfied: the work is reopened, with a rectification notice.")
        )
    return CallbackOutcome(True, False, _("SVC-CB-5: a problem was found: a rectification notice goes to the staff."))


def callback_refusals(
    *,
    role: Role,
    roles_called: set[str],
    inspected_on_site: bool,
    service_opinion: str,
    charges_checked: bool,
    charges_correct: bool | None,
    signature: str,
) -> list[Refusal]:
    """Whether a callback may be recorded: its form complete (SVC-CB-4), and not a second one for the same role.

    Applies: SVC-CB-4, SVC-CB-2.
    """
    refusals = callback_form_refusals(
        inspected_on_site=inspected_on_site,
        service_opinion=service_opinion,
        charges_checked=charges_checked,
        charges_correct=charges_correct,
        signature=signature,
    )
    repeat = callback_repeat_refusal(role=role, roles_called=roles_called)
    return refusals + ([repeat] if repeat else [])


def rectification_addressee(*, repair_staff_id: int | None, completed_by_id: int) -> int:
    """The written notice goes to the repair staff assigned, else to whoever recorded the completion.

    Applies: SVC-CB-5.
    """
    return repair_staff_id or completed_by_id


def rectification_text(
    *, outcome: CallbackOutcome, deadline: Deadline, problem: str, charges_correct: bool | None
) -> str:
    """The notice's text: why it was sent, by when to rectify, the problem found and wrong charges."""
    parts = [outcome.explanation, deadline.explanation]
    if problem:
        parts.append(_("Problem found: %(problem)s") % {"problem": problem})
    if charges_correct is False:  # only a check that found them wrong says so (SVC-CB-4, three-way)
        parts.append(_("The charges were found wrong."))
    return "\n".join(str(p) for p in parts)


def rectification_refusals(*, rectified_already: bool, note: str) -> list[Refusal]:
    """The repair staff record what they did about a notice, once.

    Applies: SVC-CB-5.
    """
    return first_only(
        [Refusal("SVC-CB-5", _("This notice is rectified already."))] if rectified_already else [],
        [Refusal("SVC-CB-5", _("Record what was done."), "note")] if not note.strip() else [],
    )


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
    A month with no completed repair asks nothing of anyone.

    Applies: SVC-CB-2.
    """
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
