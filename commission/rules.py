"""A deal's commission in money, as pure functions of the client's facts and an instant (COM-1..4).

Ownership and percentages come from `attribution.rules.attribute`, the one place they are decided; this module
only chooses *when* to ask it (the deal's instant, or a later recognition that supersedes it, REC-NEW-2c), lays
the ATT-DISP-1 ruling over it, and turns percentages into cents that add up exactly (COM-2).
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any
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
from salesoffice import money
from salesoffice.money import split_amount  # COM-2; callers may also import it from here
from salesoffice.timeutil import add_months, start_of_day

SPLIT = "split"
ON_HOLD = "on_hold"
NO_OWNER = "no_owner"
AWAITING_APPROVAL = "awaiting"  # recorded, its split held until the project manager reviews the register (ATT-REG-1)
CANCELLED = "cancelled"  # COM-5: nothing is owed; what was posted is reversed

# Rules that shape a share (as opposed to the register's plain "first registered wins", ATT-REG-1..3): a split shaped
# by two of them composes (COM-3).
_REGISTER_RULES = frozenset({"ATT-REG-1", "ATT-REG-2", "ATT-REG-3"})


def to_cents(amount: Decimal) -> Decimal:
    """A commission amount to the cent by COM-2's policy (down); kept here for the callers of `rules.to_cents`."""
    return money.to_cents(amount, money.COMMISSION_SHARE)


_STATUS_RULES = {
    ON_HOLD: ("ATT-DISP-1",),
    NO_OWNER: ("ATT-DISP-1",),
    AWAITING_APPROVAL: ("ATT-REG-1",),
    CANCELLED: ("COM-5",),
}


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
        seen: dict[str, None] = dict.fromkeys(_STATUS_RULES.get(self.status, ()))
        for line in self.lines or self.held_lines:
            seen.update(dict.fromkeys(line.rule_ids))
        return tuple(seen)

    def signature(self) -> tuple[str, tuple[tuple[str, int | None, Decimal], ...]]:
        """What a re-split compares: the status and each party's money, in order."""
        return (self.status, tuple((line.kind, line.user_id, line.amount) for line in self.lines))


def deal_split(
    facts: ClientFacts,
    *,
    deal: DealFact,
    commission: Decimal,
    now: dt.datetime,
    zone: ZoneInfo,
    cancelled_at: dt.datetime | None = None,
) -> DealSplit:
    """The deal's shares in money as the facts known at `now` decide them (COM-1..4).

    Decides: COM-1, COM-2, COM-3, COM-4, COM-5, ATT-CHANGE.

    Ownership is taken at the deal's instant (a lapse of the registration afterwards changes nothing, ATT-CHANGE),
    except that a recognition within REC-NEW-2c's month after a later-day deal supersedes it. An opinion under
    ATT-DISP-1 holds the commission until the sales director rules; an approved ruling replaces the split. A split
    that depends on a register entry not reviewed yet is held until the project manager decides (ATT-REG-1); a
    cancelled deal owes nothing (COM-5).
    """
    if commission <= 0:
        raise ValueError("commission must be more than zero")
    if cancelled_at is not None and cancelled_at <= now:
        step = Step(
            cancelled_at,
            ("COM-5",),
            _("The deal was cancelled: nothing is owed on it, and what was posted is reversed."),
        )
        return DealSplit(CANCELLED, (), cancelled_at, (step,))
    # In the order COM-4 reads them: the basis at the deal, then each later finding or recognition that supersedes
    # it, then the disputes' hold, then whether the register still has to approve what it depends on.
    ruled_out = replace(facts, disputes=())
    # A finding about the past (REC-DES-2: the named salesperson instigated the switch) re-splits a deal signed
    # before it was recorded (COM-4): findings known now count at the deal's instant.
    at_deal = _attribute_at(ruled_out, deal=deal, at=deal.signed_at, now=now, zone=zone)
    steps = [*at_deal.steps, *_instigations_found_later(facts, deal=deal, now=now)]
    basis, basis_at, steps = _superseding_recognition(
        ruled_out, deal=deal, basis=at_deal, steps=steps, now=now, zone=zone
    )
    shares, on_hold = attribution_rules.apply_disputes(facts, now, steps, list(basis.shares))
    steps.sort(key=lambda s: s.at)
    lines = _money(shares, commission, steps) if shares else ()
    if on_hold:
        return DealSplit(ON_HOLD, (), basis_at, tuple(steps), held_lines=lines)
    if not any(d.decided_at is not None and d.approved for d in facts.disputes if d.written_at <= now) and (
        _depends_on_pending_entries(ruled_out, deal=deal, zone=zone, basis=at_deal, now=now)
    ):
        return DealSplit(AWAITING_APPROVAL, (), basis_at, (*steps, _awaiting_approval_step(now)))
    if not lines:
        return DealSplit(NO_OWNER, (), basis_at, (*steps, _no_owner_step(now)))
    return DealSplit(SPLIT, lines, basis_at, tuple(steps))


