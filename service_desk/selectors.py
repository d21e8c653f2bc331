"""Reads for the desk's pages and the monthly report: bounded queries (annotate, aggregate), no per-row reads."""

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
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


def my_open_items(*, site: Site, user) -> QuerySet[ServiceRequest]:
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
                cb.notice = _related(cb, "rectification")
                if cb.notice:
                    cb.notice.shown_text = cb.notice.text_in(get_language())
                cb.state = rules.callback_timeliness(made_at=cb.made_at, due_at=completion.callback_due_at)
                cb.role_label = ROLE_LABELS.get(cb.role, cb.role)
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


def _names(user) -> tuple:
    return tuple(getattr(user, name) for name in NAME_FIELDS)


def _related(obj, name: str):
    """A reverse one-to-one read with select_related, or None when there is none."""
    try:
        return getattr(obj, name)
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
    facts = []
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


def rectification_notices(*, site: Site, user, everyone: bool) -> QuerySet[RectificationNotice]:
    notices = RectificationNotice.objects.filter(site=site).select_related(
        "addressed_to", "callback__completion__repair__request"
    )
    if not everyone:
        notices = notices.filter(addressed_to=user)
    return notices.order_by(F("rectified_at").asc(nulls_first=True), "due_at", "pk")


def user_names(user_ids) -> dict[int, str]:
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


def _by_role(path: str) -> dict:
    """SVC-CB-2: one conditional count per callback role, over the callbacks reached by `path`."""
    return {f"role_{r.value}": Count(path, filter=Q(**{f"{path}__role": r.value})) for r in rules.CALLBACK_ROLES}


def _rates(site: Site, figures: dict) -> list[rules.RoleRate]:
    by_role = {r.value: figures[f"role_{r.value}"] for r in rules.CALLBACK_ROLES}
    return rules.callback_rates(completed=figures["completed"], callbacks_by_role=by_role, minimums=_minimums(site))


def my_callbacks_in_month(*, site: Site, user, year: int, month: int) -> int:
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
    replies: dict  # total, on_time, late, open, rate
    complaints: dict
    callbacks: dict
    overdue: list[ServiceRequest]
    rates: list[rules.RoleRate]
    per_person: list[tuple[str, str, int]] = field(default_factory=list)  # (role, name, callbacks)

    @property
    def total(self) -> int:
        return sum(n for _k, _l, n in self.by_kind)


def _rate(part: int, whole: int) -> float:
    return money.percent_of(part, whole)


def _counts_by(key: str, field: str, choices, path: str) -> dict:
    """One conditional count per choice of `field` (a to-one path), as `<key>_<value>` aggregates."""
    return {f"{key}_{value}": Count(path, filter=Q(**{field: value})) for value, _label in choices}


def _choice_rows(figures: dict, key: str, choices) -> list[tuple[str, int]]:
    """(label, count) of the choices that occur, in the order of their values (as the report always listed them)."""
    return [(str(label), figures[f"{key}_{value}"]) for value, label in sorted(choices) if figures[f"{key}_{value}"]]


