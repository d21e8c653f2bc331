"""Reads for the homes (salesoffice.homes): the clerk's till day, the store manager's expiring cards, shortfalls and
reminders. One query each, whatever the history."""

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum

from salesoffice.models import Site
from salesoffice.money import summed

from . import rules
from .models import Campaign, Membership, Purchase, Return

SiteSet = Sequence[Site] | QuerySet[Site]
# The shortfalls a manager is shown on their home: the last weeks' (VIP-PTS-3), the page has them all.
RECENT_SHORTFALLS = dt.timedelta(days=30)


def till_day(*, stores: SiteSet, start: dt.datetime, end: dt.datetime) -> dict[int, tuple[int, Decimal]]:
    """Each store's receipts and takings between `start` and `end` (today), by store id."""
    rows = (
        Purchase.objects.filter(store__in=stores, at__gte=start, at__lt=end)
        .values("store_id")
        .annotate(receipts=Count("pk"), paid=Sum("paid"))
    )
    return {row["store_id"]: (row["receipts"], summed(row["paid"])) for row in rows}


def cards_expiring(*, stores: SiteSet, now: dt.datetime) -> QuerySet[Membership]:
    """VIP-CARD-1: cards running out within the warning days, the soonest first."""
    return (
        Membership.objects.filter(
            store__in=stores, valid_until__gte=now, valid_until__lte=now + dt.timedelta(days=rules.EXPIRY_WARNING_DAYS)
        )
        .select_related("customer", "store")
        .order_by("valid_until", "pk")
    )


def recent_shortfalls(*, stores: SiteSet, now: dt.datetime) -> QuerySet[Return]:
    """VIP-RET-1: returns of the last weeks whose points were already redeemed, the newest first."""
    return (
        Return.objects.filter(purchase__store__in=stores, shortfall__gt=0, at__gte=now - RECENT_SHORTFALLS)
        .select_related("purchase__membership__customer", "purchase__store")
        .order_by("-at", "-pk")
    )


def reminders_ahead(*, stores: SiteSet, now: dt.datetime) -> QuerySet[Campaign]:
    """VIP-SVC-1: reminder campaigns still to go out, the soonest first."""
    return Campaign.objects.filter(store__in=stores, send_at__gte=now).select_related("store").order_by("send_at", "pk")
