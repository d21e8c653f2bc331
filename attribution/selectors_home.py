"""Reads for the homes (salesoffice.homes) and the navigation's counts: what waits on the register for a salesperson,
the project manager and the sales director, across the sites they see. Each one query, read through an index
(PendingReview's queue, the summaries' (site, owner, valid_until), the open follow-ups), whatever the history."""

import datetime as dt
from collections.abc import Sequence

from django.contrib.auth.models import User
from django.db.models import QuerySet

from salesoffice.models import Site

from .models import ClientSiteSummary, DisputeOpinion, FollowUp, Referral, VisitEntry

# ATT-REG-2: a salesperson's clients whose registration runs out within this many days are listed on their home.
LAPSING_WITHIN = dt.timedelta(days=7)

SiteSet = Sequence[Site] | QuerySet[Site]


def follow_ups_due(*, sites: SiteSet, user: User, before: dt.datetime) -> QuerySet[FollowUp]:
    """ATT-FU-1: the user's planned follow-ups due before `before` (the end of today) and not recorded, the overdue
    ones first."""
    return (
        FollowUp.objects.filter(site__in=sites, salesperson=user, done_at__isnull=True, planned_for__lt=before)
        .select_related("client", "site")
        .order_by("planned_for", "pk")
    )


def registrations_lapsing(*, sites: SiteSet, user: User, now: dt.datetime) -> QuerySet[ClientSiteSummary]:
    """ATT-REG-2: the user's clients whose registration is valid now and runs out within LAPSING_WITHIN."""
    return (
        ClientSiteSummary.objects.filter(
            site__in=sites, owner=user, valid_until__gte=now, valid_until__lt=now + LAPSING_WITHIN
        )
        .select_related("client", "site")
        .order_by("valid_until", "pk")
    )


def entries_to_review(*, sites: SiteSet, now: dt.datetime) -> QuerySet[VisitEntry]:
    """ATT-REG-1: register entries awaiting review, oldest (so the overdue ones) first, from the review queue."""
    return (
        VisitEntry.objects.filter(pending_review__site__in=sites, pending_review__registered_at__lte=now)
        .select_related("client", "salesperson", "site")
        .order_by("pending_review__registered_at", "pending_review__entry_id")
    )


def referrals_due(*, sites: SiteSet, day: dt.date) -> QuerySet[Referral]:
    """ATT-EMP-2/3: referrals whose client is expected on `day` and not confirmed yet."""
    return (
        Referral.objects.filter(site__in=sites, appointment_date=day, confirmed_at__isnull=True)
        .select_related("client", "referrer", "site")
        .order_by("registered_at", "pk")
    )


def rulings_waiting(*, sites: SiteSet) -> QuerySet[DisputeOpinion]:
    """ATT-DISP-1: the project managers' opinions awaiting the sales director's ruling, oldest first."""
    return (
        DisputeOpinion.objects.filter(site__in=sites, decided_at__isnull=True)
        .select_related("client", "written_by", "site")
        .order_by("written_at", "pk")
    )
