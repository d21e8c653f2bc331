"""Backfill the client list's summaries (ClientSiteSummary, ClientSiteViewer) from the register and the referrals.

Batched (a transaction per batch of clients, each batch's clients locked as the register's writers lock them, so a
registration made meanwhile is not overwritten), re-runnable (an upsert), and self-contained: the register's reading
(ATT-REG-1..3) is copied here as it stands when the summary is introduced; should the rules change later, the
summaries are rebuilt by `attribution.services.client_summaries_rebuild`."""

import calendar
import datetime as dt
from zoneinfo import ZoneInfo

from django.db import migrations, transaction

BATCH = 2000
ENTRY_COLUMNS = (
    "pk",
    "client_id",
    "salesperson_id",
    "received_by_id",
    "registered_by_id",
    "registered_at",
    "visited_at",
    "corrects_id",
    "corrects__registered_at",
    "approval__approved",
)
SUMMARY_COLUMNS = ["entries", "registered", "first_registered_at", "last_registered_at", "owner", "valid_until"]


def registration_end(visited_at, zone):
    """The end of the day one month after the visit's day, clamped to that month's last day (ATT-REG-2)."""
    day = visited_at.astimezone(zone).date()
    year, month = day.year + day.month // 12, day.month % 12 + 1
    last = dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
    return dt.datetime.combine(last, dt.time.max, tzinfo=zone)


def latest_registration(entries, zone):
    """(owner id, valid until) of the register's last registration period, everything on it counted: approved
    entries not replaced by an approved correction, in the order registered (a correction keeps its original's
    place); the first valid registration wins and only its owner's visits renew it (ATT-REG-1..3)."""
    replaced = {e["corrects_id"] for e in entries if e["corrects_id"] and e["approval__approved"]}
    counted = sorted(
        (e["corrects__registered_at"] or e["registered_at"], e["pk"], e["salesperson_id"], e["visited_at"])
        for e in entries
        if e["approval__approved"] and e["pk"] not in replaced
    )
    owner = until = None
    for registered_at, _pk, salesperson_id, visited_at in counted:
        if owner is None or registered_at > until:
            owner, until = salesperson_id, registration_end(visited_at, zone)
        elif salesperson_id == owner:
            until = max(until, registration_end(visited_at, zone))
    return owner, until


def backfill(apps, schema_editor):
    Site = apps.get_model("salesoffice", "Site")
    Client = apps.get_model("attribution", "Client")
    VisitEntry = apps.get_model("attribution", "VisitEntry")
    Referral = apps.get_model("attribution", "Referral")
    Summary = apps.get_model("attribution", "ClientSiteSummary")
    Viewer = apps.get_model("attribution", "ClientSiteViewer")
    for site in Site.objects.order_by("pk"):
        zone = ZoneInfo(site.time_zone)
        entered = VisitEntry.objects.filter(site=site).values_list("client_id", flat=True).distinct()
        client_ids = sorted(set(entered) | set(Referral.objects.filter(site=site).values_list("client_id", flat=True)))
        for start in range(0, len(client_ids), BATCH):
            batch = client_ids[start : start + BATCH]
            with transaction.atomic():
                list(Client.objects.select_for_update().filter(pk__in=batch).order_by("pk").values_list("pk"))
                by_client = {pk: [] for pk in batch}
                rows = VisitEntry.objects.filter(site=site, client_id__in=batch).order_by("registered_at", "pk")
                for row in rows.values(*ENTRY_COLUMNS):
                    by_client[row["client_id"]].append(row)
                summaries, viewers = [], []
                for client_id, entries in by_client.items():
                    owner, until = latest_registration(entries, zone)
                    last = entries[-1]["registered_at"] if entries else None
                    summaries.append(
                        Summary(
                            client_id=client_id,
                            site=site,
                            entries=len(entries),
                            registered=bool(entries),
                            first_registered_at=entries[0]["registered_at"] if entries else None,
                            last_registered_at=last,
                            owner_id=owner,
                            valid_until=until,
                        )
                    )
                    named = {e[k] for e in entries for k in ("salesperson_id", "received_by_id", "registered_by_id")}
                    viewers += [
                        Viewer(client_id=client_id, site=site, user_id=u, last_registered_at=last)
                        for u in sorted(named - {None})
                    ]
                Summary.objects.bulk_create(
                    summaries, update_conflicts=True, unique_fields=["client", "site"], update_fields=SUMMARY_COLUMNS
                )
                Viewer.objects.bulk_create(
                    viewers,
                    update_conflicts=True,
                    unique_fields=["site", "user", "client"],
                    update_fields=["last_registered_at"],
                )


class Migration(migrations.Migration):
    atomic = False  # a transaction per batch

    dependencies = [("attribution", "0005_client_site_summaries")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
