"""Reads for the desk's pages and the monthly report: bounded queries (annotate, aggregate), no per-row reads."""

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import ObjectDoesNotExist
from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.functional import Promise
from django.utils.translation import get_language

from salesoffice import money
from salesoffice.models import NAME_FIELDS, Site, display_name_of
from salesoffice.roles import ROLE_LABELS, Role
from salesoffice.timeutil import month_bounds

from . import rules
from .models import (
    Appointment,
    Callback,
    Complaint,
    ComplaintCallback,
    Completion,
    DutyOuting,
    DutyShift,
    OfficeSettings,
    RectificationNotice,
    Repair,
    ServiceRequest,
)


def settings_of(site: Site) -> OfficeSettings:
    """The office's settings (defaults when none were saved yet), without writing."""
    try:
        return site.service_settings
    except OfficeSettings.DoesNotExist:
        return OfficeSettings(site=site)


def my_open_items(*, site: Site, user: User) -> QuerySet[ServiceRequest]:
    """SVC-FIRST-1: the open requests the user owns or was routed, soonest reply deadline first."""
    return (
        ServiceRequest.objects.filter(site=site, closed_at__isnull=True)
        .filter(Q(owner=user) | Q(assignee=user))
        .select_related("complaint", "repair")
        .only(
            "id",
            "kind",
            "requester_name",
            "content",
            "registered_at",
            "reply_due_at",
            "department",
            "owner_id",
            "assignee_id",
            "site_id",
            "complaint__severity",
            "complaint__due_at",
            "repair__status",
            "repair__category",
        )
        .order_by("reply_due_at", "pk")
    )


def office_items(*, site: Site, kind: str = "", status: str = "") -> QuerySet[ServiceRequest]:
    items = ServiceRequest.objects.filter(site=site).select_related("owner", "assignee")
    if kind:
        items = items.filter(kind=kind)
    if status == "open":
        items = items.filter(closed_at__isnull=True)
    elif status == "closed":
        items = items.filter(closed_at__isnull=False)
    return items.order_by("-registered_at", "-pk")


def item_detail(*, site: Site, item_id: int) -> ServiceRequest | None:
    """One request with everything its page shows, in a fixed number of queries."""
    item = (
        ServiceRequest.objects.filter(site=site, pk=item_id)
        .select_related(
            "owner", "assignee", "closed_by", "complaint__action_responsible", "complaint__resolved_by", "repair"
        )
        .first()
    )
    if item is None:
        return None
    item.site = site
    item.inspections = []
    item.complaint_callbacks = []
    item.complaint_callback_pending = False
    item.appointments = []
    item.completions = []
    if item.kind == ServiceRequest.Kind.COMPLAINT:
        item.inspections = list(item.complaint.inspections.select_related("inspected_by"))
        item.complaint_callbacks = list(item.complaint.callbacks.select_related("made_by"))
        signed_off = item.complaint.signed_off_at
        item.complaint_callback_pending = signed_off is not None and not any(
            b.made_at >= signed_off for b in item.complaint_callbacks
        )
    if item.kind == ServiceRequest.Kind.REPAIR:
        item.appointments = list(Appointment.objects.filter(repair=item.repair).select_related("made_by"))
        callbacks = Callback.objects.select_related("made_by", "rectification__addressed_to").order_by("made_at", "pk")
        item.completions = list(
            Completion.objects.filter(repair=item.repair)
            .select_related("completed_by")
            .prefetch_related(Prefetch("callbacks", queryset=callbacks))
        )
        for completion in item.completions:
            # SVC-CB-2: each callback role may call the completion back once; SVC-CB-3: each one on time or late,
            # as the monthly report counts it.
            completion.cbs = list(completion.callbacks.all())
            for cb in completion.cbs:
                cb.notice = _notice_of(cb)
                if cb.notice:
                    cb.notice.shown_text = cb.notice.text_in(get_language())
                cb.state = rules.callback_timeliness(made_at=cb.made_at, due_at=completion.callback_due_at)
                cb.role_label = _ROLE_LABELS.get(cb.role, cb.role)
            completion.roles_called = {cb.role for cb in completion.cbs}
            completion.explanation = rules.explain_callback(item.repair.category, completion.callback_due_at, site.zone)
    item.timeline = item_timeline(item)
    item.reply_explanation = rules.explain_reply(item.reply_due_at, site.zone)
    if item.kind == ServiceRequest.Kind.COMPLAINT:
        major = item.complaint.severity == Complaint.Severity.MAJOR
        item.complaint_explanation = rules.explain_complaint(item.complaint.due_at, site.zone, major=major)
        if item.complaint.callback_due_at:
            item.complaint_callback_explanation = rules.explain_complaint_callback(
                item.complaint.callback_due_at, site.zone, major=major
            )
    return item


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    who: object  # a user, or None when the record does not say
    what: str
    detail: str = ""
    effect: bool = False  # a consequence of another entry at the same instant (a reopening): listed after it


