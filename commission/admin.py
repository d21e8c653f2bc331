from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from salesoffice.admin import ReadOnlyAdmin

from .models import CommissionSettings, Deal, DealChange, DealCorrection, LedgerEntry, Split, StatementMonth


@admin.register(CommissionSettings)
class CommissionSettingsAdmin(SimpleHistoryAdmin):
    """COM-5's settings per sales site: the largest commission as a share of the price, and whether a salesperson's
    deal waits for the project manager's confirmation. Every change is in the history."""

    list_display = ["site", "max_commission_percent", "confirm_salesperson_deals"]


@admin.register(DealCorrection)
class DealCorrectionAdmin(ReadOnlyAdmin):
    """Cancellations and amount corrections are made on the deal's page (COM-5), where the ledger follows."""

    list_display = ["deal", "kind", "commission_before", "commission_after", "reason", "recorded_by", "recorded_at"]
    list_select_related = ["deal__client", "recorded_by"]


@admin.register(Deal)
class DealAdmin(ReadOnlyAdmin):
    """Read-only: a deal's money moves only through its splits (COM-4, ATT-DISP-1) and a change of unit or buyer
    through ATT-CHANGE, both in the app, where every step is kept."""

    list_display = ["signed_at", "site", "unit", "client", "salesperson", "commission", "split_status"]
    list_filter = ["site", "split_status"]
    search_fields = ["unit", "contract_no", "client__name"]
    list_select_related = ["site", "client", "salesperson"]


@admin.register(Split)
class SplitAdmin(ReadOnlyAdmin):
    list_display = ["deal", "number", "status", "reason", "made_at"]
    list_filter = ["status", "reason"]
    list_select_related = ["deal__client"]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["month", "party", "user", "amount", "entry_kind", "deal", "posted_at"]
    list_filter = ["month", "party", "entry_kind"]
    list_select_related = ["month", "user", "deal__client"]


@admin.register(DealChange)
class DealChangeAdmin(ReadOnlyAdmin):
    list_display = ["deal", "unit_before", "unit_after", "recorded_by", "recorded_at"]
    list_select_related = ["deal__client", "recorded_by"]


@admin.register(StatementMonth)
class StatementMonthAdmin(ReadOnlyAdmin):
    """Months are closed in the app (in order, once ended), never reopened."""

    list_display = ["month", "closed_at", "closed_by"]
