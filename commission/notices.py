"""Who the commission tells (issue 19): the project managers of a salesperson's deal awaiting confirmation (COM-5) and
of a deal without a valid owner (the dispute queue, ATT-DISP-1), every person whose share or commission a new split
changed, with the clause, and a reminder of a confirmation still waiting after NOTIFY_REMINDER_AFTER. Each once per
occasion (the notification's key); states are read from timestamps, never kept by the notifier."""

import datetime as dt
from decimal import Decimal

from django.urls import reverse

from salesoffice.languages import in_each_language
from salesoffice.models import display_name
from salesoffice.notifications import notify, notify_each, reminder_threshold, site_staff_ids
from salesoffice.roles import Role

from .models import Deal, Split, SplitShare, SplitStatus

# The clause a re-split cites, by what made it; a change of the client's facts cites the person's own new share.
REASON_RULE = {
    Split.Reason.RECOGNITION: "REC-NEW-2c",
    Split.Reason.DISPUTE_OPINION: "ATT-DISP-1",
    Split.Reason.DISPUTE_RULING: "ATT-DISP-1",
    Split.Reason.REGISTER_REVIEW: "ATT-REG-1",
    Split.Reason.CORRECTED: "COM-5",
    Split.Reason.CANCELLED: "COM-5",
}
# Rules every split cites (the cents, the composition): no clause of their own for a person.
_ARITHMETIC = {"COM-2", "COM-3"}


def _deal_fields(deal: Deal, kind: str, rule_id: str) -> dict:
    return {
        "kind": kind,
        "rule_id": rule_id,
        "site": deal.site,
        "params": {
            "contract": deal.contract_no,
            "unit": deal.unit,
            "name": display_name(deal.salesperson),
            "site": deal.site.name,
        },
        "link": reverse("commission:deal", kwargs={"site": deal.site.code, "deal_id": deal.pk}),
    }


def deal_awaits_confirmation_notify(*, deal: Deal, now: dt.datetime) -> int:
    """Tell the site's project managers that a salesperson's deal awaits their confirmation (COM-5)."""
    if deal.is_confirmed or deal.is_cancelled:
        return 0
    return notify_each(
        site_staff_ids(deal.site_id, Role.PROJECT_MANAGER),
        key=f"com-confirm:{deal.pk}",
        now=now,
        **_deal_fields(deal, "com_confirm", "COM-5"),
    )


def split_changed_notify(*, deal: Deal, split: Split, before: Split | None, now: dt.datetime) -> int:
    """Tell each person whose share of the deal a new split changed (their amount, their percent, or whether it is
    paid or held), with the clause that changed it; and the project managers when no one validly owns the client any
    more (ATT-DISP-1: they write the opinion). A deal's first split is not a change: nobody is told."""
    made = 0
    if split.status == SplitStatus.NO_OWNER:
        made += notify_each(
            site_staff_ids(deal.site_id, Role.PROJECT_MANAGER),
            key=f"com-no-owner:{split.pk}",
            now=now,
            **_deal_fields(deal, "com_no_owner", "ATT-DISP-1"),
        )
    if before is None:
        return made
    shares = list(split.shares.all())
    old, new = _shares_by_person(before.shares.all()), _shares_by_person(shares)
    for user_id in sorted(old.keys() | new.keys()):
        was, now_has = old.get(user_id), new.get(user_id)
        if was == now_has and before.status == split.status:
            continue
        share = next((s for s in shares if s.user_id == user_id), None)
        fields = _deal_fields(deal, "com_share_changed", _clause_rule(split, share))
        fields["params"] |= {
            "before": _amount(before, was),
            "after": _amount(split, now_has),
            "clause": _clause(split, share),
        }
        made += notify(recipient_id=user_id, key=f"com-share:{split.pk}:{user_id}", now=now, **fields)
    return made


def _shares_by_person(shares) -> dict[int, tuple[Decimal, Decimal]]:
    people: dict[int, tuple[Decimal, Decimal]] = {}
    for share in shares:
        if share.user_id is not None:
            percent, amount = people.get(share.user_id, (Decimal(0), Decimal(0)))
            people[share.user_id] = (percent + share.percent, amount + share.amount)
    return people


def _amount(split: Split, share: tuple[Decimal, Decimal] | None) -> str:
    """What a person is given by a split, as the notification shows it: nothing when the split pays no one."""
    if share is None or split.status in (SplitStatus.CANCELLED, SplitStatus.NO_OWNER):
        return "0.00"
    return f"{share[1]:.2f}"


def _clause_rule(split: Split, share: SplitShare | None) -> str:
    if split.reason in REASON_RULE:
        return REASON_RULE[Split.Reason(split.reason)]
    own = [rule for rule in (share.rule_ids if share else []) if rule not in _ARITHMETIC]
    return own[-1] if own else "COM-4"


def _clause(split: Split, share: SplitShare | None) -> dict[str, str]:
    """The decision's sentence in each language: the person's share as the rules explain it, else the split's last
    step (what made the deal held, ownerless or cancelled)."""
    reasons = share.reason if share is not None else {}
    label = in_each_language(lambda: str(Split.Reason(split.reason).label))
    steps = split.explanation or {}
    return {code: f"{label[code]}. {reasons.get(code) or (steps.get(code) or [''])[-1]}".strip() for code in label}


def confirmations_remind(*, now: dt.datetime) -> int:
    """Remind the project managers of salespeople's deals still unconfirmed NOTIFY_REMINDER_AFTER after they were
    recorded (COM-5); once per deal."""
    waiting = Deal.objects.filter(
        confirmed_at__isnull=True, cancelled_at__isnull=True, recorded_at__lte=reminder_threshold(now)
    ).select_related("site", "salesperson")
    made = 0
    for deal in waiting:
        made += notify_each(
            site_staff_ids(deal.site_id, Role.PROJECT_MANAGER),
            key=f"com-confirm-remind:{deal.pk}",
            now=now,
            **_deal_fields(deal, "com_confirm_remind", "COM-5"),
        )
    return made