# The item's history is kept as long as the item: a cap only guards the page against a runaway row.
TIMELINE_HISTORY_LIMIT = 500


def item_timeline(item: ServiceRequest) -> list[TimelineEntry]:
    """Every state change of a request, oldest first, with who and when: derived from the permanent records already
    loaded on `item` (appointments, completions, callbacks and their notices, inspections, complaint callbacks) and
    the history of the request and its complaint (routing, close, reopening, corrective action, sign-off). One query
    for the request's history, one more for a complaint's."""
    from django.utils.translation import gettext as _

    zone = item.site.zone
    entries = [TimelineEntry(item.registered_at, item.owner, _("registered"), _("first-contact owner (SVC-FIRST-1)"))]
    previous = None
    for row in item.history.select_related("history_user", "assignee").order_by("history_id")[:TIMELINE_HISTORY_LIMIT]:
        if previous is not None:
            if row.routed_at and row.routed_at != previous.routed_at:
                where = row.department + (f" · {display_name_of(*_names(row.assignee))}" if row.assignee_id else "")
                entries.append(TimelineEntry(row.routed_at, row.history_user, _("routed"), where))
            if row.closed_at and previous.closed_at is None:
                what = _("closed: solved") if row.solved else _("closed: not solved")
                entries.append(TimelineEntry(row.closed_at, row.history_user, what, row.reply))
            if previous.closed_at and row.closed_at is None:
                entries.append(TimelineEntry(row.history_date, row.history_user, _("reopened"), effect=True))
        previous = row
    if item.kind == ServiceRequest.Kind.COMPLAINT:
        entries += _complaint_timeline(item)
    for appointment in item.appointments:
        when = rules._when(appointment.scheduled_for, zone)
        if appointment.replaces_id is None:
            entries.append(TimelineEntry(appointment.made_at, appointment.made_by, _("appointment made"), when))
        else:
            detail = _("to %(when)s: %(reason)s; resident told %(method)s") % {
                "when": when,
                "reason": appointment.missed_reason,
                "method": appointment.get_notice_method_display(),
            }
            entries.append(
                TimelineEntry(appointment.made_at, appointment.made_by, _("rescheduled (SVC-REP-2)"), detail)
            )
    for completion in item.completions:
        what = _("repair completed (round %(round)s)") % {"round": completion.round}
        detail = " · ".join(filter(None, [completion.work_done, completion.confirmed_reason]))
        entries.append(TimelineEntry(completion.completed_at, completion.completed_by, what, detail))
        reopened = False
        for cb in completion.cbs:
            verdict = _("satisfied") if cb.satisfied else _("not satisfied")
            timing = _("on time") if cb.state == rules.State.ON_TIME else _("done late")
            what = _("callback by the %(role)s") % {"role": cb.role_label}
            entries.append(TimelineEntry(cb.made_at, cb.made_by, what, f"{verdict} · {timing}"))
            if not cb.satisfied and not reopened and completion.round < item.repair.round:
                reopened = True  # SVC-CB-1: the first dissatisfied callback of the round reopened the work
                entries.append(TimelineEntry(cb.made_at, cb.made_by, _("repair reopened (SVC-CB-1)")))
            if cb.notice:
                to = display_name_of(*_names(cb.notice.addressed_to))
                detail = _("to %(who)s, due %(due)s") % {"who": to, "due": rules._when(cb.notice.due_at, zone)}
                entries.append(
                    TimelineEntry(cb.notice.issued_at, cb.made_by, _("rectification notice (SVC-CB-5)"), detail)
                )
                if cb.notice.rectified_at:
                    entries.append(
                        TimelineEntry(cb.notice.rectified_at, None, _("rectified"), cb.notice.rectified_note)
                    )
    return sorted(entries, key=lambda e: (e.at, e.effect))


