"""A deal's commission in money, as pure functions of the client's facts and an instant (COM-1..4).

Ownership and percentages come from `attribution.rules.attribute`, the one place they are decided; this module
only chooses *when* to ask it (the deal's instant, or a later recognition that supersedes it, REC-NEW-2c), lays
the ATT-DISP-1 ruling over it, and turns percentages into cents that add up exactly (COM-2).
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_DOWN, Decimal
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy as _

from attribution import rules as attribution_rules
from attribution.rules import (
    PUBLIC_POOL,
    REFERRER,
    SALESPERSON,
    ClientFacts,
    DealFact,
    RegisteredVisit,
    Share,
    Step,
)

CENT = Decimal("0.01")

SPLIT = "split"
ON_HOLD = "on_hold"
NO_OWNER = "no_owner"
AWAITING_APPROVAL = "awaiting_approval"  # never recorded: the deal waits for the register (ATT-REG-1)


def to_cents(amount: Decimal) -> Decimal:
    """The one place money is quantised: yuan with two places, never rounded up."""
    return amount.quantize(CENT, rounding=ROUND_DOWN)


def split_amount(amount: Decimal, percents: Sequence[Decimal]) -> list[Decimal]:
    """COM-2: each share rounded down to the cent, the cents left over one at a time to the largest discarded
    fractions, ties to the share named first. The result always adds up to `amount` exactly."""
    if amount != to_cents(amount):
        raise ValueError("amount must be in whole cents")
    total = sum(percents, Decimal(0))
    if not percents or total <= 0 or any(p < 0 for p in percents):
        raise ValueError("percents must be non-negative and add up to more than zero")
    cents = int(amount / CENT)
    exact = [Decimal(cents) * p / total for p in percents]
    floors = [int(e) for e in exact]  # exact >= 0, so int() rounds down
    leftover = cents - sum(floors)
    # Largest remainder first; `index` keeps the rule's order among equal remainders.
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
    for index in order[:leftover]:
        floors[index] += 1
    return [Decimal(c) * CENT for c in floors]


@dataclass(frozen=True)
class ShareLine:
    """One party's money: a salesperson, a referrer, or the public pool (user_id None)."""

    kind: str
    user_id: int | None
    percent: Decimal
    amount: Decimal
    rule_ids: tuple[str, ...]
    reason: Step | None  # the timeline step that gave this party its share

    @property
    def party(self) -> tuple[str, int | None]:
        return (self.kind, self.user_id)


