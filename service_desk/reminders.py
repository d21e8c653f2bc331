"""Reminders before and escalations after the desk's deadlines (SVC-FIRST-1, SVC-COMP-1, SVC-CB-3, SVC-CB-5) and the
monthly callback-rate summary (SVC-CB-2). Every deadline is stored with its item, so whether something is due or
overdue is read from timestamps; these functions only tell people, once per occasion (Notification.key)."""

import datetime as dt

from django.db.models import DurationField, ExpressionWrapper, F, Value
from django.db.models.functions import Coalesce
from django.urls import reverse

from salesoffice.models import Site
from salesoffice.notifications import notify
from salesoffice.roles import Role
from salesoffice.timeutil import add_months, local_day

from . import selectors
from .models import Completion, RectificationNotice, ServiceRequest
from .services import people_with_role

HOUR = dt.timedelta(hours=1)
DEFAULT_REMIND_HOURS = 2
# Overdue items older than this are not escalated again by a fresh run (they were, when they fell due).
ESCALATION_HORIZON = dt.timedelta(days=30)


def _remind_window(settings_path: str):
    """The office's reminder lead as an interval, read in the query (offices may differ)."""
    hours = Coalesce(F(f"{settings_path}__service_settings__reminder_hours"), Value(DEFAULT_REMIND_HOURS))
    return ExpressionWrapper(hours * HOUR, output_field=DurationField())


def _occasions(queryset, due_field: str, settings_path: str, now: dt.datetime):
    """Rows due within their office's reminder lead (reminders) or overdue within the horizon (escalations)."""
    annotated = queryset.annotate(_lead=_remind_window(settings_path))
    due_soon = annotated.filter(**{f"{due_field}__gte": now}).filter(**{f"{due_field}__lte": Value(now) + F("_lead")})
    overdue = annotated.filter(**{f"{due_field}__lt": now, f"{due_field}__gte": now - ESCALATION_HORIZON})
    return due_soon, overdue


def _send(user_ids, *, key: str, kind: str, site, rule_id: str, params: dict, link: str, now) -> int:
    return sum(
        notify(
            recipient_id=uid,
            key=f"{key}:{uid}",
            kind=kind,
            now=now,
            site=site,
            rule_id=rule_id,
            params=params,
            link=link,
        )
        for uid in dict.fromkeys(u for u in user_ids if u)
    )


def _directors(cache: dict, site: Site) -> list[int]:
    if site.pk not in cache:
        cache[site.pk] = people_with_role(site, Role.OFFICE_DIRECTOR)
    return cache[site.pk]