def _complaint_timeline(item: ServiceRequest) -> list[TimelineEntry]:
    from django.utils.translation import gettext as _

    entries = []
    previous = None
    rows = item.complaint.history.select_related("history_user").order_by("history_id")
    for row in rows[:TIMELINE_HISTORY_LIMIT]:
        if previous is not None:
            if row.corrective_action and row.corrective_action != previous.corrective_action:
                entries.append(
                    TimelineEntry(row.history_date, row.history_user, _("corrective action set"), row.corrective_action)
                )
            if row.liaison != previous.liaison:
                entries.append(TimelineEntry(row.history_date, row.history_user, _("liaison recorded")))
            if row.signed_off_at and previous.signed_off_at is None:
                entries.append(
                    TimelineEntry(
                        row.signed_off_at, row.history_user, _("result signed off (SVC-COMP-1)"), row.resolution
                    )
                )
            if previous.signed_off_at and row.signed_off_at is None:
                entries.append(
                    TimelineEntry(row.history_date, row.history_user, _("sign-off withdrawn: reopened"), effect=True)
                )
        previous = row
    for inspection in item.inspections:
        entries.append(
            TimelineEntry(
                inspection.inspected_at, inspection.inspected_by, _("on-site inspection"), inspection.findings
            )
        )
    for callback in item.complaint_callbacks:
        verdict = _("satisfied") if callback.satisfied else _("not satisfied")
        entries.append(TimelineEntry(callback.made_at, callback.made_by, _("resident called back (SVC-CB-1)"), verdict))
    return entries


def _names(user: User) -> tuple[str, ...]:
    return tuple(getattr(user, name) for name in NAME_FIELDS)


# The labels by the role's value, as a callback row stores it.
_ROLE_LABELS: dict[str, Promise | str] = {role.value: label for role, label in ROLE_LABELS.items()}


def _notice_of(callback: Callback) -> RectificationNotice | None:
    """A callback's rectification notice (a reverse one-to-one read with select_related), or None when none."""
    try:
        return callback.rectification
    except ObjectDoesNotExist:
        return None


@dataclass
class DutyBoard:
    now_on_duty: list[tuple[DutyShift, rules.OnDuty]]
    upcoming: list[DutyShift]


def duty_board(*, site: Site, now: dt.datetime, upcoming: int = 20) -> DutyBoard:
    """SVC-DUTY-1: who is on duty now and the number to call, and the coming shifts. Two queries."""
    shifts = list(
        DutyShift.objects.filter(site=site, ends_at__gt=now)
        .select_related("person")
        .prefetch_related(Prefetch("outings", queryset=DutyOuting.objects.order_by("-left_at")))
        .order_by("starts_at", "pk")[: upcoming + 20]
    )
    facts: list[dict[str, Any]] = []
    for shift in shifts:
        latest = shift.outings.all()[0] if shift.outings.all() else None
        facts.append(
            {
                "id": shift.pk,
                "person_id": shift.person_id,
                "name": display_name_of(shift.person.first_name, shift.person.last_name, shift.person.username),
                "kind": shift.kind,
                "starts_at": shift.starts_at,
                "ends_at": shift.ends_at,
                "duty_phone": shift.duty_phone,
                "outing": None
                if latest is None
                else {
                    "left_at": latest.left_at,
                    "returned_at": latest.returned_at,
                    "forwarded_to": latest.forwarded_to,
                    "radio": latest.radio,
                },
            }
        )
    by_id = {s.pk: s for s in shifts}
    on_duty = [f for f in facts if f["starts_at"] <= now < f["ends_at"]]
    calls = rules.who_to_call(shifts=on_duty, now=now)
    return DutyBoard(
        now_on_duty=[(by_id[f["id"]], call) for f, call in zip(on_duty, calls, strict=True)],
        upcoming=[s for s in shifts if s.starts_at > now][:upcoming],
    )


