from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from salesoffice.admin import BoundedAdmin, ReadOnlyAdmin

from .models import (
    Client,
    ClientPhone,
    CompanyClientMark,
    DisputeOpinion,
    FollowUp,
    OldClientIntroduction,
    Recognition,
    Referral,
    SpouseLink,
    VisitApproval,
    VisitEntry,
    WeeklyClientReport,
)


class ClientPhoneInline(admin.TabularInline):
    """Read-only here: a phone decides who a client is (ATT-REG-3), so it is added through registration."""

    model = ClientPhone
    extra = 0
    can_delete = False
    readonly_fields = ["phone", "phone_normalised"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Client)
class ClientAdmin(SimpleHistoryAdmin):
    list_display = ["name", "phone", "grade", "created_at"]
    search_fields = ["name", "phone", "phone_normalised", "phones__phone_normalised"]
    readonly_fields = ["phone", "phone_normalised", "created_at"]
    inlines = [ClientPhoneInline]


@admin.register(VisitEntry)
class VisitEntryAdmin(ReadOnlyAdmin):
    """The visit register is append-only (ATT-REG-1): no edits or deletions, even here."""

    list_display = ["registered_at", "client", "salesperson", "site", "source", "corrects"]
    list_filter = ["site", "source"]
    search_fields = ["client__name", "client__phone_normalised"]
    list_select_related = ["client", "salesperson", "site", "corrects"]


@admin.register(VisitApproval)
class VisitApprovalAdmin(ReadOnlyAdmin):
    list_display = ["approved_at", "entry", "approved", "approved_by"]
    list_select_related = ["entry__client", "entry__salesperson", "approved_by"]


@admin.register(Recognition, SpouseLink, CompanyClientMark, OldClientIntroduction)
class RegisterFactAdmin(ReadOnlyAdmin):
    """Facts that decide ownership are permanent, like the register itself; they are recorded from the client page."""

    list_filter = ["site"]


@admin.register(Referral, DisputeOpinion, FollowUp)
class RegisterWorkflowAdmin(BoundedAdmin, SimpleHistoryAdmin, ReadOnlyAdmin):
    """Changed only through their pages, which apply the rules (ATT-EMP, ATT-DISP-1, ATT-FU); history kept."""

    list_filter = ["site"]
    label_joins = {Referral: ("client", "referrer"), DisputeOpinion: ("client",), FollowUp: ("client",)}


@admin.register(WeeklyClientReport)
class WeeklyClientReportAdmin(ReadOnlyAdmin):
    list_display = ["week_start", "generated_at"]
