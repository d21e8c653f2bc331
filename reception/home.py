"""The desk's part of each role's home and of the navigation's counts (salesoffice.homes), registered by
ReceptionConfig.ready(): a salesperson's place at the desk, the desks for their supervisors, extra work awaiting the
project manager."""

import datetime as dt
from collections.abc import Iterator

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salesoffice.access import sites_for
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
from salesoffice.models import Site, display_name
from salesoffice.roles import Role

from . import selectors_home
from .rules import Availability

AVAILABILITY = {
    Availability.AVAILABLE: gettext_lazy("Available"),
    Availability.BUSY: gettext_lazy("With a client"),
    Availability.AWAY: gettext_lazy("Away (no valid reason)"),
    Availability.AWAY_PENDING: gettext_lazy("Away on extra work, awaiting approval"),
    Availability.AWAY_EXCUSED: gettext_lazy("Away on approved extra work"),
    Availability.NOT_READY: gettext_lazy("Not ready (readiness check)"),
    Availability.OFF_DUTY: gettext_lazy("Off duty"),
}
# A salesperson is on the rota of one site, two at most: past this their home shows the first ones.
MY_DESKS = 3


def _time(at: dt.datetime, site: Site) -> str:
    return date_format(at.astimezone(site.zone), "H:i")


def my_desk_panels(home: Home) -> Iterator[Panel]:
    """REC-ROT-1/4/5/6: where I stand in the rota, whether I am next up, my reception, clients waiting for me."""
    for site in home.sites_of_kind(Site.Kind.SALES_OFFICE)[:MY_DESKS]:
        desk = selectors_home.my_desk(site=site, user=home.user, now=home.now)
        board = reverse("reception:board", kwargs={"site": site.code})
        if desk.position is None:
            figure = _("You are not on this desk's rota.")
        elif desk.next_up:
            figure = _("You are next up (%(rule)s).") % {"rule": desk.next_up_rule}
        else:
            figure = _("Number %(position)d in the rota · %(status)s") % {
                "position": desk.position,
                "status": AVAILABILITY.get(desk.availability, ""),
            }
            if desk.next_up_name:
                figure += " · " + _("next up: %(name)s") % {"name": desk.next_up_name}
        rows = []
        if desk.current is not None:
            rows.append(
                Row(
                    _("In reception with %(client)s since %(time)s")
                    % {
                        "client": desk.current.client_label or _("a client"),
                        "time": _time(desk.current.started_at or desk.current.arrived_at, site),
                    },
                    url=board,
                    tone="warning",
                )
            )
        for reception in desk.waiting_for_me:
            rows.append(
                Row(
                    _("%(client)s is waiting for you since %(time)s")
                    % {"client": reception.client_label or _("A client"), "time": _time(reception.arrived_at, site)},
                    url=board,
                    tone="danger",
                    rule="REC-ROT-6",
                )
            )
        yield Panel(
            key=f"my-desk-{site.code}",
            title=_("My day at the desk · %(site)s") % {"site": site.name},
            figure=figure,
            rows=rows,
            empty=_("No client is waiting for you."),
            more_url=board,
            more_label=_("Open the front desk"),
        )


def desks_panel(home: Home) -> Iterator[Panel]:
    """The supervisor's desk boards: each desk with its clients waiting and in reception."""
    sites = home.sites_of_kind(Site.Kind.SALES_OFFICE)[:PANEL_ROWS]
    rows = [
        Row(
            counts.site.name,
            url=reverse("reception:board", kwargs={"site": counts.site.code}),
            detail=_("%(waiting)d waiting · %(active)d in reception")
            % {"waiting": counts.waiting, "active": counts.in_reception},
            tone="danger" if counts.waiting else "",
        )
        for counts in selectors_home.desk_counts(sites)
    ]
    yield Panel(key="desks", title=_("Front desks"), rows=rows, empty=_("You see no sales office."))


def extra_work_panel(home: Home) -> Iterator[Panel]:
    """REC-ROT-5: extra work away from the post that awaits the project manager's approval."""
    sites = home.sites_of_kind(Site.Kind.SALES_OFFICE)
    yield list_panel(
        key="extra-work",
        title=_("Extra work to approve"),
        found=first_rows(selectors_home.extra_work_awaiting(sites=sites)),
        row=lambda a: Row(
            _("%(name)s away on extra work since %(time)s")
            % {"name": display_name(a.salesperson), "time": _time(a.started_at, a.site)},
            url=reverse("reception:absences", kwargs={"site": a.site.code}),
            detail=a.detail,
            rule="REC-ROT-5",
        ),
        empty=_("No extra work awaits your approval."),
    )


def count_extra_work(*, user, site_code: str, now: dt.datetime) -> int | None:
    if not site_code or not user.has_perm("reception.approve_absence"):
        return None
    return capped_count(selectors_home.extra_work_awaiting(sites=sites_for(user).filter(code=site_code)))


def register() -> None:
    register_home_panel(roles=[Role.SALESPERSON], build=my_desk_panels, order=10)
    register_home_panel(
        roles=[Role.SITE_SUPERVISOR, Role.SALES_MANAGER, Role.PROJECT_MANAGER, Role.ADMIN], build=desks_panel, order=20
    )
    register_home_panel(roles=[Role.PROJECT_MANAGER], build=extra_work_panel, order=34)
    register_nav_count("reception:absences", count_extra_work)
