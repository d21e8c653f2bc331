from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Appointment,
    Callback,
    Complaint,
    ComplaintInspection,
    Completion,
    DutyOuting,
    DutyShift,
    OfficeSettings,
    RectificationNotice,
    Repair,
    ServiceRequest,
)


@admin.register(ServiceRequest)
class ServiceRequestAdmin(SimpleHistoryAdmin):
    list_display = ("id", "site", "kind", "requester_name", "owner", "registered_at", "reply_due_at", "closed_at")
    list_filter = ("site", "kind")
    readonly_fields = ("owner", "registered_at", "reply_due_at")


@admin.register(OfficeSettings, Complaint, Repair, RectificationNotice, DutyShift, DutyOuting)
class HistoryAdmin(SimpleHistoryAdmin):
    pass


@admin.register(ComplaintInspection, Appointment, Completion, Callback)
class PermanentAdmin(admin.ModelAdmin):
    """Permanent records: read only."""

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
