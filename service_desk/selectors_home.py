"""Reads for the homes (salesoffice.homes) and the navigation's counts: the open items of a person across their
offices, by deadline (SVC-FIRST-1), and the offices' reminder hours. One query each, whatever the history."""

from collections.abc import Sequence

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet

from salesoffice.models import Site

from .models import OfficeSettings, ServiceRequest

SiteSet = Sequence[Site] | QuerySet[Site]


def open_items_by_deadline(*, offices: SiteSet, user: AbstractBaseUser) -> QuerySet[ServiceRequest]:
    """SVC-FIRST-1: the open requests the user owns or was routed, soonest reply deadline first."""
    return (
        ServiceRequest.objects.filter(site__in=offices, closed_at__isnull=True)
        .filter(Q(owner=user) | Q(assignee=user))
        .select_related("site")
        .only("id", "kind", "requester_name", "reply_due_at", "site__code", "site__name", "site__time_zone")
        .order_by("reply_due_at", "pk")
    )


def reminder_hours(offices: Sequence[Site]) -> dict[int, int]:
    """Each office's hours of warning before a deadline (its settings, or the default when it saved none)."""
    saved = dict(OfficeSettings.objects.filter(site__in=offices).values_list("site_id", "reminder_hours"))
    default = OfficeSettings().reminder_hours
    return {office.pk: saved.get(office.pk, default) for office in offices}
