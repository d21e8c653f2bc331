"""The register's objects for this user on this site, or 404/403: an id from another site, or a client the user
may not see, never reveals that it exists."""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from salesoffice.access import site_for_user_or_404
from salesoffice.models import Site

from .models import Client, DisputeOpinion, VisitEntry
from .selectors import visible_clients

CLIENT_VIEW_PERMS = ("attribution.register_visit", "attribution.view_all_clients")


def client_site_or_403(user: AbstractBaseUser, code: str) -> Site:
    """A sales site whose clients the user may look at: their own (a salesperson) or all (the managers)."""
    site = site_for_user_or_404(user, code, Site.Kind.SALES_OFFICE)
    if not any(user.has_perm(perm) for perm in CLIENT_VIEW_PERMS):
        raise PermissionDenied
    return site


def client_for_user_or_404(user: AbstractBaseUser, site: Site, client_id: int) -> Client:
    return get_object_or_404(visible_clients(site=site, user=user), pk=client_id)


def entry_for_site_or_404(site: Site, entry_id: int) -> VisitEntry:
    entry = get_object_or_404(VisitEntry.objects.select_related("client", "salesperson"), site=site, pk=entry_id)
    entry.site = site
    return entry


def opinion_for_site_or_404(site: Site, opinion_id: int) -> DisputeOpinion:
    opinion = get_object_or_404(DisputeOpinion.objects.select_related("client", "written_by"), site=site, pk=opinion_id)
    opinion.site = site
    return opinion
