"""The monthly commission statement as a workbook (COM-4), for payroll and for signing."""

from collections.abc import Iterable
from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from .selectors import Statement, StatementLine

BOLD = Font(bold=True)
AMOUNT_FORMAT = "#,##0.00"


def statement_xlsx(statement: Statement, lines: Iterable[StatementLine] = ()) -> bytes:
    """One sheet per party kind, every line with the rules that shaped it (COM-1..3), the deals on hold and those not
    confirmed yet (COM-5); amounts are numbers with two places.

    Written in openpyxl's write-only mode, each row as it comes: a month's thousands of lines are most of the
    download's time (issue 17), and a workbook held in memory cell by cell took twice as long."""
    book = Workbook(write_only=True)
    _party_sheets(book, statement)
    _lines_sheet(book, lines)
    _pending_sheets(book, statement)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _party_sheets(book: Workbook, statement: Statement) -> None:
    """A sheet per party kind: each party's shares, adjustments and total, and the kind's total."""
    headers = [_("Name"), _("Shares (yuan)"), _("Adjustments (yuan)"), _("Total (yuan)")]
    for title, rows, name_of in (
        (_("Salespeople"), statement.salespeople, lambda r: r.name),
        (_("Referrers"), statement.referrers, lambda r: r.name),
        (_("Public pool"), statement.pool, lambda r: r.site_name),
    ):
        sheet = book.create_sheet(title[:31])
        sheet.column_dimensions["A"].width = 24
        sheet.append([_("Commission statement %(month)s") % {"month": f"{statement.month:%Y-%m}"}])
        sheet.append(_bold(sheet, headers))
        for row in rows:
            sheet.append([name_of(row), *_amounts(sheet, row.shares, row.adjustments, row.total)])
        sheet.append([_("Total"), None, None, *_amounts(sheet, sum((r.total for r in rows), 0))])


def _lines_sheet(book: Workbook, lines: Iterable[StatementLine]) -> None:
    """Every line with the rules that shaped it (COM-1..3) and why, written as the lines come."""
    detail = book.create_sheet(_("Lines")[:31])
    detail.append(
        _bold(
            detail,
            [_("Site"), _("Unit"), _("Client"), _("Party"), _("Kind"), _("Amount (yuan)"), _("Rules"), _("Why")],
        )
    )
    for line in lines:
        detail.append(
            [
                line.site_name,
                line.unit,
                line.client_name,
                line.user_name or _("Public pool"),
                line.entry_kind,
                *_amounts(detail, line.amount),
                ", ".join(line.rule_ids),
                line.reason,
            ]
        )


def _pending_sheets(book: Workbook, statement: Statement) -> None:
    """The deals on hold and those not confirmed yet (COM-5): in no statement yet, listed with their totals."""
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


def _bold(sheet, values: list) -> list[WriteOnlyCell]:
    cells = [WriteOnlyCell(sheet, value=value) for value in values]
    for cell in cells:
        cell.font = BOLD
    return cells


def _amounts(sheet, *values) -> list[WriteOnlyCell]:
    cells = [WriteOnlyCell(sheet, value=value) for value in values]
    for cell in cells:
        cell.number_format = AMOUNT_FORMAT
    return cells
