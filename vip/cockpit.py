"""The stores' part of the management cockpit (salesoffice.cockpit): VIP members and points per store.

New members and renewals are the registration summary's (vip.selectors.registration_summary, VIP-DATA-1); the
points come from the points ledger (`PointMovement`, signed: earned +, redeemed, reversed and expired -), so what is
outstanding at the month's end is the ledger's sum up to then (VIP-PTS-1/2/3); the shortfall is the points a return
should have taken back but which were already redeemed (VIP-RET-1)."""

import datetime as dt

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salesoffice.cockpit import (
    BAR,
    LINE,
    TEXT,
    CockpitMonth,
    Column,
    Figures,
    Section,
    Table,
    month_filters,
    month_label,
    trend_span,
)
from salesoffice.models import Site
from salesoffice.timeutil import month_bounds

from .models import Membership, PointMovement, Return
from .selectors import SummaryRow, registration_summary


def _store_month(month: CockpitMonth, store: Site) -> tuple[dt.datetime, dt.datetime, dt.datetime]:
    start, end = month_bounds(month.first.year, month.first.month, store.zone)
    return start, end, min(month.now, end)  # a month still running is read as of now


def _issued(month: CockpitMonth, stores: list[Site]) -> dict[int, SummaryRow]:
    """The registration summary's row of the month per store (VIP-DATA-1), read as of the month's last instant."""
    as_of = min((_store_month(month, s)[2] for s in stores), default=month.now) - dt.timedelta(microseconds=1)
    return {
        row.store.pk: row
        for row in registration_summary(now=as_of, months=0, stores=stores)
        if (row.year, row.month) == (month.first.year, month.first.month)
    }


def _store_figures(month: CockpitMonth, stores: list[Site]) -> tuple[dict, dict, dict]:
    """Active members, points and shortfalls per store: three aggregates, each store's month in its own zone."""
    active, points, in_month, shortfalls = Q(), Q(), Q(), Q()
    for store in stores:
        start, _end, cutoff = _store_month(month, store)
        active |= Q(store=store, started_at__lt=cutoff, valid_until__gte=cutoff)
        points |= Q(membership__store=store, at__lt=cutoff)
        in_month |= Q(membership__store=store, at__gte=start, at__lt=cutoff)
        shortfalls |= Q(purchase__store=store, at__gte=start, at__lt=cutoff)
    active_by = dict(Membership.objects.filter(active).values_list("store_id").annotate(n=Count("pk")).order_by())
    points_by = {
        r["membership__store"]: r
        for r in PointMovement.objects.filter(points)
        .values("membership__store")
        .annotate(
            outstanding=Sum("points"),
            issued=Sum("points", filter=in_month & Q(kind=PointMovement.Kind.EARN)),
            redeemed=Sum("points", filter=in_month & Q(kind=PointMovement.Kind.REDEEM)),
        )
        .order_by()
    }
    short_by = {
        r["purchase__store"]: r
        for r in Return.objects.filter(shortfalls, shortfall__gt=0)
        .values("purchase__store")
        .annotate(n=Count("pk"), points=Sum("shortfall"))
        .order_by()
    }
    return active_by, points_by, short_by


def _store_row(store: Site, summary: SummaryRow | None, active: int, points: dict, short: dict) -> list:
    return [
        store.name,
        summary.registrations if summary else 0,
        summary.renewals if summary else 0,
        active,
        points.get("issued") or 0,
        -(points.get("redeemed") or 0),
        points.get("outstanding") or 0,
        short.get("n") or 0,
        short.get("points") or 0,
    ]


def store_table(month: CockpitMonth) -> Table:
    """One row per store: the summary's two queries, then three aggregates over the stores in scope."""
    stores = list(month.sites)
    issued = _issued(month, stores)
    active_by, points_by, short_by = _store_figures(month, stores) if stores else ({}, {}, {})
    rows = [
        _store_row(s, issued.get(s.pk), active_by.get(s.pk, 0), points_by.get(s.pk, {}), short_by.get(s.pk, {}))
        for s in stores
    ]
    return Table(
        key="stores",
        title=_("VIP members and points by store"),
        columns=[
            Column(_("Store"), TEXT),
            Column(_("New members")),
            Column(_("Renewals (VIP-CARD-3)")),
            Column(_("Active members at the month's end")),
            Column(_("Points issued (VIP-PTS-1)")),
            Column(_("Points redeemed (VIP-PTS-2)")),
            Column(_("Points outstanding")),
            Column(_("Returns with a shortfall (VIP-RET-1)")),
            Column(_("Shortfall points")),
        ],
        rows=rows,
        chart=BAR,
        charted=(1, 3, 4, 5),
        note=_(
            "New members and renewals as the registration summary counts the cards issued (VIP-DATA-1); points "
            "outstanding are the points ledger's balance at the month's end (VIP-PTS-1/2/3); a shortfall is what "
            "a return could not take back because it was already redeemed (VIP-RET-1)."
        ),
    )


def vip_trend(month: CockpitMonth) -> Table:
    """New members, points issued and points redeemed per month: two aggregate queries."""
    months = month.trend_months
    stores = month.sites
    rows: list[list] = [[month_label(m)] for m in months]
    if stores:
        ids = [s.pk for s in stores]
        new = Membership.objects.filter(
            trend_span(months, stores, "started_at"), store__in=ids, renews__isnull=True
        ).aggregate(
            **{
                f"m{i}": Count("pk", filter=q)
                for i, q in enumerate(month_filters(months, stores, at="started_at", site="store_id"))
            }
        )
        by_month = month_filters(months, stores, at="at", site="membership__store_id")
        points = PointMovement.objects.filter(trend_span(months, stores, "at"), membership__store__in=ids).aggregate(
            **{f"e{i}": Sum("points", filter=q & Q(kind=PointMovement.Kind.EARN)) for i, q in enumerate(by_month)},
            **{f"r{i}": Sum("points", filter=q & Q(kind=PointMovement.Kind.REDEEM)) for i, q in enumerate(by_month)},
        )
        for i, row in enumerate(rows):
            row += [new[f"m{i}"], points[f"e{i}"] or 0, -(points[f"r{i}"] or 0)]
    else:
        for row in rows:
            row += [0, 0, 0]
    return Table(
        key="trend",
        title=_("VIP, last 12 months"),
        columns=[
            Column(_("Month"), TEXT),
            Column(_("New members")),
            Column(_("Points issued (VIP-PTS-1)")),
            Column(_("Points redeemed (VIP-PTS-2)")),
        ],
        rows=rows,
        chart=LINE,
    )


def build(month: CockpitMonth) -> Figures:
    return Figures(key="vip", title=_("VIP members and points"), tables=[store_table(month)], trend=vip_trend(month))


SECTION = Section(
    key="vip",
    title=gettext_lazy("VIP members and points"),
    site_kind=Site.Kind.STORE,
    permission="vip.view_registration_summary",
    build=build,
    order=40,
)
