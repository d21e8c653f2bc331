"""Objects of one site, or 404: an id from another site never reveals that it exists."""

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from salesoffice.models import Site

from .models import Absence, Reception, RotaMember


def reception_for_site_or_404(site: Site, reception_id: int) -> Reception:
    return get_object_or_404(Reception.objects.select_related("salesperson", "site"), site=site, pk=reception_id)


def member_for_site_or_404(site: Site, member_id: int) -> RotaMember:
    return get_object_or_404(RotaMember.objects.select_related("salesperson"), site=site, pk=member_id)


def absence_for_site_or_404(site: Site, absence_id: int) -> Absence:
    return get_object_or_404(Absence.objects.select_related("salesperson", "site"), site=site, pk=absence_id)


def posted_id_or_404(request: HttpRequest, name: str) -> int:
    """An object id sent in a POST field; anything that is not one names no object of this site (404)."""
    raw = request.POST.get(name, "")
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 18):  # 18 digits always fit a bigint
        raise Http404
    return int(raw)


def salespeople_of(site: Site) -> QuerySet:
    """The people on the site's rota, in its order: the choices of the desk's and the rota page's forms."""
    return (
        get_user_model()
        .objects.filter(rota_places__site=site, rota_places__active=True)
        .order_by("rota_places__position")
    )
