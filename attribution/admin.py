from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from salesoffice.admin import ReadOnlyAdmin

from .models import Client, VisitApproval, VisitEntry


@admin.register(Client)
class ClientAdmin(SimpleHistoryAdmin):
    list_display = ["name", "phone", "created_at"]
    search_fields = ["name", "phone", "phone_normalised"]


@admin.register(VisitEntry)
class VisitEntryAdmin(ReadOnlyAdmin):
    """The visit register is append-only (ATT-REG-1): no edits or deletions, even here."""

    list_display = ["registered_at", "client", "salesperson", "site", "corrects"]
    list_filter = ["site"]
    search_fields = ["client__name", "client__phone_normalised"]


@admin.register(VisitApproval)
class VisitApprovalAdmin(ReadOnlyAdmin):
    list_display = ["approved_at", "entry", "approved_by"]
