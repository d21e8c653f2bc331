"""State changes of deals and the commission ledger. Each takes `now`, checks the actor's role on the site, asks
`commission.rules` for the split, and records permanent facts only (COM-4: splits and ledger entries are never
edited; a change is a new split and a posting of the difference)."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, replace
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from attribution import rules as attribution_rules
from attribution.models import Client
from attribution.selectors import client_facts
from salesoffice.access import is_site_project_manager, require_site_perm, user_has_role_on_site
from salesoffice.languages import in_each_language
from salesoffice.models import Site, display_name
from salesoffice.money import summed
from salesoffice.roles import Role
from salesoffice.timeutil import add_months, local_day

from . import rules
from .models import (
    CommissionSettings,
    Deal,
    DealChange,
    DealCorrection,
    LedgerEntry,
    Split,
    SplitShare,
    SplitStatus,
    StatementMonth,
)
from .notices import deal_awaits_confirmation_notify, split_changed_notify
from .selectors import commission_settings, company_zone


class CommissionError(ValidationError):
    """A deal or ledger action the rules refuse; the message says why and which clause. A dict message names the
    form field it belongs next to."""


@dataclass(frozen=True)
class DealInput:
    site: Site
    client: Client
    salesperson: User | None  # None: the company arranged it and no salesperson took part (ATT-CO-5)
    contract_no: str
    unit: str
    buyer_names: str
    signed_at: dt.datetime
    price: Decimal
    commission: Decimal
    after_sales_by: User | None = None  # ATT-CO-5: the employee doing the after-sales


# --- the split -----------------------------------------------------------------------------------------------


def deal_preview(*, data: DealInput, now: dt.datetime, settings: CommissionSettings | None = None) -> rules.DealSplit:
    """The split a deal would get if recorded now, without recording anything (the form's live preview). `settings`:
    the site's, when the caller has read them already."""
    _validate(data, now, settings or commission_settings(data.site))
    facts = client_facts(client=data.client, site=data.site, now=now)
    # The deal being recorded counts among the client's deals: a deal on the spot rules out a later recognition
    # (REC-NEW-2b).
    closer_id = data.salesperson.pk if data.salesperson is not None else None
    this_deal = attribution_rules.DealFact(id=0, salesperson_id=closer_id, signed_at=data.signed_at)
    names = dict(facts.names)
    if data.salesperson is not None:
        names[data.salesperson.pk] = display_name(data.salesperson)
    facts = replace(facts, deals=(*facts.deals, this_deal), names=names)
    return rules.deal_split(facts, deal=this_deal, commission=data.commission, now=now, zone=data.site.zone)


def deal_current_split(*, deal: Deal, now: dt.datetime) -> rules.DealSplit:
    """The split the facts known at `now` give this deal (what a re-split would record)."""
    facts = client_facts(client=deal.client, site=deal.site, now=now)
    fact = attribution_rules.DealFact(id=deal.pk, salesperson_id=deal.salesperson_id, signed_at=deal.signed_at)
    return rules.deal_split(
        facts, deal=fact, commission=deal.commission, now=now, zone=deal.site.zone, cancelled_at=deal.cancelled_at
    )


def _validate(data: DealInput, now: dt.datetime, settings: CommissionSettings) -> None:
    errors = rules.deal_amount_problems(
        price=data.price, commission=data.commission, max_commission_percent=settings.max_commission_percent
    )
    if not data.contract_no.strip():
        errors["contract_no"] = [_("Enter the contract number.")]
    if not data.unit.strip():
        errors["unit"] = [_("Enter the unit sold.")]
    if data.signed_at > now:
        errors["signed_at"] = [_("A deal cannot be signed in the future.")]
    if errors:
        raise CommissionError(errors)


# --- recording deals (COM-1) ---------------------------------------------------------------------------------


def deal_record(*, data: DealInput, actor: User, now: dt.datetime) -> tuple[Deal, Split]:
    """Record a deal and its first split, when it happens: a split that waits for the evening's register approval is
    held and made when the project manager decides (ATT-REG-1). Refused when no one validly owns the client: that is a
    case for the dispute queue (ATT-DISP-1), not a guess. A salesperson's own deal counts once the project manager
    confirms it, where the site asks for that (COM-5)."""
    site = data.site
    require_site_perm(actor, site, "commission.record_deal", _("You may not record deals on this site."))
    manager = actor.has_perm("commission.record_deal_for_others")
    closer_id = data.salesperson.pk if data.salesperson is not None else None
    if closer_id != actor.pk and not manager:
        raise PermissionDenied(_("A salesperson records only the deals they closed themselves."))
    if data.salesperson is not None and not user_has_role_on_site(data.salesperson, site, Role.SALESPERSON):
        raise CommissionError({"salesperson": [_("Choose a salesperson of this site.")]})
    settings = commission_settings(site)
    preview = deal_preview(data=data, now=now, settings=settings)
    refusal = rules.closer_refusal(preview, salesperson_id=closer_id)
    if refusal:
        raise CommissionError({"salesperson": [refusal]})
    refusal = rules.owner_refusal(preview)
    if refusal:
        raise CommissionError(refusal)
    confirmed = manager or not settings.confirm_salesperson_deals
    try:
        with transaction.atomic():
            deal = Deal.objects.create(
                site=site,
                client=data.client,
                salesperson=data.salesperson,
                contract_no=data.contract_no.strip(),
                unit=data.unit.strip(),
                buyer_names=data.buyer_names.strip(),
                signed_at=data.signed_at,
                price=data.price,
                commission=data.commission,
                after_sales_by=data.after_sales_by,
                split_status=preview.status,
                recorded_by=actor,
                recorded_at=now,
                confirmed_at=now if confirmed else None,
                confirmed_by=actor if confirmed else None,
            )
            split = _resplit_locked(deal, now=now, reason=Split.Reason.RECORDED, actor=actor)
            deal_awaits_confirmation_notify(deal=deal, now=now)
    except IntegrityError as exc:
        raise _duplicate_deal_error(site, data) from exc
    assert split is not None  # a new deal has no split yet, so its first is always made
    return deal, split


def deal_confirm(*, deal: Deal, actor: User, now: dt.datetime) -> Deal:
    """COM-5: the project manager confirms a salesperson's deal; from now it counts in the statements (its money is
    posted in its month, or in the first open month after it as an adjustment, COM-4)."""
    require_site_perm(
        actor, deal.site, "commission.confirm_deal", _("Only the project manager confirms deals (COM-5).")
    )
    if not is_site_project_manager(actor, deal.site):
        raise PermissionDenied(_("Only this site's project manager confirms its deals (COM-5)."))
    with transaction.atomic():
        locked = Deal.objects.select_for_update().select_related("site", "client").get(pk=deal.pk)
        refusal = rules.confirm_refusal(
            own_deal=actor.pk in (deal.salesperson_id, deal.recorded_by_id),
            cancelled=locked.is_cancelled,
            confirmed=locked.is_confirmed,
        )
        if refusal:
            raise CommissionError(refusal)
        locked.confirmed_at, locked.confirmed_by = now, actor
        locked.save(update_fields=["confirmed_at", "confirmed_by"])
        _resplit_locked(locked, now=now, reason=Split.Reason.FACTS_CHANGED, actor=actor)
    deal.confirmed_at, deal.confirmed_by = locked.confirmed_at, actor
    return locked


def _require_cancel_or_correct(actor: User, deal: Deal, reason: str) -> str:
    require_site_perm(
        actor,
        deal.site,
        "commission.cancel_or_correct_deal",
        _("Only the project manager or the sales manager cancels or corrects a deal (COM-5)."),
    )
    refusal = rules.change_reason_refusal(reason)
    if refusal:
        raise CommissionError({"reason": [refusal]})
    return reason.strip()


def _correction_record(
    deal: Deal, kind: str, price: Decimal, commission: Decimal, *, reason: str, actor: User, now: dt.datetime
) -> DealCorrection:
    """The permanent record of a cancellation or correction: the amounts before (the deal's, locked) and after."""
    return DealCorrection.objects.create(
        deal=deal,
        kind=kind,
        price_before=deal.price,
        price_after=price,
        commission_before=deal.commission,
        commission_after=commission,
        reason=reason,
        recorded_by=actor,
        recorded_at=now,
    )


def deal_cancel(*, deal: Deal, actor: User, reason: str, now: dt.datetime) -> DealCorrection:
    """COM-5: cancel a deal (退房/撤單). Nothing is owed on it any more: what was posted is reversed in the open month,
    and a closed month stays as it was (COM-4)."""
    reason = _require_cancel_or_correct(actor, deal, reason)
    with transaction.atomic():
        locked = Deal.objects.select_for_update().select_related("site", "client").get(pk=deal.pk)
        refusal = rules.cancel_refusal(cancelled=locked.is_cancelled)
        if refusal:
            raise CommissionError(refusal)
        correction = _correction_record(
            locked, DealCorrection.Kind.CANCEL, locked.price, locked.commission, reason=reason, actor=actor, now=now
        )
        locked.cancelled_at = now
        locked.save(update_fields=["cancelled_at"])
        _resplit_locked(locked, now=now, reason=Split.Reason.CANCELLED, actor=actor)
    deal.cancelled_at, deal.split_status = locked.cancelled_at, locked.split_status
    return correction


def deal_correct_amounts(
    *, deal: Deal, actor: User, price: Decimal, commission: Decimal, reason: str, now: dt.datetime
) -> DealCorrection:
    """COM-5: correct a deal's price or commission. The split is made again from the same facts; the difference is
    posted in the open month, and a closed month stays as it was (COM-4)."""
    reason = _require_cancel_or_correct(actor, deal, reason)
    errors = rules.correction_problems(
        price=price,
        commission=commission,
        max_commission_percent=commission_settings(deal.site).max_commission_percent,
        price_before=deal.price,
        commission_before=deal.commission,
    )
    if errors:
        raise CommissionError(errors)
    with transaction.atomic():
        locked = Deal.objects.select_for_update().select_related("site", "client").get(pk=deal.pk)
        refusal = rules.correction_refusal(cancelled=locked.is_cancelled)
        if refusal:
            raise CommissionError(refusal)
        correction = _correction_record(
            locked, DealCorrection.Kind.AMOUNTS, price, commission, reason=reason, actor=actor, now=now
        )
        locked.price, locked.commission = price, commission
        locked.save(update_fields=["price", "commission"])
        _resplit_locked(locked, now=now, reason=Split.Reason.CORRECTED, actor=actor, force=True)
    deal.price, deal.commission, deal.split_status = price, commission, locked.split_status
    return correction


def _duplicate_deal_error(site: Site, data: DealInput) -> CommissionError:
    if Deal.objects.filter(site=site, contract_no=data.contract_no.strip()).exists():
        return CommissionError({"contract_no": [_("This contract is already recorded on this site.")]})
    return CommissionError(
        {
            "unit": [
                _(
                    "This unit already has a deal on this site; a change of unit after a deal "
                    "is recorded on that deal (ATT-CHANGE)."
                )
            ]
        }
    )


def deal_resplit(
    *, deal: Deal, now: dt.datetime, reason: str = Split.Reason.FACTS_CHANGED, actor: User | None = None
) -> Split | None:
    """Split the deal again from the facts known now; a new split only when the money or the status changed."""
    with transaction.atomic():
        # Two facts recorded at once for one client must not both post the same difference.
        deal = Deal.objects.select_for_update().select_related("site", "client").get(pk=deal.pk)
        return _resplit_locked(deal, now=now, reason=reason, actor=actor)


def client_deals_resplit(
    *, site: Site, client_ids: list[int], now: dt.datetime, reason: str, actor: User | None = None
) -> int:
    """After a fact about these clients changed: re-split each of their deals on this site. Returns how many
    got a new split."""
    changed = 0
    for deal in Deal.objects.filter(site=site, client_id__in=client_ids).order_by("pk"):
        if deal_resplit(deal=deal, now=now, reason=reason, actor=actor) is not None:
            changed += 1
    return changed


def _resplit_locked(
    deal: Deal, *, now: dt.datetime, reason: str, actor: User | None, force: bool = False
) -> Split | None:
    """A new split when the money or the status changed (or `force`, for corrected amounts), then the ledger brought
    to what the deal counts for now. Returns the new split, or None when the latest still holds."""
    decided = deal_current_split(deal=deal, now=now)
    latest = deal.splits.order_by("-number").prefetch_related("shares").first()
    split = None
    if latest is None or force or _signature(latest) != decided.signature():
        split = _split_create(deal, decided, latest, now=now, reason=reason, actor=actor)
    current = split or latest
    assert current is not None  # with no split before, one was just made
    _post(deal, current, decided, now)
    return split


def _split_create(
    deal: Deal, decided: rules.DealSplit, latest: Split | None, *, now: dt.datetime, reason: str, actor: User | None
) -> Split:
    split = Split.objects.create(
        deal=deal,
        number=(latest.number + 1) if latest else 1,
        supersedes=latest,
        status=decided.status,
        reason=reason,
        basis_at=decided.basis_at,
        rule_ids=list(decided.rule_ids),
        explanation=in_each_language(lambda: [str(step) for step in decided.steps]),
        made_by=actor,
        made_at=now,
    )
    SplitShare.objects.bulk_create(
        [
            SplitShare(
                split=split,
                position=position,
                kind=line.kind,
                user_id=line.user_id,
                percent=line.percent,
                amount=line.amount,
                rule_ids=list(line.rule_ids),
                reason=_reason_in_each_language(line),
            )
            for position, line in enumerate(decided.lines or decided.held_lines)
        ]
    )
    if deal.split_status != decided.status:
        deal.split_status = decided.status
        deal.save(update_fields=["split_status"])
    split_changed_notify(deal=deal, split=split, before=latest, now=now)
    return split


def _reason_in_each_language(line: rules.ShareLine) -> dict[str, str]:
    return in_each_language(lambda: str(line.reason) if line.reason else "")


# A split's money as compared with a new decision: its status, and each share's kind, person and amount.
_Signature = tuple[str, tuple[tuple[str, int | None, Decimal], ...]]


def _signature(split: Split) -> _Signature:
    if split.status != SplitStatus.SPLIT:
        return (split.status, ())
    return (split.status, tuple((s.kind, s.user_id, s.amount) for s in split.shares.all()))


# --- the ledger and statement months (COM-4) -------------------------------------------------------------------


def month_of(instant: dt.datetime, zone: ZoneInfo) -> dt.date:
    return local_day(instant, zone).replace(day=1)


def _post(deal: Deal, split: Split, decided: rules.DealSplit, now: dt.datetime) -> None:
    """Post what each party is owed now minus what was posted before, in the deal's month if still open, else in
    the first open month after it (an adjustment, never an edit of a closed month). A deal owes nothing while on hold
    or awaiting the register, before its confirmation (COM-5), or once cancelled."""
    target: dict[tuple[str, int | None], Decimal] = defaultdict(Decimal)
    counts = deal.is_confirmed and not deal.is_cancelled
    for line in decided.lines if counts else ():
        target[(line.kind, line.user_id)] += line.amount
    posted: dict[tuple[str, int | None], Decimal] = {
        (row["party"], row["user_id"]): summed(row["total"])
        for row in LedgerEntry.objects.filter(deal=deal).values("party", "user_id").annotate(total=Sum("amount"))
    }
    deltas = [
        (party, target.get(party, Decimal(0)) - posted.get(party, Decimal(0)))
        for party in [*target, *(p for p in posted if p not in target)]
    ]
    deltas = [(party, amount) for party, amount in deltas if amount != 0]
    if not deltas:
        return
    deal_month = month_of(deal.signed_at, deal.site.zone)
    month = _open_month_locked(deal_month)
    # A deal's first money in its own month is its share; anything later, or in a later month, adjusts it.
    kind = LedgerEntry.Kind.SHARE if month.month == deal_month and not posted else LedgerEntry.Kind.ADJUSTMENT
    LedgerEntry.objects.bulk_create(
        [
            LedgerEntry(
                month=month,
                deal=deal,
                split=split,
                site=deal.site,
                party=party_kind,
                user_id=user_id,
                amount=amount,
                entry_kind=kind,
                posted_at=now,
            )
            for (party_kind, user_id), amount in deltas
        ]
    )


def _open_month_locked(first_day: dt.date) -> StatementMonth:
    """The statement month `first_day`, or the first open one after it, locked against a concurrent close."""
    month = first_day
    while True:
        StatementMonth.objects.get_or_create(month=month)
        row = StatementMonth.objects.select_for_update().get(month=month)
        if not row.is_closed:
            return row
        month = add_months(month, 1)


def month_close(*, month: dt.date, actor: User, now: dt.datetime) -> StatementMonth:
    """Close a statement month: nothing is posted into it afterwards (COM-4). Months close in order, and only
    once they have ended."""
    if not actor.has_perm("commission.close_month"):
        raise PermissionDenied(_("Only an admin or the sales director closes statement months."))
    month = month.replace(day=1)
    with transaction.atomic():
        StatementMonth.objects.get_or_create(month=month)
        # Every month up to this one, locked in order: a close of the month before, at the same moment, is seen.
        months = list(StatementMonth.objects.select_for_update().filter(month__lte=month).order_by("month"))
        decision = rules.month_close_decision(
            month=month,
            now=now,
            zone=company_zone(),
            closed=[m.month for m in months if m.is_closed],
            first_month=months[0].month if months else None,
        )
        if not decision.allowed:
            raise CommissionError({"month": [decision.message]})
        row = next(m for m in months if m.month == month)
        row.closed_at = now
        row.closed_by = actor
        row.save(update_fields=["closed_at", "closed_by"])
    return row


# --- after a deal (ATT-CHANGE) ---------------------------------------------------------------------------------


def deal_change(*, deal: Deal, actor: User, unit: str, buyer_names: str, reason: str, now: dt.datetime) -> DealChange:
    """ATT-CHANGE: a new buyer name or unit; the salesperson, the split and the ledger stay as they are."""
    require_site_perm(
        actor, deal.site, "commission.change_deal_buyer_or_unit", _("Only a manager records changes to a deal.")
    )
    unit, buyer_names, reason = unit.strip(), buyer_names.strip(), reason.strip()
    errors: dict[str, list[str]] = {}
    if not unit:
        errors["unit"] = [_("Enter the unit sold.")]
    if not reason:
        errors["reason"] = [_("Say why the deal changed.")]
    if unit == deal.unit and buyer_names == deal.buyer_names:
        errors.setdefault("unit", []).append(_("Nothing changed: give the new unit or buyer names."))
    if errors:
        raise CommissionError(errors)
    try:
        with transaction.atomic():
            locked = Deal.objects.select_for_update().get(pk=deal.pk)
            change = DealChange.objects.create(
                deal=locked,
                unit_before=locked.unit,
                unit_after=unit,
                buyers_before=locked.buyer_names,
                buyers_after=buyer_names,
                reason=reason,
                recorded_by=actor,
                recorded_at=now,
            )
            locked.unit, locked.buyer_names = unit, buyer_names
            locked.save(update_fields=["unit", "buyer_names"])
    except IntegrityError as exc:
        raise CommissionError({"unit": [_("This unit already has a deal on this site.")]}) from exc
    deal.unit, deal.buyer_names = unit, buyer_names
    return change
