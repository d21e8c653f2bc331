"""A client's recorded facts, read for `attribution.rules`: the register's entries as the rules see them (plain rows,
not model instances), the desk's decisions that reach ownership (REC-NEW-4c, REC-DES-2/3), and the rows of every
other kind of fact, each in a bounded number of queries whatever the history. `attribution.selectors` assembles
them for its callers (client_facts, client_ownership, the client list's summaries)."""

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Exists, OuterRef, Q, QuerySet

from salesoffice.models import Site

from . import rules
from .models import (
    Client,
    CompanyClientMark,
    DisputeOpinion,
    OldClientIntroduction,
    Recognition,
    Referral,
    SpouseLink,
    VisitApproval,
    VisitEntry,
)

if TYPE_CHECKING:
    from reception.models import ChangeRequest, InstigationFinding, Reception

# A register entry (or a desk decision) as `.values()` reads it: column name -> value.
Row = dict[str, Any]
VisitsByClient = dict[int, tuple[rules.RegisteredVisit, ...]]
ReassignmentsByClient = dict[int, tuple[rules.ReassignmentFact, ...]]


def counting_entries(*, site: Site, now: dt.datetime) -> QuerySet[VisitEntry]:
    """Entries of the site not replaced by an approved correction (ATT-REG-1)."""
    corrected = VisitApproval.objects.filter(entry__corrects=OuterRef("pk"), approved=True, approved_at__lte=now)
    return VisitEntry.objects.filter(site=site).exclude(Exists(corrected))


