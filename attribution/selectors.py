"""Reads for the register: a client's recorded facts gathered in a bounded number of queries, handed to
`attribution.rules`, and the lists the pages show."""

import datetime as dt
from collections.abc import Callable, Iterable
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured, ObjectDoesNotExist
from django.db.models import Exists, OuterRef, Q, QuerySet

from salesoffice.models import Site, display_name
from salesoffice.roles import Role

from . import rules
from .models import (
    Client,
    ClientPhone,
    ClientSiteSummary,
    ClientSiteViewer,
    CompanyClientMark,
    DisputeOpinion,
    OldClientIntroduction,
    PendingReview,
    Recognition,
    Referral,
    SpouseLink,
    VisitApproval,
    VisitEntry,
)

# A signed deal is a fact of ownership (who closed the client), but deals are commission's, the layer above the
# register: commission hands its deals in (CommissionConfig.ready), so the register reads them without importing it.
_signed_deals_source: Callable[[], QuerySet] | None = None


def register_signed_deals(source: Callable[[], QuerySet]) -> None:
    global _signed_deals_source
    _signed_deals_source = source


def signed_deals() -> QuerySet:
    """Every deal, as a queryset the register filters (site, client, salesperson_id, signed_at)."""
    if _signed_deals_source is None:
        raise ImproperlyConfigured("No app registered the signed deals (commission's AppConfig.ready does).")
    return _signed_deals_source()


def client_with_phones(*, client_id: int) -> Client | None:
    """The client with their phones (two queries), or None."""
    return Client.objects.filter(pk=client_id).prefetch_related("phones").first()


def client_by_phone(*, normalised_phone: str) -> Client | None:
    phone = ClientPhone.objects.filter(phone_normalised=normalised_phone).select_related("client").first()
    return phone.client if phone else None


def counting_entries(*, site: Site, now: dt.datetime) -> QuerySet[VisitEntry]:
    """Entries of the site not replaced by an approved correction (ATT-REG-1)."""
    corrected = VisitApproval.objects.filter(entry__corrects=OuterRef("pk"), approved=True, approved_at__lte=now)
    return VisitEntry.objects.filter(site=site).exclude(Exists(corrected))


def _registered_visits(entries: Iterable[VisitEntry]) -> tuple[rules.RegisteredVisit, ...]:
    visits = []
    for entry in entries:
        approval = getattr(entry, "approval", None)
        approved_at = approval.approved_at if approval is not None and approval.approved else None
        # A correction fixes the record of the same visit: it keeps the original's place in the order (ATT-REG-3).
        root = entry.corrects if entry.corrects_id else None
        visits.append(
            rules.RegisteredVisit(
                entry_id=entry.pk,
                salesperson_id=entry.salesperson_id,
                registered_at=root.registered_at if root else entry.registered_at,
                approved_at=approved_at,
                visited_at=entry.visited_at,
                rejected=approval is not None and not approval.approved,
                source=entry.source,
            )
        )
    return tuple(visits)


# The columns of a register entry the rules read, with its review and the entry it corrects.
_ENTRY_FIELDS = (
    "pk",
    "client_id",
    "site_id",
    "salesperson_id",
    "registered_at",
    "visited_at",
    "source",
    "corrects_id",
    "corrects__registered_at",
    "approval__approved",
    "approval__approved_at",
)


def _entry_view(row: dict) -> SimpleNamespace:
    """The attributes `_registered_visits` reads, from a plain row: the register's own reading of an entry
    (approval, a correction keeping the original's place) without building model instances."""
    approval = None
    if row["approval__approved_at"] is not None:
        approval = SimpleNamespace(approved=row["approval__approved"], approved_at=row["approval__approved_at"])
    corrects = SimpleNamespace(registered_at=row["corrects__registered_at"]) if row["corrects_id"] else None
    return SimpleNamespace(
        pk=row["pk"],
        salesperson_id=row["salesperson_id"],
        registered_at=row["registered_at"],
        visited_at=row["visited_at"],
        source=row["source"],
        corrects_id=row["corrects_id"],
        corrects=corrects,
        approval=approval,
    )


def _visits_of(
    client_ids: Iterable[int] | QuerySet, site: Site, now: dt.datetime
) -> dict[int, tuple[rules.RegisteredVisit, ...]]:
    """The counting entries of these clients on the site, as the rules see them; plain rows, as a client with
    dozens of entries would otherwise cost three model instances for each."""
    return {
        client_id: _registered_visits(_entry_view(row) for row in rows)
        for client_id, rows in _entry_rows(client_ids, site, now).items()
    }


