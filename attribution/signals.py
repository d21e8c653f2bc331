"""Sent when a fact that decides a client's ownership or split is recorded, so the commission can re-split the
client's deals (commission depends on attribution, never the other way round)."""

from django.dispatch import Signal

# kwargs: site, client_ids (list[int]), now, reason ("recognition", "dispute_opinion", "dispute_ruling",
# "facts_changed"), actor
client_facts_changed = Signal()
