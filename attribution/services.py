"""State changes of the client register. Each takes `now`, checks the actor's role on the site, asks
`attribution.rules` whether the rules allow it, and records facts only (ATT-REG-1: the register is append-only)."""

import dataclasses
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from salesoffice.access import acts_as_on_site, is_site_project_manager, require_site_perm, user_has_role_on_site
from salesoffice.models import Site, display_name
from salesoffice.notifications import notify
from salesoffice.phones import normalise_phone
from salesoffice.roles import Role
from salesoffice.timeutil import day_bounds, end_of_day, local_day

from . import rules
from .models import (
    Client,
    ClientPhone,
    ClientSiteSummary,
    ClientSiteViewer,
    CompanyClientMark,
    DisputeOpinion,
    DisputeShare,
    FollowUp,
    OldClientIntroduction,
    PendingReview,
    Recognition,
    Referral,
    SpouseLink,
    VisitApproval,
    VisitEntry,
)
from .selectors import client_attribution, client_facts, client_ownership, client_site_summaries, user_names
from .signals import client_facts_changed


class RegisterError(ValidationError):
    """A register action the rules refuse; the message says why and which clause. A dict message names the
    form field it belongs next to."""


@dataclass
class RegistrationResult:
    entry: VisitEntry
    client: Client
    created_client: bool
    possible_duplicates: list[Client] = field(default_factory=list)


def _facts_changed(*, site: Site, client_ids: list[int], now: dt.datetime, reason: str, actor) -> None:
    """Tell the commission a fact about these clients was recorded, in the same transaction, so a deal's split
    never lags behind the register (COM-4); and list the clients for whoever the fact gives a share."""
    client_share_viewers_add(site=site, client_ids=client_ids, now=now)
    client_facts_changed.send(sender=Client, site=site, client_ids=client_ids, now=now, reason=reason, actor=actor)


# --- matching (ATT-REG-3) ----------------------------------------------------------------------------------


def normalise_phones(phones: list[str], *, field_name: str = "phones") -> list[tuple[str, str]]:
    """(as typed, E.164) for every non-empty phone; an invalid one is an error next to the field."""
    cleaned: list[tuple[str, str]] = []
    for raw in phones:
        raw = (raw or "").strip()
        if not raw:
            continue
        try:
            normalised = normalise_phone(raw)
        except ValidationError as exc:
            raise RegisterError({field_name: [_("%(phone)s is not a valid phone number.") % {"phone": raw}]}) from exc
        if normalised not in (n for _raw, n in cleaned):
            cleaned.append((raw, normalised))
    if not cleaned:
        raise RegisterError({field_name: [_("Enter the client's phone number.")]})
    return cleaned


def _similar_phone(a: str, b: str) -> bool:
    """One digit different, or two neighbouring digits swapped: the typing slips a duplicate hides behind."""
    if a == b or len(a) != len(b):
        return False
    diffs = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    if len(diffs) == 1:
        return True
    return len(diffs) == 2 and diffs[1] == diffs[0] + 1 and a[diffs[0]] == b[diffs[1]] and a[diffs[1]] == b[diffs[0]]


def possible_duplicates(
    *, name: str, phones: list[str], id_number: str = "", exclude_client_id: int | None = None, site: Site | None = None
) -> list[Client]:
    """Clients who look like the same person (ATT-REG-3): same name and a similar phone, or the same ID number.
    Reads the phones of the first 50 clients of that name, and then only the clients that look alike: a few indexed
    reads whatever the size of the register, and no objects made for the many namesakes of a common name.
    With `site`, only clients on that site's register: another project's clients are not shown to this one."""
    candidates = Client.objects.exclude(pk=exclude_client_id)
    if site is not None:
        candidates = candidates.filter(Exists(VisitEntry.objects.filter(client=OuterRef("pk"), site=site)))
    same_name = candidates.filter(name=name.strip()).order_by("pk")[:50]
    namesakes_phones = (
        ClientPhone.objects.filter(client__in=same_name.values("pk"))
        .order_by("client_id")
        .values_list("client_id", "phone_normalised")
    )
    alike = dict.fromkeys(
        client_id for client_id, phone in namesakes_phones if any(_similar_phone(phone, mine) for mine in phones)
    )
    if id_number.strip():
        same_id = candidates.filter(id_number=id_number.strip())[:20]
        alike.update(dict.fromkeys(same_id.values_list("pk", flat=True)))
    if not alike:
        return []
    found = Client.objects.in_bulk(list(alike))
    return [found[pk] for pk in alike]


