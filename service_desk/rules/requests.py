"""SVC-FIRST-1, SVC-VIS-1, SVC-REP-1 at the desk: what registering, routing and closing a request need, and who
handles it. The first person who received a request owns it until it is closed; nobody deflects it."""

import datetime as dt

from django.utils.translation import gettext as _

from .base import Refusal, elsewhere_refusal, first_only, phone_refusals

# The kinds whose registration names a category (SVC-COMP-1, SVC-REP-1).
CATEGORISED_KINDS = ("complaint", "repair")


def registration_refusals(
    *, kind: str, phone: str, address: str, appointment: dt.datetime | None, now: dt.datetime
) -> list[Refusal]:
    """SVC-REP-1: a repair needs the resident's phone, address and an appointment that is not in the past. A
    phone given with any request must be a phone (salesoffice.phones).

    Decides: SVC-REP-1.
    Applies: SVC-FIRST-1.
    """
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


def appointment_refusal(scheduled_for: dt.datetime, *, now: dt.datetime, field: str | None) -> Refusal | None:
    """SVC-REP-1: an appointment is not made in the past.

    Applies: SVC-REP-1.
    """
    if scheduled_for < now:
        return Refusal("SVC-REP-1", _("SVC-REP-1: an appointment cannot be in the past."), field)
    return None


def owner_change_refusal() -> Refusal:
    """SVC-FIRST-1: the first person who received the request owns it until it is closed; nobody deflects it.

    Applies: SVC-FIRST-1.
    """
    return Refusal(
        "SVC-FIRST-1",
        _(
            "SVC-FIRST-1: the first-contact owner cannot be changed; route the request to a department instead "
            "(the owner keeps following it up)."
        ),
        "owner",
    )


def request_refusals(
    *,
    kind: str,
    requester_name: str,
    content: str,
    category: str,
    phone: str,
    address: str,
    appointment: dt.datetime | None,
    repair_staff_elsewhere: bool,
    now: dt.datetime,
) -> list[Refusal]:
    """Everything registering a request needs: who asked and what, a category for a complaint or a repair, and a
    repair's phone, address, appointment and staff of this office.

    Applies: SVC-FIRST-1, SVC-REP-1, SVC-COMP-1.
    """
    refusals = registration_refusals(kind=kind, phone=phone, address=address, appointment=appointment, now=now)
    if not requester_name.strip():
        refusals.append(Refusal("SVC-FIRST-1", _("Enter the resident's name."), "requester_name"))
    if not content.strip():
        refusals.append(Refusal("SVC-FIRST-1", _("Record what the resident asked."), "content"))
    if kind in CATEGORISED_KINDS and not category:
        refusals.append(Refusal("SVC-COMP-1", _("Choose a category."), "category"))
    if repair_staff_elsewhere:
        refusals.append(elsewhere_refusal("SVC-REP-1", "repair_staff"))
    return refusals


def registration_notices(*, kind: str, major: bool, important: bool) -> list[tuple[str, str, str]]:
    """Who hears of a new request at once, as (notification kind, rule ID, key): a major complaint goes to the
    office head at once (SVC-COMP-1); an important visit or letter is reported to leadership (SVC-VIS-1).

    Applies: SVC-COMP-1, SVC-VIS-1.
    """
    notices = []
    if kind == "complaint" and major:
        notices.append(("svc_major_complaint", "SVC-COMP-1", "svc:major"))
    if important:
        notices.append(("svc_important", "SVC-VIS-1", "svc:important"))
    return notices


def handler_refusal(*, owner_or_assignee: bool, sees_all: bool) -> Refusal | None:
    """A request is handled by its first-contact owner, the department it was routed to, or a manager who sees all.

    Applies: SVC-FIRST-1.
    """
    if owner_or_assignee or sees_all:
        return None
    return Refusal("SVC-FIRST-1", _("SVC-FIRST-1: this request belongs to its first-contact owner."))


def route_refusals(*, closed: bool, department: str, assignee_elsewhere: bool) -> list[Refusal]:
    """Routing sends an open request to a named department (and an assignee of this office); the owner stays.

    Applies: SVC-FIRST-1.
    """
    return first_only(
        [Refusal("SVC-FIRST-1", _("This request is closed."))] if closed else [],
        [Refusal("SVC-FIRST-1", _("Name the responsible department."), "department")] if not department.strip() else [],
        [Refusal("SVC-FIRST-1", _("The assignee works at another office."), "assignee")] if assignee_elsewhere else [],
    )


def closing_refusals(
    *,
    closed: bool,
    kind: str,
    reply: str,
    solved: bool | None,
    not_ours: bool,
    closer_is_owner: bool,
    signed_off: bool,
    repair_completed: bool,
) -> list[Refusal]:
    """Whether a request may close now: not twice; a deflection is refused first, with the way to route it; then
    the reply, whether it was solved (and why not), a complaint's sign-off and a repair's completion.

    Applies: SVC-FIRST-1, SVC-VIS-1, SVC-COMP-1, SVC-REP-1.
    """
    if closed:
        return [Refusal("SVC-FIRST-1", _("This request is closed already."))]
    deflected = deflection_refusals(kind=kind, solved=solved, not_ours=not_ours, closer_is_owner=closer_is_owner)
    if deflected:
        return deflected
    refusals = close_refusals(kind=kind, reply=reply, solved=solved, signed_off=signed_off)
    unsolved = unsolved_needs_reason(solved=solved, reply=reply)
    if unsolved and not any(r.field == "reply" for r in refusals):
        refusals.append(unsolved)
    if kind == "repair" and not repair_completed:
        refusals.append(Refusal("SVC-REP-1", _("SVC-REP-1: record the repair's completion before closing.")))
    return refusals


def close_refusals(*, kind: str, reply: str, solved: bool | None, signed_off: bool) -> list[Refusal]:
    """What closing needs: a reply to the resident (SVC-FIRST-1), the reason when a request cannot be solved
    (SVC-VIS-1), the resolver's sign-off for a complaint (SVC-COMP-1).

    Applies: SVC-FIRST-1, SVC-VIS-1, SVC-COMP-1.
    """
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
    assignee handing it back. SVC-COMP-1: a complaint closes on its result, never on "not solved".

    Applies: SVC-FIRST-1, SVC-COMP-1.
    """
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


def unsolved_needs_reason(*, solved: bool | None, reply: str) -> Refusal | None:
    """SVC-VIS-1: a request closed unsolved tells the resident why, in a sentence.

    Decides: SVC-VIS-1.
    """
    if solved is False and len(reply.strip()) < 10:
        return Refusal(
            "SVC-VIS-1",
            _("SVC-VIS-1: explain to the resident why it cannot be solved (at least 10 characters)."),
            "reply",
        )
    return None