def pending_callbacks(*, site: Site, role: Role | None, since: dt.datetime) -> QuerySet[Completion]:
    """SVC-CB-3: completed repairs awaiting a callback, soonest deadline first: those nobody called back yet, and
    (SVC-CB-2, each role counting its own) those completed since `since` that the viewer's role has not called back;
    `called` counts the callbacks already made by other roles.

    Each of the office's completions is probed for its callbacks through the (completion, role) unique index (a
    correlated count, which the planner cannot turn into a hash of the table): a join, or NOT EXISTS under the OR,
    made it hash every office's callbacks on each view."""
    callbacks = Callback.objects.filter(completion=OuterRef("pk"))
    called = callbacks.order_by().values("completion").annotate(n=Count("pk")).values("n")
    pending = Completion.objects.filter(site=site).annotate(called=Coalesce(Subquery(called), 0))
    if role is None:
        pending = pending.filter(called=0)
    else:
        pending = pending.filter(Q(called=0) | Q(completed_at__gte=since)).exclude(
            Exists(callbacks.filter(role=role.value))
        )
    return pending.select_related("repair__request", "completed_by").order_by("callback_due_at", "pk")


def rectification_notices(*, site: Site, user: User, everyone: bool) -> QuerySet[RectificationNotice]:
    notices = RectificationNotice.objects.filter(site=site).select_related(
        "addressed_to", "callback__completion__repair__request"
    )
    if not everyone:
        notices = notices.filter(addressed_to=user)
    return notices.order_by(F("rectified_at").asc(nulls_first=True), "due_at", "pk")


def user_names(user_ids: Iterable[int]) -> dict[int, str]:
    rows = get_user_model().objects.filter(pk__in=set(user_ids)).values_list("pk", *NAME_FIELDS)
    return {pk: display_name_of(*names) for pk, *names in rows}


# --- the monthly report (SVC-CB-1, SVC-CB-2) --------------------------------------------------------------------


def _minimums(site: Site) -> dict[Role, int]:
    settings = settings_of(site)
    return {
        Role.OFFICE_DIRECTOR: settings.rate_director,
        Role.ADMINISTRATOR: settings.rate_administrator,
        Role.REPAIR_LEAD: settings.rate_repair_lead,
    }


def callback_rates_for_month(*, site: Site, year: int, month: int) -> list[rules.RoleRate]:
    """SVC-CB-2: over the repairs completed in the month, each callback role's callbacks. One query (and the
    office's settings)."""
    start, end = month_bounds(year, month, site.zone)
    figures = Completion.objects.filter(site=site, completed_at__gte=start, completed_at__lt=end).aggregate(
        completed=Count("pk", distinct=True), **_by_role("callbacks")
    )
    return _rates(site, figures)


def _by_role(path: str) -> dict[str, Count]:
    """SVC-CB-2: one conditional count per callback role, over the callbacks reached by `path`."""
    return {f"role_{r.value}": Count(path, filter=Q(**{f"{path}__role": r.value})) for r in rules.CALLBACK_ROLES}


def _rates(site: Site, figures: Mapping[str, Any]) -> list[rules.RoleRate]:
    by_role = {r.value: figures[f"role_{r.value}"] for r in rules.CALLBACK_ROLES}
    return rules.callback_rates(completed=figures["completed"], callbacks_by_role=by_role, minimums=_minimums(site))


