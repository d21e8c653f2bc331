"""The SVC-* deadlines: computed once, when the event happens, and stored with the item (a later change of a setting
never rewrites one); the `explain_*` sentences read a stored deadline back to a manager."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from salesoffice.timeutil import end_of_day, local_day

from .base import Deadline, State, _day, _when


def reply_deadline(*, registered_at: dt.datetime, reply_hours: int, zone: ZoneInfo) -> Deadline:
    """SVC-FIRST-1: the owner replies within the office's limit, counted from registration.

    Decides: SVC-FIRST-1.
    """
    due = registered_at + dt.timedelta(hours=reply_hours)
    return Deadline(
        due,
        "SVC-FIRST-1",
        _("SVC-FIRST-1: the first-contact owner replies within %(hours)s hours, by %(due)s.")
        % {"hours": reply_hours, "due": _when(due, zone)},
    )


def complaint_deadline(*, registered_at: dt.datetime, major: bool, hours: int, zone: ZoneInfo) -> Deadline:
    """SVC-COMP-1: the responsible department resolves the complaint within the limit for its severity.

    Decides: SVC-COMP-1.
    """
    due = registered_at + dt.timedelta(hours=hours)
    text = (
        _("SVC-COMP-1: a major complaint, reported to the office head; resolve within %(hours)s hours, by %(due)s.")
        if major
        else _("SVC-COMP-1: resolve within %(hours)s hours, by %(due)s.")
    )
    return Deadline(due, "SVC-COMP-1", text % {"hours": hours, "due": _when(due, zone)})


def callback_days(category: str, *, safety: int, water: int, other: int) -> int:
    """SVC-CB-3: the office's callback limit in days for the repair's category.

    Decides: SVC-CB-3.
    """
    return {"safety": safety, "water": water}.get(category, other)


def callback_deadline(*, completed_at: dt.datetime, category: str, days: int, zone: ZoneInfo) -> Deadline:
    """SVC-CB-3: "within N days" ends with the N-th calendar day after the day of completion (site zone).

    Applies: SVC-CB-3.
    """
    day = local_day(completed_at, zone) + dt.timedelta(days=days)
    labels = {"safety": _("safety facility"), "water": _("water leak"), "other": _("other repair")}
    return Deadline(
        end_of_day(day, zone),
        "SVC-CB-3",
        _("SVC-CB-3: %(category)s, callback due by the end of %(day)s (%(days)s days after completion).")
        % {"category": labels.get(category, labels["other"]), "day": _day(day), "days": days},
    )


def complaint_callback_deadline(*, signed_off_at: dt.datetime, major: bool, days: int, zone: ZoneInfo) -> Deadline:
    """SVC-CB-1: the resident is called back after the complaint is resolved, sooner for a major one; "within N days"
    ends with the N-th calendar day after the sign-off (office time zone), as SVC-CB-3 reads it.

    Decides: SVC-CB-1.
    """
    day = local_day(signed_off_at, zone) + dt.timedelta(days=days)
    text = (
        _("SVC-CB-1: major complaint, call the resident back by the end of %(day)s.")
        if major
        else _("SVC-CB-1: call the resident back by the end of %(day)s.")
    )
    return Deadline(end_of_day(day, zone), "SVC-CB-1", text % {"day": _day(day)})


def complaint_hours(*, major: bool, major_hours: int, minor_hours: int) -> int:
    """SVC-COMP-1: the office's limit for the complaint's severity (a major one has its own, shorter limit).

    Applies: SVC-COMP-1.
    """
    return major_hours if major else minor_hours


def complaint_callback_days(*, major: bool, major_days: int, minor_days: int) -> int:
    """SVC-CB-1: the office's callback limit for the complaint's severity (sooner for a major one).

    Applies: SVC-CB-1.
    """
    return major_days if major else minor_days


def rectification_deadline(*, callback_at: dt.datetime, hours: int, zone: ZoneInfo) -> Deadline:
    """SVC-CB-5: the repair staff rectify within 24 hours of the callback being recorded.

    Decides: SVC-CB-5.
    """
    due = callback_at + dt.timedelta(hours=hours)
    return Deadline(
        due,
        "SVC-CB-5",
        _("SVC-CB-5: written rectification notice to the repair staff, due within %(hours)s hours, by %(due)s.")
        % {"hours": hours, "due": _when(due, zone)},
    )


def callback_timeliness(*, made_at: dt.datetime, due_at: dt.datetime) -> str:
    """SVC-CB-3: a callback made by its deadline's last instant is on time, after it late, as the monthly report
    counts it (the repair page shows the same).

    Applies: SVC-CB-3.
    """
    return State.ON_TIME if made_at <= due_at else State.LATE


def explain_reply(due_at: dt.datetime, zone: ZoneInfo) -> str:
    return _("SVC-FIRST-1: the first-contact owner replies to the resident by %(due)s.") % {"due": _when(due_at, zone)}


def explain_complaint(due_at: dt.datetime, zone: ZoneInfo, *, major: bool) -> str:
    if major:
        return _("SVC-COMP-1: major complaint, reported to the office head; resolve by %(due)s.") % {
            "due": _when(due_at, zone)
        }
    return _("SVC-COMP-1: the responsible department resolves it by %(due)s.") % {"due": _when(due_at, zone)}


def explain_callback(category: str, due_at: dt.datetime, zone: ZoneInfo) -> str:
    labels = {"safety": _("safety facility"), "water": _("water leak"), "other": _("other repair")}
    return _("SVC-CB-3: %(category)s, callback due by the end of %(day)s.") % {
        "category": labels.get(category, labels["other"]),
        "day": _day(local_day(due_at, zone)),
    }


def explain_complaint_callback(due_at: dt.datetime, zone: ZoneInfo, *, major: bool) -> str:
    day = _day(local_day(due_at, zone))
    if major:
        return _("SVC-CB-1: major complaint, call the resident back by the end of %(day)s.") % {"day": day}
    return _("SVC-CB-1: call the resident back by the end of %(day)s.") % {"day": day}
