"""Reads for the register: a client's recorded facts gathered in a bounded number of queries, handed to
`attribution.rules`, and the lists the pages show."""

import datetime as dt
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, QuerySet

from salesoffice.models import Site, display_name

from . import rules
from .models import (
    Client,
    ClientPhone,
    CompanyClientMark,
    DisputeOpinion,
    OldClientIntroduction,
    Recognition,
    Referral,
    SpouseLink,
    VisitApproval,
    VisitEntry,
)


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
            )
        )
    return tuple(visits)


def _visits_of(client_ids: Iterable[int], site: Site, now: dt.datetime) -> dict[int, tuple[rules.RegisteredVisit, ...]]:
    by_client: dict[int, list[VisitEntry]] = {}
    entries = (
        counting_entries(site=site, now=now)
        .filter(client_id__in=list(client_ids), registered_at__lte=now)
        .select_related("approval", "corrects")
        .order_by("registered_at", "pk")
    )
    for entry in entries:
        by_client.setdefault(entry.client_id, []).append(entry)
    return {client_id: _registered_visits(entries) for client_id, entries in by_client.items()}


def client_facts(*, client: Client, site: Site, now: dt.datetime) -> rules.ClientFacts:
    """Everything recorded about the client on this site up to `now`, as the rules engine's facts."""
    from commission.models import Deal
    from reception.models import ChangeRequest, Reception

    recognitions = list(Recognition.objects.filter(site=site, client=client, recorded_at__lte=now))
    spouses = list(
        SpouseLink.objects.filter(Q(client=client) | Q(spouse=client), site=site, marked_at__lte=now).only(
            "pk", "client_id", "spouse_id", "marked_at"
        )
    )
    spouse_ids = {s.spouse_id if s.client_id == client.pk else s.client_id for s in spouses}
    related = {client.pk, *spouse_ids, *(r.original_client_id for r in recognitions if r.original_client_id)}
    visits = _visits_of(related, site, now)
    switches = list(
        ChangeRequest.objects.filter(decision=ChangeRequest.Decision.NAMED, decided_at__lte=now)
        .filter(
            Q(reception__client=client)
            | Q(reception__visit_entries__client=client)
            | Q(reception__replaced_by__visit_entries__client=client)
        )
        .select_related("reception")
        .distinct()
    )
    deals = list(
        Deal.objects.filter(site=site, client=client, signed_at__lte=now).only("pk", "salesperson_id", "signed_at")
    )
    disputes = list(
        DisputeOpinion.objects.filter(site=site, client=client, written_at__lte=now).prefetch_related("shares")
    )
    referrals = list(Referral.objects.filter(site=site, client=client, registered_at__lte=now))
    company = list(CompanyClientMark.objects.filter(site=site, client=client, marked_at__lte=now))
    introductions = list(OldClientIntroduction.objects.filter(site=site, client=client, marked_at__lte=now))

    user_ids: set[int] = set()
    for group in visits.values():
        user_ids.update(v.salesperson_id for v in group)
    user_ids.update(r.original_salesperson_id for r in recognitions)
    user_ids.update(r.referrer_id for r in referrals)
    user_ids.update(i.introducer_salesperson_id for i in introductions)
    user_ids.update(m.designated_salesperson_id for m in company if m.designated_salesperson_id)
    user_ids.update(d.salesperson_id for d in deals)
    for switch in switches:
        user_ids.update(u for u in (switch.reception.salesperson_id, switch.requested_salesperson_id) if u)
    for dispute in disputes:
        user_ids.update(s.salesperson_id for s in dispute.shares.all() if s.salesperson_id)
    names = user_names(user_ids)

    return rules.ClientFacts(
        client_id=client.pk,
        visits=visits.get(client.pk, ()),
        recognitions=tuple(
            rules.RecognitionFact(
                id=r.pk,
                original_salesperson_id=r.original_salesperson_id,
                recognised_at=r.recognised_at,
                original_visits=visits.get(r.original_client_id, ()),
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
            )
            for c in switches
            if c.requested_salesperson_id
        ),
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


def user_names(user_ids: Iterable[int]) -> dict[int, str]:
    ids = [u for u in set(user_ids) if u]
    if not ids:
        return {}
    users = get_user_model().objects.filter(pk__in=ids).only("pk", "username", "first_name", "last_name")
    return {u.pk: display_name(u) for u in users}


def client_attribution(*, client: Client, site: Site, now: dt.datetime) -> rules.Attribution:
    return rules.attribute(client_facts(client=client, site=site, now=now), now=now, zone=site.zone)


def client_ownership(*, client: Client, site: Site, now: dt.datetime) -> rules.Ownership:
    """The register alone (ATT-REG-2/3), for callers that need only who holds the client and until when."""
    visits = _visits_of([client.pk], site, now).get(client.pk, ())
    return rules.registered_owner(visits, now=now, zone=site.zone)
