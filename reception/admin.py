from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from salesoffice.admin import ReadOnlyAdmin

from . import services
from .models import (
    Absence,
    ChangeRequest,
    DeskSettings,
    DutyAssignment,
    InstigationFinding,
    PhoneInquiry,
    PrioritySlot,
    ReadinessCheck,
    Reception,
    RotaEvent,
    RotaMember,
    Violation,
)


class BoardChangeAdmin(SimpleHistoryAdmin):
    """What is saved or deleted here shows on the site's board: its version moves on (see board_token)."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.desk_changed(site=obj.site)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        services.desk_changed(site=obj.site)

    def delete_queryset(self, request, queryset):
        sites = {obj.site for obj in queryset}
        super().delete_queryset(request, queryset)
        for site in sites:
            services.desk_changed(site=site)


@admin.register(DeskSettings)
class DeskSettingsAdmin(BoardChangeAdmin):
    """The per-site *(setting)* decisions of RULES.md."""

    list_display = [
        "site",
        "carry_over_order",
        "lunch_start",
        "lunch_end",
        "duty_reception_grants_priority",
        "void_window_minutes",
    ]


@admin.register(RotaMember)
class RotaMemberAdmin(BoardChangeAdmin):
    """New members are added here; the order itself changes only on the rota page, recorded (REC-ROT-3)."""

    list_display = ["site", "position", "salesperson", "active"]
    list_filter = ["site", "active"]
    ordering = ["site", "position"]

    def get_readonly_fields(self, request, obj=None):
        return ["site", "salesperson", "position"] if obj else []


for model, columns in [
    (DutyAssignment, ["day", "site", "salesperson", "assigned_by"]),
    (Absence, ["started_at", "site", "salesperson", "reason", "approval", "ended_at"]),
    (Reception, ["arrived_at", "site", "kind", "status", "salesperson", "client_label"]),
    (PrioritySlot, ["granted_at", "site", "salesperson", "rule_id", "status"]),
    (ReadinessCheck, ["checked_at", "site", "salesperson", "uniform_ok", "materials_ok", "sales_info_ok"]),
    (Violation, ["occurred_at", "site", "salesperson", "clause", "penalty", "recorded_by"]),
    (ChangeRequest, ["decided_at", "reception", "decision", "decided_by"]),
    (InstigationFinding, ["recorded_at", "change_request", "recorded_by"]),
    (PhoneInquiry, ["taken_at", "site", "taken_by", "caller_name"]),
    (RotaEvent, ["at", "site", "kind", "rule_id", "salesperson"]),
]:
    options = {"list_display": columns, "__module__": __name__}
    if any(f.name == "site" for f in model._meta.fields):
        options["list_filter"] = ["site"]
    admin.site.register(model, type(f"{model.__name__}Admin", (ReadOnlyAdmin,), options))