def _client_for_phones(
    phones: list[tuple[str, str]], *, name: str, id_number: str, now: dt.datetime
) -> tuple[Client, bool]:
    """The one client these phones belong to, locked; or a new client holding them. Two registrations of the
    same new phone at once meet on ClientPhone's unique index: the loser re-reads and finds the winner's client."""
    normalised = [n for _raw, n in phones]
    for _attempt in range(3):
        owners = set(ClientPhone.objects.filter(phone_normalised__in=normalised).values_list("client_id", flat=True))
        if len(owners) > 1:
            raise RegisterError({"phones": [_("These phone numbers belong to different clients on the register.")]})
        if owners:
            client = Client.objects.select_for_update().get(pk=owners.pop())
            known = set(client.phones.values_list("phone_normalised", flat=True))
            try:
                with transaction.atomic():
                    for raw, n in phones:
                        if n not in known:
                            ClientPhone.objects.create(client=client, phone=raw, phone_normalised=n)
            except IntegrityError:
                continue
            return client, False
        try:
            with transaction.atomic():
                raw, first = phones[0]
                client = Client.objects.create(
                    name=name.strip(), phone=raw, phone_normalised=first, id_number=id_number.strip(), created_at=now
                )
                for raw, n in phones:
                    ClientPhone.objects.create(client=client, phone=raw, phone_normalised=n)
        except IntegrityError:
            continue  # someone registered one of these phones a moment ago: use their client
        client = Client.objects.select_for_update().get(pk=client.pk)
        return client, True
    raise RegisterError(_("The register is busy with this phone number; try again."))


# --- the visit register (ATT-REG-1..3) ---------------------------------------------------------------------


def _check_salesperson(site: Site, actor: AbstractBaseUser, salesperson: AbstractBaseUser) -> None:
    if salesperson.pk != actor.pk:
        require_site_perm(
            actor,
            site,
            "attribution.register_for_others",
            _("Only a supervisor or manager may register a visit for another salesperson."),
        )
    if not user_has_role_on_site(salesperson, site, Role.SALESPERSON):
        raise RegisterError(
            {"salesperson": [_("%(name)s is not a salesperson of this site.") % {"name": display_name(salesperson)}]}
        )


def holder_refusal(attribution: rules.Attribution, *, salesperson_id: int, names: dict[int, str], zone) -> str:
    """Why a salesperson may not register a client someone else holds, or '' if they may (ATT-REG-3)."""
    if attribution.owner_id is None or salesperson_id in (attribution.owner_id, attribution.follow_up_id):
        return ""
    if salesperson_id in attribution.salesperson_ids:
        return ""
    return _(
        "This client is registered to %(owner)s, valid until %(until)s: the first valid registration wins "
        "(ATT-REG-2, ATT-REG-3)."
    ) % {
        "owner": names.get(attribution.owner_id, ""),
        "until": local_day(attribution.valid_until, zone).isoformat(),
    }


def may_record_out_of_time(actor: AbstractBaseUser, site: Site) -> bool:
    """ATT-REG-1 Decision: the site supervisor or the project manager of this site (an admin standing in)."""
    return acts_as_on_site(actor, site, Role.SITE_SUPERVISOR) or is_site_project_manager(actor, site)


def visit_register(
    *,
    site: Site,
    actor: AbstractBaseUser,
    salesperson: AbstractBaseUser,
    name: str,
    phones: list[str],
    now: dt.datetime,
    id_number: str = "",
    source: str = VisitEntry.Source.WALK_IN,
    needs: str = "",
    budget: Decimal | None = None,
    grade: str = "",
    visited_at: dt.datetime | None = None,
    received_by: AbstractBaseUser | None = None,
    reception=None,
    note: str = "",
    backdate_reason: str = "",
) -> RegistrationResult:
    """Write a visit on the register (ATT-REG-1), refusing a client someone else validly holds (ATT-REG-3) and a
    visit out of its time unless the site supervisor or project manager gives a reason."""
    require_site_perm(actor, site, "attribution.register_visit", _("You may not register visits on this site."))
    _check_salesperson(site, actor, salesperson)
    if not name.strip():
        raise RegisterError({"name": [_("Enter the client's name.")]})
    cleaned = normalise_phones(phones)
    visited_at = visited_at or now
    timing = rules.visit_instant_decision(
        visited_at,
        now=now,
        zone=site.zone,
        may_backdate=may_record_out_of_time(actor, site),
        reason=backdate_reason,
    )
    if not timing.allowed:
        raise RegisterError({"visited_at": [str(timing)]})
    with transaction.atomic():
        client, created = _client_for_phones(cleaned, name=name, id_number=id_number, now=now)
        if not created:
            # Only a client validly held by a colleague is refused; an entry awaiting approval never stops a visit
            # from being recorded: the earlier one wins if approved (ATT-REG-1 Decision, ATT-REG-3).
            attribution = client_attribution(client=client, site=site, now=now)
            refusal = holder_refusal(
                attribution,
                salesperson_id=salesperson.pk,
                names=user_names([attribution.owner_id]),
                zone=site.zone,
            )
            if refusal:
                raise RegisterError({"phones": [refusal]})
        duplicates = possible_duplicates(
            name=name, phones=[n for _raw, n in cleaned], id_number=id_number, exclude_client_id=client.pk, site=site
        )
        if grade or needs or budget is not None:
            client.grade = grade or client.grade
            client.needs = needs or client.needs
            client.budget = budget if budget is not None else client.budget
            client.save(update_fields=["grade", "needs", "budget"])
        entry = VisitEntry.objects.create(
            client=client,
            site=site,
            salesperson=salesperson,
            received_by=received_by if received_by and received_by.pk != salesperson.pk else None,
            reception=reception,
            source=source,
            visited_at=visited_at,
            registered_at=now,
            registered_by=actor,
            needs=needs,
            budget=budget,
            note=note,
            backdate_reason=backdate_reason.strip() if timing.rule_ids else "",
            possible_duplicates=[{"id": d.pk, "name": d.name, "phone": d.phone} for d in duplicates],
        )
        _awaits_review(entry)
        if reception is not None and reception.client_id is None:
            reception.client = client
            reception.save(update_fields=["client"])
        client_summaries_refresh(client_ids=[client.pk], site=site)
    return RegistrationResult(entry, client, created, duplicates)