def my_callbacks_in_month(*, site: Site, user: User, year: int, month: int) -> int:
    """SVC-CB-2: the person's own callbacks of the repairs completed in the month (shown beside the role's rate)."""
    start, end = month_bounds(year, month, site.zone)
    return Callback.objects.filter(
        made_by=user, completion__site=site, completion__completed_at__gte=start, completion__completed_at__lt=end
    ).count()


@dataclass
class MonthlyReport:
    site: Site
    year: int
    month: int
    by_kind: list[tuple[str, str, int]]  # (kind, label, count)
    complaints_by_category: list[tuple[str, int]]
    repairs_by_category: list[tuple[str, int]]
    replies: dict[str, float]  # total, on_time, late, open, rate
    complaints: dict[str, float]
    callbacks: dict[str, float]
    overdue: list[ServiceRequest]
    rates: list[rules.RoleRate]
    per_person: list[tuple[str, str, int]] = field(default_factory=list)  # (role, name, callbacks)

    @property
    def total(self) -> int:
        return sum(n for _k, _l, n in self.by_kind)


def _rate(part: float, whole: float) -> float:
    return money.percent_of(part, whole)


def _choice_rows(
    figures: Mapping[str, int], key: str, choices: Iterable[tuple[str, Promise | str]]
) -> list[tuple[str, int]]:
    """(label, count) of the choices that occur, in the order of their values (as the report always listed them)."""
    return [(str(label), figures[f"{key}_{value}"]) for value, label in sorted(choices) if figures[f"{key}_{value}"]]


def _filtered_counts(key: str, column: str, values: Iterable[str]) -> list[str]:
    """One conditional count per value of `column`, named `<key>_<value>` (the values are the code's choices)."""
    for value in values:
        if not value.isidentifier():  # written into the statement: only the code's own plain choice values
            raise ValueError(f"not a plain choice value: {value!r}")
    return [f"count(*) FILTER (WHERE {column} = '{value}') AS {key}_{value}" for value in values]


def _month_parts() -> dict[str, list[str]]:
    """The columns of each part of the month's figures (see _month_statement), as SQL: the conditional counts."""
    kinds = [k for k, _l in ServiceRequest.Kind.choices]
    complaint_categories = [c for c, _l in Complaint.Category.choices]
    repair_categories = [c for c, _l in Repair.Category.choices]
    roles = [r.value for r in rules.CALLBACK_ROLES]
    return {
        "requests": [
            "count(*) AS total",
            "count(*) FILTER (WHERE replied_at <= reply_due_at) AS on_time",
            "count(*) FILTER (WHERE replied_at > reply_due_at) AS late",
            "count(*) FILTER (WHERE replied_at IS NULL AND reply_due_at < %(cutoff)s) AS overdue",
            *_filtered_counts("kind", "kind", kinds),
        ],
        "complaints": [
            "count(*) AS complaints",
            "count(*) FILTER (WHERE severity = 'major') AS major",
            "count(*) FILTER (WHERE signed_off_at <= due_at) AS complaints_on_time",
            "count(*) FILTER (WHERE signed_off_at IS NULL AND due_at < %(cutoff)s) AS complaints_overdue",
            *_filtered_counts("ccat", "category", complaint_categories),
        ],
        "complaint_callbacks": [
            "count(*) AS complaints_called",
            "count(*) FILTER (WHERE x.satisfied) AS complaints_satisfied",
        ],
        "repairs": _filtered_counts("rcat", "p.category", repair_categories),
        "completions": [
            "count(*) AS completed",
            "count(*) FILTER (WHERE comp.id IN (SELECT completion_id FROM cb)) AS called",
            "count(*) FILTER (WHERE comp.id NOT IN (SELECT completion_id FROM cb)"
            " AND callback_due_at < %(cutoff)s) AS callbacks_overdue",
        ],
        "callbacks": [
            "count(*) AS made",
            "count(*) FILTER (WHERE made_at <= callback_due_at) AS callbacks_on_time",
            "count(*) FILTER (WHERE satisfied) AS callbacks_satisfied",
            *_filtered_counts("role", "role", roles),
        ],
    }


