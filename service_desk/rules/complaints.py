"""SVC-COMP-1 and SVC-CB-1: a complaint's corrective action, inspection, liaison, signed-off result and the callback
after it."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from .base import Refusal, _when, elsewhere_refusal


def corrective_action_refusals(
    *,
    major: bool,
    corrective_action: str,
    responsible_named: bool,
    responsible_elsewhere: bool,
    due_at: dt.datetime | None,
    now: dt.datetime,
) -> list[Refusal]:
    """The office head sets a major complaint's corrective action, a responsible person of this office and a
    deadline that is not past.

    Applies: SVC-COMP-1.
    """
    refusals = []
    if not major:
        refusals.append(Refusal("SVC-COMP-1", _("SVC-COMP-1: only a major complaint goes to the office head.")))
    if not corrective_action.strip():
        refusals.append(Refusal("SVC-COMP-1", _("Describe the corrective action."), "corrective_action"))
    if not responsible_named:
        refusals.append(Refusal("SVC-COMP-1", _("Name the responsible person."), "responsible"))
    elif responsible_elsewhere:
        refusals.append(elsewhere_refusal("SVC-COMP-1", "responsible"))
    if due_at is None:
        refusals.append(Refusal("SVC-COMP-1", _("Set the deadline."), "due_at"))
    elif due_at < now:
        refusals.append(Refusal("SVC-COMP-1", _("SVC-COMP-1: the deadline cannot be in the past."), "due_at"))
    return refusals


def inspection_refusals(*, findings: str, corrective_report: str) -> list[Refusal]:
    """An on-site inspection records what was found and its corrective-action report.

    Applies: SVC-COMP-1.
    """
    refusals = []
    if not findings.strip():
        refusals.append(Refusal("SVC-COMP-1", _("Record what was found on site."), "findings"))
    if not corrective_report.strip():
        refusals.append(Refusal("SVC-COMP-1", _("Write the corrective-action report."), "corrective_report"))
    return refusals


def liaison_refusals(*, liaison: str) -> list[Refusal]:
    """A complaint involving another organisation records the explanation, apology and liaison.

    Applies: SVC-COMP-1.
    """
    if not liaison.strip():
        return [Refusal("SVC-COMP-1", _("Record the explanation and the liaison."), "liaison")]
    return []


def liaison_log(*, previous: str, liaison: str, now: dt.datetime, zone: ZoneInfo) -> str:
    """The liaison log grows by one stamped line (office time); earlier lines are kept."""
    return (previous + "\n" if previous else "") + f"[{_when(now, zone)}] {liaison.strip()}"


def sign_off_refusals(*, resolution: str, resolved: bool | None) -> list[Refusal]:
    """SVC-COMP-1 (Decision): the result is recorded and signed off by the person who resolved it; a non-result
    ("not ours", "could not be done") is never signed off: the complaint stays open with its department.

    Applies: SVC-COMP-1.
    """
    refusals = []
    if not resolution.strip():
        refusals.append(Refusal("SVC-COMP-1", _("Record the result."), "resolution"))
    if resolved is None:
        refusals.append(Refusal("SVC-COMP-1", _("SVC-COMP-1: say whether the complaint was resolved."), "resolved"))
    elif not resolved:
        refusals.append(
            Refusal(
                "SVC-COMP-1",
                _(
                    "SVC-COMP-1: only a result is signed off. A complaint that is not resolved stays open: route it "
                    "to the responsible department, or record the corrective action."
                ),
                "resolved",
            )
        )
    return refusals


def complaint_sign_off_refusals(
    *, signed_off_already: bool, resolution: str, resolved: bool | None, other_organisation: str, liaison: str
) -> list[Refusal]:
    """Whether the result may be signed off: once, a result (not a non-result), and after the liaison with another
    organisation involved.

    Applies: SVC-COMP-1.
    """
    refusals = []
    if signed_off_already:
        refusals.append(Refusal("SVC-COMP-1", _("The result is signed off already.")))
    refusals += sign_off_refusals(resolution=resolution, resolved=resolved)
    if other_organisation and not liaison:
        refusals.append(
            Refusal(
                "SVC-COMP-1",
                _("SVC-COMP-1: record the explanation and liaison with %(org)s first.") % {"org": other_organisation},
            )
        )
    return refusals


def complaint_callback_refusals(
    *, signed_off: bool, called_back_already: bool, satisfied: bool, reopen: bool, explanation: str
) -> list[Refusal]:
    """The resident is called back once per signed-off result; a dissatisfied one's complaint is reopened or the
    reason explained.

    Applies: SVC-CB-1.
    """
    refusals = []
    if not signed_off:
        refusals.append(Refusal("SVC-CB-1", _("SVC-CB-1: the resident is called back once the result is signed off.")))
    elif called_back_already:
        refusals.append(Refusal("SVC-CB-1", _("This result was called back already.")))
    refusal = complaint_callback_refusal(satisfied=satisfied, reopen=reopen, explanation=explanation)
    if refusal:
        refusals.append(refusal)
    return refusals


def complaint_callback_reopens(*, satisfied: bool, reopen: bool) -> bool:
    """A dissatisfied resident's complaint is reopened when the caller chose to (its result signed off again later).

    Applies: SVC-CB-1.
    """
    return reopen and not satisfied


def complaint_callback_refusal(*, satisfied: bool, reopen: bool, explanation: str) -> Refusal | None:
    """SVC-CB-1: dissatisfaction leads to rectification (the work reopened) or an explanation when it cannot be
    fixed at once.

    Applies: SVC-CB-1.
    """
    if not satisfied and not reopen and len(explanation.strip()) < 10:
        return Refusal(
            "SVC-CB-1",
            _("SVC-CB-1: the resident is not satisfied: reopen the work, or explain why it cannot be fixed at once."),
            "explanation",
        )
    return None
