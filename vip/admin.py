from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from salesoffice.admin import ReadOnlyAdmin

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
class ServiceMadeAdmin(SimpleHistoryAdmin, ReadOnlyAdmin):
    """Made and changed through the app's services (card issue, replacement, tokens by manage.py vip_till_token)."""


@admin.register(Purchase, Redemption, Return, PointMovement, PrivacyLog, FormHandIn, SmsMessage)
class PermanentAdmin(ReadOnlyAdmin):
    """Append-only records: readable, never changed."""