def _month_statement() -> tuple[str, list[str]]:
    """The monthly report's figures as one statement, and the names of its columns (see monthly_report)."""
    parts = _month_parts()
    names = [part.rsplit(" AS ", 1)[1] for columns in parts.values() for part in columns]
    names += ["person_role", "person_id", *NAME_FIELDS, "n"]
    request, complaint, repair = ServiceRequest._meta.db_table, Complaint._meta.db_table, Repair._meta.db_table
    completion, callback = Completion._meta.db_table, Callback._meta.db_table
    user = get_user_model()._meta.db_table
    statement = f"""
WITH m AS (
  SELECT id, kind, replied_at, reply_due_at FROM {request}
  WHERE site_id = %(site)s AND registered_at >= %(start)s AND registered_at < %(end)s),
c AS (SELECT c.id, c.category, c.severity, c.signed_off_at, c.due_at FROM {complaint} c JOIN m ON m.id = c.request_id),
comp AS (
  SELECT id, callback_due_at FROM {completion}
  WHERE site_id = %(site)s AND completed_at >= %(start)s AND completed_at < %(end)s),
cb AS (
  SELECT b.completion_id, b.role, b.made_by_id, b.made_at, b.satisfied, comp.callback_due_at
  FROM {callback} b JOIN comp ON comp.id = b.completion_id),
figures AS (
  SELECT * FROM
    (SELECT {", ".join(parts["requests"])} FROM m) AS requests,
    (SELECT {", ".join(parts["complaints"])} FROM c) AS complaints,
    (SELECT {", ".join(parts["complaint_callbacks"])}
       FROM {ComplaintCallback._meta.db_table} x JOIN c ON c.id = x.complaint_id) AS complaint_callbacks,
    (SELECT {", ".join(parts["repairs"])}
       FROM m JOIN {repair} p ON p.request_id = m.id WHERE m.kind = 'repair') AS repairs,
    (SELECT {", ".join(parts["completions"])} FROM comp) AS completions,
    (SELECT {", ".join(parts["callbacks"])} FROM cb) AS callbacks),
people AS (
  SELECT cb.role, cb.made_by_id, u.first_name, u.last_name, u.username, count(*) AS n
  FROM cb JOIN {user} u ON u.id = cb.made_by_id
  GROUP BY cb.role, cb.made_by_id, u.first_name, u.last_name, u.username)
SELECT figures.*, people.* FROM figures LEFT JOIN people ON 1 = 1
ORDER BY people.role, people.n DESC, people.made_by_id"""
    return statement, names


# Built once: composing it is pure string work, and the ORM spent several times the statement's own time compiling
# the ~45 conditional counts on every report (issue 17).
MONTH_STATEMENT, MONTH_COLUMNS = _month_statement()


def _month_figures(
    site: Site, start: dt.datetime, end: dt.datetime, cutoff: dt.datetime
) -> tuple[dict[str, Any], list[tuple[Any, ...]]]:
    """The month's figures (a dict by column name) and the callbacks per person, (role, user id, names..., n), most
    first within each role: one statement."""
    ops = connection.ops
    params = {
        "site": site.pk,
        "start": ops.adapt_datetimefield_value(start),
        "end": ops.adapt_datetimefield_value(end),
        "cutoff": ops.adapt_datetimefield_value(cutoff),
    }
    with connection.cursor() as cursor:
        cursor.execute(MONTH_STATEMENT, params)
        rows = cursor.fetchall()
    person_at = MONTH_COLUMNS.index("person_role")
    figures = dict(zip(MONTH_COLUMNS[:person_at], rows[0][:person_at], strict=True))
    people = [row[person_at:] for row in rows if row[person_at] is not None]
    return figures, people


