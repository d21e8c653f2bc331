"""The register's receivers of other apps' events (connected in AttributionConfig.ready). Apart from signals.py, which
only declares the register's own signals, so that services can send them without a cycle."""

from .models import VisitEntry
from .services import client_share_viewers_add


def change_request_recorded(sender, instance, created: bool, **kwargs) -> None:
    """A manager's decision on a change of salesperson (REC-DES-2/3): in the decision's transaction, list the
    reception's client for whoever it gives a share (services.client_share_viewers_add)."""
    if not created or not instance.requested_salesperson_id:
        return
    reception = instance.reception
    client_ids = set(VisitEntry.objects.filter(reception=reception).values_list("client_id", flat=True))
    if reception.client_id:
        client_ids.add(reception.client_id)
    if client_ids:
        client_share_viewers_add(site=reception.site, client_ids=client_ids, now=instance.decided_at)