def visit_review(
    *, entry: VisitEntry, actor: AbstractBaseUser, approve: bool, now: dt.datetime, reason: str = ""
) -> VisitApproval:
    """The project manager's approval (or rejection) of a register entry (ATT-REG-1)."""
    site = entry.site
    require_site_perm(
        actor, site, "attribution.approve_register", _("Only the project manager approves the register (ATT-REG-1).")
    )
    if not is_site_project_manager(actor, site):
        raise RegisterError(_("Only this site's project manager approves its register (ATT-REG-1)."))
    if actor.pk in (entry.salesperson_id, entry.registered_by_id):
        raise RegisterError(_("Nobody approves their own register entry (ATT-REG-1)."))
    if not approve and not reason.strip():
        raise RegisterError({"reason": [_("Say why the entry is rejected.")]})
    with transaction.atomic():
        locked = VisitEntry.objects.select_for_update().get(pk=entry.pk)
        if VisitApproval.objects.filter(entry=locked).exists():
            raise RegisterError(_("This entry has already been reviewed; a correction is a new entry (ATT-REG-1)."))
        approval = VisitApproval.objects.create(
            entry=locked, approved=approve, reason=reason.strip(), approved_by=actor, approved_at=now
        )
        PendingReview.objects.filter(entry=locked).delete()
        client_summaries_refresh(client_ids=[locked.client_id], site=site)
        _facts_changed(site=site, client_ids=[locked.client_id], now=now, reason="facts_changed", actor=actor)
    return approval


@dataclass
class DayApproval:
    """What "approve all of this day" did: how many entries it approved and each one it left, with why."""

    day: dt.date
    approved: int = 0
    left: list[tuple[VisitEntry, str]] = field(default_factory=list)


def visit_review_day(*, site: Site, actor: AbstractBaseUser, day: dt.date, now: dt.datetime) -> DayApproval:
    """Approve the entries registered on `day` (site zone) awaiting review, except those the rules keep for a
    review of their own (a likely duplicate, a visit recorded out of its time) or the review refuses (ATT-REG-1)."""
    require_site_perm(
        actor, site, "attribution.approve_register", _("Only the project manager approves the register (ATT-REG-1).")
    )
    if not is_site_project_manager(actor, site):
        raise RegisterError(_("Only this site's project manager approves its register (ATT-REG-1)."))
    start, end = day_bounds(day, site.zone)
    result = DayApproval(day)
    entries = (
        VisitEntry.objects.filter(
            site=site, approval__isnull=True, registered_at__gte=start, registered_at__lt=end, registered_at__lte=now
        )
        .select_related("client", "salesperson")
        .order_by("registered_at", "pk")
    )
    for entry in entries:
        entry.site = site
        eligible = rules.day_approval_decision(
            registered_at=entry.registered_at,
            day=day,
            possible_duplicates=entry.possible_duplicates,
            backdate_reason=entry.backdate_reason,
            zone=site.zone,
        )
        if not eligible.allowed:
            result.left.append((entry, str(eligible)))
            continue
        try:
            visit_review(entry=entry, actor=actor, approve=True, now=now)
        except RegisterError as exc:
            result.left.append((entry, " ".join(exc.messages)))
        else:
            result.approved += 1
    return result