def monthly_report(*, site: Site, year: int, month: int, now: dt.datetime, overdue_limit: int = 50) -> MonthlyReport:
    """Requests by kind and category, on-time rates, overdue items, callbacks and satisfaction, and callback-rate
    compliance per role (SVC-CB-1/2), for the requests registered and repairs completed in the month.

    The month is read once per table it counts, each time one pass of conditional counts over the month's rows
    (by the office-and-month indexes): the requests with their complaint and repair (one-to-one), the complaints'
    callbacks, the completions with their callbacks (SVC-CB-2/3: also each role's count for the rates), the
    callbacks per person, and the overdue list; six queries with the office's settings, whatever the history."""
    start, end = month_bounds(year, month, site.zone)
    cutoff = min(now, end)  # a month still running is judged as of now
    month_items = ServiceRequest.objects.filter(site=site, registered_at__gte=start, registered_at__lt=end)
    figures = month_items.aggregate(
        **_counts_by("kind", "kind", ServiceRequest.Kind.choices, "pk"),
        total=Count("pk"),
        on_time=Count("pk", filter=Q(replied_at__lte=F("reply_due_at"))),
        late=Count("pk", filter=Q(replied_at__gt=F("reply_due_at"))),
        overdue=Count("pk", filter=Q(replied_at__isnull=True, reply_due_at__lt=cutoff)),
        **_counts_by("ccat", "complaint__category", Complaint.Category.choices, "complaint"),
        complaints=Count("complaint"),
        major=Count("complaint", filter=Q(complaint__severity=Complaint.Severity.MAJOR)),
        complaints_on_time=Count("complaint", filter=Q(complaint__signed_off_at__lte=F("complaint__due_at"))),
        complaints_overdue=Count(
            "complaint", filter=Q(complaint__signed_off_at__isnull=True, complaint__due_at__lt=cutoff)
        ),
        # A repair's category by an index probe per repair of the month: joining the repairs let the planner
        # hash the whole table (every repair in history) for a month's few hundred requests.
        **{
            f"rcat_{value}": Count(
                "pk",
                filter=Q(kind=ServiceRequest.Kind.REPAIR)
                & Q(Exists(Repair.objects.filter(request=OuterRef("pk"), category=value))),
            )
            for value, _label in Repair.Category.choices
        },
    )
    by_kind = [(k, str(label), figures[f"kind_{k}"]) for k, label in ServiceRequest.Kind.choices]
    replies = {key: figures[key] for key in ("total", "on_time", "late", "overdue")}
    replies["rate"] = _rate(replies["on_time"], replies["total"])
    complaints = {
        "total": figures["complaints"],
        "major": figures["major"],
        "on_time": figures["complaints_on_time"],
        "overdue": figures["complaints_overdue"],
    }
    complaints.update(
        ComplaintCallback.objects.filter(
            complaint__request__site=site,
            complaint__request__registered_at__gte=start,
            complaint__request__registered_at__lt=end,
        ).aggregate(called=Count("pk"), satisfied=Count("pk", filter=Q(satisfied=True)))
    )
    complaints["rate"] = _rate(complaints["on_time"], complaints["total"])
    complaints["satisfaction"] = _rate(complaints["satisfied"], complaints["called"])
    completions = Completion.objects.filter(site=site, completed_at__gte=start, completed_at__lt=end)
    # SVC-CB-2: a repair may be called back by each callback role: "called" counts repairs called back at least
    # once; "callbacks" every callback, each on time or late against the completion's deadline (SVC-CB-3).
    callbacks = completions.aggregate(  # one query: each completion joined to its callbacks (one to-many join)
        completed=Count("pk", distinct=True),
        called=Count("pk", filter=Q(callbacks__isnull=False), distinct=True),
        overdue=Count("pk", filter=Q(callbacks__isnull=True, callback_due_at__lt=cutoff), distinct=True),
        made=Count("callbacks"),
        on_time=Count("callbacks", filter=Q(callbacks__made_at__lte=F("callback_due_at"))),
        satisfied=Count("callbacks", filter=Q(callbacks__satisfied=True)),
        **_by_role("callbacks"),
    )
    rates = _rates(site, callbacks)
    callbacks["rate"] = _rate(callbacks["called"], callbacks["completed"])
    callbacks["on_time_rate"] = _rate(callbacks["on_time"], callbacks["made"])
    callbacks["satisfaction"] = _rate(callbacks["satisfied"], callbacks["made"])
    per_person_rows = (
        Callback.objects.filter(completion__in=completions)
        .values_list("role", "made_by", *(f"made_by__{name}" for name in NAME_FIELDS))
        .annotate(n=Count("pk"))
        .order_by("role", "-n", "made_by")
    )
    overdue = list(
        ServiceRequest.objects.filter(
            site=site, closed_at__isnull=True, reply_due_at__lt=cutoff, replied_at__isnull=True
        )
        .select_related("owner")
        .order_by("reply_due_at")[:overdue_limit]
    )
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
        overdue=overdue,
        rates=rates,
        per_person=[(role, display_name_of(*names), n) for role, _uid, *names, n in per_person_rows],
    )
