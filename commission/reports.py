"""The monthly commission statement as a workbook (COM-4), for payroll and for signing."""

from collections.abc import Iterable
from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from salesoffice.models import display_name

from .selectors import Statement


def statement_xlsx(statement: Statement, lines: Iterable[tuple] = ()) -> bytes:
    """One sheet per party kind, every line with the rules that shaped it (COM-1..3), the deals on hold and those not
    confirmed yet (COM-5); amounts are numbers with two places."""
    book = Workbook()
    book.remove(book.active)
    headers = [_("Name"), _("Shares (yuan)"), _("Adjustments (yuan)"), _("Total (yuan)")]
    for title, rows, name_of in (
        (_("Salespeople"), statement.salespeople, lambda r: r.name),
        (_("Referrers"), statement.referrers, lambda r: r.name),
        (_("Public pool"), statement.pool, lambda r: r.site_name),
    ):
        sheet = book.create_sheet(title[:31])
        sheet.append([_("Commission statement %(month)s") % {"month": f"{statement.month:%Y-%m}"}])
        sheet.append(headers)
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([name_of(row), row.shares, row.adjustments, row.total])
        sheet.append([_("Total"), None, None, sum((r.total for r in rows), 0)])
        for column in ("B", "C", "D"):
            for cell in sheet[column][2:]:
                cell.number_format = "#,##0.00"
        sheet.column_dimensions["A"].width = 24
    detail = book.create_sheet(_("Lines")[:31])
    detail.append([_("Site"), _("Unit"), _("Client"), _("Party"), _("Kind"), _("Amount (yuan)"), _("Rules"), _("Why")])
    for cell in detail[1]:
        cell.font = Font(bold=True)
    for entry, rule_ids, reason in lines:
        party = display_name(entry.user) if entry.user else _("Public pool")
        detail.append(
            [
                entry.deal.site.name,
                entry.deal.unit,
                entry.deal.client.name,
                party,
                entry.get_entry_kind_display(),
                entry.amount,
                ", ".join(rule_ids),
                reason,
            ]
        )
    for cell in detail["F"][1:]:
        cell.number_format = "#,##0.00"
    held = book.create_sheet(_("On hold")[:31])
    held.append([_("Site"), _("Unit"), _("Client"), _("Signed"), _("Commission (yuan)"), _("Status")])
    for deal in statement.held:
        held.append(
            [
                deal.site_name,
                deal.unit,
                deal.client_name,
                deal.signed_at.date(),
                deal.commission,
                deal.get_split_status_display(),
            ]
        )
    if statement.held_not_shown:
        held.append([_("%(n)d more deals on hold are not listed.") % {"n": statement.held_not_shown}])
    held.append([_("Total on hold"), None, None, None, statement.held_total])
    unconfirmed = book.create_sheet(_("Not confirmed")[:31])
    unconfirmed.append([_("Site"), _("Unit"), _("Client"), _("Signed"), _("Commission (yuan)")])
    for deal in statement.unconfirmed:
        unconfirmed.append([deal.site_name, deal.unit, deal.client_name, deal.signed_at.date(), deal.commission])
    unconfirmed.append([_("Total not confirmed"), None, None, None, statement.unconfirmed_total])
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
