"""The client list's summary and who may see a client, derived from the register; and the signal that a fact
changed (COM-4: the commission re-splits the client's deals in the same transaction)."""

import datetime as dt
from collections.abc import Iterable
from typing import cast

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Coalesce

from salesoffice.models import Site

from ..models import Client, ClientSiteSummary, ClientSiteViewer, Referral, VisitEntry
from ..selectors import client_attribution, client_site_summaries
from ..signals import client_facts_changed


def _facts_changed(*, site: Site, client_ids: list[int], now: dt.datetime, reason: str, actor: User) -> None:
    """Tell the commission a fact about these clients was recorded, in the same transaction, so a deal's split
    never lags behind the register (COM-4); and list the clients for whoever the fact gives a share."""
    client_share_viewers_add(site=site, client_ids=client_ids, now=now)
    client_facts_changed.send(sender=Client, site=site, client_ids=client_ids, now=now, reason=reason, actor=actor)


# --- the client list's summary (derived from the register) -------------------------------------------------


def client_summaries_refresh(*, client_ids: Iterable[int], site: Site) -> None:
    """Rebuild the client list's summary of these clients on the site from the register, in the caller's transaction
    (after its own write)."""
    ids = sorted(set(client_ids))
    # The race: a review committing while a registration of the same client rebuilds its row would leave the row
    # without the review. Every writer rebuilds under the client's lock (the one visit_register holds), so the last
    # to rebuild reads everything the others committed.
    list(Client.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))
    summaries, viewers = client_site_summaries(client_ids=ids, site=site)
    ClientSiteSummary.objects.bulk_create(
        summaries,
        update_conflicts=True,
        unique_fields=["client", "site"],
        update_fields=["entries", "registered", "first_registered_at", "last_registered_at", "owner", "valid_until"],
    )
    ClientSiteViewer.objects.bulk_create(
        viewers, update_conflicts=True, unique_fields=["site", "user", "client"], update_fields=["last_registered_at"]
    )
    # Viewers holding a share without an entry of their own (client_share_viewers_add) keep the list's order too.
    latest = ClientSiteSummary.objects.filter(site=site, client_id=OuterRef("client_id")).values("last_registered_at")[
        :1
    ]
    ClientSiteViewer.objects.filter(site=site, client_id__in=ids).exclude(last_registered_at=Subquery(latest)).update(
        last_registered_at=Coalesce(Subquery(latest), F("last_registered_at"))
    )


def client_share_viewers_add(*, site: Site, client_ids: Iterable[int], now: dt.datetime) -> int:
    """List each client for everyone holding a share of it at `now` or following it up (ATT-SPOUSE, REC-NEW-2c,
    REC-DES-2, ATT-DISP-1), in the caller's transaction: a joint owner finds the client in "my clients". Rows are
    only added: like a register entry naming someone, a share once held keeps the client in their list."""
    ids = sorted(set(client_ids))
    if not ids:
        return 0
    # Only registered clients' summaries (last_registered_at__isnull=False), which the stubs cannot see.
    registered = cast(
        dict[int, dt.datetime],
        dict(
            ClientSiteSummary.objects.filter(
                site=site, client_id__in=ids, last_registered_at__isnull=False
            ).values_list("client_id", "last_registered_at")
        ),
    )
    rows = []
    for client_id in ids:
        if client_id not in registered:
            continue  # no register entry on this site: nobody holds a share
        attribution = client_attribution(client=Client(pk=client_id), site=site, now=now)
        holders = {u for u in (*attribution.salesperson_ids, attribution.follow_up_id) if u is not None}
        rows += [
            ClientSiteViewer(client_id=client_id, site=site, user_id=u, last_registered_at=registered[client_id])
            for u in sorted(holders)
        ]
    ClientSiteViewer.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def client_summaries_rebuild(*, site: Site, batch_size: int = 2000) -> int:
    """Rebuild the summary of every client of the site, a batch of clients per transaction: for a register written
    in bulk (the benchmark) or read by changed rules. Returns the number of clients."""
    entered = VisitEntry.objects.filter(site=site).values_list("client_id", flat=True).distinct()
    referred = Referral.objects.filter(site=site).values_list("client_id", flat=True)
    client_ids = sorted(set(entered) | set(referred))
    for start in range(0, len(client_ids), batch_size):
        with transaction.atomic():
            client_summaries_refresh(client_ids=client_ids[start : start + batch_size], site=site)
    return len(client_ids)