def _entry_rows(client_ids: Iterable[int] | QuerySet, site: Site, now: dt.datetime, *fields: str) -> dict[int, list]:
    by_client: dict[int, list[dict]] = {}
    rows = (
        counting_entries(site=site, now=now)
        .filter(client_id__in=client_ids if isinstance(client_ids, QuerySet) else list(client_ids))
        .filter(registered_at__lte=now)
        .order_by("registered_at", "pk")
        .values(*_ENTRY_FIELDS, *fields)
    )
    for row in rows:
        by_client.setdefault(row["client_id"], []).append(row)
    return by_client


def _owners_of(client_ids: list[int], site: Site, now: dt.datetime) -> dict[int, rules.Ownership]:
    """The register alone, with the desk's reassignments (REC-NEW-4c): one query for the entries, one more only when
    some came from the desk."""
    by_client = _entry_rows(client_ids, site, now, "reception_id", "reception__replaces_id")
    moves = _reassignments_by_client(by_client, site)
    return {
        pk: rules.registered_owner(
            _registered_visits(_entry_view(row) for row in by_client.get(pk, ())),
            now=now,
            zone=site.zone,
            reassignments=moves.get(pk, ()),
        )
        for pk in client_ids
    }


def client_facts(*, client: Client, site: Site, now: dt.datetime) -> rules.ClientFacts:
    """Everything recorded about the client on this site up to `now`, as the rules engine's facts: the rows (a
    bounded number of queries), the visits of the client and of the clients its facts name, and the names."""
    found = _fact_rows(client, site, now)
    recognitions, spouses = found["recognitions"], found["spouses"]
    reassignments = [_reassignment_fact(row) for row in found["reassignments"]]
    original_reassignments: dict[int, tuple[rules.ReassignmentFact, ...]] = {}
    for row in found["original_reassignments"]:
        moves = original_reassignments.get(row["reception__client_id"], ())
        original_reassignments[row["reception__client_id"]] = (*moves, _reassignment_fact(row))
    spouse_ids = {s.spouse_id if s.client_id == client.pk else s.client_id for s in spouses}
    related = {client.pk, *spouse_ids, *(r.original_client_id for r in recognitions if r.original_client_id)}
    visits = _visits_of(related, site, now)
    names = user_names(_people_named(found, visits, reassignments, original_reassignments))
    return _client_facts_of(
        client, now, found, visits=visits, reassignments=reassignments, original=original_reassignments, names=names
    )


def _fact_rows(client: Client, site: Site, now: dt.datetime) -> dict:
    """The rows of every kind of fact about the client, each kind read only when the client has any."""
    from reception.models import ChangeRequest, Reception

    receptions = _receptions_of(client)
    return _rows_of_those_with_any(
        client,
        recognitions=Recognition.objects.filter(site=site, client=client, recorded_at__lte=now),
        spouses=SpouseLink.objects.filter(Q(client=client) | Q(spouse=client), site=site, marked_at__lte=now).only(
            "pk", "client_id", "spouse_id", "marked_at"
        ),
        switches=ChangeRequest.objects.filter(
            decision=ChangeRequest.Decision.NAMED, decided_at__lte=now, reception__in=receptions, reception__site=site
        ).select_related("reception", "instigation_finding"),
        reassignments=_reassignment_rows(receptions, site, now),
        # REC-NEW-4c on the original salesperson's own client record of a recognition (REC-NEW-2).
        original_reassignments=_reassignment_rows(
            Reception.objects.filter(
                client__in=Recognition.objects.filter(site=site, client=client, recorded_at__lte=now).values(
                    "original_client_id"
                )
            ).values("pk"),
            site,
            now,
            "reception__client_id",
        ),
        deals=signed_deals()
        .filter(site=site, client=client, signed_at__lte=now)
        .only("pk", "salesperson_id", "signed_at"),
        disputes=DisputeOpinion.objects.filter(site=site, client=client, written_at__lte=now).prefetch_related(
            "shares"
        ),
        referrals=Referral.objects.filter(site=site, client=client, registered_at__lte=now),
        company=CompanyClientMark.objects.filter(site=site, client=client, marked_at__lte=now),
        introductions=OldClientIntroduction.objects.filter(site=site, client=client, marked_at__lte=now),
    )


