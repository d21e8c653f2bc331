"""Follow-ups (ATT-FU-1/2)."""

import datetime as dt

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from salesoffice.access import require_site_perm
from salesoffice.models import Site

from .. import rules
from ..models import Client, FollowUp
from ..selectors import client_attribution
from .errors import refuse

# --- follow-ups (ATT-FU-1/2) -------------------------------------------------------------------------------


def follow_up_plan(
    *,
    site: Site,
    client: Client,
    actor: User,
    planned_for: dt.datetime,
    now: dt.datetime,
    kind: str = FollowUp.Kind.CALL,
    plan: str = "",
    grade: str = "",
) -> FollowUp:
    """ATT-FU-1: the salesperson plans a contact with a client they serve (and may regrade the client)."""
    require_site_perm(actor, site, "attribution.register_visit", _("You may not plan follow-ups on this site."))
    attribution = client_attribution(client=client, site=site, now=now)
    refuse(
        rules.follow_up_plan_refusal(
            serves_client=actor.pk in (attribution.follow_up_id, *attribution.salesperson_ids),
            reviews_follow_ups=actor.has_perm("attribution.review_follow_ups"),
        )
    )
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


def follow_up_done(*, follow_up: FollowUp, actor: User, outcome: str, now: dt.datetime) -> FollowUp:
    """ATT-FU-1: record what the contact brought."""
    with transaction.atomic():
        follow_up = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
        refuse(
            rules.follow_up_done_refusal(
                planner=actor.pk == follow_up.salesperson_id,
                reviews_follow_ups=actor.has_perm("attribution.review_follow_ups"),
                outcome=outcome,
                done=follow_up.done_at is not None,
            )
        )
        follow_up.done_at = now
        follow_up.outcome = outcome.strip()
        follow_up.save(update_fields=["done_at", "outcome"])
    return follow_up
