"""Reads for the office pages (referrals, follow-ups, the register archive): a page's facts in a fixed number of
queries, handed to `attribution.rules` for anything the regulations decide."""

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from salesoffice.models import Site
from salesoffice.timeutil import local_day, month_bounds, start_of_day

from . import rules
from .models import Client, ClientSiteSummary, FollowUp, Referral, VisitApproval, VisitEntry
from .selectors import user_names
from .selectors_facts import ENTRY_FIELDS, Row, registered_visits

# --- referrals (ATT-EMP-1..4) -------------------------------------------------------------------------------


REFERRAL_LABELS = {
    rules.REFERRAL_PENDING: (_("Pending"), "secondary"),
    rules.REFERRAL_VALID: (_("Valid"), "success"),
    rules.REFERRAL_LAPSED: (_("Lapsed"), "warning"),
    rules.REFERRAL_VOID: (_("Void"), "dark"),
    rules.REFERRAL_REJECTED: (_("Rejected"), "danger"),
}


@dataclass(frozen=True)
class ReferralRow:
    referral: Referral
    state: rules.ReferralStatus

    @property
    def status(self) -> str:
        return self.state.status

    @property
    def label(self) -> str:
        return str(REFERRAL_LABELS[self.status][0])

    @property
    def badge(self) -> str:
        return REFERRAL_LABELS[self.status][1]

    @property
    def rule_ids(self) -> str:
        return ", ".join(self.state.rule_ids)


def _superseded(now: dt.datetime) -> Exists:
    """An entry replaced by an approved correction no longer counts (ATT-REG-1), as in
    selectors_facts.counting_entries."""
    return Exists(VisitApproval.objects.filter(entry__corrects=OuterRef("pk"), approved=True, approved_at__lte=now))


def visits_by_site_and_client(
    entries: QuerySet[VisitEntry], now: dt.datetime
) -> dict[tuple[int, int], tuple[rules.RegisteredVisit, ...]]:
    """The counting entries of `entries` as the rules see them, per (site, client), in one query."""
    rows = (
        entries.filter(registered_at__lte=now)
        .exclude(_superseded(now))
        .order_by("registered_at", "pk")
        .values(*ENTRY_FIELDS)
    )
    grouped: dict[tuple[int, int], list[Row]] = defaultdict(list)
    for row in rows:
        grouped[(row["site_id"], row["client_id"])].append(row)
    return {key: registered_visits(group) for key, group in grouped.items()}


def referral_rows(referrals: Sequence[Referral], *, now: dt.datetime) -> list[ReferralRow]:
    """Each referral with where it stands at `now` (ATT-EMP-1..4): the register entries of every client on the
    page are read in one query, whatever the page holds."""
    if not referrals:
        return []
    entries = VisitEntry.objects.filter(
        client_id__in={r.client_id for r in referrals}, site_id__in={r.site_id for r in referrals}
    )
    visits = visits_by_site_and_client(entries, now)
    rows = []
    for referral in referrals:
        fact = rules.ReferralFact(
            referral.pk,
            referral.referrer_id,
            referral.appointment_date,
            referral.registered_at,
            referral.confirmed_at if referral.confirmed_at and referral.confirmed_at <= now else None,
        )
        seen = visits.get((referral.site_id, referral.client_id), ())
        rows.append(ReferralRow(referral, rules.referral_status(fact, seen, now=now, zone=referral.site.zone)))
    return rows


def referrals_of_site(site: Site) -> QuerySet[Referral]:
    return (
        Referral.objects.filter(site=site)
        .select_related("site", "client", "referrer", "confirmed_by")
        .order_by("-appointment_date", "-registered_at", "-pk")
    )


def referrals_of_referrer(user: User) -> QuerySet[Referral]:
    return (
        Referral.objects.filter(referrer=user)
        .select_related("site", "client", "referrer", "confirmed_by")
        .order_by("-appointment_date", "-registered_at", "-pk")
    )


# --- follow-ups (ATT-FU-1/2) --------------------------------------------------------------------------------


def clients_served_by(site: Site, user: User) -> QuerySet[Client]:
    """The clients this user has register entries for on the site: the ones they may plan follow-ups for (the
    service checks they still serve each one, ATT-FU-1)."""
    theirs = VisitEntry.objects.filter(site=site, client=OuterRef("pk")).filter(
        Q(salesperson=user) | Q(received_by=user)
    )
    return Client.objects.filter(Exists(theirs)).order_by("name", "pk")


def open_follow_ups(site: Site, user: User) -> QuerySet[FollowUp]:
    """The user's planned follow-ups, the earliest (so the overdue ones) first."""
    return (
        FollowUp.objects.filter(site=site, salesperson=user, done_at__isnull=True)
        .select_related("client")
        .order_by("planned_for", "pk")
    )


def done_follow_ups(site: Site, user: User, *, limit: int = 10) -> list[FollowUp]:
    return list(
        FollowUp.objects.filter(site=site, salesperson=user, done_at__isnull=False)
        .select_related("client")
        .order_by("-done_at", "-pk")[:limit]
    )


def overdue_follow_ups(site: Site, now: dt.datetime) -> QuerySet[FollowUp]:
    """Every salesperson's follow-ups past their time and not recorded (ATT-FU-2), the oldest first."""
    return (
        FollowUp.objects.filter(site=site, done_at__isnull=True, planned_for__lt=now)
        .select_related("client", "salesperson")
        .order_by("planned_for", "pk")
    )


