"""The register's part of each role's home and of the navigation's counts (salesoffice.homes), registered by
AttributionConfig.ready(): a salesperson's follow-ups and lapsing registrations, the project manager's approvals and
referrals due, the sales director's rulings."""

import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from salesoffice.access import sites_for
from salesoffice.homes import (
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
from salesoffice.timeutil import day_bounds, local_day

from . import rules, selectors_home


def _zone(sites: list[Site]) -> ZoneInfo:
    # "Today" of someone on several sites is their first site's (they are one site's staff, nearly always).
    return sites[0].zone if sites else ZoneInfo(settings.TIME_ZONE)


def _when(at: dt.datetime, site: Site) -> str:
    return date_format(at.astimezone(site.zone), "SHORT_DATETIME_FORMAT")


def _site_url(name: str, sites: list[Site]) -> str:
    """The page of the person's one site, or nothing for someone on several (each row has its own link)."""
    return reverse(name, kwargs={"site": sites[0].code}) if len(sites) == 1 else ""


def salesperson_panels(home: Home) -> Iterator[Panel]:
    """ATT-FU-1: today's follow-ups (overdue first); ATT-REG-2: my clients whose registration lapses this week."""
    sites = home.sites_of_kind(Site.Kind.SALES_OFFICE)
    _start, end_of_today = day_bounds(local_day(home.now, _zone(sites)), _zone(sites))
    yield list_panel(
        key="follow-ups",
        title=_("Today's follow-ups"),
        found=first_rows(selectors_home.follow_ups_due(sites=sites, user=home.user, before=end_of_today)),
        row=lambda f: Row(
            f"{f.client.name} · {f.get_kind_display()}",
            url=reverse("attribution:my_follow_ups", kwargs={"site": f.site.code}),
            detail=" · ".join(part for part in (_when(f.planned_for, f.site), f.plan) if part),
            tone="danger" if f.planned_for < home.now else "",
            rule="ATT-FU-1",
        ),
        empty=_("No follow-up is due today."),
        more_url=_site_url("attribution:my_follow_ups", sites),
        more_label=_("All my follow-ups"),
    )
    yield list_panel(
        key="lapsing",
        title=_("Registrations lapsing this week"),
        found=first_rows(selectors_home.registrations_lapsing(sites=sites, user=home.user, now=home.now)),
        row=lambda s: Row(
            s.client.name,
            url=reverse("attribution:client", kwargs={"site": s.site.code, "client_id": s.client_id}),
            detail=_("Registration valid until %(until)s") % {"until": _when(s.valid_until, s.site)},
            tone="warning",
            rule="ATT-REG-2",
        ),
        empty=_("None of your clients' registrations lapses this week."),
    )


def approvals_panels(home: Home) -> Iterator[Panel]:
    """ATT-REG-1: register entries to approve, overdue first; ATT-EMP-3: referrals whose client is expected today."""
    sites = home.sites_of_kind(Site.Kind.SALES_OFFICE)
    overdue_before = {site.pk: rules.review_overdue_before(home.now, site.zone) for site in sites}
    yield list_panel(
        key="approvals",
        title=_("Register entries to approve"),
        found=first_rows(selectors_home.entries_to_review(sites=sites, now=home.now)),
        row=lambda e: Row(
            f"{e.client.name} · {display_name(e.salesperson)}",
            url=reverse("attribution:approvals", kwargs={"site": e.site.code}),
            detail=_("Registered %(when)s") % {"when": _when(e.registered_at, e.site)},
            tone="danger" if e.registered_at < overdue_before[e.site_id] else "",
            rule="ATT-REG-1",
        ),
        empty=_("No register entry awaits your approval."),
        more_url=_site_url("attribution:approvals", sites),
        more_label=_("Approvals"),
    )
    yield list_panel(
        key="referrals-today",
        title=_("Referrals due today"),
        found=first_rows(selectors_home.referrals_due(sites=sites, day=local_day(home.now, _zone(sites)))),
        row=lambda r: Row(
            _("%(client)s, referred by %(referrer)s") % {"client": r.client.name, "referrer": display_name(r.referrer)},
            url=reverse("attribution:site_referrals", kwargs={"site": r.site.code}),
            rule="ATT-EMP-3",
        ),
        empty=_("No referred client is expected today."),
    )


def rulings_panel(home: Home) -> Iterator[Panel]:
    """ATT-DISP-1: the opinions awaiting the sales director's ruling; the commission is on hold until then."""
    sites = home.sites_of_kind(Site.Kind.SALES_OFFICE)
    yield list_panel(
        key="rulings",
        title=_("Rulings waiting"),
        found=first_rows(selectors_home.rulings_waiting(sites=sites)),
        row=lambda o: Row(
            f"{o.client.name} · {o.site.name}",
            url=reverse("attribution:dispute", kwargs={"site": o.site.code, "opinion_id": o.pk}),
            detail=_("Opinion by %(name)s, %(when)s")
            % {"name": display_name(o.written_by), "when": _when(o.written_at, o.site)},
            tone="warning",
            rule="ATT-DISP-1",
        ),
        empty=_("No dispute awaits your ruling."),
    )


def _site(user, site_code: str):
    return sites_for(user, Site.Kind.SALES_OFFICE).filter(code=site_code)


def count_approvals(*, user, site_code: str, now: dt.datetime) -> int | None:
    if not site_code or not user.has_perm("attribution.approve_register"):
        return None
    return capped_count(selectors_home.entries_to_review(sites=_site(user, site_code), now=now))


def count_rulings(*, user, site_code: str, now: dt.datetime) -> int | None:
    if not site_code or not user.has_perm("attribution.rule_dispute"):
        return None
    return capped_count(selectors_home.rulings_waiting(sites=_site(user, site_code)))


def count_follow_ups(*, user, site_code: str, now: dt.datetime) -> int | None:
    if not site_code:
        return None
    # The end of today in the company's zone: a badge, not a deadline (the page itself says each one's time).
    zone = ZoneInfo(settings.TIME_ZONE)
    _start, end_of_today = day_bounds(local_day(now, zone), zone)
    return capped_count(selectors_home.follow_ups_due(sites=_site(user, site_code), user=user, before=end_of_today))


def register() -> None:
    register_home_panel(roles=[Role.SALESPERSON], build=salesperson_panels, order=12)
    register_home_panel(roles=[Role.PROJECT_MANAGER, Role.ADMIN], build=approvals_panels, order=30)
    register_home_panel(roles=[Role.SALES_DIRECTOR, Role.ADMIN], build=rulings_panel, order=40)
    register_nav_count("attribution:approvals", count_approvals)
    register_nav_count("attribution:disputes", count_rulings)
    register_nav_count("attribution:my_follow_ups", count_follow_ups)