def visit_correct(
    *,
    entry: VisitEntry,
    actor: AbstractBaseUser,
    now: dt.datetime,
    note: str,
    salesperson: AbstractBaseUser | None = None,
    visited_at: dt.datetime | None = None,
    needs: str | None = None,
) -> VisitEntry:
    """A correction is a new entry that references the one it corrects (ATT-REG-1); it counts once approved."""
    site = entry.site
    require_site_perm(actor, site, "attribution.register_visit", _("You may not register visits on this site."))
    if not note.strip():
        raise RegisterError({"note": [_("Say what the correction fixes.")]})
    salesperson = salesperson or entry.salesperson
    _check_salesperson(site, actor, salesperson)
    with transaction.atomic():
        correction = VisitEntry.objects.create(
            client=entry.client,
            site=site,
            salesperson=salesperson,
            received_by=entry.received_by,
            reception=entry.reception,
            source=entry.source,
            visited_at=visited_at or entry.visited_at,
            registered_at=now,
            registered_by=actor,
            corrects=entry,
            needs=entry.needs if needs is None else needs,
            budget=entry.budget,
            note=note.strip(),
        )
        _awaits_review(correction)
        client_summaries_refresh(client_ids=[entry.client_id], site=site)
    return correction


def _awaits_review(entry: VisitEntry) -> None:
    """Queue a new entry for the project manager (ATT-REG-1): its review removes it (visit_review)."""
    PendingReview.objects.create(entry=entry, site_id=entry.site_id, registered_at=entry.registered_at)


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
    registered = dict(
        ClientSiteSummary.objects.filter(site=site, client_id__in=ids, last_registered_at__isnull=False).values_list(
            "client_id", "last_registered_at"
        )
    )
    rows = []
    for client_id in ids:
        if client_id not in registered:
            continue  # no register entry on this site: nobody holds a share
        attribution = client_attribution(client=Client(pk=client_id), site=site, now=now)
        holders = {*attribution.salesperson_ids, attribution.follow_up_id} - {None}
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


# --- facts the project manager records ---------------------------------------------------------------------


def _require_facts(actor: AbstractBaseUser, site: Site) -> None:
    require_site_perm(
        actor,
        site,
        "attribution.record_client_facts",
        _("Only the project or sales manager records this on the register."),
    )


def recognition_record(
    *,
    site: Site,
    client: Client,
    original_client: Client,
    original_salesperson: AbstractBaseUser,
    recognised_at: dt.datetime,
    actor: AbstractBaseUser,
    now: dt.datetime,
    note: str = "",
) -> tuple[Recognition, rules.RecognitionVerdict]:
    """REC-NEW-2: record that a client served as new is the original salesperson's; refused when the rules say
    the recognition has no effect (a deal on the spot, after the month, no valid claim)."""
    _require_facts(actor, site)
    if recognised_at > now:
        raise RegisterError({"recognised_at": [_("A recognition cannot be recorded before it happens.")]})
    if original_client.pk == client.pk:
        raise RegisterError({"original_client": [_("Choose the original salesperson's own client record.")]})
    with transaction.atomic():
        Client.objects.select_for_update().filter(pk=client.pk).first()
        facts = client_facts(client=client, site=site, now=now)
        # A same-day recognition usually comes before the evening's approvals (ATT-REG-1): the visit served as
        # new is found among the entries not rejected, approved or not yet. The latest registration started by
        # the recognition counts, even a lapsed one: recognising after it lapsed is judged late (REC-NEW-2d).
        provisional = [
            v if v.approved_at is not None else dataclasses.replace(v, approved_at=v.registered_at)
            for v in facts.visits
            if not v.rejected
        ]
        periods = [
            p
            for p in rules.registration_periods(provisional, now=now, zone=site.zone, reassignments=facts.reassignments)
            if p.first.visit_instant <= recognised_at
        ]
        period = periods[-1] if periods else None
        if period is None:
            raise RegisterError(_("The client has no approved registration to recognise (REC-NEW-2)."))
        original = client_facts(client=original_client, site=site, now=now)
        verdict = rules.judge_recognition(
            original_salesperson_id=original_salesperson.pk,
            original_visits=original.visits,
            new_visit_at=period.first.visit_instant,
            new_salesperson_id=period.owner_id,
            recognised_at=recognised_at,
            deals=facts.deals,
            zone=site.zone,
            names={**user_names([original_salesperson.pk, period.owner_id])},
            reassignments=(*facts.reassignments, *original.reassignments),
        )
        if not verdict.accepted:
            raise RegisterError(f"{verdict.text} ({', '.join(verdict.rule_ids)})")
        recognition = Recognition.objects.create(
            site=site,
            client=client,
            original_client=original_client,
            original_salesperson=original_salesperson,
            recognised_at=recognised_at,
            recorded_by=actor,
            recorded_at=now,
            note=note,
        )
        _facts_changed(site=site, client_ids=[client.pk], now=now, reason="recognition", actor=actor)
    return recognition, verdict


