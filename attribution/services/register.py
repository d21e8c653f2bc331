"""The visit register (ATT-REG-1..3): registering, reviewing (one entry or a whole day) and correcting visits."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from salesoffice.access import acts_as_on_site, is_site_project_manager, require_site_perm, user_has_role_on_site
from salesoffice.models import Site, display_name
from salesoffice.roles import Role
from salesoffice.timeutil import day_bounds

from .. import rules
from ..models import Client, PendingReview, VisitApproval, VisitEntry
from ..selectors import client_attribution, user_names
from .errors import RegisterError, RegistrationResult, refuse
from .matching import _client_for_phones, normalise_phones, possible_duplicates
from .notices import visits_awaiting_notify
from .summaries import _facts_changed, client_summaries_refresh

if TYPE_CHECKING:
    from reception.models import Reception

# --- the visit register (ATT-REG-1..3) ---------------------------------------------------------------------


def _check_salesperson(site: Site, actor: User, salesperson: User) -> None:
    if salesperson.pk != actor.pk:
        require_site_perm(
            actor,
            site,
            "attribution.register_for_others",
            _("Only a supervisor or manager may register a visit for another salesperson."),
        )
    refuse(
        rules.salesperson_refusal(
            is_salesperson=user_has_role_on_site(salesperson, site, Role.SALESPERSON), name=display_name(salesperson)
        )
    )


def may_record_out_of_time(actor: User, site: Site) -> bool:
    """ATT-REG-1 Decision: the site supervisor or the project manager of this site (an admin standing in)."""
    return acts_as_on_site(actor, site, Role.SITE_SUPERVISOR) or is_site_project_manager(actor, site)


def visit_register(
    *,
    site: Site,
    actor: User,
    salesperson: User,
    name: str,
    phones: list[str],
    now: dt.datetime,
    id_number: str = "",
    source: str = VisitEntry.Source.WALK_IN,
    needs: str = "",
    budget: Decimal | None = None,
    grade: str = "",
    visited_at: dt.datetime | None = None,
    received_by: User | None = None,
    reception: "Reception | None" = None,
    note: str = "",
    backdate_reason: str = "",
) -> RegistrationResult:
    """Write a visit on the register (ATT-REG-1), refusing a client someone else validly holds (ATT-REG-3) and a
    visit out of its time unless the site supervisor or project manager gives a reason.

    Why one function: it is long only by its keyword arguments (the register's columns); the steps are check,
    ask the rules, lock and write, as in every service."""
    require_site_perm(actor, site, "attribution.register_visit", _("You may not register visits on this site."))
    _check_salesperson(site, actor, salesperson)
    refuse(rules.name_refusal(name))
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
            _refuse_held_client(client, site=site, salesperson=salesperson, now=now)
        duplicates = possible_duplicates(
            name=name, phones=[n for _raw, n in cleaned], id_number=id_number, exclude_client_id=client.pk, site=site
        )
        _update_profile(client, grade=grade, needs=needs, budget=budget)
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


def _refuse_held_client(client: Client, *, site: Site, salesperson: User, now: dt.datetime) -> None:
    """Only a client validly held by a colleague is refused; an entry awaiting approval never stops a visit from
    being recorded: the earlier one wins if approved (ATT-REG-1 Decision, ATT-REG-3)."""
    attribution = client_attribution(client=client, site=site, now=now)
    refusal = rules.holder_refusal(
        attribution, salesperson_id=salesperson.pk, names=user_names([attribution.owner_id]), zone=site.zone
    )
    if refusal:
        raise RegisterError({"phones": [refusal]})


def _update_profile(client: Client, *, grade: str, needs: str, budget: Decimal | None) -> None:
    """What the visit says of the client's grade, needs and budget replaces what the register knew (blank: kept)."""
    if grade or needs or budget is not None:
        client.grade = grade or client.grade
        client.needs = needs or client.needs
        client.budget = budget if budget is not None else client.budget
        client.save(update_fields=["grade", "needs", "budget"])


def visit_review(*, entry: VisitEntry, actor: User, approve: bool, now: dt.datetime, reason: str = "") -> VisitApproval:
    """The project manager's approval (or rejection) of a register entry (ATT-REG-1)."""
    site = entry.site
    require_site_perm(
        actor, site, "attribution.approve_register", _("Only the project manager approves the register (ATT-REG-1).")
    )
    is_manager = is_site_project_manager(actor, site)
    with transaction.atomic():
        locked = VisitEntry.objects.select_for_update().get(pk=entry.pk)
        refuse(
            rules.review_refusal(
                is_site_project_manager=is_manager,
                own_entry=actor.pk in (entry.salesperson_id, entry.registered_by_id),
                approve=approve,
                reason=reason,
                reviewed=VisitApproval.objects.filter(entry=locked).exists(),
            )
        )
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


def visit_review_day(*, site: Site, actor: User, day: dt.date, now: dt.datetime) -> DayApproval:
    """Approve the entries registered on `day` (site zone) awaiting review, except those the rules keep for a
    review of their own (a likely duplicate, a visit recorded out of its time) or the review refuses (ATT-REG-1)."""
    require_site_perm(
        actor, site, "attribution.approve_register", _("Only the project manager approves the register (ATT-REG-1).")
    )
    refuse(rules.project_manager_refusal(is_site_project_manager=is_site_project_manager(actor, site)))
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
    actor: User,
    now: dt.datetime,
    note: str,
    salesperson: User | None = None,
    visited_at: dt.datetime | None = None,
    needs: str | None = None,
) -> VisitEntry:
    """A correction is a new entry that references the one it corrects (ATT-REG-1); it counts once approved."""
    site = entry.site
    require_site_perm(actor, site, "attribution.register_visit", _("You may not register visits on this site."))
    refuse(rules.correction_refusal(note=note))
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
    """Queue a new entry for the project manager (ATT-REG-1), and tell them: its review removes it (visit_review)."""
    PendingReview.objects.create(entry=entry, site_id=entry.site_id, registered_at=entry.registered_at)
    visits_awaiting_notify(entry=entry, now=entry.registered_at)
