import datetime as dt

from salesoffice.models import Site

from .models import Client, VisitEntry
from .rules import Ownership, RegisteredVisit, registered_owner


def client_by_phone(*, normalised_phone: str) -> Client | None:
    return Client.objects.filter(phone_normalised=normalised_phone).order_by("created_at", "pk").first()


def client_ownership(*, client: Client, site: Site, now: dt.datetime) -> Ownership:
    entries = (
        VisitEntry.objects.filter(client=client, site=site, corrections__isnull=True)
        .select_related("approval")
        .only("pk", "salesperson_id", "registered_at", "approval__approved_at")
    )
    visits = [
        RegisteredVisit(
            entry_id=e.pk,
            salesperson_id=e.salesperson_id,
            registered_at=e.registered_at,
            approved_at=getattr(getattr(e, "approval", None), "approved_at", None),
        )
        for e in entries
    ]
    return registered_owner(visits, now=now, zone=site.zone)
