"""State changes of the store VIP membership. Each takes `now`, checks the actor (a clerk on the store, or a
store's API token), asks `vip.rules`, and records append-only facts. Points move only here, under the
membership's row lock, so the balance is always the ledger's sum and never negative.

One module per concern; every name is imported here, so callers keep saying `services.<name>`."""

from .. import sms  # the SMS backends; tests reach them as services.sms
from .cards import (
    card_issue,
    card_replace,
    membership_expire_points,
)
from .common import (
    Actor,
    KeyReused,
    VipError,
    card_at_store,
    card_facts,
    member_phone_problem,
    normalise_phone,
    usable_card_or_error,
)
from .purchases import (
    PurchaseResult,
    TillQuote,
    customer_has_valid_membership,
    member_facts,
    purchase_quote,
    purchase_record,
    till_quote,
)
from .records import (
    campaign_create,
    customer_sms_preference,
    customer_unmask,
    hand_in_record,
    members_export_log,
    reward_save,
    settings_save,
)
from .redemptions import (
    redemption_make,
)
from .reminders import (
    SMS_RETRY_CAP,
    birthday_reminders_send,
    campaign_reminders_send,
    expired_points_lapse,
    expiring_cards_notify,
    hand_in_reminders,
    sms_enqueue,
    sms_outbox_drain,
)
from .returns import (
    refunded,
    return_record,
    store_manager_ids,
)

__all__ = [
    "sms",
    "Actor",
    "KeyReused",
    "PurchaseResult",
    "SMS_RETRY_CAP",
    "TillQuote",
    "VipError",
    "birthday_reminders_send",
    "campaign_create",
    "campaign_reminders_send",
    "card_at_store",
    "card_facts",
    "card_issue",
    "card_replace",
    "customer_has_valid_membership",
    "customer_sms_preference",
    "customer_unmask",
    "expired_points_lapse",
    "expiring_cards_notify",
    "hand_in_record",
    "hand_in_reminders",
    "member_facts",
    "member_phone_problem",
    "members_export_log",
    "membership_expire_points",
    "normalise_phone",
    "purchase_quote",
    "purchase_record",
    "redemption_make",
    "refunded",
    "return_record",
    "reward_save",
    "settings_save",
    "sms_enqueue",
    "sms_outbox_drain",
    "store_manager_ids",
    "till_quote",
    "usable_card_or_error",
]