def _people_named(found: dict, visits: dict, reassignments: list, original_reassignments: dict) -> set[int]:
    """Every salesperson, referrer or introducer the facts name, so their names are read in one query."""
    recognitions, switches, disputes = found["recognitions"], found["switches"], found["disputes"]
    user_ids: set[int] = set()
    for group in visits.values():
        user_ids.update(v.salesperson_id for v in group)
    user_ids.update(r.original_salesperson_id for r in recognitions)
    user_ids.update(r.referrer_id for r in found["referrals"])
    user_ids.update(i.introducer_salesperson_id for i in found["introductions"])
    user_ids.update(m.designated_salesperson_id for m in found["company"] if m.designated_salesperson_id)
    user_ids.update(d.salesperson_id for d in found["deals"])
    for switch in switches:
        user_ids.update(u for u in (switch.reception.salesperson_id, switch.requested_salesperson_id) if u)
    for move in (*reassignments, *(m for moves in original_reassignments.values() for m in moves)):
        user_ids.update(u for u in (move.from_salesperson_id, move.to_salesperson_id) if u)
    for dispute in disputes:
        user_ids.update(s.salesperson_id for s in dispute.shares.all() if s.salesperson_id)
    return user_ids


def _client_facts_of(
    client: Client,
    now: dt.datetime,
    found: dict,
    *,
    visits: dict,
    reassignments: list,
    original: dict,
    names: dict[int, str],
) -> rules.ClientFacts:
    """The rows as the rules engine's facts; a decision or ruling after `now` is not known yet."""
    # Long on purpose: one constructor of the rules' facts, one field per kind of fact; split, a kind could be left out.
    from reception.models import Reception

    recognitions, spouses, switches = found["recognitions"], found["spouses"], found["switches"]
    deals, disputes, referrals = found["deals"], found["disputes"], found["referrals"]
    company, introductions = found["company"], found["introductions"]
    original_reassignments = original  # the original salesperson's client records' moves, by client (REC-NEW-2)
    return rules.ClientFacts(
        client_id=client.pk,
        visits=visits.get(client.pk, ()),
        recognitions=tuple(
            rules.RecognitionFact(
                id=r.pk,
                original_salesperson_id=r.original_salesperson_id,
                recognised_at=r.recognised_at,
                original_visits=visits.get(r.original_client_id, ()),
                original_reassignments=original_reassignments.get(r.original_client_id, ()),
            )
            for r in recognitions
        ),
        referrals=tuple(
            rules.ReferralFact(
                id=r.pk,
                referrer_id=r.referrer_id,
                appointment_date=r.appointment_date,
                registered_at=r.registered_at,
                confirmed_at=r.confirmed_at if r.confirmed_at and r.confirmed_at <= now else None,
            )
            for r in referrals
        ),
        company=tuple(
            rules.CompanyFact(
                id=m.pk,
                kind=m.kind,
                contacted_at=m.contacted_at,
                marked_at=m.marked_at,
                designated_salesperson_id=m.designated_salesperson_id,
            )
            for m in company
        ),
        introductions=tuple(
            rules.IntroductionFact(
                id=i.pk,
                introducer_id=i.introducer_salesperson_id,
                mode=i.mode,
                marked_at=i.marked_at,
                declared_at=i.declared_at,
            )
            for i in introductions
        ),
        spouses=tuple(
            rules.SpouseFact(
                id=s.pk,
                spouse_client_id=(other := s.spouse_id if s.client_id == client.pk else s.client_id),
                marked_at=s.marked_at,
                spouse_visits=visits.get(other, ()),
            )
            for s in spouses
        ),
        switches=tuple(
            rules.SwitchFact(
                at=c.decided_at,
                first_receiver_id=c.reception.owner_id or c.reception.salesperson_id,
                named_id=c.requested_salesperson_id,
                returning=c.reception.kind in (Reception.Kind.RETURNING, Reception.Kind.DUTY),
                instigated=c.instigated,
                instigated_at=(finding := _finding_of(c, now)) and finding.recorded_at,
                instigation_reason=finding.reason if finding else "",
            )
            for c in switches
            if c.requested_salesperson_id
        ),
        reassignments=tuple(reassignments),
        deals=tuple(rules.DealFact(id=d.pk, salesperson_id=d.salesperson_id, signed_at=d.signed_at) for d in deals),
        disputes=tuple(
            rules.DisputeFact(
                id=d.pk,
                written_at=d.written_at,
                decided_at=d.decided_at if d.decided_at and d.decided_at <= now else None,
                approved=d.approved if d.decided_at and d.decided_at <= now else None,
                shares=tuple((s.salesperson_id, s.percent) for s in d.shares.all()),
            )
            for d in disputes
        ),
        names=names,
    )


