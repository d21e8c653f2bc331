"""State changes of the reception desk, one module per concern. Each takes `now`, runs atomically under the site's
desk lock, asks `reception.rules` for the decision and records it as RotaEvents that carry the clause.

- desk: the lock, the snapshot the rules read, recording events, DeskError
- arrivals: walk-in, designated and returning clients; a reception ended, voided or left
- turns: handing a client over once the rules decided (forfeits, slots, waiting clients served)
- absences: leaving the post and coming back; the project manager's approval of extra work
- conduct: the morning readiness check and violations
- rota: the order and the duty roster
- changes: a client asking for another salesperson
- phone: phone inquiries

The public names are re-exported here, so callers write `from reception import services` and
`services.walk_in_arrive(...)` whatever module holds the function.
"""

from .absences import absence_approval_reminders, absence_decide, absence_end, absence_start
from .arrivals import (
    designated_arrive,
    reception_end,
    reception_left,
    reception_void,
    returning_arrive,
    walk_in_arrive,
)
from .changes import change_request_decide
from .conduct import ReadinessResult, readiness_record, readiness_record_day, violation_record
from .desk import (
    DeskError,
    DeskKeyReused,
    DeskResult,
    DeskSnapshot,
    desk_changed,
    desk_settings_for,
    require_own_presence,
    rota_state_for,
    take_snapshot,
)
from .phone import phone_inquiry_log
from .rota import roster_set, rota_move, rota_swap

__all__ = [
    "DeskError",
    "DeskKeyReused",
    "DeskResult",
    "DeskSnapshot",
    "ReadinessResult",
    "absence_approval_reminders",
    "absence_decide",
    "absence_end",
    "absence_start",
    "change_request_decide",
    "designated_arrive",
    "desk_changed",
    "desk_settings_for",
    "phone_inquiry_log",
    "readiness_record",
    "readiness_record_day",
    "reception_end",
    "reception_left",
    "reception_void",
    "require_own_presence",
    "returning_arrive",
    "roster_set",
    "rota_move",
    "rota_state_for",
    "rota_swap",
    "take_snapshot",
    "violation_record",
    "walk_in_arrive",
]
