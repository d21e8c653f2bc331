"""State changes of the client register. Each takes `now`, checks the actor's role on the site, loads and locks the
facts, asks `attribution.rules` (which decides every refusal), and records facts only (ATT-REG-1: the register is
append-only).

One module per concern; every name is imported here, so callers keep saying `services.<name>`."""

# What an access check raises; callers catch it as services.PermissionDenied.
from django.core.exceptions import PermissionDenied

from .disputes import (
    dispute_decide,
    dispute_open,
)
from .errors import (
    RegisterError,
    RegistrationResult,
    refuse,
)
from .facts import (
    company_client_arrange,
    company_mark,
    desk_decision_recorded,
    instigation_record,
    introduction_record,
    recognition_record,
    spouse_link,
)
from .follow_ups import (
    follow_up_done,
    follow_up_plan,
)
from .matching import (
    normalise_phones,
    possible_duplicates,
)
from .notices import (
    approvals_remind,
    instigation_found_notify,
    opinion_ruled_notify,
    opinion_written_notify,
    visits_awaiting_notify,
)
from .referrals import (
    referral_confirm,
    referral_lapse_notifications,
    referral_register,
    referral_state,
)
from .register import (
    DayApproval,
    may_record_out_of_time,
    visit_correct,
    visit_register,
    visit_review,
    visit_review_day,
)
from .summaries import (
    client_share_viewers_add,
    client_summaries_rebuild,
    client_summaries_refresh,
)

__all__ = [
    "PermissionDenied",
    "DayApproval",
    "approvals_remind",
    "instigation_found_notify",
    "opinion_ruled_notify",
    "opinion_written_notify",
    "visits_awaiting_notify",
    "RegisterError",
    "RegistrationResult",
    "client_share_viewers_add",
    "client_summaries_rebuild",
    "client_summaries_refresh",
    "company_client_arrange",
    "company_mark",
    "desk_decision_recorded",
    "dispute_decide",
    "dispute_open",
    "follow_up_done",
    "follow_up_plan",
    "instigation_record",
    "introduction_record",
    "may_record_out_of_time",
    "normalise_phones",
    "possible_duplicates",
    "recognition_record",
    "referral_confirm",
    "referral_lapse_notifications",
    "referral_register",
    "referral_state",
    "refuse",
    "spouse_link",
    "visit_correct",
    "visit_register",
    "visit_review",
    "visit_review_day",
]
