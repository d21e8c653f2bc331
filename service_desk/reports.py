"""The monthly report as an xlsx workbook (SVC-CB-1: monthly statistics go to the department head)."""

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from salesoffice.models import display_name_of
from salesoffice.roles import ROLE_LABELS

from .selectors import MonthlyReport

BOLD = Font(bold=True)


def monthly_report_xlsx(report: MonthlyReport) -> bytes:
    """The report's summary sheet (counts, on-time rates, callbacks and the roles' compliance) and its overdue list."""
    book = Workbook()
    sheet = book.active
    sheet.title = _("Summary")[:31]
    sheet.append([_("Service desk monthly report"), report.site.name, f"{report.year}-{report.month:02d}"])
    sheet.cell(row=1, column=1).font = BOLD
    _counts(sheet, report)
    _on_time(sheet, report)
    _callbacks(sheet, report)
    _overdue(book.create_sheet(_("Overdue")[:31]), report)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _heading(sheet: Worksheet, text: str) -> None:
    sheet.append([])
    sheet.append([text])
    sheet.cell(row=sheet.max_row, column=1).font = BOLD


def _counts(sheet: Worksheet, report: MonthlyReport) -> None:
    _heading(sheet, _("Requests by kind"))
    for _kind, label, count in report.by_kind:
        sheet.append([label, count])
    _heading(sheet, _("Complaints by category"))
    for label, count in report.complaints_by_category:
        sheet.append([label, count])
    _heading(sheet, _("Repairs by category"))
    for label, count in report.repairs_by_category:
        sheet.append([label, count])


def _on_time(sheet: Worksheet, report: MonthlyReport) -> None:
    _heading(sheet, _("On time"))
    sheet.append(
        [
            _("Replies on time (SVC-FIRST-1)"),
            report.replies["on_time"],
            report.replies["total"],
            report.replies["rate"] / 100,
        ]
    )
    sheet.append(
        [
            _("Complaints resolved on time (SVC-COMP-1)"),
            report.complaints["on_time"],
            report.complaints["total"],
            report.complaints["rate"] / 100,
        ]
    )
    sheet.append(
        [
            _("Callbacks on time (SVC-CB-3)"),
            report.callbacks["on_time"],
            report.callbacks["made"],
            report.callbacks["on_time_rate"] / 100,
        ]
    )


def _callbacks(sheet: Worksheet, report: MonthlyReport) -> None:
    _heading(sheet, _("Callbacks and satisfaction"))
    sheet.append([_("Completed repairs"), report.callbacks["completed"]])
    sheet.append([_("Called back"), report.callbacks["called"]])
    sheet.append([_("Satisfied"), report.callbacks["satisfied"]])
    sheet.append([_("Satisfaction"), report.callbacks["satisfaction"] / 100])
    sheet.append([_("Complaints called back (SVC-CB-1)"), report.complaints["called"]])
    sheet.append([_("Complaint satisfaction"), report.complaints["satisfaction"] / 100])
    _heading(sheet, _("Callback-rate compliance (SVC-CB-2)"))
    sheet.append([_("Role"), _("Callbacks"), _("Completed repairs"), _("Rate %"), _("Minimum %"), _("Met")])
    for rate in report.rates:
        sheet.append(
            [
                str(ROLE_LABELS[rate.role]),
                rate.callbacks,
                rate.completed,
                float(rate.rate),
                rate.minimum,
                _("yes") if rate.compliant else _("no"),
            ]
        )


def _overdue(overdue: Worksheet, report: MonthlyReport) -> None:
    overdue.append(["#", _("Kind"), _("Resident"), _("First-contact owner"), _("Reply due")])
    for item in report.overdue:
        overdue.append(
            [
                item.pk,
                item.get_kind_display(),
                item.requester_name,
                display_name_of(item.owner.first_name, item.owner.last_name, item.owner.username),
                item.reply_due_at.astimezone(report.site.zone).replace(tzinfo=None),
            ]
        )
