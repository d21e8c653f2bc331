"""Commission's part of each role's home and of the navigation's counts (salesoffice.homes), registered by
CommissionConfig.ready(): a salesperson's commission this month, the deals awaiting the project manager (to confirm,
or without an owner: an opinion to write), the commission on hold for the sales director."""

import datetime as dt
from collections.abc import Iterator

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
from salesoffice.models import Site
from salesoffice.money import money_text
from salesoffice.roles import Role
from salesoffice.timeutil import local_day

from . import selectors_home
from .models import Deal, SplitStatus
from .selectors import company_zone


def _deal_text(deal: Deal) -> str:
    return f"{deal.unit} · {deal.client.name}" if deal.client_id else deal.unit


def _deal_url(deal: Deal) -> str:
    return reverse("commission:deal", kwargs={"site": deal.site.code, "deal_id": deal.pk})


def _signed(deal: Deal) -> str:
    return _("Signed %(day)s") % {"day": date_format(deal.signed_at.astimezone(deal.site.zone), "SHORT_DATE_FORMAT")}


def my_commission_panel(home: Home) -> Iterator[Panel]:
    """COM-4: this month's commission so far, as 'my commission' adds it up."""
    month = local_day(home.now, company_zone()).replace(day=1)
    total = selectors_home.month_so_far(user_id=home.user.pk, month=month)
    yield Panel(
        key="my-commission",
        title=_("My commission this month"),
        figure=_("%(amount)s so far") % {"amount": money_text(total)},
        more_url=reverse("commission:mine"),
        more_label=_("My commission"),
    )


def project_manager_panels(home: Home) -> Iterator[Panel]:
    """COM-5: deals to confirm; ATT-DISP-1: deals the rules give no owner, for which an opinion is to be written."""
    sites = home.sites_of_kind(Site.Kind.SALES_OFFICE)
    yield list_panel(
        key="deals-to-confirm",
        title=_("Deals to confirm"),
        found=first_rows(selectors_home.deals_to_confirm(sites=sites)),
        row=lambda d: Row(_deal_text(d), url=_deal_url(d), detail=_signed(d), rule="COM-5"),
        empty=_("No deal awaits your confirmation."),
    )
    yield list_panel(
        key="opinions-to-write",
        title=_("Dispute opinions to write"),
        found=first_rows(selectors_home.deals_in_status(sites=sites, status=SplitStatus.NO_OWNER)),
        # The opinion is written on the client's page of the register, where the deal's client is.
        row=lambda d: Row(
            _deal_text(d),
            url=reverse("attribution:client", kwargs={"site": d.site.code, "client_id": d.client_id})
            if d.client_id
            else _deal_url(d),
            detail=_("No valid owner: write an opinion on the client's page"),
            tone="warning",
            rule="ATT-DISP-1",
        ),
        empty=_("No deal is without an owner."),
    )


def held_panel(home: Home) -> Iterator[Panel]:
    """ATT-DISP-1: the commission on hold until the sales director rules."""
    sites = home.sites_of_kind(Site.Kind.SALES_OFFICE)
    held = first_rows(selectors_home.deals_in_status(sites=sites, status=SplitStatus.ON_HOLD))
    total = selectors_home.held_total(sites=sites) if held else None
    yield list_panel(
        key="commission-on-hold",
        title=_("Commission on hold"),
        found=held,
        row=lambda d: Row(
            _deal_text(d),
            url=_deal_url(d),
            detail=_("%(amount)s held · %(site)s") % {"amount": money_text(d.commission), "site": d.site.name},
            tone="warning",
            rule="ATT-DISP-1",
        ),
        empty=_("No commission is on hold."),
        figure=_("%(amount)s on hold") % {"amount": money_text(total)} if total is not None else "",
    )


def count_to_confirm(*, user, site_code: str, now: dt.datetime) -> int | None:
    if not site_code or not user.has_perm("commission.confirm_deal"):
        return None
    sites = sites_for(user, Site.Kind.SALES_OFFICE).filter(code=site_code)
    return capped_count(selectors_home.deals_to_confirm(sites=sites))


def reports_panel(home: Home) -> Iterator[Panel]:
    """The sales assistant keeps the month's papers: this month's and last month's commission statements (COM-4),
    and the weekly client report (ATT-FU-3). Links only: the pages themselves read the figures."""
    month = local_day(home.now, company_zone()).replace(day=1)
    last = (month - dt.timedelta(days=1)).replace(day=1)
    rows = [
        Row(
            text=_("Commission statement %(month)s") % {"month": date_format(first, "YEAR_MONTH_FORMAT")},
            url=reverse("commission:statement", kwargs={"month": f"{first:%Y-%m}"}),
            rule="COM-4",
        )
        for first in (month, last)
    ]
    rows.append(Row(text=_("Weekly client report"), url=reverse("attribution:weekly_reports"), rule="ATT-FU-3"))
    yield Panel(key="reports", title=_("Statements and reports"), rows=rows)


def register() -> None:
    register_home_panel(roles=[Role.SALES_ASSISTANT], build=reports_panel, order=44)
    register_home_panel(roles=[Role.SALESPERSON], build=my_commission_panel, order=14)
    register_home_panel(roles=[Role.PROJECT_MANAGER, Role.ADMIN], build=project_manager_panels, order=32)
    register_home_panel(roles=[Role.SALES_DIRECTOR, Role.ADMIN], build=held_panel, order=42)
    register_nav_count("commission:deals", count_to_confirm)
