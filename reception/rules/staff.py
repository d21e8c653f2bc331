"""The people at the desk: presence, absences, readiness, violations, the roster and the order."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .refusal import Refusal
from .turns import APPROVED, EXTRA_WORK, PENDING

# The other values of reception.models.Absence.Approval.
NOT_NEEDED = "not_needed"
REJECTED = "rejected"


def presence_change_refusal(
    *, actor_id: int, salesperson_id: int, actor_is_supervisor: bool, name: str
) -> Refusal | None:
    """REC-ROT-4: whether someone is at their post decides who gets turns, so only the person themselves or the
    site supervisor says they left or are back; a colleague pressing it could hand them (or keep from them) a
    client."""
    if actor_id == salesperson_id or actor_is_supervisor:
        return None
    return Refusal(
        "REC-ROT-4",
        str(_("Only %(name)s or the site supervisor may change %(name)s's presence at the post (REC-ROT-4)."))
        % {"name": name},
    )


def roster_refusals(*, day: dt.date, today: dt.date, taken_off_busy: Sequence[str]) -> list[Refusal]:
    """A roster cannot contradict the floor (REC-ROT-1, REC-ROT-6): a past day's roster is history, and nobody is
    taken off duty today while in a reception. `taken_off_busy`: names of those the new roster takes off who are
    with a client now."""
    refusals: list[Refusal] = []
    if day < today:
        refusals.append(
            Refusal(
                "REC-ROT-1",
                str(_("The roster for %(day)s is in the past and cannot be changed.")) % {"day": day.isoformat()},
            )
        )
    elif day == today and taken_off_busy:
        refusals.append(
            Refusal(
                "REC-ROT-6",
                str(
                    _(
                        "%(names)s cannot be taken off duty on %(day)s: in a reception now (REC-ROT-6). Save the "
                        "roster again once the reception has ended."
                    )
                )
                % {"names": ", ".join(taken_off_busy), "day": day.isoformat()},
            )
        )
    return refusals


def absence_start_refusal(*, in_reception: bool, already_away: bool, name: str) -> Refusal | None:
    """Nobody leaves the post in the middle of a reception (REC-ROT-6), and nobody is away twice at once."""
    if in_reception:
        return Refusal(
            "REC-ROT-6", str(_("%(name)s is in a reception and cannot break it off (REC-ROT-6).")) % {"name": name}
        )
    if already_away:
        return already_away_refusal(name=name)
    return None


def already_away_refusal(*, name: str) -> Refusal:
    """One absence at a time: someone away is not away again (REC-ROT-4)."""
    return Refusal("REC-ROT-4", str(_("%(name)s is already away.")) % {"name": name})


@dataclass(frozen=True)
class AbsenceStart:
    """How an absence is recorded: extra work assigned by a superior awaits the project manager's approval and may
    earn a priority slot (REC-ROT-5); any other absence is simply not being at the post (REC-ROT-4)."""

    approval: str  # the Absence.Approval value it starts with
    awaits_approval: bool
    rule_ids: tuple[str, ...]


def absence_start(*, reason: str) -> AbsenceStart:
    """Which clause an absence falls under, by its reason: extra work (REC-ROT-5) or any other (REC-ROT-4)."""
    if reason == EXTRA_WORK:
        return AbsenceStart(PENDING, True, ("REC-ROT-5",))
    return AbsenceStart(NOT_NEEDED, False, ("REC-ROT-4",))


def absence_decide_refusal(*, actor_is_project_manager: bool) -> Refusal | None:
    """Only the site's project manager verifies extra work (REC-ROT-5)."""
    if actor_is_project_manager:
        return None
    return Refusal("REC-ROT-5", str(_("Only this site's project manager may approve an absence (REC-ROT-5).")))


def absence_decided_refusal(*, approval: str) -> Refusal | None:
    """Extra work is verified once: an absence no longer pending approval has been decided (REC-ROT-5)."""
    if approval == PENDING:
        return None
    return Refusal("REC-ROT-5", str(_("This absence has been decided already.")))


@dataclass(frozen=True)
class AbsenceDecision:
    """The project manager's verdict on extra work and what follows for a slot it earned meanwhile."""

    approval: str  # the Absence.Approval value it ends in
    slot_status: str  # what a pending priority slot becomes (PrioritySlot.Status value)
    event_kind: str
    rule_ids: tuple[str, ...]


def absence_decision(*, approve: bool) -> AbsenceDecision:
    """Approved, the extra work excused the absence and a pending slot is held (REC-ROT-5); rejected, the absence
    was not at the post without a valid reason and any turn passed meanwhile is forfeit (REC-ROT-4)."""
    if approve:
        return AbsenceDecision(APPROVED, "active", "absence_approved", ("REC-ROT-5",))
    return AbsenceDecision(REJECTED, "cancelled", "absence_rejected", ("REC-ROT-4",))


def readiness_grid_refusal(*, rows: int, off_duty_names: Sequence[str] = ()) -> Refusal | None:
    """The morning check (REC-READY-1) records at least one person, and only people on today's duty roster."""
    if not rows:
        return Refusal("REC-READY-1", str(_("Mark at least one salesperson as checked now (REC-READY-1).")))
    if off_duty_names:
        return Refusal(
            "REC-READY-1",
            str(_("%(names)s is not on today's duty roster: only people on duty are checked (REC-READY-1)."))
            % {"names": ", ".join(off_duty_names)},
        )
    return None


def violation_refusal(*, occurred_at: dt.datetime, now: dt.datetime) -> Refusal | None:
    """A violation is recorded for something that happened (REC-READY-2, REC-NEW-5), not for a time to come.

    Decides: REC-READY-2.
    """
    if occurred_at <= now:
        return None
    return Refusal(
        "REC-READY-2", str(_("A violation cannot be recorded for a time in the future.")), field="occurred_at"
    )


def violation_rule_id(clause: str) -> str:
    """The rule a violation's clause belongs to: "REC-NEW-5/see-out" is under REC-NEW-5.

    Decides: REC-NEW-5.
    """
    return clause.split("/")[0]


def order_change_refusal(*, reason: str) -> Refusal | None:
    """The site supervisor changes the order only with a reason, which is kept (REC-ROT-3).

    Decides: REC-ROT-3.
    """
    if reason.strip():
        return None
    return Refusal("REC-ROT-3", str(_("Say why the order changes (REC-ROT-3).")), field="reason")


def swap_refusal(*, found: int) -> Refusal | None:
    """A swap is between two different members of this site's rota (REC-ROT-3)."""
    if found == 2:
        return None
    return Refusal("REC-ROT-3", str(_("Choose two different salespeople of this site's rota.")))


def move_refusal(*, name: str) -> Refusal:
    """Moving one place is a swap with the neighbour: the first cannot go up, nor the last down (REC-ROT-3)."""
    return Refusal("REC-ROT-3", str(_("%(name)s cannot move further.")) % {"name": name})


def roster_members_refusal(*, unknown: bool) -> Refusal | None:
    """Only salespeople of this site's rota can be put on its duty roster (REC-ROT-1)."""
    if not unknown:
        return None
    return Refusal("REC-ROT-1", str(_("Only salespeople of this site's rota can be put on duty.")))
