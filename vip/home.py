"""The store's part of each role's home (salesoffice.homes), registered by VipConfig.ready(): the clerk's till, the
store manager's expiring cards, return shortfalls and reminders ahead."""

import datetime as dt
from collections.abc import Iterator

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

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
from salesoffice.models import Site
from salesoffice.money import count_text, money_text
from salesoffice.roles import Role
from salesoffice.timeutil import day_bounds, local_day

from . import selectors_home


def _day(at: dt.datetime, store: Site) -> str:
    return date_format(at.astimezone(store.zone), "SHORT_DATE_FORMAT")


def till_panel(home: Home) -> Iterator[Panel]:
    """The till of each of the clerk's stores, with today's receipts and takings."""
    stores = home.sites_of_kind(Site.Kind.STORE)[:PANEL_ROWS]
    zone = stores[0].zone if stores else None
    figures = {}
    if stores:
        start, end = day_bounds(local_day(home.now, zone), zone)
        figures = selectors_home.till_day(stores=stores, start=start, end=end)
    rows = [
        Row(
            _("Open the till · %(store)s") % {"store": store.name},
            url=reverse("vip:till", kwargs={"site": store.code}),
            detail=_("Today: %(receipts)s receipts, %(paid)s")
            % {
                "receipts": count_text(figures.get(store.pk, (0, 0))[0]),
                "paid": money_text(figures.get(store.pk, (0, 0))[1]),
            },
        )
        for store in stores
    ]
    yield Panel(key="till", title=_("Till"), rows=rows, empty=_("You work at no store yet."))


def store_manager_panels(home: Home) -> Iterator[Panel]:
    """VIP-CARD-1: cards expiring; VIP-RET-1: return shortfalls; VIP-SVC-1: reminders still to go out."""
    stores = home.sites_of_kind(Site.Kind.STORE)

    def store_page(name: str) -> str:
        return reverse(name, kwargs={"site": stores[0].code}) if len(stores) == 1 else ""

    yield list_panel(
        key="expiring-cards",
        title=_("Expiring cards"),
        found=first_rows(selectors_home.cards_expiring(stores=stores, now=home.now)),
        row=lambda m: Row(
            m.customer.address_as or _("A member"),
            url=reverse("vip:member", kwargs={"site": m.store.code, "membership_id": m.pk}),
            detail=_("Card valid until %(day)s") % {"day": _day(m.valid_until, m.store)},
            tone="warning",
            rule="VIP-CARD-1",
        ),
        empty=_("No card expires in the next 30 days."),
        more_url=store_page("vip:expiring"),
        more_label=_("Expiring cards"),
    )
    yield list_panel(
        key="shortfalls",
        title=_("Return shortfalls"),
        found=first_rows(selectors_home.recent_shortfalls(stores=stores, now=home.now)),
        row=lambda r: Row(
            _("%(points)d points short on a return") % {"points": r.shortfall},
            url=reverse("vip:receipt", kwargs={"site": r.purchase.store.code, "purchase_id": r.purchase_id}),
            detail=_day(r.at, r.purchase.store),
            tone="danger",
            rule="VIP-RET-1",
        ),
        empty=_("No return fell short in the last 30 days."),
        more_url=store_page("vip:shortfalls"),
        more_label=_("Return shortfalls"),
    )
    yield list_panel(
        key="reminders",
        title=_("SMS reminders ahead"),
        found=first_rows(selectors_home.reminders_ahead(stores=stores, now=home.now)),
        row=lambda c: Row(
            c.text,
            url=reverse("vip:campaigns", kwargs={"site": c.store.code}),
            detail=_("Goes out %(day)s") % {"day": _day(c.send_at, c.store)},
            rule="VIP-SVC-1",
        ),
        empty=_("No reminder is planned."),
        more_url=store_page("vip:campaigns"),
        more_label=_("SMS reminders"),
    )


def count_expiring(*, user, site_code: str, now: dt.datetime) -> int | None:
    if not site_code or not user.has_perm("vip.manage_store"):
        return None
    stores = sites_for(user, Site.Kind.STORE).filter(code=site_code)
    return capped_count(selectors_home.cards_expiring(stores=stores, now=now))


def register() -> None:
    register_home_panel(roles=[Role.STORE_CLERK, Role.STORE_MANAGER], build=till_panel, order=50)
    register_home_panel(roles=[Role.STORE_MANAGER], build=store_manager_panels, order=52)
    register_nav_count("vip:expiring", count_expiring)