def _receptions_of(client: Client | int) -> QuerySet:
    """The client's receptions: those the desk linked to the client, those the client's register entries point at,
    and those such a reception replaced (REC-DES-2/3, REC-NEW-4c). Gathered from the client's side by index, so the
    cost does not grow with every change request on record (an OR across the joins read them all: 20-50 ms at
    5,000)."""
    from reception.models import Reception

    entry_receptions = VisitEntry.objects.filter(client=client, reception__isnull=False).values("reception_id")
    return (
        Reception.objects.filter(client=client)
        .values("pk")
        .union(
            entry_receptions,
            Reception.objects.filter(pk__in=entry_receptions, replaces__isnull=False).values("replaces_id"),
        )
    )


def _reassignment_rows(receptions: QuerySet, site: Site, now: dt.datetime, *fields: str) -> QuerySet:
    """REC-NEW-4c decisions on these receptions up to `now`: who was refused, and who took the client over."""
    from reception.models import ChangeRequest

    return (
        ChangeRequest.objects.filter(
            decision=ChangeRequest.Decision.REASSIGN,
            decided_at__lte=now,
            reception__in=receptions,
            reception__site=site,
        )
        .order_by("decided_at", "pk")
        .values("decided_at", "reception__salesperson_id", "reception__replaced_by__salesperson_id", *fields)
    )


def _reassignment_fact(row: dict) -> rules.ReassignmentFact:
    return rules.ReassignmentFact(
        at=row["decided_at"],
        from_salesperson_id=row["reception__salesperson_id"],
        to_salesperson_id=row["reception__replaced_by__salesperson_id"],
    )


def _finding_of(change_request, now: dt.datetime):
    """The sales manager's later finding of instigation on a switch (REC-DES-2), if recorded by `now`."""
    try:
        finding = change_request.instigation_finding
    except ObjectDoesNotExist:
        return None
    return finding if finding.recorded_at <= now else None


def instigation_candidates(*, client: Client, site: Site) -> list:
    """The client's switches to a salesperson they insisted on as a new client (REC-DES-2) whose instigation is not
    established yet: what the sales manager may still find instigated, oldest first."""
    from reception.models import ChangeRequest, Reception

    return list(
        ChangeRequest.objects.filter(
            decision=ChangeRequest.Decision.NAMED,
            instigated=False,
            instigation_finding__isnull=True,
            requested_salesperson__isnull=False,
            reception__in=_receptions_of(client),
            reception__site=site,
        )
        .exclude(reception__kind__in=[Reception.Kind.RETURNING, Reception.Kind.DUTY])
        .select_related("reception__salesperson", "requested_salesperson")
        .order_by("decided_at", "pk")
    )


def _rows_of_those_with_any(client: Client, **sources: QuerySet) -> dict[str, list]:
    """Each source's rows, reading only the sources that have any: one query asks which do. Most clients have
    few kinds of facts, so a client costs a few round trips rather than one per kind of fact."""
    probes = {f"any_{name}": Exists(qs) for name, qs in sources.items()}
    present = Client.objects.filter(pk=client.pk).values(**probes).get()
    return {name: list(qs) if present[f"any_{name}"] else [] for name, qs in sources.items()}


def user_names(user_ids: Iterable[int]) -> dict[int, str]:
    ids = [u for u in set(user_ids) if u]
    if not ids:
        return {}
    users = get_user_model().objects.filter(pk__in=ids).only("pk", "username", "first_name", "last_name")
    return {u.pk: display_name(u) for u in users}


def client_attribution(*, client: Client, site: Site, now: dt.datetime) -> rules.Attribution:
    return rules.attribute(client_facts(client=client, site=site, now=now), now=now, zone=site.zone)


def client_ownership(*, client: Client, site: Site, now: dt.datetime) -> rules.Ownership:
    """The register alone (ATT-REG-2/3, REC-NEW-4c), for callers that need only who holds the client and until when."""
    return _owners_of([client.pk], site, now)[client.pk]


