"""Reminders before and escalations after the desk's deadlines (SVC-FIRST-1, SVC-COMP-1, SVC-CB-3, SVC-CB-5) and the
monthly callback-rate summary (SVC-CB-2). Every deadline is stored with its item, so whether something is due or
overdue is read from timestamps; these functions only tell people, once per occasion (Notification.key)."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.urls import reverse

from salesoffice.models import Site
from salesoffice.notifications import notify
from salesoffice.roles import Role
from salesoffice.timeutil import add_months, local_day

from . import selectors
from .models import Completion, OfficeSettings, RectificationNotice, ServiceRequest
from .services import people_with_role

HOUR = dt.timedelta(hours=1)
DEFAULT_REMIND_HOURS = 2
# Overdue items older than this are not escalated again by a fresh run (they were, when they fell due).
ESCALATION_HORIZON = dt.timedelta(days=30)


def _leads_in_force() -> list[int]:
    """Every reminder lead an office may have, in hours: those set, and the default of an office without settings."""
    return sorted({DEFAULT_REMIND_HOURS, *OfficeSettings.objects.order_by().values_list("reminder_hours", flat=True)})


def _occasions(queryset, due_field: str, settings_path: str, now: dt.datetime, leads: list[int]):
    """Rows due within their office's reminder lead (reminders) or overdue within the horizon (escalations).

    Offices differ in their lead, so the lead is read in the query; but a deadline is compared with plain instants
    (one per lead in force, a handful), never with `now + hours * interval`: the embedded SQLite cannot multiply an
    interval."""
    hours = Coalesce(F(f"{settings_path}__service_settings__reminder_hours"), Value(DEFAULT_REMIND_HOURS))
    annotated = queryset.annotate(_lead_hours=hours)
    within_lead = Q()
    for lead in leads:
        within_lead |= Q(_lead_hours=lead, **{f"{due_field}__lte": now + lead * HOUR})
    due_soon = annotated.filter(**{f"{due_field}__gte": now}).filter(within_lead)
    overdue = annotated.filter(**{f"{due_field}__lt": now, f"{due_field}__gte": now - ESCALATION_HORIZON})
    return ((False, due_soon), (True, overdue))


@dataclass(frozen=True)
class Occasion:
    """One notification to send to some people, once (its key)."""

    key: str
    kind: str
    rule_id: str
    site: Site
    people: list[int]
    params: dict
    link: str


def _send(occasion: Occasion, now: dt.datetime) -> int:
    return sum(
        notify(
            recipient_id=uid,
            key=f"{occasion.key}:{uid}",
            kind=occasion.kind,
            now=now,
            site=occasion.site,
            rule_id=occasion.rule_id,
            params=occasion.params,
            link=occasion.link,
        )
        for uid in dict.fromkeys(u for u in occasion.people if u)
    )


class _Staff:
    """Who holds a role at an office, read once per office and role for the whole run; and the reminder leads in
    force, read once too."""

    def __init__(self):
        self._found: dict[tuple[int, tuple[Role, ...]], list[int]] = {}
        self.leads = _leads_in_force()

    def __call__(self, site: Site, *roles: Role) -> list[int]:
        if (site.pk, roles) not in self._found:
            self._found[(site.pk, roles)] = people_with_role(site, *roles)
        return self._found[(site.pk, roles)]


def _stamp(instant: dt.datetime) -> str:
    # The deadline is part of the key: a new deadline (a reopened repair, a new action date) is a new occasion.
    return instant.isoformat()


def _item_link(item: ServiceRequest) -> str:
    return reverse("service_desk:item", kwargs={"site": item.site.code, "item_id": item.pk})


def _reply_occasions(now: dt.datetime, staff: _Staff):
    """SVC-FIRST-1: the owner's reply; escalated to the office director once late."""
    unreplied = ServiceRequest.objects.filter(replied_at__isnull=True, closed_at__isnull=True).select_related("site")
    for escalate, rows in _occasions(unreplied, "reply_due_at", "site", now, staff.leads):
        for item in rows:
            yield Occasion(
                key=f"svc:reply-{'late' if escalate else 'soon'}:{item.pk}:{_stamp(item.reply_due_at)}",
                kind="svc_reply_overdue" if escalate else "svc_reply_due",
                rule_id="SVC-FIRST-1",
                site=item.site,
                people=[item.owner_id, *(staff(item.site, Role.OFFICE_DIRECTOR) if escalate else [])],
                params={"item": item.pk, "name": item.requester_name, "due": _stamp(item.reply_due_at)},
                link=_item_link(item),
            )


def _complaint_occasions(now: dt.datetime, staff: _Staff):
    """SVC-COMP-1: the complaint's deadline, and a major complaint's corrective-action deadline."""
    complaints = ServiceRequest.objects.filter(
        kind=ServiceRequest.Kind.COMPLAINT, complaint__signed_off_at__isnull=True
    ).select_related("site", "complaint")
    for field in ("due_at", "action_due_at"):
        pending = complaints.filter(**{f"complaint__{field}__isnull": False})
        for escalate, rows in _occasions(pending, f"complaint__{field}", "site", now, staff.leads):
            for item in rows:
                due = getattr(item.complaint, field)
                people = [item.assignee_id or item.owner_id, item.complaint.action_responsible_id]
                yield Occasion(
                    key=f"svc:complaint-{field}-{'late' if escalate else 'soon'}:{item.pk}:{_stamp(due)}",
                    kind="svc_complaint_overdue" if escalate else "svc_complaint_due",
                    rule_id="SVC-COMP-1",
                    site=item.site,
                    people=people + (staff(item.site, Role.OFFICE_DIRECTOR) if escalate else []),
                    params={"item": item.pk, "name": item.requester_name, "due": _stamp(due)},
                    link=_item_link(item),
                )


