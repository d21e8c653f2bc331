from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from salesoffice.admin import BoundedAdmin, ReadOnlyAdmin

from .models import (
    ApiToken,
    Campaign,
    Card,
    Customer,
    FormHandIn,
    Membership,
    PointMovement,
    PrivacyLog,
    Purchase,
    Redemption,
    Return,
    Reward,
    SmsDelivery,
    SmsMessage,
    StoreSettings,
)


@admin.register(StoreSettings)
class StoreSettingsAdmin(SimpleHistoryAdmin):
    list_display = ["site", "share_members", "points_mode"]


@admin.register(Reward)
class RewardAdmin(SimpleHistoryAdmin):
    list_display = ["name", "store", "points", "stock", "active"]
    list_filter = ["store"]


@admin.register(Customer)
class CustomerAdmin(SimpleHistoryAdmin):
    """Customer data is changed at the till; here it is read (VIP-DATA-1: no leaks, so no list of phones)."""

    list_display = ["pk", "store", "surname", "title"]
    list_filter = ["store"]
    readonly_fields = ["store", "phone", "id_number", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Membership, Card, ApiToken, Campaign)
class ServiceMadeAdmin(BoundedAdmin, SimpleHistoryAdmin, ReadOnlyAdmin):
    """Made and changed through the app's services (card issue, replacement, tokens by manage.py vip_till_token)."""

    label_joins = {Membership: ("customer", "store"), Campaign: ()}


@admin.register(Purchase, Redemption, Return, PointMovement, PrivacyLog, FormHandIn, SmsMessage)
class PermanentAdmin(BoundedAdmin, ReadOnlyAdmin):
    """Append-only records: readable, never changed."""


@admin.register(SmsDelivery)
class SmsDeliveryAdmin(ReadOnlyAdmin):
    """The SMS outbox (VIP-SVC-1): what is waiting, what went out, and what failed and why. The drain changes it."""

    list_display = ["message_id", "store", "occasion", "status", "attempts", "next_attempt_at", "sent_at", "last_error"]
    list_filter = ["status", "message__store"]
    list_select_related = ["message__store"]
    ordering = ["-message_id"]

    @admin.display(description=_("store"), ordering="message__store")
    def store(self, obj: SmsDelivery):
        return obj.message.store

    @admin.display(description=_("occasion"), ordering="message__occasion")
    def occasion(self, obj: SmsDelivery) -> str:
        return obj.message.occasion