def _awaiting_approval_step(now: dt.datetime) -> Step:
    return Step(
        now,
        ("ATT-REG-1", "ATT-REG-3"),
        _(
            "Awaiting the register's approval: a register entry written before the deal is not reviewed yet, "
            "and the split depends on it. The split is made when the project manager decides."
        ),
        outcome="info",
    )


def _no_owner_step(now: dt.datetime) -> Step:
    return Step(
        now,
        ("ATT-DISP-1",),
        _(
            "No valid owner at the deal's instant: the client goes to the dispute queue; the project manager "
            "writes an opinion and the sales director rules."
        ),
        outcome="info",
    )


def _attribute_at(
    facts: ClientFacts, *, deal: DealFact, at: dt.datetime, now: dt.datetime, zone: ZoneInfo
) -> attribution_rules.Attribution:
    """Who owns the client at `at`, with the findings known at `now`. ATT-CO-4: a deal the company arranged pays the
    salespeople's part to the one named on the deal, who does its after-sales; a deal with a reception pays by the
    register whoever entered it.

    Applies: ATT-CO-4.
    """
    return attribution_rules.attribute(
        _approved_as_known(facts, at),
        now=at,
        zone=zone,
        after_sales_id=deal.salesperson_id,
        findings_until=now,
    )


def _instigations_found_later(facts: ClientFacts, *, deal: DealFact, now: dt.datetime) -> list[Step]:
    """A switch found instigated after the deal was signed supersedes the deal's split (REC-DES-2, COM-4)."""
    steps = []
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
    return steps


def _superseding_recognition(
    ruled_out: ClientFacts,
    *,
    deal: DealFact,
    basis: attribution_rules.Attribution,
    steps: list[Step],
    now: dt.datetime,
    zone: ZoneInfo,
) -> tuple[attribution_rules.Attribution, dt.datetime, list[Step]]:
    """The ownership the split is taken from, its instant and the steps that tell it: the deal's, unless a recognition
    within REC-NEW-2c's month after a later-day deal gives other shares (COM-4); the last such one wins."""
    basis_at = deal.signed_at
    for recognition in sorted(ruled_out.recognitions, key=lambda r: r.recognised_at):
        if not deal.signed_at < recognition.recognised_at <= now:
            continue
        later = _attribute_at(ruled_out, deal=deal, at=recognition.recognised_at, now=now, zone=zone)
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
    return basis, basis_at, steps


def _depends_on_pending_entries(
    facts: ClientFacts, *, deal: DealFact, zone: ZoneInfo, basis: attribution_rules.Attribution, now: dt.datetime
) -> bool:
    """Whether the deal's split waits for the evening approval (ATT-REG-1): some entry written by the deal's instant
    is neither approved nor rejected yet, and approving it would give other shares than the register gives without it
    (an earlier registration wins once approved, ATT-REG-3). A pending revisit by the owner changes nothing, so it holds
    nothing.

    Applies: ATT-REG-1.
    """
    pending = {
        v.entry_id
        for v in facts.visits
        if v.approved_at is None and not v.rejected and v.registered_at <= deal.signed_at
    }
    if not pending:
        return False
    if_approved = replace(
        facts,
        visits=tuple(replace(v, approved_at=deal.signed_at) if v.entry_id in pending else v for v in facts.visits),
    )
    hypothetical = attribution_rules.attribute(
        _approved_as_known(if_approved, deal.signed_at),
        now=deal.signed_at,
        zone=zone,
        after_sales_id=deal.salesperson_id,
        findings_until=now,
    )
    return _percentages(hypothetical.shares) != _percentages(basis.shares)


