"""Objects of one site, or 404: an id from another site never reveals that it exists."""

from django.shortcuts import get_object_or_404

from salesoffice.models import Site

from .models import Absence, Reception, RotaMember


def reception_for_site_or_404(site: Site, reception_id: int) -> Reception:
    return get_object_or_404(Reception.objects.select_related("salesperson", "site"), site=site, pk=reception_id)


def member_for_site_or_404(site: Site, member_id: int) -> RotaMember:
    return get_object_or_404(RotaMember.objects.select_related("salesperson"), site=site, pk=member_id)


def absence_for_site_or_404(site: Site, absence_id: int) -> Absence:
    return get_object_or_404(Absence.objects.select_related("salesperson", "site"), site=site, pk=absence_id)
