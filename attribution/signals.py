"""Sent when a fact that decides a client's ownership or split is recorded, so the commission can re-split the
client's deals (commission depends on attribution, never the other way round)."""

from django.dispatch import Signal

# kwargs: site, client_ids (list[int]), now, reason ("recognition", "dispute_opinion", "dispute_ruling",
# "facts_changed"), actor
client_facts_changed = Signal()


def change_request_recorded(sender, instance, created: bool, **kwargs) -> None:
    """A manager's decision on a change of salesperson (REC-DES-2/3): in the decision's transaction, list the
    reception's client for whoever it gives a share (services.client_share_viewers_add)."""
    if not created or not instance.requested_salesperson_id:
        return
    from .models import VisitEntry
    from .services import client_share_viewers_add

    reception = instance.reception
    client_ids = set(VisitEntry.objects.filter(reception=reception).values_list("client_id", flat=True))
    if reception.client_id:
        client_ids.add(reception.client_id)
    if client_ids:
        client_share_viewers_add(site=reception.site, client_ids=client_ids, now=instance.decided_at)