def monthly_report(*, site: Site, year: int, month: int, now: dt.datetime, overdue_limit: int = 50) -> MonthlyReport:
    """Requests by kind and category, on-time rates, overdue items, callbacks and satisfaction, and callback-rate
    compliance per role (SVC-CB-1/2), for the requests registered and repairs completed in the month.

    The figures are one statement (`MONTH_STATEMENT`): the month's requests, their complaints and the complaints'
    callbacks, the repairs' categories, the month's completions and their callbacks (SVC-CB-2/3: also each role's
    count for the rates, and each person's), each counted once by conditional counts over the office-and-month
    indexes; Python only names and formats them. Then the overdue list: two queries whatever the history (and the
    office's settings, for the minimum rates, unless the office was read with them)."""
    start, end = month_bounds(year, month, site.zone)
    cutoff = min(now, end)  # a month still running is judged as of now
    figures, people = _month_figures(site, start, end, cutoff)
    by_kind = [(k, str(label), figures[f"kind_{k}"]) for k, label in ServiceRequest.Kind.choices]
    replies = {key: figures[key] for key in ("total", "on_time", "late", "overdue")}
    replies["rate"] = _rate(replies["on_time"], replies["total"])
    complaints = {
        "total": figures["complaints"],
        "major": figures["major"],
        "on_time": figures["complaints_on_time"],
        "overdue": figures["complaints_overdue"],
        "called": figures["complaints_called"],
        "satisfied": figures["complaints_satisfied"],
    }
    complaints["rate"] = _rate(complaints["on_time"], complaints["total"])
    complaints["satisfaction"] = _rate(complaints["satisfied"], complaints["called"])
    callbacks = _callback_figures(figures)
    rates = _rates(site, callbacks)  # the office's settings come with the office (access.office_or_403)
    callbacks["rate"] = _rate(callbacks["called"], callbacks["completed"])
    callbacks["on_time_rate"] = _rate(callbacks["on_time"], callbacks["made"])
    callbacks["satisfaction"] = _rate(callbacks["satisfied"], callbacks["made"])
    return MonthlyReport(
        site=site,
        year=year,
        month=month,
        by_kind=by_kind,
        complaints_by_category=_choice_rows(figures, "ccat", Complaint.Category.choices),
        repairs_by_category=_choice_rows(figures, "rcat", Repair.Category.choices),
        replies=replies,
        complaints=complaints,
        callbacks=callbacks,
        overdue=_overdue(site, cutoff, overdue_limit),
        rates=rates,
        per_person=[(role, display_name_of(*names), n) for role, _uid, *names, n in people],
    )


def _callback_figures(figures: Mapping[str, Any]) -> dict[str, float]:
    """SVC-CB-2: a repair may be called back by each callback role: "called" counts repairs called back at least
    once; "made" every callback, each on time or late against the completion's deadline (SVC-CB-3)."""
    return {
        "completed": figures["completed"],
        "called": figures["called"],
        "overdue": figures["callbacks_overdue"],
        "made": figures["made"],
        "on_time": figures["callbacks_on_time"],
        "satisfied": figures["callbacks_satisfied"],
        **{f"role_{r.value}": figures[f"role_{r.value}"] for r in rules.CALLBACK_ROLES},
    }


def _overdue(site: Site, cutoff: dt.datetime, limit: int) -> list[ServiceRequest]:
    """The requests still unanswered past their reply deadline (SVC-FIRST-1), most overdue first: one query."""
    return list(
        ServiceRequest.objects.filter(
            site=site, closed_at__isnull=True, reply_due_at__lt=cutoff, replied_at__isnull=True
        )
        .select_related("owner")
        # What the list shows: the request and its first-contact owner's names, not the whole rows.
        .only("id", "kind", "requester_name", "reply_due_at", "owner", *(f"owner__{name}" for name in NAME_FIELDS))
        .order_by("reply_due_at")[:limit]
    )
