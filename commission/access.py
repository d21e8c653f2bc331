"""Deals and statements for this user, or 404/403: a deal of another site, or one the user has no part in, is
never revealed to exist."""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q
from django.http import Http404

from salesoffice.access import sees_all_sites, site_for_user_or_404, site_with_perm_or_403, sites_for
from salesoffice.models import Site

from .models import Deal, Split

SALES = Site.Kind.SALES_OFFICE


def deal_site_or_403(user: AbstractBaseUser, code: str, perm: str) -> Site:
    return site_with_perm_or_403(user, code, perm, SALES)


def visible_deals(user: AbstractBaseUser, site: Site):
    """Every deal of the site for its managers; otherwise those the user closed or has a share in."""
    deals = Deal.objects.filter(site=site)
    if user.has_perm("commission.view_site_deals"):
        return deals
    shared = Split.objects.filter(deal__site=site, shares__user=user, superseded_by__isnull=True).values("deal_id")
    return deals.filter(Q(salesperson=user) | Q(pk__in=shared))


def deal_for_user_or_404(user: AbstractBaseUser, code: str, deal_id: int) -> tuple[Site, Deal]:
    site = site_for_user_or_404(user, code, SALES)
    deal = (
        visible_deals(user, site)
        .select_related("client", "salesperson", "recorded_by", "after_sales_by")
        .filter(pk=deal_id)
        .first()
    )
    if deal is None:
        raise Http404("No such deal")
    deal.site = site
    return site, deal


def statement_site_ids(user: AbstractBaseUser) -> list[int] | None:
    """The sales sites whose statement lines the user reads: all (None) for those who see every site."""
    if sees_all_sites(user):
        return None
    return list(sites_for(user, SALES).values_list("pk", flat=True))
