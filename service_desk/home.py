"""The service desk's part of each role's home and of the navigation's counts (salesoffice.homes), registered by
ServiceDeskConfig.ready(): the open items of the staff by deadline, the callbacks due for the repair lead."""

import datetime as dt
from collections.abc import Iterator

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from salesoffice.access import sites_for, user_roles
from salesoffice.homes import (
    PANEL_ROWS,
    Home,
    Panel,
    Row,
    capped_count,
    first_rows,
    list_panel,
    register_home_panel,
    register_nav_count,
)
from salesoffice.models import Site
from salesoffice.roles import Role
from salesoffice.timeutil import add_months, local_day, start_of_day

from . import rules, selectors, selectors_home

TONES = {rules.State.OVERDUE: "danger", rules.State.DUE_SOON: "warning"}
# A person works at one office, two at most: past this their home shows the first ones' callbacks.
CALLBACK_OFFICES = 3


def _due(at: dt.datetime, office: Site) -> str:
    return date_format(at.astimezone(office.zone), "SHORT_DATETIME_FORMAT")


def open_items_panel(home: Home) -> Iterator[Panel]:
    """SVC-FIRST-1: my open items, the soonest reply deadline first, overdue ones marked."""
    offices = home.sites_of_kind(Site.Kind.PROPERTY_OFFICE)
    items = first_rows(selectors_home.open_items_by_deadline(offices=offices, user=home.user))
    hours = selectors_home.reminder_hours(offices) if items else {}

    def state(item) -> str:
        return rules.deadline_state(
            due_at=item.reply_due_at, done_at=None, now=home.now, remind_hours=hours[item.site_id]
        )

    yield list_panel(
        key="open-items",
        title=_("My open items by deadline"),
        found=items,
        row=lambda item: Row(
            str(item),
            url=reverse("service_desk:item", kwargs={"site": item.site.code, "item_id": item.pk}),
            detail=_("Reply due %(when)s") % {"when": _due(item.reply_due_at, item.site)},
            tone=TONES.get(state(item), ""),
            rule="SVC-FIRST-1",
        ),
        empty=_("You have no open item."),
        more_url=reverse("service_desk:desk", kwargs={"site": offices[0].code}) if offices else "",
        more_label=_("My open items"),
    )


def callbacks_panel(home: Home) -> Iterator[Panel]:
    """SVC-CB-2/3: completed repairs awaiting the callback of my role, the soonest deadline first."""
    role = rules.callback_role(user_roles(home.user))
    rows: list[Row] = []
    more = False
    offices = home.sites_of_kind(Site.Kind.PROPERTY_OFFICE)[:CALLBACK_OFFICES]
    for office in offices:
        since = start_of_day(add_months(local_day(home.now, office.zone).replace(day=1), -1), office.zone)
        pending = list(selectors.pending_callbacks(site=office, role=role, since=since)[: PANEL_ROWS + 1])
        more = more or len(pending) > PANEL_ROWS
        rows += [
            Row(
                str(completion.repair.request),
                url=reverse("service_desk:callback", kwargs={"site": office.code, "completion_id": completion.pk}),
                detail=_("Callback due %(when)s") % {"when": _due(completion.callback_due_at, office)},
                tone="danger" if completion.callback_due_at < home.now else "",
                rule="SVC-CB-3",
            )
            for completion in pending[:PANEL_ROWS]
        ]
    yield Panel(
        key="callbacks-due",
        title=_("Callbacks due"),
        rows=rows[:PANEL_ROWS],
        empty=_("No callback is due."),
        more_url=reverse("service_desk:callbacks", kwargs={"site": offices[0].code}) if offices else "",
        more_label=_("Callbacks due") + ("…" if more or len(rows) > PANEL_ROWS else ""),
    )


def count_open_items(*, user, site_code: str, now: dt.datetime) -> int | None:
    if not site_code:
        return None
    offices = sites_for(user, Site.Kind.PROPERTY_OFFICE).filter(code=site_code)
    return capped_count(selectors_home.open_items_by_deadline(offices=offices, user=user))


def register() -> None:
    register_home_panel(
        roles=[Role.SERVICE_DESK_STAFF, Role.ADMINISTRATOR, Role.OFFICE_DIRECTOR, Role.REPAIR_STAFF],
        build=open_items_panel,
        order=60,
    )
    register_home_panel(roles=[Role.REPAIR_LEAD], build=callbacks_panel, order=62)
    register_nav_count("service_desk:desk", count_open_items)