# --- the register's pages: bounded reads, whatever the number of clients or entries ------------------------


def visible_clients(*, site: Site, user) -> QuerySet[Client]:
    """The site's clients this user may see: all of them with `attribution.view_all_clients`, otherwise those the
    user has a register entry for on this site (as the salesperson, the receiver or the one who wrote it) and those
    listed for them as holding a share."""
    entries = VisitEntry.objects.filter(site=site, client=OuterRef("pk"))
    if user.has_perm("attribution.view_all_clients"):
        referred = Referral.objects.filter(site=site, client=OuterRef("pk"))
        arranged = CompanyClientMark.objects.filter(site=site, client=OuterRef("pk"))
        return Client.objects.filter(Exists(entries) | Exists(referred) | Exists(arranged))
    mine = entries.filter(Q(salesperson=user) | Q(received_by=user) | Q(registered_by=user))
    # Or listed for them as holding a share (ATT-SPOUSE, REC-NEW-2c, REC-DES-2: services.client_share_viewers_add).
    listed = ClientSiteViewer.objects.filter(site=site, user=user, client=OuterRef("pk"))
    return Client.objects.filter(Exists(mine) | Exists(listed))


def holds_share(*, client: Client, site: Site, user, now: dt.datetime) -> bool:
    """Whether the user holds a share of the client's attribution at `now` or follows the client up (ATT-SPOUSE,
    REC-NEW-2c, REC-DES-2): such a user may see the client even before the list has a row for them."""
    if not VisitEntry.objects.filter(site=site, client=client).exists():
        return False
    attribution = client_attribution(client=client, site=site, now=now)
    return user.pk in (*attribution.salesperson_ids, attribution.follow_up_id)


def registered_owners(*, client_ids: Iterable[int], site: Site, now: dt.datetime) -> dict[int, rules.Ownership]:
    """Who holds each client on the register at `now` (ATT-REG-2/3, REC-NEW-4c): one query for all their entries."""
    return _owners_of(list(client_ids), site, now)


# The columns of a register entry a client's summary is made from: the rules' columns and who is named on it.
_SUMMARY_FIELDS = (*_ENTRY_FIELDS, "received_by_id", "registered_by_id", "reception_id", "reception__replaces_id")


def client_site_summaries(
    *, client_ids: Iterable[int], site: Site
) -> tuple[list[ClientSiteSummary], list[ClientSiteViewer]]:
    """The summaries of these clients on the site (unsaved) and who may see each in the list, read from the register
    in one query, as it stands once everything on it has happened (ATT-REG-1..3)."""
    by_client: dict[int, list[dict]] = {pk: [] for pk in client_ids}
    rows = (
        VisitEntry.objects.filter(site=site, client_id__in=list(by_client))
        .order_by("registered_at", "pk")
        .values(*_SUMMARY_FIELDS)
    )
    for row in rows:
        by_client[row["client_id"]].append(row)
    moves = _reassignments_by_client(by_client, site)
    summaries, viewers = [], []
    for client_id, entries in by_client.items():
        summary = _summary_of(client_id, site, entries, moves.get(client_id, ()))
        summaries.append(summary)
        named = {e[key] for e in entries for key in ("salesperson_id", "received_by_id", "registered_by_id")}
        viewers += [
            ClientSiteViewer(client_id=client_id, site=site, user_id=u, last_registered_at=summary.last_registered_at)
            for u in sorted(named - {None})
        ]
    return summaries, viewers


def _reassignments_by_client(
    by_client: dict[int, list[dict]], site: Site
) -> dict[int, tuple[rules.ReassignmentFact, ...]]:
    """REC-NEW-4c decisions on the receptions these clients' entries point at (or that those replaced): one query, and
    none when no entry came from the desk."""
    from reception.models import ChangeRequest

    clients_of: dict[int, set[int]] = {}
    for client_id, entries in by_client.items():
        for entry in entries:
            for reception_id in (entry["reception_id"], entry["reception__replaces_id"]):
                if reception_id:
                    clients_of.setdefault(reception_id, set()).add(client_id)
    if not clients_of:
        return {}
    rows = (
        ChangeRequest.objects.filter(
            decision=ChangeRequest.Decision.REASSIGN, reception_id__in=list(clients_of), reception__site=site
        )
        .order_by("decided_at", "pk")
        .values("reception_id", "decided_at", "reception__salesperson_id", "reception__replaced_by__salesperson_id")
    )
    found: dict[int, list[rules.ReassignmentFact]] = {}
    for row in rows:
        for client_id in clients_of[row["reception_id"]]:
            found.setdefault(client_id, []).append(_reassignment_fact(row))
    return {client_id: tuple(moves) for client_id, moves in found.items()}


