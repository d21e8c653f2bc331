"""The register's figures the management cockpit reads (commission.cockpit's sales section): registrations per
site and salesperson in a month, and per month over a trend. A registration is a visit entered on the register; a
correction (ATT-REG-1: a new row pointing at the one it corrects) is not another registration."""

import datetime as dt
from collections.abc import Sequence

from django.db.models import Count

from salesoffice.cockpit import month_filters, trend_span
from salesoffice.models import Site

from .models import VisitEntry


def _entries(sites: Sequence[Site], months: Sequence[dt.date]):
    return VisitEntry.objects.filter(
        trend_span(months, sites, "registered_at"), site__in=[s.pk for s in sites], corrects__isnull=True
    ).order_by()


def registrations_by_salesperson(*, sites: Sequence[Site], first: dt.date) -> dict[tuple[int, int], int]:
    """{(site id, salesperson id): registrations} for the month: one query."""
    if not sites:
        return {}
    (in_month,) = month_filters([first], sites, at="registered_at")
    rows = _entries(sites, [first]).filter(in_month).values_list("site_id", "salesperson_id")
    return {(site, person): n for site, person, n in rows.annotate(n=Count("pk"))}


def registrations_by_month(*, sites: Sequence[Site], months: Sequence[dt.date]) -> list[int]:
    """Registrations in each of `months`: one aggregate query."""
    if not sites:
        return [0 for _m in months]
    conditions = month_filters(months, sites, at="registered_at")
    found = _entries(sites, months).aggregate(**{f"m{i}": Count("pk", filter=q) for i, q in enumerate(conditions)})
    return [found[f"m{i}"] for i in range(len(months))]