def deadline_notifications(*, now: dt.datetime) -> int:
    """Remind before and escalate after every open deadline; idempotent (run twice, notify once)."""
    sent = 0
    directors: dict[int, list[int]] = {}
    stamp = lambda instant: instant.isoformat()  # noqa: E731 - a deadline in a key: a new deadline, a new occasion

    # SVC-FIRST-1: the owner's reply.
    unreplied = ServiceRequest.objects.filter(replied_at__isnull=True, closed_at__isnull=True).select_related("site")
    soon, late = _occasions(unreplied, "reply_due_at", "site", now)
    for item in soon:
        link = reverse("service_desk:item", kwargs={"site": item.site.code, "item_id": item.pk})
        params = {"item": item.pk, "name": item.requester_name, "due": stamp(item.reply_due_at)}
        sent += _send(
            [item.owner_id],
            key=f"svc:reply-soon:{item.pk}:{stamp(item.reply_due_at)}",
            kind="svc_reply_due",
            site=item.site,
            rule_id="SVC-FIRST-1",
            params=params,
            link=link,
            now=now,
        )
    for item in late:
        link = reverse("service_desk:item", kwargs={"site": item.site.code, "item_id": item.pk})
        params = {"item": item.pk, "name": item.requester_name, "due": stamp(item.reply_due_at)}
        sent += _send(
            [item.owner_id, *_directors(directors, item.site)],
            key=f"svc:reply-late:{item.pk}:{stamp(item.reply_due_at)}",
            kind="svc_reply_overdue",
            site=item.site,
            rule_id="SVC-FIRST-1",
            params=params,
            link=link,
            now=now,
        )

    # SVC-COMP-1: the complaint's deadline, and a major complaint's corrective action.
    complaints = ServiceRequest.objects.filter(
        kind=ServiceRequest.Kind.COMPLAINT, complaint__signed_off_at__isnull=True
    ).select_related("site", "complaint")
    for field in ("complaint__due_at", "complaint__action_due_at"):
        soon, late = _occasions(complaints.filter(**{f"{field}__isnull": False}), field, "site", now)
        for escalate, rows in ((False, soon), (True, late)):
            for item in rows:
                c = item.complaint
                due = c.due_at if field == "complaint__due_at" else c.action_due_at
                people = [item.assignee_id or item.owner_id, c.action_responsible_id]
                if escalate:
                    people += _directors(directors, item.site)
                link = reverse("service_desk:item", kwargs={"site": item.site.code, "item_id": item.pk})
                sent += _send(
                    people,
                    key=f"svc:{field}:{'late' if escalate else 'soon'}:{item.pk}:{stamp(due)}",
                    kind="svc_complaint_overdue" if escalate else "svc_complaint_due",
                    site=item.site,
                    rule_id="SVC-COMP-1",
                    params={"item": item.pk, "name": item.requester_name, "due": stamp(due)},
                    link=link,
                    now=now,
                )

    # SVC-CB-3: callbacks of completed repairs.
    pending = Completion.objects.filter(callback__isnull=True).select_related("site", "repair__request")
    soon, late = _occasions(pending, "callback_due_at", "site", now)
    callers: dict[int, list[int]] = {}
    for escalate, rows in ((False, soon), (True, late)):
        for completion in rows:
            site = completion.site
            if site.pk not in callers:
                callers[site.pk] = people_with_role(site, Role.REPAIR_LEAD, Role.ADMINISTRATOR)
            people = _directors(directors, site) if escalate else callers[site.pk]
            request = completion.repair.request
            sent += _send(
                people,
                key=f"svc:callback-{'late' if escalate else 'soon'}:{completion.pk}",
                kind="svc_callback_overdue" if escalate else "svc_callback_due",
                site=site,
                rule_id="SVC-CB-3",
                params={"item": request.pk, "name": request.requester_name, "due": stamp(completion.callback_due_at)},
                link=reverse("service_desk:callbacks", kwargs={"site": site.code}),
                now=now,
            )

    # SVC-CB-5: rectification notices.
    open_notices = RectificationNotice.objects.filter(rectified_at__isnull=True).select_related("site")
    soon, late = _occasions(open_notices, "due_at", "site", now)
    leads: dict[int, list[int]] = {}
    for escalate, rows in ((False, soon), (True, late)):
        for notice in rows:
            site = notice.site
            people = [notice.addressed_to_id]
            if escalate:
                if site.pk not in leads:
                    leads[site.pk] = people_with_role(site, Role.REPAIR_LEAD)
                people += leads[site.pk]
            sent += _send(
                people,
                key=f"svc:rectify-{'late' if escalate else 'soon'}:{notice.pk}",
                kind="svc_rectification_overdue" if escalate else "svc_rectification_due",
                site=site,
                rule_id="SVC-CB-5",
                params={"due": stamp(notice.due_at)},
                link=reverse("service_desk:rectifications", kwargs={"site": site.code}),
                now=now,
            )
    return sent


def monthly_rate_notifications(*, now: dt.datetime) -> int:
    """SVC-CB-2: once a month is over at an office, tell its callback roles how each role did against its minimum."""
    sent = 0
    for site in Site.objects.filter(kind=Site.Kind.PROPERTY_OFFICE).select_related("service_settings"):
        first = local_day(now, site.zone).replace(day=1)
        last_month = add_months(first, -1)
        rates = selectors.callback_rates_for_month(site=site, year=last_month.year, month=last_month.month)
        params = {
            "month": f"{last_month:%Y-%m}",
            "short": [r.role.value for r in rates if not r.compliant],
        }
        people = people_with_role(site, Role.OFFICE_DIRECTOR, Role.ADMINISTRATOR, Role.REPAIR_LEAD)
        link = reverse("service_desk:report", kwargs={"site": site.code}) + f"?month={last_month:%Y-%m}"
        sent += _send(
            people,
            key=f"svc:rates:{site.pk}:{last_month:%Y-%m}",
            kind="svc_callback_rates",
            site=site,
            rule_id="SVC-CB-2",
            params=params,
            link=link,
            now=now,
        )
    return sent
