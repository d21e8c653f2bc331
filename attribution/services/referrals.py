"""Employee referrals (ATT-EMP-1..5)."""

import datetime as dt

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from salesoffice.access import is_site_project_manager, require_site_perm
from salesoffice.models import Site
from salesoffice.notifications import notify

from .. import rules
from ..models import Referral, VisitEntry
from ..selectors import client_facts
from .errors import refuse
from .matching import _client_for_phones, normalise_phones
from .summaries import _facts_changed, client_summaries_refresh

# --- employee referrals (ATT-EMP-1..5) ---------------------------------------------------------------------


def referral_register(
    *,
    site: Site,
    actor: User,
    name: str,
    phone: str,
    appointment_date: dt.date,
    now: dt.datetime,
    note: str = "",
) -> Referral:
    """ATT-EMP-1: an employee registers a referral before the client's first visit."""
    if not actor.has_perm("attribution.register_referral"):
        raise PermissionDenied(_("You may not register referrals."))
    refuse(
        rules.referral_refusal(
            sales_office=site.kind == Site.Kind.SALES_OFFICE,
            appointment_date=appointment_date,
            now=now,
            zone=site.zone,
            name=name,
        )
    )
    cleaned = normalise_phones([phone], field_name="phone")
    with transaction.atomic():
        client, _created = _client_for_phones(cleaned, name=name, id_number="", now=now)
        visited = VisitEntry.objects.filter(client=client, site=site).exists()
        refuse(
            rules.referral_client_refusal(
                visited=visited,
                open_referral=not visited
                and any(
                    rules.referral_status(_referral_fact(r), (), now=now, zone=site.zone).status
                    == rules.REFERRAL_PENDING
                    for r in Referral.objects.filter(site=site, client=client)
                ),
            )
        )
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


def referral_confirm(*, referral: Referral, actor: User, now: dt.datetime) -> Referral:
    """ATT-EMP-3: the project manager checks the form and signs, on the appointment day."""
    site = referral.site
    require_site_perm(
        actor, site, "attribution.approve_register", _("Only the project manager confirms referrals (ATT-EMP-3).")
    )
    refuse(
        rules.referral_confirmer_refusal(
            is_site_project_manager=is_site_project_manager(actor, site), own_referral=actor.pk == referral.referrer_id
        )
    )
    with transaction.atomic():
        referral = Referral.objects.select_for_update().get(pk=referral.pk)
        refuse(
            rules.referral_confirm_refusal(
                confirmed=referral.confirmed_at is not None,
                appointment_date=referral.appointment_date,
                state=referral_state(referral, now=now),
                now=now,
                zone=site.zone,
            )
        )
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
