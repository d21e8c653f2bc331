"""Referrals and follow-ups of one site, or of this user, or 404: an id never reveals another site's record."""

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from salesoffice.access import sites_for
from salesoffice.models import Site

from .models import FollowUp, Referral, WeeklyClientReport


def referral_for_site_or_404(site: Site, referral_id: int) -> Referral:
    return get_object_or_404(Referral.objects.select_related("site", "client", "referrer"), site=site, pk=referral_id)


def referral_for_user_or_404(user: AbstractBaseUser, referral_id: int) -> Referral:
    """The referrer's own referral (whatever their site), or one of a site whose referrals the user may see."""
    referral = (
        Referral.objects.select_related("site", "client", "referrer", "registered_by", "confirmed_by")
        .filter(pk=referral_id)
        .filter(
            Q(referrer=user)
            | Q(registered_by=user)
            | Q(site__in=sites_for(user) if user.has_perm("attribution.view_all_clients") else Site.objects.none())
        )
        .first()
    )
    if referral is None:
        raise Http404("No such referral")
    return referral


def follow_up_for_site_or_404(site: Site, follow_up_id: int) -> FollowUp:
    return get_object_or_404(FollowUp.objects.select_related("site", "client"), site=site, pk=follow_up_id)


def weekly_report_or_404(week: str) -> WeeklyClientReport:
    """The stored report of the week starting on `week` (YYYY-MM-DD), without its figures (the pages read the parts
    a reader sees, reports.weekly_report_view); anything else names no report."""
    try:
        week_start = dt.date.fromisoformat(week)
    except ValueError as exc:
        raise Http404("No such week") from exc
    return get_object_or_404(WeeklyClientReport.objects.defer("data"), week_start=week_start)