def spouse_link(*, site: Site, client: Client, spouse: Client, actor: AbstractBaseUser, now: dt.datetime) -> SpouseLink:
    """ATT-SPOUSE: the two clients are a couple; their owners serve them jointly."""
    _require_facts(actor, site)
    if client.pk == spouse.pk:
        raise RegisterError({"spouse": [_("A client cannot be their own spouse.")]})
    a = client_ownership(client=client, site=site, now=now)
    b = client_ownership(client=spouse, site=site, now=now)
    if a.owner_id is None or b.owner_id is None:
        raise RegisterError(_("Both spouses must hold a valid registration on this site (ATT-SPOUSE)."))
    if SpouseLink.objects.filter(site=site, client__in=[client, spouse], spouse__in=[client, spouse]).exists():
        raise RegisterError(_("These clients are already marked as a couple."))
    with transaction.atomic():
        link = SpouseLink.objects.create(site=site, client=client, spouse=spouse, marked_by=actor, marked_at=now)
        _facts_changed(site=site, client_ids=[client.pk, spouse.pk], now=now, reason="facts_changed", actor=actor)
    return link


def company_mark(
    *,
    site: Site,
    client: Client,
    kind: str,
    contacted_at: dt.datetime,
    actor: AbstractBaseUser,
    now: dt.datetime,
    designated_salesperson: AbstractBaseUser | None = None,
) -> CompanyClientMark:
    """ATT-CO-1..5: the company brought the client; refused for a client already registered before that contact."""
    _require_facts(actor, site)
    if contacted_at > now:
        raise RegisterError({"contacted_at": [_("The contact cannot be in the future.")]})
    facts = client_facts(client=client, site=site, now=now)
    mark = rules.CompanyFact(0, kind, contacted_at, now, getattr(designated_salesperson, "pk", None))
    if not rules.company_mark_valid(mark, facts.visits, zone=site.zone):
        raise RegisterError(
            {
                "contacted_at": [
                    _(
                        "Not a company client: the client had already visited and been registered before the "
                        "company's contact (ATT-CO-1)."
                    )
                ]
            }
        )
    with transaction.atomic():
        company = CompanyClientMark.objects.create(
            site=site,
            client=client,
            kind=kind,
            contacted_at=contacted_at,
            designated_salesperson=designated_salesperson,
            marked_by=actor,
            marked_at=now,
        )
        _facts_changed(site=site, client_ids=[client.pk], now=now, reason="facts_changed", actor=actor)
    return company


def company_client_arrange(
    *,
    site: Site,
    name: str,
    phone: str,
    kind: str,
    contacted_at: dt.datetime,
    actor: AbstractBaseUser,
    now: dt.datetime,
) -> Client:
    """ATT-CO-4/5: a client the company arranged a deal for directly, with no reception: the client (found by phone, or
    new) is marked a company client without anyone registering a visit, so the deal can be recorded as it happened."""
    _require_facts(actor, site)
    if kind not in rules.ARRANGED_KINDS:
        raise RegisterError({"kind": [_("Choose how the company arranged the deal (ATT-CO-4 or ATT-CO-5).")]})
    if not name.strip():
        raise RegisterError({"name": [_("Enter the client's name.")]})
    cleaned = normalise_phones([phone], field_name="phone")
    with transaction.atomic():
        client, _created = _client_for_phones(cleaned, name=name, id_number="", now=now)
        company_mark(site=site, client=client, kind=kind, contacted_at=contacted_at, actor=actor, now=now)
        client_summaries_refresh(client_ids=[client.pk], site=site)  # listed from now on, as a referral is
    return client


def introduction_record(
    *,
    site: Site,
    client: Client,
    introducer: AbstractBaseUser,
    mode: str,
    actor: AbstractBaseUser,
    now: dt.datetime,
    declared_at: dt.datetime | None = None,
    appointment_at: dt.datetime | None = None,
) -> OldClientIntroduction:
    """ATT-REF-OLD a/b/c: how an old client of `introducer` brought this new client."""
    _require_facts(actor, site)
    if mode == OldClientIntroduction.Mode.DECLARED and declared_at is None:
        raise RegisterError({"declared_at": [_("Say when the salesperson declared the introduction (ATT-REF-OLD a).")]})
    if declared_at is not None and declared_at > now:
        raise RegisterError({"declared_at": [_("The declaration cannot be in the future.")]})
    with transaction.atomic():
        introduction = OldClientIntroduction.objects.create(
            site=site,
            client=client,
            introducer_salesperson=introducer,
            mode=mode,
            declared_at=declared_at,
            appointment_at=appointment_at,
            marked_by=actor,
            marked_at=now,
        )
        _facts_changed(site=site, client_ids=[client.pk], now=now, reason="facts_changed", actor=actor)
    return introduction


