"""Arrivals and receptions at the desk: who may record what, and when a reception may be voided or left."""

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from salesoffice.phones import INVALID_MESSAGE, is_valid_phone

from .refusal import Refusal
from .turns import AT_POST, Availability


def phone_inquiry_problems(*, caller_name: str, caller_phone: str) -> dict[str, str]:
    """REC-NEW-3: a call is logged with the caller's data as far as possible: a valid phone or at least a name.
    Field name -> message; empty when the inquiry may be logged.

    Decides: REC-NEW-3.
    """
    problems: dict[str, str] = {}
    if caller_phone.strip() and not is_valid_phone(caller_phone):
        problems["caller_phone"] = str(INVALID_MESSAGE)
    if not caller_name.strip() and not caller_phone.strip():
        problems["caller_name"] = str(_("REC-NEW-3: enter the caller's name or phone."))
    return problems


def self_designation_refusal(*, actor_id: int, named_id: int, actor_is_supervisor: bool, name: str) -> Refusal | None:
    """REC-ROT-1 over REC-DES-1: a salesperson cannot record a client "asking for" themselves, or the side door
    would let them take walk-ins outside the rota (grabbing, seed 1.3.9). The site supervisor, or any other person
    at the desk, records a designated arrival."""
    if actor_id != named_id or actor_is_supervisor:
        return None
    return Refusal(
        "REC-ROT-1",
        str(
            _(
                "%(name)s cannot record a client asking for themselves: the site supervisor or another colleague "
                "at the desk records it (REC-ROT-1, REC-DES-1)."
            )
        )
        % {"name": name},
    )


OPEN_STATUSES = frozenset({"waiting", "active"})