def _summary_of(
    client_id: int, site: Site, entries: list[dict], moves: tuple[rules.ReassignmentFact, ...] = ()
) -> ClientSiteSummary:
    summary = ClientSiteSummary(client_id=client_id, site=site, entries=len(entries), registered=bool(entries))
    if not entries:
        return summary  # a referral only (ATT-EMP-1): listed, never registered
    summary.first_registered_at = entries[0]["registered_at"]
    summary.last_registered_at = entries[-1]["registered_at"]
    # Everything written counts, as it does at any instant after it was written: an entry that an approved correction
    # replaced drops out (ATT-REG-1) and the rules read the rest (ATT-REG-2/3); `now` is the latest instant on record.
    replaced = {e["corrects_id"] for e in entries if e["corrects_id"] and e["approval__approved"]}
    visits = _registered_visits(_entry_view(e) for e in entries if e["pk"] not in replaced)
    written = max(t for e in entries for t in (e["registered_at"], e["approval__approved_at"]) if t is not None)
    written = max([written, *(m.at for m in moves)])
    periods = rules.registration_periods(visits, now=written, zone=site.zone, reassignments=moves)
    if periods:
        summary.owner_id, summary.valid_until = periods[-1].owner_id, periods[-1].valid_until
    return summary


_NAMESAKES_READ = 1000


def client_list(
    *,
    site: Site,
    user,
    now: dt.datetime,
    search: str = "",
    owner=None,
    grade: str = "",
    status: str = "",
) -> QuerySet[ClientSiteSummary]:
    """The client list, as the clients' summaries on the site (with their client): the visible clients (as
    `visible_clients` reads them), searched by name or phone digits, filtered by grade and by who holds them
    (`status` "valid" or "free", ATT-REG-2), most recently registered first. Every variant is a read of the summary's
    indexes with a LIMIT: who holds a client is the rules' reading the register's writes keep there, and whether it
    still holds is `now <= valid_until`."""
    summaries = ClientSiteSummary.objects.filter(site=site)
    latest_first = ["-registered", "-last_registered_at", "-client_id"]
    if not user.has_perm("attribution.view_all_clients"):
        # A salesperson's own clients (all registered), read in order from their rows of ClientSiteViewer.
        summaries = summaries.filter(client__viewers__site=site, client__viewers__user=user)
        latest_first = ["-client__viewers__last_registered_at", "-client_id"]
    term = search.strip()
    if term:
        # A term without letters of either case (Chinese, digits) finds the same names as typed as case-insensitively,
        # without upper-casing every name on file; names and phones are searched by their trigram indexes (0007).
        named = (
            Client.objects.filter(name__contains=term)
            if term.upper() == term.lower()
            else Client.objects.filter(name__icontains=term)
        )
        # A name of two characters (王伟) has no trigram: the names are scanned, once here rather than once for the
        # count and once for the page, unless the term matches so many that the list of them would cost more.
        found = list(named.values_list("pk", flat=True)[: _NAMESAKES_READ + 1])
        match = Q(client_id__in=found) if len(found) <= _NAMESAKES_READ else Q(client__in=named.values("pk"))
        digits = "".join(ch for ch in term if ch.isdigit())
        if len(digits) >= 4:
            match |= Q(client__in=ClientPhone.objects.filter(phone_normalised__contains=digits).values("client_id"))
        summaries = summaries.filter(match)
    if grade:
        summaries = summaries.filter(client__grade=grade)
    held = Q(valid_until__gte=now)
    if owner is not None:
        summaries = summaries.filter(held, owner=owner)
    if status == "valid":
        summaries = summaries.filter(held)
    elif status == "free":
        summaries = summaries.exclude(held)
    return summaries.select_related("client").order_by(*latest_first)


def site_salespeople(site: Site) -> list:
    """The site's salespeople, by name: one list shared by every form of a page."""
    return list(
        get_user_model()
        .objects.filter(groups__name=Role.SALESPERSON.value, memberships__site=site, is_active=True)
        .order_by("first_name", "last_name", "username")
        .distinct()
    )


