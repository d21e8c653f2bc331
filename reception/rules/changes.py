"""A client asks for another salesperson mid-reception: what the manager may decide and what follows
(REC-NEW-4, REC-DES-2, REC-DES-3)."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .refusal import Refusal
from .turns import AT_POST, Availability

# reception.models.ChangeRequest.Decision's values: rules import no models.
NOT_AT_FAULT = "a"  # REC-NEW-4a: not granted, the salesperson is not at fault
GENERAL_FAULT = "b"  # REC-NEW-4b: a general fault, the same salesperson continues
REASSIGN = "c"  # REC-NEW-4c: serious fault or firm refusal, the client is reassigned by the rota
NAMED = "d"  # REC-DES-2/3: the client insists on a named salesperson
DECISIONS = (NOT_AT_FAULT, GENERAL_FAULT, REASSIGN, NAMED)

# Receptions of a client who belongs to an owner already (Reception.Kind values).
RETURNING_KINDS = frozenset({"returning", "duty"})

# The event each decision that keeps or ends the reception records, and its clause.
CHANGE_EVENT = {
    NOT_AT_FAULT: ("change_refused", "REC-NEW-4"),
    GENERAL_FAULT: ("change_general_fault", "REC-NEW-4"),
    REASSIGN: ("change_bye", "REC-NEW-4"),
}


def change_decision_refusal(*, decision: str) -> Refusal | None:
    """The manager chooses one of the four decisions of REC-NEW-4 and REC-DES-2/3."""
    if decision in DECISIONS:
        return None
    return Refusal("REC-NEW-4", str(_("Choose one of the decisions.")), field="decision")


def change_request_refusal(
    *, decision: str, status: str, returning: bool, actor_is_sales_manager: bool | None
) -> Refusal | None:
    """Which decision the manager may take on this reception (REC-NEW-4). Only an ongoing reception changes; a
    returning client stays their owner's, so the request is refused or the named salesperson gives a duty reception
    (REC-DES-3); only the sales manager gives a new client the salesperson they insist on (REC-DES-2).

    `actor_is_sales_manager` is read only for a new client's named decision (None otherwise: it is not needed).

    Decides: REC-NEW-4.
    """
    if status != "active":
        return Refusal("REC-NEW-4", str(_("Only an ongoing reception can be changed.")))
    if returning and decision in (GENERAL_FAULT, REASSIGN):
        return Refusal(
            "REC-DES-3",
            str(
                _(
                    "A returning client stays their owner's: the request is either refused or the named "
                    "salesperson gives a duty reception (REC-DES-3)."
                )
            ),
            field="decision",
        )
    if decision == NAMED and not returning and not actor_is_sales_manager:
        return Refusal(
            "REC-DES-2",
            str(_("Only the sales manager may give a new client the salesperson they insist on (REC-DES-2).")),
            field="decision",
        )
    return None


def needs_sales_manager(*, decision: str, returning: bool) -> bool:
    """Whether the decision is one only the sales manager may take (REC-DES-2): a new client's named salesperson."""
    return decision == NAMED and not returning


def named_salesperson_refusal(
    *, named_id: int | None, current_salesperson_id: int | None, named_availability: Availability | None, name: str
) -> Refusal | None:
    """The salesperson a client insists on is someone else, at the post (REC-DES-2/3). `named_availability` is None
    when they are not in this site's rota."""
    field = "requested_salesperson"
    if named_id is None:
        return Refusal("REC-DES-2", str(_("Choose the salesperson the client asks for.")), field=field)
    if named_id == current_salesperson_id:
        return Refusal("REC-DES-2", str(_("The client is already with this salesperson.")), field=field)
    if named_availability is None or named_availability not in AT_POST:
        return Refusal(
            "REC-DES-2",
            str(_("%(name)s is not at post and cannot take the client now.")) % {"name": name},
            field=field,
        )
    return None


@dataclass(frozen=True)
class ChangeRecord:
    """What the change request keeps: a priority slot for the original only with a reassignment (REC-NEW-4c), the
    named salesperson only with a named decision, and instigation only of a new client's switch (REC-DES-2)."""

    decision: str
    grant_priority: bool
    keeps_requested: bool
    instigated: bool


def change_record(*, decision: str, grant_priority: bool, instigated: bool, returning: bool) -> ChangeRecord:
    """REC-NEW-4, REC-DES-2/3: the parts of the manager's form that the decision taken gives a meaning."""
    return ChangeRecord(
        decision=decision,
        grant_priority=grant_priority and decision == REASSIGN,
        keeps_requested=decision == NAMED,
        instigated=instigated and decision == NAMED and not returning,
    )


@dataclass(frozen=True)
class NamedSwitch:
    """The reception that continues with the named salesperson: neither is a rota turn."""

    kind: str  # Reception.Kind value: "duty" for a returning client, "switched" for a new one
    waits: bool  # the named salesperson is with a client: the client waits for them
    owner_id: int | None
    event_kind: str
    rule_ids: tuple[str, ...]


def named_switch(
    *, returning: bool, named_availability: Availability, owner_id: int | None, first_salesperson_id: int | None
) -> NamedSwitch:
    """The manager gives in to a client who insists on a named salesperson. A returning client stays their owner's,
    the named one gives a duty reception (REC-DES-3); a new client is switched and the first receiver keeps the claim
    the commission rules give them (REC-DES-2). A busy named salesperson is waited for (REC-ROT-6).

    Decides: REC-DES-2, REC-DES-3.
    """
    waits = named_availability == Availability.BUSY
    if returning:
        return NamedSwitch("duty", waits, owner_id or first_salesperson_id, "switched_to_named_duty", ("REC-DES-3",))
    return NamedSwitch("switched", waits, owner_id, "switched_to_named", ("REC-DES-2",))