def void_refusal(
    *,
    actor_is_supervisor: bool,
    reason: str,
    status: str,
    arrived_at: dt.datetime,
    now: dt.datetime,
    window: dt.timedelta,
    later_turn_taken: bool,
    earned_slot_used: bool,
    continues_another: bool = False,
) -> Refusal | None:
    """A reception pressed by mistake can be voided by the site supervisor, with a reason, within the site's window
    after the arrival (its last second included), while nothing later rests on it: the rota then returns to where it
    was (REC-ROT-1); one continuing another after a manager's decision is not a mis-tap (REC-NEW-4).
    `later_turn_taken`: a later walk-in took a normal turn after this one took its turn, so the
    order has moved on; `earned_slot_used`: a priority slot this reception earned has been used since."""
    if not actor_is_supervisor:
        return Refusal("REC-ROT-1", str(_("Only the site supervisor may void a reception (REC-ROT-1).")))
    if not reason.strip():
        return Refusal("REC-ROT-1", str(_("Say why the reception is voided.")))
    if status not in OPEN_STATUSES:
        return Refusal("REC-ROT-1", str(_("Only a waiting or ongoing reception can be voided.")))
    if continues_another:
        # A client switched or reassigned by a manager's decision (REC-NEW-4, REC-DES-2/3) was not a tap at the desk.
        return Refusal(
            "REC-NEW-4",
            str(_("This reception continues another after a manager's decision: it is not a mis-tap (REC-NEW-4).")),
        )
    if now > arrived_at + window:
        return Refusal(
            "REC-ROT-1",
            str(
                _(
                    "A reception can be voided only within %(minutes)s minutes of the arrival; this one is older "
                    "(REC-ROT-1)."
                )
            )
            % {"minutes": int(window.total_seconds() // 60)},
        )
    if later_turn_taken:
        return Refusal(
            "REC-ROT-1",
            str(_("A later walk-in has taken a turn since: void that reception first, then this one (REC-ROT-1).")),
        )
    if earned_slot_used:
        return Refusal(
            "REC-ROT-5",
            str(_("A priority slot this reception earned has been used since: it cannot be voided (REC-ROT-5).")),
        )
    return None


def later_turn_taken(*, consumed_turn: bool, latest_turn_reception_id: int | None, reception_id: int) -> bool:
    """Whether the order has moved on since this reception took its turn (REC-ROT-1): a later walk-in took a normal
    turn after it. A reception that took no turn (designated, duty, waiting) holds no place in the order."""
    return consumed_turn and latest_turn_reception_id is not None and latest_turn_reception_id != reception_id


def leave_refusal(*, status: str) -> Refusal | None:
    """A waiting client may leave without being served (REC-ROT-6); one already with a salesperson has not waited."""
    if status == "waiting":
        return None
    return Refusal("REC-ROT-6", str(_("Only a waiting client can leave without being served (REC-ROT-6).")))


def nobody_on_duty_refusal() -> Refusal:
    """REC-ROT-1: a walk-in is received by the day's roster; with nobody on it, nobody can be given the turn."""
    return Refusal("REC-ROT-1", str(_("Nobody is on duty today: put salespeople on the roster first (REC-ROT-1).")))


class Designated(StrEnum):
    SERVE = "serve"  # the named salesperson receives the client now
    WAIT = "wait"  # the named salesperson is with a client: the new one waits for them
    DUTY = "duty"  # an old client's introduction while the named salesperson is away: a duty reception


@dataclass(frozen=True)
class DesignatedArrival:
    """What happens to a new client who names a salesperson; `refusal` when the desk cannot record it so."""

    how: Designated | None
    rule_ids: tuple[str, ...]
    refusal: Refusal | None = None


def designated_arrival(
    *, availability: Availability | None, introduced_by_old_client: bool, name: str
) -> DesignatedArrival:
    """A new client who names a salesperson before substantive reception is theirs, not a rota turn (REC-DES-1): at
    the post they receive the client (even before passing the readiness check, which withholds rotation turns only),
    with a client the new one waits for them. Away from the post, the client may wait or go by the rota — unless an
    old client of theirs introduced the new one (ATT-REF-OLD a/b): then the last in the rota gives a duty reception
    and the client stays theirs, as for a returning client (REC-RET-2, REC-ROT-8). `availability` is None when the
    person is not in this site's rota.

    Decides: REC-DES-1.
    """
    if availability is None:
        return DesignatedArrival(
            None, ("REC-DES-1",), Refusal("REC-DES-1", str(_("%(name)s is not in this site's rota.")) % {"name": name})
        )
    if availability not in AT_POST:
        if introduced_by_old_client:
            return DesignatedArrival(Designated.DUTY, ("REC-RET-2", "REC-ROT-8"))
        return DesignatedArrival(
            None,
            ("REC-DES-1",),
            Refusal(
                "REC-DES-1",
                str(_("%(name)s is not at post: the client may wait for them or be received by the rota (REC-DES-1)."))
                % {"name": name},
            ),
        )
    if availability == Availability.BUSY:
        return DesignatedArrival(Designated.WAIT, ("REC-DES-1", "REC-ROT-6"))
    return DesignatedArrival(Designated.SERVE, ("REC-DES-1",))


def returning_client_refusal(*, owner_id: int | None) -> Refusal | None:
    """A client goes to an owner only with a valid registration on this site; without one they are new and received
    by the rota (REC-NEW-1, REC-NEW-2).

    Decides: REC-NEW-1.
    """
    if owner_id is not None:
        return None
    return Refusal(
        "REC-NEW-2",
        str(_("No valid registration for this phone on this site: receive the client as new by the rota (REC-NEW-2).")),
    )


def introduction_noted(*, introduced_by_old_client: bool) -> str | None:
    """REC-DES-4: a new client an old client introduced, naming nobody, is received by the rota as any new client;
    the introduction is noted under REC-DES-4 (it matters to ATT-REF-OLD). None: nothing to note.

    Decides: REC-DES-4.
    """
    return "REC-DES-4" if introduced_by_old_client else None


def party_noted(*, party_new_clients: int) -> str | None:
    """REC-ROT-9: an old client arriving with new clients is one reception; the new ones take no turn of their own,
    and the party is noted on that reception. None: the client came alone.

    Decides: REC-ROT-9.
    """
    return "REC-ROT-9" if party_new_clients else None