# --- decisions taken at the desk that reach ownership (REC-NEW-4c, REC-DES-2) ------------------------------


def desk_decision_recorded(*, site: Site, reception_ids: Iterable[int], now: dt.datetime, actor) -> list[int]:
    """A desk decision that decides ownership (a reassignment, REC-NEW-4c) reached the register: the clients of these
    receptions get their list summary rebuilt and their deals re-split, in the caller's transaction. Returns the
    clients' ids."""
    client_ids = _clients_of_receptions(site, reception_ids)
    if client_ids:
        client_summaries_refresh(client_ids=client_ids, site=site)
        _facts_changed(site=site, client_ids=client_ids, now=now, reason="facts_changed", actor=actor)
    return client_ids


def _clients_of_receptions(site: Site, reception_ids: Iterable[int]) -> list[int]:
    """The clients the desk linked to these receptions, or whose register entries point at them."""
    from reception.models import Reception

    ids = list(reception_ids)
    linked = Reception.objects.filter(pk__in=ids, client__isnull=False).values_list("client_id", flat=True)
    entered = VisitEntry.objects.filter(site=site, reception_id__in=ids).values_list("client_id", flat=True)
    return sorted({*linked, *entered})


def instigation_record(*, change_request, actor: AbstractBaseUser, reason: str, now: dt.datetime):
    """REC-DES-2: the sales manager finds, after the switch, that the named salesperson instigated it; the client's
    deals are re-split (100% to the first receiver; an adjustment in the open month if the deal's is closed, COM-4)."""
    from reception.models import ChangeRequest, InstigationFinding, Reception

    site = change_request.reception.site
    require_site_perm(
        actor,
        site,
        "reception.record_instigation",
        _("Only the sales manager records that a salesperson instigated a switch (REC-DES-2)."),
    )
    if not acts_as_on_site(actor, site, Role.SALES_MANAGER):
        raise PermissionDenied(_("Only this site's sales manager records that a salesperson instigated a switch."))
    if not reason.strip():
        raise RegisterError({"reason": [_("Write why the named salesperson is found to have instigated the switch.")]})
    with transaction.atomic():
        locked = (
            ChangeRequest.objects.select_for_update(of=("self",)).select_related("reception").get(pk=change_request.pk)
        )
        switch = None
        if locked.decision == ChangeRequest.Decision.NAMED and locked.requested_salesperson_id:
            switch = rules.SwitchFact(
                at=locked.decided_at,
                first_receiver_id=locked.reception.owner_id or locked.reception.salesperson_id,
                named_id=locked.requested_salesperson_id,
                returning=locked.reception.kind in (Reception.Kind.RETURNING, Reception.Kind.DUTY),
                instigated=locked.instigated,
            )
        refusal = rules.instigation_finding_refusal(
            switch, already_found=InstigationFinding.objects.filter(change_request=locked).exists(), now=now
        )
        if refusal is not None:
            raise RegisterError(str(refusal))
        finding = InstigationFinding.objects.create(
            change_request=locked, reason=reason.strip(), recorded_by=actor, recorded_at=now
        )
        switched = Reception.objects.filter(replaces=locked.reception_id).values_list("pk", flat=True)
        client_ids = _clients_of_receptions(site, [locked.reception_id, *switched])
        if client_ids:
            _facts_changed(site=site, client_ids=client_ids, now=now, reason="facts_changed", actor=actor)
    return finding


# --- employee referrals (ATT-EMP-1..5) ---------------------------------------------------------------------


def referral_register(
    *,
    site: Site,
    actor: AbstractBaseUser,
    name: str,
    phone: str,
    appointment_date: dt.date,
    now: dt.datetime,
    note: str = "",
) -> Referral:
    """ATT-EMP-1: an employee registers a referral before the client's first visit."""
    if not actor.has_perm("attribution.register_referral"):
        raise PermissionDenied(_("You may not register referrals."))
    if site.kind != Site.Kind.SALES_OFFICE:
        raise RegisterError({"site": [_("Referrals are for a sales office's project.")]})
    if appointment_date < local_day(now, site.zone):
        raise RegisterError({"appointment_date": [_("The appointment date cannot be in the past.")]})
    if not name.strip():
        raise RegisterError({"name": [_("Enter the client's name.")]})
    cleaned = normalise_phones([phone], field_name="phone")
    with transaction.atomic():
        client, _created = _client_for_phones(cleaned, name=name, id_number="", now=now)
        if VisitEntry.objects.filter(client=client, site=site).exists():
            raise RegisterError(
                {"phone": [_("The client has already visited this project: a referral must come first (ATT-EMP-1).")]}
            )
        open_referral = [
            r
            for r in Referral.objects.filter(site=site, client=client)
            if rules.referral_status(_referral_fact(r), (), now=now, zone=site.zone).status == rules.REFERRAL_PENDING
        ]
        if open_referral:
            raise RegisterError({"phone": [_("This client already has an open referral (ATT-EMP-1).")]})
        referral = Referral.objects.create(
            site=site,
            client=client,
            referrer=actor,
            appointment_date=appointment_date,
            registered_at=now,
            registered_by=actor,
            note=note,
        )
        client_summaries_refresh(client_ids=[client.pk], site=site)  # the client is listed from now on
    return referral