def _percentages(shares: Sequence[Share]) -> tuple[tuple[str, int | None, Decimal], ...]:
    return tuple((s.kind, s.user_id, s.percent) for s in shares)


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
    """Merge a party named twice (e.g. owner and spouse's owner are one person), then COM-2.

    Applies: COM-2.
    """
    merged: dict[tuple[str, int | None], list[Any]] = {}  # [percent, rule ids]
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
    composed = len(_shaping_rules(r for _pct, rules in merged.values() for r in rules)) > 1
    return tuple(
        ShareLine(kind, user_id, pct, amount, cited(rules, composed=composed), _reason(rules, steps))
        for ((kind, user_id), (pct, rules)), amount in zip(merged.items(), amounts, strict=True)
    )


def _shaping_rules(rule_ids: Iterable[str]) -> set[str]:
    return {r for r in rule_ids if r not in _REGISTER_RULES and not r.startswith("COM-")}


def cited(rule_ids: Sequence[str], *, composed: bool) -> tuple[str, ...]:
    """A share's rules as the statement cites them: the attribution rules that gave it, COM-3 when the split composes
    two of them (a referral and spouses, a company split and a recognition), and COM-2, which turned it into cents."""
    own = tuple(dict.fromkeys(rule_ids))
    extra = ("COM-3",) if composed and "COM-3" not in own else ()
    return (*own, *extra, *(("COM-2",) if "COM-2" not in own else ()))


def _reason(rule_ids: tuple[str, ...], steps: Sequence[Step]) -> Step | None:
    """The latest applied step citing the share's most specific rule (the last it names)."""
    for rule in reversed(rule_ids):
        for step in reversed(steps):
            if step.outcome == "applied" and rule in step.rule_ids:
                return step
    return None


PARTY_KINDS = (SALESPERSON, REFERRER, PUBLIC_POOL)


# --- checks before a deal counts (COM-5) and the order months close in (COM-4) -------------------------------------


def closer_refusal(split: DealSplit, *, salesperson_id: int | None) -> str:
    """Why a deal may not be recorded with this closer, or '' when it may. Only a deal the company arranged directly,
    its after-sales done by other staff (ATT-CO-5), is recorded with no salesperson: nobody pretends to have closed
    it. Every other deal names the salesperson who closed it (COM-1).

    Applies: COM-1, ATT-CO-5.
    """
    if salesperson_id is not None or "ATT-CO-5" in split.rule_ids:
        return ""
    return str(
        _(
            "Choose the salesperson who closed the deal: only a deal the company arranged directly, its after-sales "
            "done by other staff, has none (COM-1, ATT-CO-5)."
        )
    )


MAX_COMMISSION = Decimal("9999999999.99")
MAX_PRICE = Decimal("999999999999.99")


def deal_amount_problems(
    *, price: Decimal | None, commission: Decimal | None, max_commission_percent: Decimal
) -> dict[str, list[str]]:
    """COM-5: the price above zero, the commission above zero in whole cents and at most the site's largest share of
    the price. Returns the problems by form field (empty when the amounts may be recorded).

    Applies: COM-5.
    """
    problems: dict[str, list[str]] = {}
    if price is None or price <= 0:
        problems["price"] = [str(_("The price must be more than zero (COM-5)."))]
    elif price > MAX_PRICE or price != to_cents(price):
        problems["price"] = [str(_("Enter the price in yuan with at most two decimal places (COM-5)."))]
    if commission is None or commission <= 0:
        problems["commission"] = [str(_("The commission must be more than zero (COM-1, COM-5)."))]
    elif commission > MAX_COMMISSION or commission != to_cents(commission):
        problems["commission"] = [str(_("Enter the commission in yuan with at most two decimal places (COM-5)."))]
    elif price is not None and "price" not in problems and commission * 100 > price * max_commission_percent:
        problems["commission"] = [
            str(
                _(
                    "The commission is %(share)s%% of the price, more than this site's largest share of "
                    "%(limit)s%%: check the amounts (COM-5)."
                )
            )
            % {"share": f"{to_cents(commission * 100 / price)}", "limit": f"{max_commission_percent.normalize():f}"}
        ]
    return problems


