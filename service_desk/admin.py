from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from salesoffice.admin import BoundedAdmin

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
class ServiceRequestAdmin(BoundedAdmin, SimpleHistoryAdmin):
    list_display = ("id", "site", "kind", "requester_name", "owner", "registered_at", "reply_due_at", "closed_at")
    list_filter = ("site", "kind")
    readonly_fields = ("owner", "registered_at", "reply_due_at")


@admin.register(OfficeSettings, Complaint, Repair, RectificationNotice, DutyShift, DutyOuting)
class HistoryAdmin(BoundedAdmin, SimpleHistoryAdmin):
    label_joins = {
        Complaint: ("request",),
        Repair: ("request",),
        RectificationNotice: ("callback__completion__repair__request",),
        DutyShift: ("person",),
        DutyOuting: ("shift__person",),
    }


@admin.register(ComplaintInspection, Appointment, Completion, Callback)
class PermanentAdmin(BoundedAdmin):
    """Permanent records: read only."""

    label_joins = {
        ComplaintInspection: ("complaint__request",),
        Appointment: ("repair__request",),
        Completion: ("repair__request",),
        Callback: ("completion__repair__request",),
    }

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
