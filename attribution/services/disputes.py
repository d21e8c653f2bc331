"""Disputes (ATT-DISP-1): the project manager opinion and the sales director ruling."""

import datetime as dt
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from salesoffice.access import require_site_perm
from salesoffice.models import Site

from .. import rules
from ..models import Client, DisputeOpinion, DisputeShare
from .errors import RegisterError, refuse
from .notices import opinion_ruled_notify, opinion_written_notify
from .summaries import _facts_changed

# --- disputes (ATT-DISP-1) ---------------------------------------------------------------------------------


def dispute_open(
    *,
    site: Site,
    client: Client,
    actor: User,
    reasoning: str,
    shares: list[tuple[User | None, Decimal]],
    now: dt.datetime,
) -> DisputeOpinion:
    """The project manager's opinion, weighing each party; the commission is held until the director rules."""
    require_site_perm(
        actor,
        site,
        "attribution.write_dispute_opinion",
        _("Only the project manager writes dispute opinions (ATT-DISP-1)."),
    )
    refuse(rules.opinion_refusal(reasoning=reasoning, percents=[pct for _who, pct in shares]))
    try:
        with transaction.atomic():
            opinion = DisputeOpinion.objects.create(
                site=site, client=client, reasoning=reasoning.strip(), written_by=actor, written_at=now
            )
            DisputeShare.objects.bulk_create(
                [DisputeShare(opinion=opinion, salesperson=who, percent=pct) for who, pct in shares]
            )
            _facts_changed(site=site, client_ids=[client.pk], now=now, reason="dispute_opinion", actor=actor)
            opinion_written_notify(opinion=opinion, now=now)
    except IntegrityError as exc:
        raise RegisterError(_("This client already has an opinion awaiting the sales director.")) from exc
    return opinion


def dispute_decide(
    *, opinion: DisputeOpinion, actor: User, approve: bool, now: dt.datetime, note: str = ""
) -> DisputeOpinion:
    """The sales director approves or rejects the opinion (ATT-DISP-1)."""
    require_site_perm(
        actor, opinion.site, "attribution.rule_dispute", _("Only the sales director rules on disputes (ATT-DISP-1).")
    )
    with transaction.atomic():
        opinion = DisputeOpinion.objects.select_for_update().get(pk=opinion.pk)
        refuse(rules.ruling_refusal(author=actor.pk == opinion.written_by_id, decided=opinion.decided_at is not None))
        opinion.approved = approve
        opinion.decided_by = actor
        opinion.decided_at = now
        opinion.decision_note = note.strip()
        opinion.save(update_fields=["approved", "decided_by", "decided_at", "decision_note"])
        _facts_changed(site=opinion.site, client_ids=[opinion.client_id], now=now, reason="dispute_ruling", actor=actor)
        opinion_ruled_notify(opinion=opinion, now=now)
    return opinion