@dataclass(frozen=True)
class MonthCloseDecision:
    allowed: bool
    rule_ids: tuple[str, ...]
    message: str


def month_close_decision(
    *, month: dt.date, now: dt.datetime, zone: ZoneInfo, closed: Sequence[dt.date], first_month: dt.date | None
) -> MonthCloseDecision:
    """COM-4: a month closes once it has ended, once, and only when every month before it (from the first month with
    anything in the statements) is closed.

    Applies: COM-4.
    """
    month = month.replace(day=1)
    if month in closed:
        return MonthCloseDecision(
            False, ("COM-4",), str(_("This month is already closed; it cannot be changed (COM-4)."))
        )
    if now < start_of_day(add_months(month, 1), zone):
        return MonthCloseDecision(False, ("COM-4",), str(_("A month can be closed only after it has ended (COM-4).")))
    earlier = first_month.replace(day=1) if first_month is not None else month
    while earlier < month:
        if earlier not in closed:
            return MonthCloseDecision(
                False,
                ("COM-4",),
                str(_("Close %(earlier)s first: months close in order (COM-4).") % {"earlier": f"{earlier:%Y-%m}"}),
            )
        earlier = add_months(earlier, 1)
    return MonthCloseDecision(True, ("COM-4",), str(_("The month may be closed (COM-4).")))


# --- what recording, confirming, cancelling and correcting a deal need (COM-1, COM-5, ATT-CHANGE) ----------------


def owner_refusal(split: DealSplit) -> str:
    """A deal is recorded on a split the rules can make: when no one validly owns the client at the deal's instant,
    the client goes to the dispute queue first. '' when there is an owner.

    Applies: COM-1, ATT-DISP-1.
    """
    if split.status != NO_OWNER:
        return ""
    return str(
        _(
            "No one validly owns this client at the deal's instant, so the commission cannot be split by the "
            "rules. The client is in the dispute queue: the project manager writes an opinion and the sales "
            "director rules; then record the deal (ATT-DISP-1)."
        )
    )


def confirm_refusal(*, own_deal: bool, cancelled: bool, confirmed: bool) -> str:
    """The project manager confirms a deal once, not one they closed or recorded, and not a cancelled one; ''
    when they may.

    Applies: COM-5.
    """
    if own_deal:
        return str(_("Nobody confirms a deal they closed or recorded themselves (COM-5)."))
    if cancelled:
        return str(_("This deal was cancelled; there is nothing to confirm (COM-5)."))
    if confirmed:
        return str(_("This deal is already confirmed (COM-5)."))
    return ""


def change_reason_refusal(reason: str) -> str:
    """A cancellation or correction says why; the reason is kept with the deal. '' when it does.

    Applies: COM-5.
    """
    return "" if reason.strip() else str(_("Say why (COM-5): the reason is kept with the deal."))


def cancel_refusal(*, cancelled: bool) -> str:
    """A deal is cancelled once.

    Applies: COM-5.
    """
    return str(_("This deal is already cancelled.")) if cancelled else ""


def correction_problems(
    *,
    price: Decimal,
    commission: Decimal,
    max_commission_percent: Decimal,
    price_before: Decimal,
    commission_before: Decimal,
) -> dict[str, list[str]]:
    """A correction gives valid amounts (COM-5) that differ from the deal's; per form field, empty when it may.

    Applies: COM-5.
    """
    errors = deal_amount_problems(price=price, commission=commission, max_commission_percent=max_commission_percent)
    if not errors and price == price_before and commission == commission_before:
        errors = {"commission": [str(_("Nothing changed: give the corrected price or commission."))]}
    return errors


def correction_refusal(*, cancelled: bool) -> str:
    """A cancelled deal's amounts are no longer corrected.

    Applies: COM-5.
    """
    return str(_("This deal was cancelled; its amounts are no longer corrected (COM-5).")) if cancelled else ""
