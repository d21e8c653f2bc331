"""Who the register tells, and when (issue 19): the project managers of visits awaiting their approval (ATT-REG-1),
the sales directors of opinions awaiting their ruling (ATT-DISP-1), the parties of a ruling; and a reminder once
NOTIFY_REMINDER_AFTER has passed with the approval still waiting. Each notification is keyed by its occasion, so a
retry or a second run tells each person once; the states are read from timestamps, never kept by the notifier."""

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db.models import Min
from django.urls import reverse
from django.utils.translation import gettext

from salesoffice.models import Site, display_name
from salesoffice.notifications import clause_params, notify_each, reminder_threshold, site_staff_ids
from salesoffice.roles import Role
from salesoffice.timeutil import local_day

from .. import rules
from ..models import DisputeOpinion, DisputeShare, PendingReview, VisitEntry

if TYPE_CHECKING:  # the desk's finding, read here only through the instance the caller made
    from reception.models import InstigationFinding


def visits_awaiting_notify(*, entry: VisitEntry, now: dt.datetime) -> int:
    """Tell the site's project managers that the day's register awaits their approval: once per site and day, however
    many visits are registered (ATT-REG-1); the reminder tells them again if it still waits (approvals_remind)."""
    site = entry.site
    day = local_day(entry.registered_at, site.zone)
    return notify_each(
        site_staff_ids(site.pk, Role.PROJECT_MANAGER),
        key=f"att-reg-pending:{site.pk}:{day.isoformat()}",
        kind="att_reg_pending",
        rule_id="ATT-REG-1",
        site=site,
        now=now,
        params={"site": site.name, "day": day.isoformat()},
        link=reverse("attribution:approvals", kwargs={"site": site.code}),
    )


def opinion_written_notify(*, opinion: DisputeOpinion, now: dt.datetime) -> int:
    """Tell the site's sales directors that an opinion awaits their ruling (ATT-DISP-1)."""
    return notify_each(
        site_staff_ids(opinion.site_id, Role.SALES_DIRECTOR),
        key=f"att-disp-ruling:{opinion.pk}",
        now=now,
        **_opinion_fields(opinion, kind="att_disp_ruling"),
    )


def opinion_ruled_notify(*, opinion: DisputeOpinion, now: dt.datetime) -> int:
    """Tell the opinion's author and every party it weighs how the sales director ruled, with the ruling's note
    (ATT-DISP-1): their ownership and commission follow the ruling."""
    parties = DisputeShare.objects.filter(opinion=opinion, salesperson__isnull=False).values_list(
        "salesperson_id", flat=True
    )
    approved = bool(opinion.approved)
    note = opinion.decision_note
    fields = _opinion_fields(opinion, kind="att_disp_ruled")
    fields["params"] |= {"approved": approved} | clause_params("ATT-DISP-1", lambda: _ruling_sentence(approved, note))
    return notify_each([opinion.written_by_id, *parties], key=f"att-disp-ruled:{opinion.pk}", now=now, **fields)


def _ruling_sentence(approved: bool, note: str) -> str:
    if approved:
        sentence = gettext("The sales director approved the opinion; ownership and commission follow it.")
    else:
        sentence = gettext("The sales director rejected the opinion; the split the rules give stands.")
    return f"{sentence} {note}".strip()


def instigation_found_notify(
    *, site: Site, finding: "InstigationFinding", switch: rules.SwitchFact, now: dt.datetime
) -> int:
    """Tell the first receiver and the named salesperson of a switch that the sales manager found it instigated: the
    client's share goes wholly to the first receiver (REC-DES-2), with the finding's reason."""
    reason = finding.reason
    return notify_each(
        [switch.first_receiver_id, switch.named_id],
        key=f"rec-des-2-finding:{finding.pk}",
        kind="att_instigation_found",
        rule_id="REC-DES-2",
        site=site,
        now=now,
        params={"name": display_name(finding.change_request.requested_salesperson), "site": site.name}
        | clause_params("REC-DES-2", lambda: _instigation_sentence(reason)),
        link=reverse("attribution:clients", kwargs={"site": site.code}),
    )


def _instigation_sentence(reason: str) -> str:
    sentence = gettext(
        "The named salesperson instigated the switch: on a deal, 100%% goes to the first receiver (%(reason)s)."
    )
    return sentence % {"reason": reason}


def _opinion_fields(opinion: DisputeOpinion, *, kind: str) -> dict[str, Any]:
    site: Site = opinion.site
    return {
        "kind": kind,
        "rule_id": "ATT-DISP-1",
        "site": site,
        "params": {"client": opinion.client.name, "author": display_name(opinion.written_by), "site": site.name},
        "link": reverse("attribution:dispute", kwargs={"site": site.code, "opinion_id": opinion.pk}),
    }


def approvals_remind(*, now: dt.datetime) -> int:
    """Remind the approvers of what still waits NOTIFY_REMINDER_AFTER after it was submitted: a day's register
    (ATT-REG-1, by its earliest waiting visit) and an opinion awaiting a ruling (ATT-DISP-1). Once per occasion."""
    threshold = reminder_threshold(now)
    made = 0
    waiting_days = (
        PendingReview.objects.filter(registered_at__lte=threshold)
        .values("site_id")
        .annotate(first=Min("registered_at"))
        .order_by("site_id")
    )
    sites = Site.objects.in_bulk([row["site_id"] for row in waiting_days])
    for row in waiting_days:
        site = sites[row["site_id"]]
        day = local_day(row["first"], site.zone)
        made += notify_each(
            site_staff_ids(site.pk, Role.PROJECT_MANAGER),
            key=f"att-reg-remind:{site.pk}:{day.isoformat()}",
            kind="att_reg_remind",
            rule_id="ATT-REG-1",
            site=site,
            now=now,
            params={"site": site.name, "day": day.isoformat()},
            link=reverse("attribution:approvals", kwargs={"site": site.code}),
        )
    opinions = DisputeOpinion.objects.filter(decided_at__isnull=True, written_at__lte=threshold).select_related(
        "site", "client", "written_by"
    )
    for opinion in opinions:
        made += notify_each(
            site_staff_ids(opinion.site_id, Role.SALES_DIRECTOR),
            key=f"att-disp-remind:{opinion.pk}",
            now=now,
            **_opinion_fields(opinion, kind="att_disp_remind"),
        )
    return made
