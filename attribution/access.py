"""The register's objects for this user on this site, or 404/403: an id from another site, or a client the user
may not see, never reveals that it exists."""

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from salesoffice.access import site_for_user_or_404
from salesoffice.models import Site

from .models import Client, DisputeOpinion, VisitEntry
from .selectors import holds_share, visible_clients

CLIENT_VIEW_PERMS = ("attribution.register_visit", "attribution.view_all_clients")


def client_site_or_403(user: AbstractBaseUser, code: str) -> Site:
    """A sales site whose clients the user may look at: their own (a salesperson) or all (the managers)."""
    site = site_for_user_or_404(user, code, Site.Kind.SALES_OFFICE)
    if not any(user.has_perm(perm) for perm in CLIENT_VIEW_PERMS):
        raise PermissionDenied
    return site


def client_for_user_or_404(
    user: AbstractBaseUser, site: Site, client_id: int, *, now: dt.datetime | None = None
) -> Client:
    """A client the user may see: theirs on the register, all with `view_all_clients`, or one they hold a share of at
    `now` (ATT-SPOUSE, REC-NEW-2c, REC-DES-2); anyone else gets 404. (`now` defaults to the clock only so that callers
    written before it existed keep working; the views pass the request's instant.)"""
    client = visible_clients(site=site, user=user).filter(pk=client_id).first()
    if client is not None:
        return client
    now = now or timezone.now()
    candidate = Client.objects.filter(pk=client_id).first()
    if candidate is not None and holds_share(client=candidate, site=site, user=user, now=now):
        return candidate
    raise Http404


def entry_for_site_or_404(site: Site, entry_id: int) -> VisitEntry:
    entry = get_object_or_404(VisitEntry.objects.select_related("client", "salesperson"), site=site, pk=entry_id)
    entry.site = site
    return entry


def opinion_for_site_or_404(site: Site, opinion_id: int) -> DisputeOpinion:
    opinion = get_object_or_404(DisputeOpinion.objects.select_related("client", "written_by"), site=site, pk=opinion_id)
    opinion.site = site
    return opinion
