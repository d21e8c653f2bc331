"""Reads for the homes (salesoffice.homes) and the navigation's counts: this month's commission so far, deals awaiting
the project manager, commission held for the sales director. One query each, whatever the history."""

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from django.db.models import QuerySet, Sum

from salesoffice.models import Site
from salesoffice.money import summed

from .models import UNCONFIRMED, Deal, LedgerEntry, SplitStatus

SiteSet = Sequence[Site] | QuerySet[Site]


def month_so_far(*, user_id: int, month: dt.date) -> Decimal:
    """COM-4: what the person's lines in `month`'s statement add up to now (shares and adjustments)."""
    return summed(LedgerEntry.objects.filter(month__month=month, user_id=user_id).aggregate(t=Sum("amount"))["t"])


def deals_to_confirm(*, sites: SiteSet) -> QuerySet[Deal]:
    """COM-5: deals the project manager has not confirmed yet, oldest signed first."""
    return (
        Deal.objects.filter(UNCONFIRMED, site__in=sites)
        .select_related("client", "salesperson", "site")
        .order_by("signed_at", "pk")
    )


def deals_in_status(*, sites: SiteSet, status: SplitStatus) -> QuerySet[Deal]:
    """Live deals whose split is `status`: without an owner the rules can settle (an opinion to write) or on hold
    until the sales director rules (ATT-DISP-1)."""
    return (
        Deal.objects.filter(site__in=sites, split_status=status, cancelled_at__isnull=True)
        .select_related("client", "site")
        .order_by("signed_at", "pk")
    )


def held_total(*, sites: SiteSet) -> Decimal:
    """ATT-DISP-1: the commission of the deals on hold until a ruling."""
    held = Deal.objects.filter(site__in=sites, split_status=SplitStatus.ON_HOLD, cancelled_at__isnull=True)
    return summed(held.aggregate(t=Sum("commission"))["t"])
