"""Facts the project and sales managers record (REC-NEW-2, ATT-SPOUSE, ATT-CO-1..5, ATT-REF-OLD, REC-DES-2), and
desk decisions that reach ownership."""

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, cast

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from salesoffice.access import acts_as_on_site, require_site_perm
from salesoffice.models import Site
from salesoffice.roles import Role

from .. import rules
from ..models import Client, CompanyClientMark, OldClientIntroduction, Recognition, SpouseLink, VisitEntry
from ..selectors import client_facts, client_ownership, user_names
from .errors import RegisterError, refuse, refused
from .matching import _client_for_phones, normalise_phones
from .notices import instigation_found_notify
from .summaries import _facts_changed, client_summaries_refresh

if TYPE_CHECKING:
    from reception.models import ChangeRequest, InstigationFinding

# --- facts the project manager records ---------------------------------------------------------------------


def _require_facts(actor: User, site: Site) -> None:
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
    original_salesperson: User,
    recognised_at: dt.datetime,
    actor: User,
    now: dt.datetime,
    note: str = "",
) -> tuple[Recognition, rules.RecognitionVerdict]:
    """REC-NEW-2: record that a client served as new is the original salesperson's; refused when the rules say
    the recognition has no effect (a deal on the spot, after the month, no valid claim)."""
    _require_facts(actor, site)
    refuse(rules.recognition_refusal(recognised_at=recognised_at, same_client=original_client.pk == client.pk, now=now))
    with transaction.atomic():
        Client.objects.select_for_update().filter(pk=client.pk).first()
        facts = client_facts(client=client, site=site, now=now)
        period = rules.recognised_period(
            facts.visits, recognised_at=recognised_at, reassignments=facts.reassignments, now=now, zone=site.zone
        )
        if period is None:
            raise refused(rules.no_registration_to_recognise())
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


def spouse_link(*, site: Site, client: Client, spouse: Client, actor: User, now: dt.datetime) -> SpouseLink:
    """ATT-SPOUSE: the two clients are a couple; their owners serve them jointly."""
    _require_facts(actor, site)
    a = client_ownership(client=client, site=site, now=now)
    b = client_ownership(client=spouse, site=site, now=now)
    refuse(
        rules.spouse_refusal(
            same_client=client.pk == spouse.pk,
            both_held=a.owner_id is not None and b.owner_id is not None,
            already_linked=SpouseLink.objects.filter(
                site=site, client__in=[client, spouse], spouse__in=[client, spouse]
            ).exists(),
        )
    )
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
    actor: User,
    now: dt.datetime,
    designated_salesperson: User | None = None,
) -> CompanyClientMark:
    """ATT-CO-1..5: the company brought the client; refused for a client already registered before that contact."""
    _require_facts(actor, site)
    refuse(rules.contact_refusal(contacted_at=contacted_at, now=now))
    facts = client_facts(client=client, site=site, now=now)
    mark = rules.CompanyFact(0, kind, contacted_at, now, getattr(designated_salesperson, "pk", None))
    refuse(rules.company_mark_refusal(mark, facts.visits, zone=site.zone))
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
    actor: User,
    now: dt.datetime,
) -> Client:
    """ATT-CO-4/5: a client the company arranged a deal for directly, with no reception: the client (found by phone, or
    new) is marked a company client without anyone registering a visit, so the deal can be recorded as it happened."""
    _require_facts(actor, site)
    refuse(rules.arrangement_refusal(kind=kind, arranged_kinds=rules.ARRANGED_KINDS, name=name))
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
    introducer: User,
    mode: str,
    actor: User,
    now: dt.datetime,
    declared_at: dt.datetime | None = None,
    appointment_at: dt.datetime | None = None,
) -> OldClientIntroduction:
    """ATT-REF-OLD a/b/c: how an old client of `introducer` brought this new client."""
    _require_facts(actor, site)
    refuse(
        rules.introduction_refusal(
            declared=mode == OldClientIntroduction.Mode.DECLARED, declared_at=declared_at, now=now
        )
    )
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


def desk_decision_recorded(*, site: Site, reception_ids: Iterable[int], now: dt.datetime, actor: User) -> list[int]:
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


def instigation_record(
    *, change_request: "ChangeRequest", actor: User, reason: str, now: dt.datetime
) -> "InstigationFinding":
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
    refuse(rules.instigation_reason_refusal(reason=reason))
    with transaction.atomic():
        locked = (
            ChangeRequest.objects.select_for_update(of=("self",))
            .select_related("reception", "requested_salesperson")
            .get(pk=change_request.pk)
        )
        switch = None
        if locked.decision == ChangeRequest.Decision.NAMED and locked.requested_salesperson_id:
            switch = rules.SwitchFact(
                at=locked.decided_at,
                # A switch is decided on a reception someone received (REC-DES-2/3): never without its first receiver.
                first_receiver_id=cast(int, locked.reception.owner_id or locked.reception.salesperson_id),
                named_id=locked.requested_salesperson_id,
                returning=locked.reception.kind in (Reception.Kind.RETURNING, Reception.Kind.DUTY),
                instigated=locked.instigated,
            )
        refusal = rules.instigation_finding_refusal(
            switch, already_found=InstigationFinding.objects.filter(change_request=locked).exists(), now=now
        )
        if refusal is not None:  # a timeline step: its sentence, as the client page shows it
            raise RegisterError(str(refusal))
        finding = InstigationFinding.objects.create(
            change_request=locked, reason=reason.strip(), recorded_by=actor, recorded_at=now
        )
        if switch is not None:  # always, once the refusal above let it through
            instigation_found_notify(site=site, finding=finding, switch=switch, now=now)
        switched = Reception.objects.filter(replaces=locked.reception_id).values_list("pk", flat=True)
        client_ids = _clients_of_receptions(site, [locked.reception_id, *switched])
        if client_ids:
            _facts_changed(site=site, client_ids=client_ids, now=now, reason="facts_changed", actor=actor)
    return finding