def _complaint_callback_occasions(now: dt.datetime, staff: _Staff):
    """SVC-CB-1: the resident called back after a complaint's result: the owner reminded, the director told if late."""
    pending = (
        ServiceRequest.objects.filter(kind=ServiceRequest.Kind.COMPLAINT, complaint__callback_due_at__isnull=False)
        .exclude(complaint__callbacks__made_at__gte=F("complaint__signed_off_at"))
        .select_related("site", "complaint")
    )
    for escalate, rows in _occasions(pending, "complaint__callback_due_at", "site", now, staff.leads):
        for item in rows:
            due = item.complaint.callback_due_at
            yield Occasion(
                key=f"svc:complaint-callback-{'late' if escalate else 'soon'}:{item.pk}:{_stamp(due)}",
                kind="svc_complaint_callback_overdue" if escalate else "svc_complaint_callback_due",
                rule_id="SVC-CB-1",
                site=item.site,
                people=[item.owner_id, *(staff(item.site, Role.OFFICE_DIRECTOR) if escalate else [])],
                params={"item": item.pk, "name": item.requester_name, "due": _stamp(due)},
                link=_item_link(item),
            )


def _callback_occasions(now: dt.datetime, staff: _Staff):
    """SVC-CB-3: callbacks of completed repairs: the callers reminded, the office director told once late."""
    # SVC-CB-3: the first callback of a completion (by any callback role) meets its deadline.
    pending = Completion.objects.filter(callbacks__isnull=True).select_related("site", "repair__request")
    for escalate, rows in _occasions(pending, "callback_due_at", "site", now, staff.leads):
        for completion in rows:
            site, request = completion.site, completion.repair.request
            yield Occasion(
                key=f"svc:callback-{'late' if escalate else 'soon'}:{completion.pk}",
                kind="svc_callback_overdue" if escalate else "svc_callback_due",
                rule_id="SVC-CB-3",
                site=site,
                people=staff(site, Role.OFFICE_DIRECTOR)
                if escalate
                else staff(site, Role.REPAIR_LEAD, Role.ADMINISTRATOR),
                params={"item": request.pk, "name": request.requester_name, "due": _stamp(completion.callback_due_at)},
                link=reverse("service_desk:callbacks", kwargs={"site": site.code}),
            )


def _rectification_occasions(now: dt.datetime, staff: _Staff):
    """SVC-CB-5: rectification notices: the repair staff reminded, the repair lead told once late."""
    open_notices = RectificationNotice.objects.filter(rectified_at__isnull=True).select_related("site")
    for escalate, rows in _occasions(open_notices, "due_at", "site", now, staff.leads):
        for notice in rows:
            yield Occasion(
                key=f"svc:rectify-{'late' if escalate else 'soon'}:{notice.pk}",
                kind="svc_rectification_overdue" if escalate else "svc_rectification_due",
                rule_id="SVC-CB-5",
                site=notice.site,
                people=[notice.addressed_to_id, *(staff(notice.site, Role.REPAIR_LEAD) if escalate else [])],
                params={"due": _stamp(notice.due_at)},
                link=reverse("service_desk:rectifications", kwargs={"site": notice.site.code}),
            )


def deadline_notifications(*, now: dt.datetime) -> int:
    """Remind before and escalate after every open deadline; idempotent (run twice, notify once)."""
    staff = _Staff()
    sources = (
        _reply_occasions,
        _complaint_occasions,
        _complaint_callback_occasions,
        _callback_occasions,
        _rectification_occasions,
    )
    return sum(_send(occasion, now) for source in sources for occasion in source(now, staff))


def monthly_rate_notifications(*, now: dt.datetime) -> int:
    """SVC-CB-2: once a month is over at an office, tell its callback roles how each role did against its minimum."""
    sent = 0
    for site in Site.objects.filter(kind=Site.Kind.PROPERTY_OFFICE).select_related("service_settings"):
        last_month = add_months(local_day(now, site.zone).replace(day=1), -1)
        rates = selectors.callback_rates_for_month(site=site, year=last_month.year, month=last_month.month)
        occasion = Occasion(
            key=f"svc:rates:{site.pk}:{last_month:%Y-%m}",
            kind="svc_callback_rates",
            rule_id="SVC-CB-2",
            site=site,
            people=people_with_role(site, Role.OFFICE_DIRECTOR, Role.ADMINISTRATOR, Role.REPAIR_LEAD),
            params={"month": f"{last_month:%Y-%m}", "short": [r.role.value for r in rates if not r.compliant]},
            link=reverse("service_desk:report", kwargs={"site": site.code}) + f"?month={last_month:%Y-%m}",
        )
        sent += _send(occasion, now)
    return sent
