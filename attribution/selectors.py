"""Reads for the register: a client's recorded facts gathered in a bounded number of queries (the rows themselves
are read in `selectors_facts`), handed to `attribution.rules`, and the lists the pages show."""

import datetime as dt
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Exists, OuterRef, Q, QuerySet

from salesoffice.models import Site, display_name
from salesoffice.roles import Role
from salesoffice.timeutil import day_bounds

from . import rules
from .models import (
    Client,
    ClientPhone,
    ClientSiteSummary,
    ClientSiteViewer,
    CompanyClientMark,
    DisputeOpinion,
    PendingReview,
    Referral,
    VisitEntry,
)
from .selectors_facts import (
    ENTRY_FIELDS,
    Row,
    client_facts_of,
    fact_rows,
    owners_of,
    people_named,
    reassignment_fact,
    reassignments_by_client,
    receptions_of,
    registered_visits,
    visits_of,
)

if TYPE_CHECKING:
    from reception.models import ChangeRequest

# A signed deal is a fact of ownership (who closed the client), but deals are commission's, the layer above the
# register: commission hands its deals in (CommissionConfig.ready), so the register reads them without importing it.
_signed_deals_source: Callable[[], QuerySet[Any]] | None = None


def register_signed_deals(source: Callable[[], QuerySet[Any]]) -> None:
    global _signed_deals_source
    _signed_deals_source = source


def signed_deals() -> QuerySet[Any]:
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


def client_facts(*, client: Client, site: Site, now: dt.datetime) -> rules.ClientFacts:
    """Everything recorded about the client on this site up to `now`, as the rules engine's facts: the rows (a
    bounded number of queries), the visits of the client and of the clients its facts name, and the names."""
    deals = signed_deals().filter(site=site, client=client, signed_at__lte=now)
    found = fact_rows(client, site, now, deals=deals)
    recognitions, spouses = found.recognitions, found.spouses
    reassignments = [reassignment_fact(row) for row in found.reassignments]
    original_reassignments: dict[int, tuple[rules.ReassignmentFact, ...]] = {}
    for row in found.original_reassignments:
        moves = original_reassignments.get(row["reception__client_id"], ())
        original_reassignments[row["reception__client_id"]] = (*moves, reassignment_fact(row))
    spouse_ids = {s.spouse_id if s.client_id == client.pk else s.client_id for s in spouses}
    related = {client.pk, *spouse_ids, *(r.original_client_id for r in recognitions if r.original_client_id)}
    visits = visits_of(related, site, now)
    names = user_names(people_named(found, visits, reassignments, original_reassignments))
    return client_facts_of(
        client, now, found, visits=visits, reassignments=reassignments, original=original_reassignments, names=names
    )


def instigation_candidates(*, client: Client, site: Site) -> list["ChangeRequest"]:
    """The client's switches to a salesperson they insisted on as a new client (REC-DES-2) whose instigation is not
    established yet: what the sales manager may still find instigated, oldest first."""
    from reception.models import ChangeRequest, Reception

    return list(
        ChangeRequest.objects.filter(
            decision=ChangeRequest.Decision.NAMED,
            instigated=False,
            instigation_finding__isnull=True,
            requested_salesperson__isnull=False,
            reception__in=receptions_of(client),
            reception__site=site,
        )
        .exclude(reception__kind__in=[Reception.Kind.RETURNING, Reception.Kind.DUTY])
        .select_related("reception__salesperson", "requested_salesperson")
        .order_by("decided_at", "pk")
    )


def user_names(user_ids: Iterable[int | None]) -> dict[int, str]:
    ids = [u for u in set(user_ids) if u]
    if not ids:
        return {}
    users = get_user_model().objects.filter(pk__in=ids).only("pk", "username", "first_name", "last_name")
    return {u.pk: display_name(u) for u in users}


def client_attribution(*, client: Client, site: Site, now: dt.datetime) -> rules.Attribution:
    return rules.attribute(client_facts(client=client, site=site, now=now), now=now, zone=site.zone)


def client_ownership(*, client: Client, site: Site, now: dt.datetime) -> rules.Ownership:
    """The register alone (ATT-REG-2/3, REC-NEW-4c), for callers that need only who holds the client and until when."""
    return owners_of([client.pk], site, now)[client.pk]


# --- the register's pages: bounded reads, whatever the number of clients or entries ------------------------