def _referral_fact(referral: Referral) -> rules.ReferralFact:
    return rules.ReferralFact(
        referral.pk, referral.referrer_id, referral.appointment_date, referral.registered_at, referral.confirmed_at
    )


def referral_state(referral: Referral, *, now: dt.datetime) -> rules.ReferralStatus:
    facts = client_facts(client=referral.client, site=referral.site, now=now)
    return rules.referral_status(_referral_fact(referral), facts.visits, now=now, zone=referral.site.zone)


def referral_confirm(*, referral: Referral, actor: AbstractBaseUser, now: dt.datetime) -> Referral:
    """ATT-EMP-3: the project manager checks the form and signs, on the appointment day."""
    site = referral.site
    require_site_perm(
        actor, site, "attribution.approve_register", _("Only the project manager confirms referrals (ATT-EMP-3).")
    )
    if not is_site_project_manager(actor, site):
        raise RegisterError(_("Only this site's project manager confirms its referrals (ATT-EMP-3)."))
    if actor.pk == referral.referrer_id:
        raise RegisterError(_("Nobody confirms their own referral."))
    with transaction.atomic():
        referral = Referral.objects.select_for_update().get(pk=referral.pk)
        if referral.confirmed_at is not None:
            raise RegisterError(_("This referral is already confirmed."))
        if local_day(now, site.zone) != referral.appointment_date:
            if now > end_of_day(referral.appointment_date, site.zone):
                over = referral_state(referral, now=now)
                if over.status != rules.REFERRAL_LAPSED:  # the client came: void (ATT-EMP-4) or rejected (ATT-EMP-3)
                    raise RegisterError(f"{over.text} ({', '.join(over.rule_ids)})")
                raise RegisterError(_("The appointment day is over: the referral lapsed (ATT-EMP-2)."))
            raise RegisterError(_("A referral is confirmed on its appointment day, at the visit (ATT-EMP-3)."))
        state = referral_state(referral, now=now)
        # Rejected: registered before the referral (ATT-EMP-3). Void: already served and registered as new today,
        # without a prior confirmation; a signature now changes nothing (ATT-EMP-4 Decision).
        if state.status in (rules.REFERRAL_REJECTED, rules.REFERRAL_VOID):
            raise RegisterError(f"{state.text} ({', '.join(state.rule_ids)})")
        referral.confirmed_at = now
        referral.confirmed_by = actor
        referral.save(update_fields=["confirmed_at", "confirmed_by"])
        if referral.client_id:
            _facts_changed(site=site, client_ids=[referral.client_id], now=now, reason="facts_changed", actor=actor)
    return referral


def referral_lapse_notifications(*, now: dt.datetime) -> int:
    """Tell referrers whose referral lapsed (ATT-EMP-2). The lapse itself is computed; this only notifies, once."""
    sent = 0
    candidates = Referral.objects.filter(
        confirmed_at__isnull=True, lapse_notified=False, appointment_date__lt=now.date() + dt.timedelta(days=1)
    ).select_related("site", "client")
    for referral in candidates:
        status = referral_state(referral, now=now).status
        if status == rules.REFERRAL_PENDING:
            continue
        # Anything else is settled (lapsed, void, rejected): flagged below so that the next runs stop reading it.
        if status == rules.REFERRAL_LAPSED and notify(
            recipient_id=referral.referrer_id,
            key=f"referral-lapsed:{referral.pk}",
            kind="referral_lapsed",
            now=now,
            site=referral.site,
            rule_id="ATT-EMP-2",
            params={"client": referral.client.name, "day": referral.appointment_date.isoformat()},
        ):
            sent += 1
        Referral.objects.filter(pk=referral.pk).update(lapse_notified=True)
    return sent


# --- disputes (ATT-DISP-1) ---------------------------------------------------------------------------------