# The columns of a register entry the rules read, with its review and the entry it corrects.
ENTRY_FIELDS = (
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


def registered_visits(rows: Iterable[Row]) -> tuple[rules.RegisteredVisit, ...]:
    """Entries read with ENTRY_FIELDS as the rules see them: the register's own reading of an entry (its review, a
    correction keeping the original's place) without building model instances."""
    return tuple(_registered_visit(row) for row in rows)


def _registered_visit(row: Row) -> rules.RegisteredVisit:
    reviewed = row["approval__approved_at"] is not None
    return rules.RegisteredVisit(
        entry_id=row["pk"],
        salesperson_id=row["salesperson_id"],
        # A correction fixes the record of the same visit: it keeps the original's place in the order (ATT-REG-3).
        registered_at=row["corrects__registered_at"] if row["corrects_id"] else row["registered_at"],
        approved_at=row["approval__approved_at"] if reviewed and row["approval__approved"] else None,
        visited_at=row["visited_at"],
        rejected=reviewed and not row["approval__approved"],
        source=row["source"],
    )


def visits_of(client_ids: Iterable[int], site: Site, now: dt.datetime) -> VisitsByClient:
    """The counting entries of these clients on the site, as the rules see them; plain rows, as a client with
    dozens of entries would otherwise cost three model instances for each."""
    return {client_id: registered_visits(rows) for client_id, rows in _entry_rows(client_ids, site, now).items()}


def _entry_rows(client_ids: Iterable[int], site: Site, now: dt.datetime, *fields: str) -> dict[int, list[Row]]:
    by_client: dict[int, list[Row]] = {}
    rows = (
        counting_entries(site=site, now=now)
        .filter(client_id__in=list(client_ids))
        .filter(registered_at__lte=now)
        .order_by("registered_at", "pk")
        .values(*ENTRY_FIELDS, *fields)
    )
    for row in rows:
        by_client.setdefault(row["client_id"], []).append(row)
    return by_client


def owners_of(client_ids: list[int], site: Site, now: dt.datetime) -> dict[int, rules.Ownership]:
    """The register alone, with the desk's reassignments (REC-NEW-4c): one query for the entries, one more only when
    some came from the desk."""
    by_client = _entry_rows(client_ids, site, now, "reception_id", "reception__replaces_id")
    moves = reassignments_by_client(by_client, site)
    return {
        pk: rules.registered_owner(
            registered_visits(by_client.get(pk, ())),
            now=now,
            zone=site.zone,
            reassignments=moves.get(pk, ()),
        )
        for pk in client_ids
    }


def reassignments_by_client(by_client: dict[int, list[Row]], site: Site) -> ReassignmentsByClient:
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
            found.setdefault(client_id, []).append(reassignment_fact(row))
    return {client_id: tuple(moves) for client_id, moves in found.items()}


@dataclass(frozen=True)
class FactRows:
    """The rows of every kind of fact recorded about a client on a site (fact_rows), before the rules read them."""

    recognitions: list[Recognition]
    spouses: list[SpouseLink]
    switches: list["ChangeRequest"]
    reassignments: list[Row]
    original_reassignments: list[Row]
    deals: list[Any]  # commission's deals: the register reads them without importing the layer above
    disputes: list[DisputeOpinion]
    referrals: list[Referral]
    company: list[CompanyClientMark]
    introductions: list[OldClientIntroduction]


def fact_rows(client: Client, site: Site, now: dt.datetime, *, deals: QuerySet[Any]) -> FactRows:
    """The rows of every kind of fact about the client, each kind read only when the client has any; `deals` are the
    client's signed deals on the site up to `now` (commission's, handed in by `selectors.signed_deals`)."""
    from reception.models import ChangeRequest, Reception

    receptions = receptions_of(client)
    return FactRows(
        **_rows_of_those_with_any(
            client,
            recognitions=Recognition.objects.filter(site=site, client=client, recorded_at__lte=now),
            spouses=SpouseLink.objects.filter(Q(client=client) | Q(spouse=client), site=site, marked_at__lte=now).only(
                "pk", "client_id", "spouse_id", "marked_at"
            ),
            switches=ChangeRequest.objects.filter(
                decision=ChangeRequest.Decision.NAMED,
                decided_at__lte=now,
                reception__in=receptions,
                reception__site=site,
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
            deals=deals.only("pk", "salesperson_id", "signed_at"),
            disputes=DisputeOpinion.objects.filter(site=site, client=client, written_at__lte=now).prefetch_related(
                "shares"
            ),
            referrals=Referral.objects.filter(site=site, client=client, registered_at__lte=now),
            company=CompanyClientMark.objects.filter(site=site, client=client, marked_at__lte=now),
            introductions=OldClientIntroduction.objects.filter(site=site, client=client, marked_at__lte=now),
        )
    )


def people_named(
    found: FactRows,
    visits: VisitsByClient,
    reassignments: list[rules.ReassignmentFact],
    original_reassignments: ReassignmentsByClient,
) -> set[int]:
    """Every salesperson, referrer or introducer the facts name, so their names are read in one query."""
    recognitions, switches, disputes = found.recognitions, found.switches, found.disputes
    user_ids: set[int] = set()
    for group in visits.values():
        user_ids.update(v.salesperson_id for v in group)
    user_ids.update(r.original_salesperson_id for r in recognitions)
    user_ids.update(r.referrer_id for r in found.referrals)
    user_ids.update(i.introducer_salesperson_id for i in found.introductions)
    user_ids.update(m.designated_salesperson_id for m in found.company if m.designated_salesperson_id)
    user_ids.update(d.salesperson_id for d in found.deals)
    for switch in switches:
        user_ids.update(u for u in (switch.reception.salesperson_id, switch.requested_salesperson_id) if u)
    for move in (*reassignments, *(m for moves in original_reassignments.values() for m in moves)):
        user_ids.update(u for u in (move.from_salesperson_id, move.to_salesperson_id) if u)
    for dispute in disputes:
        user_ids.update(s.salesperson_id for s in dispute.shares.all() if s.salesperson_id)
    return user_ids


def client_facts_of(
    client: Client,
    now: dt.datetime,
    found: FactRows,
    *,
    visits: VisitsByClient,
    reassignments: list[rules.ReassignmentFact],
    original: ReassignmentsByClient,
    names: dict[int, str],
) -> rules.ClientFacts:
    """The rows as the rules engine's facts; a decision or ruling after `now` is not known yet.

    Why one function: it is the one constructor of the rules' facts, one field per kind of fact, read top to bottom
    against `rules.ClientFacts`; split, a kind of fact could be left out without anything noticing."""
    from reception.models import Reception

    recognitions, spouses, switches = found.recognitions, found.spouses, found.switches
    deals, disputes, referrals = found.deals, found.disputes, found.referrals
    company, introductions = found.company, found.introductions
    # `original`: the moves of the original salesperson's client records, by client (REC-NEW-2).
    return rules.ClientFacts(
        client_id=client.pk,
        visits=visits.get(client.pk, ()),
        recognitions=tuple(
            rules.RecognitionFact(
                id=r.pk,
                original_salesperson_id=r.original_salesperson_id,
                recognised_at=r.recognised_at,
                original_visits=visits.get(r.original_client_id, ()) if r.original_client_id else (),
                original_reassignments=original.get(r.original_client_id, ()) if r.original_client_id else (),
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
                first_receiver_id=_first_receiver_id(c.reception),
                named_id=c.requested_salesperson_id,
                returning=c.reception.kind in (Reception.Kind.RETURNING, Reception.Kind.DUTY),
                instigated=c.instigated,
                instigated_at=finding.recorded_at if (finding := _finding_of(c, now)) else None,
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


def _first_receiver_id(reception: "Reception") -> int:
    # A switch is decided on a reception someone received (REC-DES-2/3): never without its first receiver.
    return cast(int, reception.owner_id or reception.salesperson_id)


def receptions_of(client: Client | int) -> QuerySet[Any, Any]:
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


def _reassignment_rows(
    receptions: QuerySet[Any, Any], site: Site, now: dt.datetime, *fields: str
) -> QuerySet["ChangeRequest", Row]:
    """REC-NEW-4c decisions on these receptions up to `now`: who was refused, and who took the client over."""
    from reception.models import ChangeRequest

    rows: QuerySet[ChangeRequest, Row] = (
        ChangeRequest.objects.filter(
            decision=ChangeRequest.Decision.REASSIGN,
            decided_at__lte=now,
            reception__in=receptions,
            reception__site=site,
        )
        .order_by("decided_at", "pk")
        .values("decided_at", "reception__salesperson_id", "reception__replaced_by__salesperson_id", *fields)
    )
    return rows


def reassignment_fact(row: Mapping[str, Any]) -> rules.ReassignmentFact:
    return rules.ReassignmentFact(
        at=row["decided_at"],
        from_salesperson_id=row["reception__salesperson_id"],
        to_salesperson_id=row["reception__replaced_by__salesperson_id"],
    )


def _finding_of(change_request: "ChangeRequest", now: dt.datetime) -> "InstigationFinding | None":
    """The sales manager's later finding of instigation on a switch (REC-DES-2), if recorded by `now`."""
    try:
        finding = change_request.instigation_finding
    except ObjectDoesNotExist:
        return None
    return finding if finding.recorded_at <= now else None


def _rows_of_those_with_any(client: Client, **sources: QuerySet[Any, Any]) -> dict[str, list[Any]]:
    """Each source's rows, reading only the sources that have any: one query asks which do. Most clients have
    few kinds of facts, so a client costs a few round trips rather than one per kind of fact."""
    probes = {f"any_{name}": Exists(qs) for name, qs in sources.items()}
    # The probes' names are computed, so the stubs' reading of .values() (a TypedDict of literal keys) cannot list them.
    present = cast(dict[str, bool], Client.objects.filter(pk=client.pk).values(**probes).get())
    return {name: list(qs) if present[f"any_{name}"] else [] for name, qs in sources.items()}