def visible_clients(*, site: Site, user: User) -> QuerySet[Client]:
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


def holds_share(*, client: Client, site: Site, user: User, now: dt.datetime) -> bool:
    """Whether the user holds a share of the client's attribution at `now` or follows the client up (ATT-SPOUSE,
    REC-NEW-2c, REC-DES-2): such a user may see the client even before the list has a row for them."""
    if not VisitEntry.objects.filter(site=site, client=client).exists():
        return False
    attribution = client_attribution(client=client, site=site, now=now)
    return user.pk in (*attribution.salesperson_ids, attribution.follow_up_id)


def registered_owners(*, client_ids: Iterable[int], site: Site, now: dt.datetime) -> dict[int, rules.Ownership]:
    """Who holds each client on the register at `now` (ATT-REG-2/3, REC-NEW-4c): one query for all their entries."""
    return owners_of(list(client_ids), site, now)


# The columns of a register entry a client's summary is made from: the rules' columns and who is named on it.
_SUMMARY_FIELDS = (*ENTRY_FIELDS, "received_by_id", "registered_by_id", "reception_id", "reception__replaces_id")


def client_site_summaries(
    *, client_ids: Iterable[int], site: Site
) -> tuple[list[ClientSiteSummary], list[ClientSiteViewer]]:
    """The summaries of these clients on the site (unsaved) and who may see each in the list, read from the register
    in one query, as it stands once everything on it has happened (ATT-REG-1..3)."""
    by_client: dict[int, list[Row]] = {pk: [] for pk in client_ids}
    rows = (
        VisitEntry.objects.filter(site=site, client_id__in=list(by_client))
        .order_by("registered_at", "pk")
        .values(*_SUMMARY_FIELDS)
    )
    for row in rows:
        by_client[row["client_id"]].append(row)
    moves = reassignments_by_client(by_client, site)
    summaries: list[ClientSiteSummary] = []
    viewers: list[ClientSiteViewer] = []
    for client_id, entries in by_client.items():
        summary = _summary_of(client_id, site, entries, moves.get(client_id, ()))
        summaries.append(summary)
        if summary.last_registered_at is None:
            continue  # a referral only (ATT-EMP-1): nobody is named on the register
        named = {e[key] for e in entries for key in ("salesperson_id", "received_by_id", "registered_by_id")}
        viewers += [
            ClientSiteViewer(client_id=client_id, site=site, user_id=u, last_registered_at=summary.last_registered_at)
            for u in sorted(named - {None})
        ]
    return summaries, viewers


def _summary_of(
    client_id: int, site: Site, entries: list[Row], moves: tuple[rules.ReassignmentFact, ...] = ()
) -> ClientSiteSummary:
    summary = ClientSiteSummary(client_id=client_id, site=site, entries=len(entries), registered=bool(entries))
    if not entries:
        return summary  # a referral only (ATT-EMP-1): listed, never registered
    summary.first_registered_at = entries[0]["registered_at"]
    summary.last_registered_at = entries[-1]["registered_at"]
    # Everything written counts, as it does at any instant after it was written: an entry that an approved correction
    # replaced drops out (ATT-REG-1) and the rules read the rest (ATT-REG-2/3); `now` is the latest instant on record.
    replaced = {e["corrects_id"] for e in entries if e["corrects_id"] and e["approval__approved"]}
    visits = registered_visits(e for e in entries if e["pk"] not in replaced)
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
    user: User,
    now: dt.datetime,
    search: str = "",
    owner: User | None = None,
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


def site_salespeople(site: Site) -> list[User]:
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


def unreviewed_count_on_day(*, site: Site, day: dt.date, now: dt.datetime) -> int:
    """How many entries registered on `day` (the site's zone) await review: what approving the day would take up."""
    start, end = day_bounds(day, site.zone)
    return PendingReview.objects.filter(
        site=site, registered_at__gte=start, registered_at__lt=end, registered_at__lte=now
    ).count()


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
    # valid_until__gte has no null: the test only says so to the type checker.
    return {client_id: (owner_id, until) for client_id, owner_id, until in rows if until is not None}


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


def site_staff(site: Site) -> list[User]:
    """Everyone working at the site, by name (who may do a company-arranged deal's after-sales, ATT-CO-5)."""
    return list(
        get_user_model()
        .objects.filter(memberships__site=site, is_active=True)
        .order_by("first_name", "last_name", "username")
        .distinct()
    )