def dispute_open(
    *,
    site: Site,
    client: Client,
    actor: AbstractBaseUser,
    reasoning: str,
    shares: list[tuple[AbstractBaseUser | None, Decimal]],
    now: dt.datetime,
) -> DisputeOpinion:
    """The project manager's opinion, weighing each party; the commission is held until the director rules."""
    require_site_perm(
        actor,
        site,
        "attribution.write_dispute_opinion",
        _("Only the project manager writes dispute opinions (ATT-DISP-1)."),
    )
    if not reasoning.strip():
        raise RegisterError({"reasoning": [_("Weigh each party's fault and contribution to the deal.")]})
    if not shares:
        raise RegisterError({"shares": [_("Propose at least one share.")]})
    if any(pct <= 0 for _who, pct in shares):
        raise RegisterError({"shares": [_("Every proposed share must be more than zero.")]})
    if sum((pct for _who, pct in shares), Decimal(0)) != rules.HUNDRED:
        raise RegisterError({"shares": [_("The proposed shares must add up to 100%.")]})
    try:
        with transaction.atomic():
            opinion = DisputeOpinion.objects.create(
                site=site, client=client, reasoning=reasoning.strip(), written_by=actor, written_at=now
            )
            DisputeShare.objects.bulk_create(
                [DisputeShare(opinion=opinion, salesperson=who, percent=pct) for who, pct in shares]
            )
            _facts_changed(site=site, client_ids=[client.pk], now=now, reason="dispute_opinion", actor=actor)
    except IntegrityError as exc:
        raise RegisterError(_("This client already has an opinion awaiting the sales director.")) from exc
    return opinion


def dispute_decide(
    *, opinion: DisputeOpinion, actor: AbstractBaseUser, approve: bool, now: dt.datetime, note: str = ""
) -> DisputeOpinion:
    """The sales director approves or rejects the opinion (ATT-DISP-1)."""
    require_site_perm(
        actor, opinion.site, "attribution.rule_dispute", _("Only the sales director rules on disputes (ATT-DISP-1).")
    )
    if actor.pk == opinion.written_by_id:
        raise RegisterError(_("The author of an opinion cannot rule on it (ATT-DISP-1)."))
    with transaction.atomic():
        opinion = DisputeOpinion.objects.select_for_update().get(pk=opinion.pk)
        if opinion.decided_at is not None:
            raise RegisterError(_("This opinion has already been decided."))
        opinion.approved = approve
        opinion.decided_by = actor
        opinion.decided_at = now
        opinion.decision_note = note.strip()
        opinion.save(update_fields=["approved", "decided_by", "decided_at", "decision_note"])
        _facts_changed(site=opinion.site, client_ids=[opinion.client_id], now=now, reason="dispute_ruling", actor=actor)
    return opinion


# --- follow-ups (ATT-FU-1/2) -------------------------------------------------------------------------------


def follow_up_plan(
    *,
    site: Site,
    client: Client,
    actor: AbstractBaseUser,
    planned_for: dt.datetime,
    now: dt.datetime,
    kind: str = FollowUp.Kind.CALL,
    plan: str = "",
    grade: str = "",
) -> FollowUp:
    """ATT-FU-1: the salesperson plans a contact with a client they serve (and may regrade the client)."""
    require_site_perm(actor, site, "attribution.register_visit", _("You may not plan follow-ups on this site."))
    attribution = client_attribution(client=client, site=site, now=now)
    if actor.pk not in (attribution.follow_up_id, *attribution.salesperson_ids) and not actor.has_perm(
        "attribution.review_follow_ups"
    ):
        raise RegisterError(_("Only the salesperson who serves this client plans its follow-ups (ATT-FU-1)."))
    if grade:
        client.grade = grade
        client.save(update_fields=["grade"])
    return FollowUp.objects.create(
        site=site,
        client=client,
        salesperson=actor,
        kind=kind,
        planned_for=planned_for,
        plan=plan,
        created_at=now,
    )


def follow_up_done(*, follow_up: FollowUp, actor: AbstractBaseUser, outcome: str, now: dt.datetime) -> FollowUp:
    """ATT-FU-1: record what the contact brought."""
    if actor.pk != follow_up.salesperson_id and not actor.has_perm("attribution.review_follow_ups"):
        raise RegisterError(_("Only the salesperson who planned it records this follow-up."))
    if not outcome.strip():
        raise RegisterError({"outcome": [_("Say what came of the contact.")]})
    with transaction.atomic():
        follow_up = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
        if follow_up.done_at is not None:
            raise RegisterError(_("This follow-up is already recorded."))
        follow_up.done_at = now
        follow_up.outcome = outcome.strip()
        follow_up.save(update_fields=["done_at", "outcome"])
    return follow_up