@dataclass(frozen=True)
class DealSplit:
    status: str  # SPLIT, ON_HOLD or NO_OWNER
    lines: tuple[ShareLine, ...]
    basis_at: dt.datetime  # the instant ownership was taken at: the deal's, or a later recognition's
    steps: tuple[Step, ...]
    held_lines: tuple[ShareLine, ...] = ()  # ON_HOLD: what the rules would give, shown but not paid

    @property
    def rule_ids(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for line in self.lines or self.held_lines:
            seen.update(dict.fromkeys(line.rule_ids))
        return tuple(seen)

    def signature(self) -> tuple:
        """What a re-split compares: the status and each party's money, in order."""
        return (self.status, tuple((line.kind, line.user_id, line.amount) for line in self.lines))


def deal_split(
    facts: ClientFacts, *, deal: DealFact, commission: Decimal, now: dt.datetime, zone: ZoneInfo
) -> DealSplit:
    """The deal's shares in money as the facts known at `now` decide them (COM-1..4).

    Ownership is taken at the deal's instant (a lapse of the registration afterwards changes nothing, ATT-CHANGE),
    except that a recognition within REC-NEW-2c's month after a later-day deal supersedes it. An opinion under
    ATT-DISP-1 holds the commission until the sales director rules; an approved ruling replaces the split.
    """
    if commission <= 0:
        raise ValueError("commission must be more than zero")
    ruled_out = replace(facts, disputes=())
    basis_at = deal.signed_at
    # A finding about the past (REC-DES-2: the named salesperson instigated the switch) re-splits a deal signed
    # before it was recorded (COM-4): findings known now count at the deal's instant.
    basis = attribution_rules.attribute(
        _approved_as_known(ruled_out, basis_at), now=basis_at, zone=zone, findings_until=now
    )
    steps = list(basis.steps)
    for switch in facts.switches:
        found_at = switch.instigated_at
        if not switch.instigated and found_at is not None and switch.at <= deal.signed_at < found_at <= now:
            steps.append(
                Step(
                    found_at,
                    ("REC-DES-2", "COM-4"),
                    _("The instigation was found after the deal: the deal's split is superseded."),
                )
            )
    for recognition in sorted(facts.recognitions, key=lambda r: r.recognised_at):
        if not deal.signed_at < recognition.recognised_at <= now:
            continue
        later = attribution_rules.attribute(
            _approved_as_known(ruled_out, recognition.recognised_at),
            now=recognition.recognised_at,
            zone=zone,
            findings_until=now,
        )
        applied = [s for s in later.steps if s.at == recognition.recognised_at and "REC-NEW-2c" in s.rule_ids]
        if applied and later.shares != basis.shares:
            basis, basis_at = later, recognition.recognised_at
            steps = [
                *later.steps,
                Step(
                    recognition.recognised_at,
                    ("REC-NEW-2c", "COM-4"),
                    _("The recognition came after the deal but within the month: the deal's split is superseded."),
                ),
            ]
    shares, on_hold = attribution_rules.apply_disputes(facts, now, steps, list(basis.shares))
    steps.sort(key=lambda s: s.at)
    lines = _money(shares, commission, steps) if shares else ()
    if on_hold:
        return DealSplit(ON_HOLD, (), basis_at, tuple(steps), held_lines=lines)
    if not lines and any(
        v.approved_at is None and not v.rejected and v.registered_at <= deal.signed_at for v in facts.visits
    ):
        steps.append(
            Step(
                now,
                ("ATT-REG-1",),
                _("The client's register entry awaits the project manager's approval: record the deal once approved."),
                outcome="info",
            )
        )
        return DealSplit(AWAITING_APPROVAL, (), basis_at, tuple(steps))
    if not lines:
        steps.append(
            Step(
                now,
                ("ATT-DISP-1",),
                _(
                    "No valid owner at the deal's instant: the client goes to the dispute queue; the project manager "
                    "writes an opinion and the sales director rules."
                ),
                outcome="info",
            )
        )
        return DealSplit(NO_OWNER, (), basis_at, tuple(steps))
    return DealSplit(SPLIT, lines, basis_at, tuple(steps))


def _approved_as_known(facts: ClientFacts, instant: dt.datetime) -> ClientFacts:
    """The register at `instant` with the approvals known now. The project manager approves the day's entries in
    the evening (ATT-REG-1) and registrations rank by when they were written, not approved (ATT-REG-3), so an entry
    written before the deal and approved since counts at the deal: a client who signs on the day of the first
    visit (REC-NEW-2b) has an owner."""

    def known(visits: tuple[RegisteredVisit, ...]) -> tuple[RegisteredVisit, ...]:
        return tuple(
            replace(v, approved_at=instant)
            if v.approved_at is not None and v.approved_at > instant and v.registered_at <= instant
            else v
            for v in visits
        )

    return replace(
        facts,
        visits=known(facts.visits),
        recognitions=tuple(replace(r, original_visits=known(r.original_visits)) for r in facts.recognitions),
        spouses=tuple(replace(sp, spouse_visits=known(sp.spouse_visits)) for sp in facts.spouses),
    )


def _money(shares: Sequence[Share], commission: Decimal, steps: Sequence[Step]) -> tuple[ShareLine, ...]:
    """Merge a party named twice (e.g. owner and spouse's owner are one person), then COM-2."""
    merged: dict[tuple[str, int | None], list] = {}
    for share in shares:
        if share.percent <= 0:
            continue
        key = (share.kind, share.user_id)
        if key in merged:
            merged[key][0] += share.percent
            merged[key][1] = (*merged[key][1], *(r for r in share.rule_ids if r not in merged[key][1]))
        else:
            merged[key] = [share.percent, tuple(share.rule_ids)]
    if not merged:
        return ()
    amounts = split_amount(commission, [pct for pct, _rules in merged.values()])
    return tuple(
        ShareLine(kind, user_id, pct, amount, rules, _reason(rules, steps))
        for ((kind, user_id), (pct, rules)), amount in zip(merged.items(), amounts, strict=True)
    )


def _reason(rule_ids: tuple[str, ...], steps: Sequence[Step]) -> Step | None:
    """The latest applied step citing the share's most specific rule (the last it names)."""
    for rule in reversed(rule_ids):
        for step in reversed(steps):
            if step.outcome == "applied" and rule in step.rule_ids:
                return step
    return None


PARTY_KINDS = (SALESPERSON, REFERRER, PUBLIC_POOL)
