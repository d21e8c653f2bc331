"""Part 2 of RULES.md as pure functions: facts and an instant in, a decision and its explanation (rule IDs) out.

Nothing here reads the database or the clock; services, views, the API, tasks and the scenario runner all come
through these functions.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from salesoffice import money as money_policy
from salesoffice.timeutil import add_months, end_of_day, local_day, start_of_day

SINGLE_PURCHASE = Decimal("1000")  # VIP-ELIG-1
WINDOW_TOTAL = Decimal("2000")  # VIP-ELIG-1
WINDOW_MONTHS = 6  # VIP-ELIG-1
CARD_MONTHS = 24  # VIP-CARD-1: two years
YUAN_PER_POINT = Decimal("100")  # VIP-PTS-1
TIER_POINTS = 30  # VIP-DISC-2
MAX_LINE_AMOUNT = Decimal("1000000")  # a till line above a million yuan is a typing error, not a sale
MAX_LINES = 50
BASE_RATE = Decimal("0.90")  # VIP-DISC-1: 9折
TIER_RATE = Decimal("0.85")  # VIP-DISC-2: 8.5折
BIRTHDAY_RATE = Decimal("0.60")  # VIP-DISC-3: 6折
BIRTHDAY_REMINDER_DAYS = 3  # VIP-SVC-1: reminders go out in the days before the birthday
EXPIRY_WARNING_DAYS = 30
HAND_IN_DAY = 2  # VIP-DATA-1: the originals reach operations by the 2nd of the next month

CARRY_OVER = "carry_over"
PER_PURCHASE = "per_purchase"


def money(value: Decimal | int | str) -> Decimal:
    """Yuan to the cent, half up (salesoffice.money.VIP_AMOUNT)."""
    return money_policy.to_cents(value, money_policy.VIP_AMOUNT)


def yuan(value: Decimal) -> str:
    return f"¥{money(value):,.2f}"


def zhe(rate: Decimal) -> str:
    """0.85 -> 8.5折, as the store writes a discount."""
    tenths = (rate * 10).normalize()
    return _("%(tenths)s折") % {"tenths": f"{tenths:f}"}


@dataclass(frozen=True)
class Decision:
    """A yes/no of the regulations with the clause and a sentence a store manager understands."""

    ok: bool
    rule_id: str
    explanation: str

    def __str__(self) -> str:
        return f"{self.rule_id}: {self.explanation}"


# --- eligibility (VIP-ELIG-1) ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PaidPurchase:
    at: dt.datetime
    paid: Decimal  # after discounts and net of refunds


def window_start(purchase_at: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """Six months before the purchase's day, from the start of that day (RULES.md: "within the N months before").

    Applies: VIP-ELIG-1.
    """
    return start_of_day(add_months(local_day(purchase_at, zone), -WINDOW_MONTHS), zone)


def eligibility(purchases: Sequence[PaidPurchase], *, zone: ZoneInfo, now: dt.datetime) -> Decision:
    """Has this customer qualified at this store by `now`: one purchase of ¥1000 paid, or ¥2000 within six months
    ending at a purchase (VIP-ELIG-1).

    Decides: VIP-ELIG-1.
    """
    history = sorted((p for p in purchases if p.at <= now), key=lambda p: p.at)
    for index, purchase in enumerate(history):
        if purchase.paid >= SINGLE_PURCHASE:
            return Decision(
                True,
                "VIP-ELIG-1",
                _("one purchase of %(paid)s paid (at least %(limit)s) qualifies for a VIP card")
                % {"paid": yuan(purchase.paid), "limit": yuan(SINGLE_PURCHASE)},
            )
        start = window_start(purchase.at, zone)
        total = sum((p.paid for p in history[: index + 1] if p.at >= start), Decimal(0))
        if total >= WINDOW_TOTAL:
            return Decision(
                True,
                "VIP-ELIG-1",
                _("%(total)s paid in the six months from %(start)s qualifies for a VIP card (at least %(limit)s)")
                % {"total": yuan(total), "start": local_day(start, zone).isoformat(), "limit": yuan(WINDOW_TOTAL)},
            )
    start = window_start(now, zone)
    recent = sum((p.paid for p in history if p.at >= start), Decimal(0))
    largest = max((p.paid for p in history), default=Decimal(0))
    return Decision(
        False,
        "VIP-ELIG-1",
        _(
            "not yet eligible: the largest purchase paid %(largest)s (needs %(single)s) and %(recent)s was paid in "
            "the last six months (needs %(window)s)"
        )
        % {
            "largest": yuan(largest),
            "single": yuan(SINGLE_PURCHASE),
            "recent": yuan(recent),
            "window": yuan(WINDOW_TOTAL),
        },
    )


# --- cards (VIP-CARD-1, -3, -4) -------------------------------------------------------------------------------------


def card_valid_until(issued_at: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """Two years from issue, to the end of that day (issued 15 March 2026: valid to the end of 15 March 2028).

    Decides: VIP-CARD-1.
    """
    return end_of_day(add_months(local_day(issued_at, zone), CARD_MONTHS), zone)


@dataclass(frozen=True)
class CardFacts:
    number: str
    blocked_at: dt.datetime | None
    valid_until: dt.datetime
    store_id: int
    store_shares: bool  # VIP-ELIG-1: the issuing store shares members with the chain


def card_usable(card: CardFacts, *, at_store_id: int, at_store_shares: bool, now: dt.datetime) -> Decision:
    """May this card be used at this store now: not blocked (VIP-CARD-4), not expired (VIP-CARD-3), this store's
    or shared (VIP-ELIG-1).

    Decides: VIP-CARD-3, VIP-CARD-4.
    Applies: VIP-ELIG-1.
    """
    if card.blocked_at is not None and card.blocked_at <= now:
        return Decision(False, "VIP-CARD-4", _("card %(number)s is blocked") % {"number": card.number})
    if now > card.valid_until:
        return Decision(
            False,
            "VIP-CARD-3",
            _("card %(number)s expired at the end of %(day)s; a new card does not carry its points over")
            % {"number": card.number, "day": card.valid_until.date().isoformat()},
        )
    if card.store_id != at_store_id and not (card.store_shares and at_store_shares):
        return Decision(False, "VIP-ELIG-1", _("card %(number)s belongs to another store") % {"number": card.number})
    return Decision(True, "VIP-CARD-1", _("card %(number)s is valid") % {"number": card.number})


def expiring_soon(valid_until: dt.datetime, now: dt.datetime) -> bool:
    return now <= valid_until <= now + dt.timedelta(days=EXPIRY_WARNING_DAYS)


# --- discounts (VIP-DISC-1..3) ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    amount: Decimal
    promotion: bool = False
    special_price: bool = False
    coupon: bool = False
    description: str = ""

    @property
    def excluded(self) -> bool:
        """VIP-DISC-1: promotions, special-price goods and coupons do not combine with the VIP discount."""
        return self.promotion or self.special_price or self.coupon


@dataclass(frozen=True)
class MemberFacts:
    earned_points: int
    birthday: dt.date | None


@dataclass(frozen=True)
class Quote:
    gross: Decimal
    rate: Decimal
    rule_id: str
    line_discounts: tuple[Decimal, ...]
    discount: Decimal
    payable: Decimal
    explanations: tuple[str, ...] = field(default=())

    @property
    def explanation(self) -> str:
        return "; ".join(self.explanations)


def is_birthday(birthday: dt.date | None, day: dt.date) -> bool:
    """That calendar day; a 29 February birthday falls on 28 February in other years."""
    if birthday is None:
        return False
    if birthday.month == 2 and birthday.day == 29 and not _leap(day.year):
        return (day.month, day.day) == (2, 28)
    return (day.month, day.day) == (birthday.month, birthday.day)


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def card_and_phone_problem(*, card_number: str, phone: str) -> str | None:
    """A member's purchase goes on the card (VIP-CARD-2); a phone is for a non-member's purchase (VIP-ELIG-1).

    Decides: VIP-CARD-2.
    Applies: VIP-ELIG-1.
    """
    if card_number.strip() and phone.strip():
        return _("A member's purchase goes on the card; leave the phone empty.")
    return None


def lines_problem(lines: Sequence[Line]) -> str | None:
    """Why these lines cannot be a purchase (nothing, a negative or absurd amount), or None."""
    if not lines:
        return _("A purchase needs at least one line.")
    if len(lines) > MAX_LINES:
        return _("A purchase has at most %(n)s lines.") % {"n": MAX_LINES}
    for line in lines:
        if line.amount <= 0:
            return _("Every line needs an amount above zero.")
        if line.amount >= MAX_LINE_AMOUNT or line.amount != money(line.amount):
            return _("%(amount)s is not a till amount (yuan with at most two decimals, under a million).") % {
                "amount": line.amount
            }
    return None


def birthday_claim_problem(member: MemberFacts | None, *, claimed: bool, id_checked: bool, day: dt.date) -> str | None:
    """A birthday discount needs the member's birthday today and the original ID checked (VIP-DISC-3).

    Applies: VIP-DISC-3.
    """
    if not claimed:
        return None
    if member is None:
        return _("VIP-DISC-3: the birthday discount is for members.")
    if not id_checked:
        return _("VIP-DISC-3: the birthday discount needs the original ID checked.")
    if not is_birthday(member.birthday, day):
        return _("VIP-DISC-3: today is not the member's birthday.")
    return None


def quote(lines: Sequence[Line], member: MemberFacts | None, *, birthday_claimed: bool, day: dt.date) -> Quote:
    """The best single VIP discount for this purchase, on the lines it may apply to (VIP-DISC-1..3).
    `birthday_claimed` is only true once birthday_claim_problem passed.

    Decides: VIP-DISC-1, VIP-DISC-3.
    Applies: VIP-DISC-2.
    """
    gross = money(sum((line.amount for line in lines), Decimal(0)))  # "1200" as typed reads ¥1200.00
    if member is None:
        return Quote(gross, Decimal(1), "", tuple(Decimal(0) for _ in lines), Decimal(0), gross)
    candidates = [(BASE_RATE, "VIP-DISC-1", _("VIP card: %(zhe)s") % {"zhe": zhe(BASE_RATE)})]
    if member.earned_points >= TIER_POINTS:
        candidates.append(
            (
                TIER_RATE,
                "VIP-DISC-2",
                _("%(points)s points earned → %(zhe)s") % {"points": member.earned_points, "zhe": zhe(TIER_RATE)},
            )
        )
    if birthday_claimed:
        candidates.append(
            (BIRTHDAY_RATE, "VIP-DISC-3", _("birthday, original ID checked → %(zhe)s") % {"zhe": zhe(BIRTHDAY_RATE)})
        )
    rate, rule_id, why = min(candidates, key=lambda c: c[0])
    explanations = [f"{rule_id}: {why}"]
    if birthday_claimed and len(candidates) > 1:
        explanations.append(_("VIP-DISC-3: only the best single VIP discount applies"))
    elif not birthday_claimed and is_birthday(member.birthday, day):
        # A tier member too: 6折 beats 8.5折, so the reminder matters whatever discount applies now.
        explanations.append(_("VIP-DISC-3: it is the member's birthday: check the original ID for 6折"))
    discounts = tuple(Decimal(0) if line.excluded else money(line.amount * (1 - rate)) for line in lines)
    excluded = sum(1 for line in lines if line.excluded)
    if excluded:
        explanations.append(
            _("VIP-DISC-1: %(n)s line(s) on promotion, special price or coupon get no VIP discount") % {"n": excluded}
        )
    discount = sum(discounts, Decimal(0))
    return Quote(gross, rate, rule_id, discounts, discount, gross - discount, tuple(explanations))


# --- points (VIP-PTS-1, VIP-RET-1, VIP-DISC-2) -----------------------------------------------------------------------


def _points(amount: Decimal) -> int:
    return money_policy.whole_units(amount / YUAN_PER_POINT, money_policy.VIP_POINTS) if amount > 0 else 0


def points_earned(*, mode: str, paid_total_before: Decimal, paid: Decimal) -> int:
    """The points a purchase earns: the increase of ⌊total ÷ 100⌋ (carry-over) or ⌊paid ÷ 100⌋ (per purchase).

    Decides: VIP-PTS-1.
    """
    if mode == PER_PURCHASE:
        return _points(paid)
    return _points(paid_total_before + paid) - _points(paid_total_before)


def points_reversed(*, mode: str, paid_total_before: Decimal, kept_before: Decimal, refund: Decimal) -> int:
    """The points a refund takes back (VIP-RET-1): the decrease it causes in the earned points.

    Decides: VIP-RET-1.
    """
    if mode == PER_PURCHASE:
        return _points(kept_before) - _points(kept_before - refund)
    return _points(paid_total_before) - _points(paid_total_before - refund)


@dataclass(frozen=True)
class Reversal:
    points: int  # the earned points lost
    from_balance: int  # taken from the balance
    shortfall: int  # already redeemed: flagged for the store manager


def reverse(points: int, *, balance: int) -> Reversal:
    """A reversal never takes the balance below zero; what it cannot take is the shortfall (VIP-RET-1).

    Applies: VIP-RET-1.
    """
    taken = min(points, balance)
    return Reversal(points, taken, points - taken)


def tier(earned_points: int) -> Decision:
    """VIP-DISC-2: the tier a member has reached by earned points (8.5折 from 30 points).

    Decides: VIP-DISC-2.
    """
    if earned_points >= TIER_POINTS:
        return Decision(
            True,
            "VIP-DISC-2",
            _("%(points)s points earned → %(zhe)s") % {"points": earned_points, "zhe": zhe(TIER_RATE)},
        )
    return Decision(
        False,
        "VIP-DISC-2",
        _("%(points)s points earned; 8.5折 from %(tier)s") % {"points": earned_points, "tier": TIER_POINTS},
    )


def points_lapsing(*, card_valid: bool, balance: int) -> int:
    """The points that lapse now: all of them once the card is no longer valid, none while it is (points are valid
    as long as the card, a store setting's default).

    Decides: VIP-PTS-3.
    """
    return 0 if card_valid or balance <= 0 else balance


def redemption_problem(*, balance: int, points: int, stock: int, active: bool = True) -> str | None:
    """VIP-PTS-2: a reward still offered, in stock, and enough points on this one card.

    Decides: VIP-PTS-2.
    """
    if not active:
        return _("VIP-PTS-2: this reward is no longer offered.")
    if stock <= 0:
        return _("VIP-PTS-2: this reward is out of stock.")
    if points > balance:
        return _(
            "VIP-PTS-2: the reward needs %(points)s points; this card has %(balance)s (cards cannot be pooled)."
        ) % {
            "points": points,
            "balance": balance,
        }
    return None


def refund_problem(*, amount: Decimal, kept: Decimal) -> str | None:
    """VIP-RET-1: a refund is an amount above zero, to the cent, no more than is still kept.

    Applies: VIP-RET-1.
    """
    if amount <= 0 or amount != money(amount):
        return _("VIP-RET-1: the refund is an amount above zero, to the cent.")
    if amount > kept:
        return _("VIP-RET-1: at most %(kept)s of this purchase can still be refunded.") % {"kept": yuan(kept)}
    return None


def reward_catalog_problem(*, in_store_catalog: bool) -> str | None:
    """VIP-PTS-2: points are redeemed for a reward of this store's catalog.

    Applies: VIP-PTS-2.
    """
    return None if in_store_catalog else _("VIP-PTS-2: this reward is not in this store's catalog.")


# --- what the desk's actions need (VIP-CARD-1..4, VIP-SVC-1, VIP-DATA-1) --------------------------------------------


def signature_problem(*, card_used: bool, signature_confirmed: bool) -> str | None:
    """VIP-CARD-2: a purchase on a VIP card is signed for by the member.

    Applies: VIP-CARD-2.
    """
    if card_used and not signature_confirmed:
        return _("VIP-CARD-2: the member signs the receipt of a VIP purchase.")
    return None


def surname_problem(surname: str) -> str | None:
    """VIP-SVC-1: the member is addressed by surname, so a card is issued with one.

    Applies: VIP-SVC-1.
    """
    return None if surname.strip() else _("VIP-SVC-1: the surname is needed to address the member.")


def issue_problem(*, valid_until: dt.datetime | None, zone: ZoneInfo) -> str | None:
    """VIP-CARD-1: one valid card at a time; `valid_until` is the customer's latest membership's end, if any.

    Applies: VIP-CARD-1.
    """
    if valid_until is None:
        return None
    return _("VIP-CARD-1: this customer already holds a valid card (until %(day)s).") % {
        "day": local_day(valid_until, zone).isoformat()
    }


def replacement_problem(*, number: str, blocked: bool, membership_valid: bool) -> str | None:
    """VIP-CARD-4: a card not blocked yet is replaced; VIP-CARD-3: an expired membership is renewed instead.

    Applies: VIP-CARD-4, VIP-CARD-3.
    """
    if blocked:
        return _("VIP-CARD-4: card %(number)s is already blocked.") % {"number": number}
    if not membership_valid:
        return _("VIP-CARD-3: the membership has expired: issue a new card (renewal) instead.")
    return None


def hand_in_problem(*, today: dt.date, year: int, month: int) -> str | None:
    """VIP-DATA-1: a month's forms are handed in once the month is over (the forms are summarised monthly: a hand-in
    before the month ends would leave its later cards uncovered).

    Applies: VIP-DATA-1.
    """
    if today < add_months(dt.date(year, month, 1), 1):
        return _("VIP-DATA-1: a month's forms are handed in once the month is over.")
    return None


# --- reminders and data (VIP-SVC-1, VIP-DATA-1) ---------------------------------------------------------------------


def next_birthday(birthday: dt.date, today: dt.date) -> dt.date:
    for year in (today.year, today.year + 1):
        day = dt.date(year, 2, 28) if (birthday.month, birthday.day) == (2, 29) and not _leap(year) else None
        day = day or dt.date(year, birthday.month, birthday.day)
        if day >= today:
            return day
    raise AssertionError("unreachable")


def birthday_reminder_due(birthday: dt.date | None, today: dt.date) -> dt.date | None:
    """The birthday a reminder is due for today (within the days before it, VIP-SVC-1), or None.

    Decides: VIP-SVC-1.
    """
    if birthday is None:
        return None
    upcoming = next_birthday(birthday, today)
    return upcoming if 0 < (upcoming - today).days <= BIRTHDAY_REMINDER_DAYS else None


def hand_in_due(year: int, month: int, zone: ZoneInfo) -> dt.datetime:
    """The month's registration forms reach operations by the end of the 2nd of the next month (VIP-DATA-1).

    Decides: VIP-DATA-1.
    """
    first_next = add_months(dt.date(year, month, 1), 1)
    return end_of_day(first_next.replace(day=HAND_IN_DAY), zone)


def hand_in_status(
    *, due: dt.datetime, received_at: dt.datetime | None, now: dt.datetime, cards: int, forms: int | None = None
) -> Decision:
    """Whether a month's `cards` (new and renewed, one form each) reached operations by `due` as `forms` forms."""
    if received_at is not None:
        if forms is not None and forms != cards:
            return Decision(
                False,
                "VIP-DATA-1",
                _("received %(forms)s form(s) for %(cards)s card(s) issued") % {"forms": forms, "cards": cards},
            )
        on_time = received_at <= due
        return Decision(on_time, "VIP-DATA-1", _("received on time") if on_time else _("received late"))
    if now > due:
        if not cards:
            return Decision(True, "VIP-DATA-1", _("no cards issued: nothing to hand in"))
        return Decision(False, "VIP-DATA-1", _("overdue"))
    return Decision(True, "VIP-DATA-1", _("due by %(day)s") % {"day": due.date().isoformat()})


def mask_phone(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else "****"


def mask_id(id_number: str) -> str:
    return "" if not id_number else (id_number[:2] + "*" * max(len(id_number) - 6, 4) + id_number[-4:])