@dataclass(frozen=True)
class GradeRow:
    name: str
    counts: list[int]  # one per grade in GRADE_COLUMNS
    total: int


GRADE_COLUMNS = [*(value for value, _label in Client.Grade.choices), ""]


def clients_by_owner_and_grade(site: Site, now: dt.datetime) -> tuple[list[GradeRow], GradeRow]:
    """ATT-FU-2: the site's clients held on the register, per owner and grade (the last column: not graded)."""
    # Who holds each client is the rules' reading of the register that its writes keep in the client's summary
    # (services.client_summaries_refresh): it still holds while now <= valid_until. One grouped read of the site's
    # valid registrations (summary_valid_idx), however long the history behind them. The grade is read per held
    # client by primary key: a join let the planner hash every client on file (88 ms at 200,000, issue 17).
    grade = Subquery(Client.objects.filter(pk=OuterRef("client_id")).values("grade"))
    held = (
        ClientSiteSummary.objects.filter(site=site, valid_until__gte=now, owner__isnull=False)
        .annotate(grade=grade)
        .values_list("owner_id", "grade")
        .annotate(clients=Count("pk"))
        .order_by()
    )
    table: dict[int, list[int]] = defaultdict(lambda: [0] * len(GRADE_COLUMNS))
    for owner_id, grade, clients in held:
        table[owner_id][GRADE_COLUMNS.index(grade or "")] += clients
    names = user_names(table)
    rows = sorted(
        (GradeRow(names.get(owner_id, f"#{owner_id}"), counts, sum(counts)) for owner_id, counts in table.items()),
        key=lambda row: row.name,
    )
    totals = [sum(row.counts[i] for row in rows) for i in range(len(GRADE_COLUMNS))]
    return rows, GradeRow(str(_("Total")), totals, sum(totals))


@dataclass(frozen=True)
class FollowUpStats:
    name: str
    planned: int  # planned for this month
    done: int  # recorded this month
    overdue: int  # open and past their time, whenever planned


def follow_up_stats(site: Site, now: dt.datetime) -> list[FollowUpStats]:
    """ATT-FU-2: per salesperson, this month's planned and done follow-ups and those overdue now: one grouped
    query."""
    today = local_day(now, site.zone)
    start, end = month_bounds(today.year, today.month, site.zone)
    this_month = Q(planned_for__gte=start, planned_for__lt=end)
    done = Q(done_at__gte=start, done_at__lt=end)
    overdue = Q(done_at__isnull=True, planned_for__lt=now)
    rows = (
        FollowUp.objects.filter(Q(site=site) & (this_month | done | overdue))
        .values_list("salesperson_id")
        .annotate(
            planned=Count("pk", filter=this_month),
            done=Count("pk", filter=done),
            overdue=Count("pk", filter=overdue),
        )
        .order_by()
    )
    figures = {person: numbers for person, *numbers in rows}
    names = user_names(figures)
    return sorted(
        (FollowUpStats(names.get(p, f"#{p}"), *numbers) for p, numbers in figures.items()), key=lambda r: r.name
    )


# --- the register archive (ATT-REG-1, for the sales assistant) ----------------------------------------------


def archive_entries(
    site: Site,
    *,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    salesperson: User | None = None,
) -> QuerySet[VisitEntry]:
    """The site's register as written, newest first: every entry, corrections and rejected ones included,
    registered within the site's days `date_from`..`date_to`."""
    entries = VisitEntry.objects.filter(site=site)
    if date_from:
        entries = entries.filter(registered_at__gte=start_of_day(date_from, site.zone))
    if date_to:
        entries = entries.filter(registered_at__lt=start_of_day(date_to + dt.timedelta(days=1), site.zone))
    if salesperson is not None:
        entries = entries.filter(salesperson=salesperson)
    return entries.select_related(
        "client", "salesperson", "received_by", "registered_by", "approval__approved_by"
    ).order_by("-registered_at", "-pk")


def archive_salespeople(site: Site) -> QuerySet[User]:
    """Everyone the site's register names as a salesperson, including those who have since left the site: one query,
    a probe of visitentry_salesperson_idx (salesperson, site) per user, whatever the register holds."""
    on_register = VisitEntry.objects.filter(site=site, salesperson=OuterRef("pk"))
    return User.objects.filter(Exists(on_register)).order_by("first_name", "last_name", "username")


def corrections_of(entry_ids: Sequence[int]) -> dict[int, list[int]]:
    """Entry id -> the ids of the entries that correct it (ATT-REG-1: a correction is a new entry)."""
    corrected: dict[int, list[int]] = defaultdict(list)
    rows = VisitEntry.objects.filter(corrects_id__in=list(entry_ids)).order_by("pk").values_list("corrects_id", "pk")
    for original, correction in rows:
        corrected[original].append(correction)
    return corrected


@dataclass(frozen=True)
class ArchiveRow:
    entry: VisitEntry
    corrected_by: list[int]

    @property
    def review(self) -> str:
        """ "approved", "rejected" or "pending" (awaiting the project manager, ATT-REG-1)."""
        approval = getattr(self.entry, "approval", None)
        if approval is None:
            return "pending"
        return "approved" if approval.approved else "rejected"


def archive_rows(entries: Sequence[VisitEntry]) -> list[ArchiveRow]:
    corrections = corrections_of([e.pk for e in entries])
    return [ArchiveRow(entry, corrections.get(entry.pk, [])) for entry in entries]