def unreviewed_entries(*, site: Site, now: dt.datetime) -> QuerySet[VisitEntry]:
    """Register entries awaiting the project manager (ATT-REG-1), oldest first: read in order from the queue's own
    table (PendingReview), so a page costs its LIMIT however much of the register has been reviewed."""
    return (
        VisitEntry.objects.filter(pending_review__site=site, pending_review__registered_at__lte=now)
        .select_related("client", "salesperson", "registered_by", "received_by", "corrects")
        .order_by("pending_review__registered_at", "pending_review__entry_id")
    )


def overdue_entries(*, site: Site, now: dt.datetime) -> QuerySet[VisitEntry]:
    """Entries left unreviewed after the end of their day (ATT-REG-1 Decision): shown as overdue, blocking nothing."""
    return VisitEntry.objects.filter(
        pending_review__site=site, pending_review__registered_at__lt=rules.review_overdue_before(now, site.zone)
    )


# The approvals page says "more than 100 entries are overdue" rather than counting every one on each view.
OVERDUE_SHOWN = 100


def overdue_count(*, site: Site, now: dt.datetime) -> int:
    """How many entries are overdue, up to OVERDUE_SHOWN + 1: an index-only read of pending_review_queue_idx that stops
    there, whatever the history."""
    overdue = PendingReview.objects.filter(site=site, registered_at__lt=rules.review_overdue_before(now, site.zone))
    return overdue.order_by("site", "registered_at", "entry")[: OVERDUE_SHOWN + 1].count()


def current_holders(*, client_ids: Iterable[int], site: Site, now: dt.datetime) -> dict[int, tuple[int, dt.datetime]]:
    """Client id -> (owner id, valid until) for those of these clients held on the register at `now` (ATT-REG-2/3,
    REC-NEW-4c), from their summaries: the rules' reading of everything written, which every write to the register
    keeps (services.client_summaries_refresh), so one indexed read however many entries each client has."""
    rows = ClientSiteSummary.objects.filter(
        site=site, client_id__in=list(client_ids), owner__isnull=False, valid_until__gte=now
    ).values_list("client_id", "owner_id", "valid_until")
    return {client_id: (owner_id, until) for client_id, owner_id, until in rows}


def client_entries(*, client: Client, site: Site, latest: int | None = None) -> list[VisitEntry]:
    """The client's register entries on this site with their reviews, in the order they were written: every one, or
    the `latest` ones (and one more, which tells the caller that earlier entries exist) read backwards through
    visitentry_client_site_idx."""
    entries = VisitEntry.objects.filter(client=client, site=site).select_related(
        "salesperson", "registered_by", "received_by", "approval__approved_by"
    )
    if latest is None:
        return list(entries.order_by("registered_at", "pk"))
    return list(reversed(entries.order_by("-registered_at", "-pk")[: latest + 1]))


def open_disputes(*, site: Site) -> QuerySet[DisputeOpinion]:
    """Opinions awaiting the sales director (ATT-DISP-1), oldest first."""
    return (
        DisputeOpinion.objects.filter(site=site, decided_at__isnull=True)
        .select_related("client", "written_by")
        .prefetch_related("shares__salesperson")
        .order_by("written_at", "pk")
    )


def first_pending_entry(*, client: Client, site: Site) -> VisitEntry | None:
    """The earliest entry of the client on this site still awaiting review: it wins if approved (ATT-REG-3)."""
    return (
        VisitEntry.objects.filter(client=client, site=site, approval__isnull=True)
        .select_related("salesperson")
        .order_by("registered_at", "pk")
        .first()
    )


def client_has_entries(*, client: Client, site: Site) -> bool:
    return VisitEntry.objects.filter(client=client, site=site).exists()


def client_known_on_site(*, client: Client, site: Site) -> bool:
    """On the site's register, or a company client whose deal the company arranged with no visit (ATT-CO-4/5)."""
    return (
        Client.objects.filter(pk=client.pk)
        .filter(
            Exists(VisitEntry.objects.filter(client=OuterRef("pk"), site=site))
            | Exists(CompanyClientMark.objects.filter(client=OuterRef("pk"), site=site))
        )
        .exists()
    )


def site_staff(site: Site) -> list:
    """Everyone working at the site, by name (who may do a company-arranged deal's after-sales, ATT-CO-5)."""
    return list(
        get_user_model()
        .objects.filter(memberships__site=site, is_active=True)
        .order_by("first_name", "last_name", "username")
        .distinct()
    )
