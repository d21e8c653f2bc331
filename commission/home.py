"""Commission's part of each role's home and of the navigation's counts (salesoffice.homes), registered by
CommissionConfig.ready(): a salesperson's commission this month, the deals awaiting the project manager (to confirm,
or without an owner: an opinion to write), the commission on hold for the sales director."""

import datetime as dt
from collections.abc import Iterator

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from salesoffice.access import sites_for
from salesoffice.homes import COUNT_CAP, PANEL_ROWS, Home, Panel, Row, register_home_panel, register_nav_count
from salesoffice.models import Site
from salesoffice.money import amount_text
from salesoffice.roles import Role
from salesoffice.timeutil import local_day

from . import selectors_home
from .models import Deal, SplitStatus
from .selectors import company_zone


def _deal_url(deal: Deal) -> str:
    return reverse("commission:deal", kwargs={"site": deal.site.code, "deal_id": deal.pk})


def _deal_text(deal: Deal) -> str:
    return f"{deal.unit} · {deal.client.name}" if deal.client_id else deal.unit


def _signed(deal: Deal) -> str:
    return _("Signed %(day)s") % {"day": date_format(deal.signed_at.astimezone(deal.site.zone), "SHORT_DATE_FORMAT")}


def _client_url(deal: Deal) -> str:
    # An opinion is written on the client's page of the register (ATT-DISP-1), where the deal's client is.
    if not deal.client_id:
        return _deal_url(deal)
    return reverse("attribution:client", kwargs={"site": deal.site.code, "client_id": deal.client_id})


def _deal_rows(
    deals: list[Deal], *, tone: str, rule: str, detail=_signed, url=_deal_url
) -> tuple[list[Row], int | None]:
    rows = [Row(_deal_text(d), url=url(d), detail=detail(d), tone=tone, rule=rule) for d in deals[:PANEL_ROWS]]
    return rows, (len(deals) if len(deals) > PANEL_ROWS else None)


def my_commission_panel(home: Home) -> Iterator[Panel]:
    """COM-4: this month's commission so far, as 'my commission' adds it up."""
    month = local_day(home.now, company_zone()).replace(day=1)
    total = selectors_home.month_so_far(user_id=home.user.pk, month=month)
    yield Panel(
        key="my-commission",
        title=_("My commission this month"),
        figure=_("¥%(amount)s so far") % {"amount": amount_text(total)},
        more_url=reverse("commission:mine"),
        more_label=_("My commission"),
    )


def project_manager_panels(home: Home) -> Iterator[Panel]:
    """COM-5: deals to confirm; ATT-DISP-1: deals the rules give no owner, for which an opinion is to be written."""
    sites = home.sites_of_kind(Site.Kind.SALES_OFFICE)
    unconfirmed = list(selectors_home.deals_to_confirm(sites=sites)[: PANEL_ROWS + 1])
    rows, total = _deal_rows(unconfirmed, tone="", rule="COM-5")
    yield Panel(
        key="deals-to-confirm",
        title=_("Deals to confirm"),
        rows=rows,
        total=total,
        empty=_("No deal awaits your confirmation."),
    )
    no_owner = list(selectors_home.deals_in_status(sites=sites, status=SplitStatus.NO_OWNER)[: PANEL_ROWS + 1])
    rows, total = _deal_rows(
        no_owner,
        tone="warning",
        rule="ATT-DISP-1",
        detail=lambda d: _("No valid owner: write an opinion on the client's page"),
        url=_client_url,
    )
    yield Panel(
        key="opinions-to-write",
        title=_("Dispute opinions to write"),
        rows=rows,
        total=total,
        empty=_("No deal is without an owner."),
    )


def held_panel(home: Home) -> Iterator[Panel]:
    """ATT-DISP-1: the commission on hold until the sales director rules."""
    sites = home.sites_of_kind(Site.Kind.SALES_OFFICE)
    held = list(selectors_home.deals_in_status(sites=sites, status=SplitStatus.ON_HOLD)[: PANEL_ROWS + 1])
    rows, total = _deal_rows(
        held,
        tone="warning",
        rule="ATT-DISP-1",
        detail=lambda d: _("¥%(amount)s held · %(site)s") % {"amount": amount_text(d.commission), "site": d.site.name},
    )
    yield Panel(
        key="commission-on-hold",
        title=_("Commission on hold"),
        figure=_("¥%(amount)s on hold") % {"amount": amount_text(selectors_home.held_total(sites=sites))}
        if held
        else "",
        rows=rows,
        total=total,
        empty=_("No commission is on hold."),
    )


def count_to_confirm(*, user, site_code: str, now: dt.datetime) -> int | None:
    if not site_code or not user.has_perm("commission.confirm_deal"):
        return None
    sites = sites_for(user, Site.Kind.SALES_OFFICE).filter(code=site_code)
    return selectors_home.deals_to_confirm(sites=sites).order_by().values("pk")[: COUNT_CAP + 1].count()


def register() -> None:
    register_home_panel(roles=[Role.SALESPERSON], build=my_commission_panel, order=14)
    register_home_panel(roles=[Role.PROJECT_MANAGER, Role.ADMIN], build=project_manager_panels, order=32)
    register_home_panel(roles=[Role.SALES_DIRECTOR, Role.ADMIN], build=held_panel, order=42)
    register_nav_count("commission:deals", count_to_confirm)
