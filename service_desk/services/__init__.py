"""State changes of the service desk. Each takes `now`, checks the actor's permission on the office, loads and locks
the facts, asks `service_desk.rules` (which decides every refusal and deadline), and stores what the rules computed
with the item (a later change of a setting never rewrites it). One module per concern; every public name is imported
here, so callers say `services.<name>`."""

from .common import (
    ServiceDeskError,
    office_settings,
    people_with_role,
    refuse,
    settings_update,
)
from .complaints import (
    complaint_callback_record,
    complaint_inspect,
    complaint_liaise,
    complaint_set_action,
    complaint_sign_off,
)
from .duty import duty_back, duty_go_out, duty_shift_add
from .repairs import callback_record, rectification_done, repair_complete, repair_reschedule
from .requests import request_change_owner, request_close, request_register, request_route

__all__ = [
    "ServiceDeskError",
    "callback_record",
    "complaint_callback_record",
    "complaint_inspect",
    "complaint_liaise",
    "complaint_set_action",
    "complaint_sign_off",
    "duty_back",
    "duty_go_out",
    "duty_shift_add",
    "office_settings",
    "people_with_role",
    "rectification_done",
    "refuse",
    "repair_complete",
    "repair_reschedule",
    "request_change_owner",
    "request_close",
    "request_register",
    "request_route",
    "settings_update",
]
