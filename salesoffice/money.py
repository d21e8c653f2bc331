"""Money and figures: the one place amounts are rounded, one named policy per rule.

Money is `Decimal` in yuan with two places (RULES.md, part 1); no float. Each business rounds by its own rule,
so a rounding is always asked for by the policy that names that rule, never by a bare `quantize`:

- `COMMISSION_SHARE` (COM-2): a commission share is rounded *down* to the cent; `split_amount` then gives the
  cents left over, one at a time, to the largest discarded fractions, so the shares add up exactly.
- `VIP_AMOUNT` (VIP-DISC-1..3): a store discount is worked out to the cent, *half up* (¥0.005 -> ¥0.01), as a
  cashier rounds.
- `VIP_POINTS` (VIP-PTS-1, VIP-RET-1): every ¥100 paid earns a point, so points are *floored* to whole points.
- `SERVICE_CHARGE` (SVC-CB-4): the charges recorded on a completed repair, to the cent, *half even* (the form
  already takes at most two decimals; this only fixes the places of what a caller passes).
- `RATE_PERCENT` (SVC-CB-2): a callback rate in percent of the month's completed repairs, to 0.1, *half up*,
  compared with the role's minimum.
- `STATED_AMOUNT`: an amount read back for a report or a scenario check (a database sum, a figure typed in a
  file) shown to the cent, *half even*. Stored amounts are whole cents already, so this only fixes the number
  of places: the embedded SQLite adds decimals up as floats and Django reads a sum back with 15 significant digits
  (`20000.0300000000`, or `500` for whole yuan), so every `Sum` of money is read through `summed`.
- `SHARE_PERCENT` (ATT-DISP-1): a share's percent offered in the dispute opinion form, two places, half even.
- `REPORT_PERCENT`: a report's share in percent (on-time rates, satisfaction, bar widths), a float to one place.
- `SHOWN_AMOUNT`, `SUMMARY_FIGURE`, `SUMMARY_FIGURE_FINE`, `SUMMARY_WHOLE`: how a figure is *shown* (never
  stored): to the cent, half even, with the thousands grouped (¥2,122,888.94) in tables; in summaries and charts
  to one place of the reader's unit, half up (zh: 212.3万, 1.2亿; en: ¥12.3K), two for millions and billions
  (¥2.12M), the whole yuan under ten thousand (¥9,999). `money_text`, `money_summary` and `count_text` are what the
  `numbers` template filters (salesoffice/templatetags/numbers.py) and the exports call.

Tests walk the product source and fail on any `quantize`, `ROUND_*` or `round(` outside this module.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


@dataclass(frozen=True)
class RoundingPolicy:
    """How one rule rounds: to a multiple of `step`, in the `decimal` module's `rounding` mode."""

    name: str
    step: Decimal
    rounding: str
    rule_ids: tuple[str, ...] = ()


COMMISSION_SHARE = RoundingPolicy("commission share", CENT, ROUND_DOWN, ("COM-2",))
VIP_AMOUNT = RoundingPolicy("VIP amount", CENT, ROUND_HALF_UP, ("VIP-DISC-1", "VIP-DISC-2", "VIP-DISC-3"))
VIP_POINTS = RoundingPolicy("VIP points", Decimal(1), ROUND_DOWN, ("VIP-PTS-1", "VIP-RET-1"))
SERVICE_CHARGE = RoundingPolicy("service charge", CENT, ROUND_HALF_EVEN, ("SVC-CB-4",))
RATE_PERCENT = RoundingPolicy("callback rate", Decimal("0.1"), ROUND_HALF_UP, ("SVC-CB-2",))
STATED_AMOUNT = RoundingPolicy("stated amount", CENT, ROUND_HALF_EVEN)
SHARE_PERCENT = RoundingPolicy("share percent", CENT, ROUND_HALF_EVEN, ("ATT-DISP-1",))
SHOWN_AMOUNT = RoundingPolicy("shown amount", CENT, ROUND_HALF_EVEN)
SUMMARY_FIGURE = RoundingPolicy("summary figure", Decimal("0.1"), ROUND_HALF_UP)
SUMMARY_FIGURE_FINE = RoundingPolicy("summary figure (millions)", CENT, ROUND_HALF_UP)
SUMMARY_WHOLE = RoundingPolicy("summary figure (whole yuan)", Decimal(1), ROUND_HALF_UP)

POLICIES = (
    COMMISSION_SHARE,
    VIP_AMOUNT,
    VIP_POINTS,
    SERVICE_CHARGE,
    RATE_PERCENT,
    STATED_AMOUNT,
    SHARE_PERCENT,
    SHOWN_AMOUNT,
    SUMMARY_FIGURE,
    SUMMARY_FIGURE_FINE,
    SUMMARY_WHOLE,
)


def rounded(value, policy: RoundingPolicy) -> Decimal:
    """`value` as a Decimal rounded to the policy's step by the policy's rule."""
    return Decimal(value).quantize(policy.step, rounding=policy.rounding)


def to_cents(amount, policy: RoundingPolicy) -> Decimal:
    """Yuan with two places, rounded by `policy` (a policy whose step is the cent)."""
    if policy.step != CENT:
        raise ValueError(f"{policy.name} does not round to the cent")
    return rounded(amount, policy)


def whole_units(value, policy: RoundingPolicy) -> int:
    """A count (points) from a Decimal quotient, rounded by `policy` (a policy whose step is 1)."""
    if policy.step != 1:
        raise ValueError(f"{policy.name} does not round to whole units")
    return int(rounded(value, policy))


def is_whole_cents(amount: Decimal) -> bool:
    """True when `amount` has no fraction of a cent (2 decimals at most)."""
    return amount == amount.quantize(CENT, rounding=ROUND_DOWN)


def split_amount(amount: Decimal, percents: Sequence[Decimal]) -> list[Decimal]:
    """COM-2: each share rounded down to the cent, the cents left over one at a time to the largest discarded
    fractions, ties to the share named first. The result always adds up to `amount` exactly."""
    if not is_whole_cents(amount):
        raise ValueError("amount must be in whole cents")
    total = sum(percents, Decimal(0))
    if not percents or total <= 0 or any(p < 0 for p in percents):
        raise ValueError("percents must be non-negative and add up to more than zero")
    cents = int(amount / CENT)
    exact = [Decimal(cents) * p / total for p in percents]
    floors = [int(e) for e in exact]  # exact >= 0, so int() rounds down (COMMISSION_SHARE)
    leftover = cents - sum(floors)
    # Largest remainder first; `index` keeps the rule's order among equal remainders.
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
    for index in order[:leftover]:
        floors[index] += 1
    return [Decimal(c) * CENT for c in floors]


def amount_text(value) -> str:
    """An amount read back (a database sum, a typed figure) as text to the cent: `20000.03`, never
    `20000.0300000000` (STATED_AMOUNT)."""
    return f"{to_cents(value, STATED_AMOUNT)}"


def summed(total) -> Decimal:
    """A database sum of amounts (`Sum`), to the cent on every database; no rows (None) is zero (STATED_AMOUNT)."""
    return to_cents(total if total is not None else 0, STATED_AMOUNT)


def percent_of(part: float, whole: float) -> float:
    """`part` as a percentage of `whole`, one decimal place, 0.0 when `whole` is zero (REPORT_PERCENT: report
    rates and chart widths, never money)."""
    return round(100 * part / whole, 1) if whole else 0.0


# What a blank figure reads as: no value is not zero.
NO_FIGURE = "—"
# A summary's units, largest first, as (from, divisor, suffix, policy): Chinese counts in 万 (10^4) and 亿 (10^8);
# English in thousands from ten thousand up, millions and billions. Under the smallest, the figure is shown whole.
_SUMMARY_UNITS = {
    "zh": (
        (Decimal(10) ** 8, Decimal(10) ** 8, "亿", SUMMARY_FIGURE),
        (Decimal(10) ** 4, Decimal(10) ** 4, "万", SUMMARY_FIGURE),
    ),
    "en": (
        (Decimal(10) ** 9, Decimal(10) ** 9, "B", SUMMARY_FIGURE_FINE),
        (Decimal(10) ** 6, Decimal(10) ** 6, "M", SUMMARY_FIGURE_FINE),
        (Decimal(10) ** 4, Decimal(10) ** 3, "K", SUMMARY_FIGURE),
    ),
}


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, float):  # a float reaching a page is a report ratio; str() keeps its shortest digits
        value = str(value)
    return Decimal(value)


def money_text(value, *, symbol: str = "¥") -> str:
    """An amount as a table shows it: `¥2,122,888.94`, `-¥15.00`; None is `—` (SHOWN_AMOUNT). Both languages group
    by thousands with a comma, as Chinese business documents do."""
    amount = _decimal(value)
    if amount is None:
        return NO_FIGURE
    cents = rounded(amount, SHOWN_AMOUNT)
    sign = "-" if cents < 0 else ""
    return f"{sign}{symbol}{abs(cents):,.2f}"


def count_text(value) -> str:
    """A count or points as a table shows it: `12,345`; None is `—`."""
    number = _decimal(value)
    if number is None:
        return NO_FIGURE
    if number == number.to_integral_value():
        return f"{int(number):,}"
    return f"{number:,}"


def money_summary(value, language: str, *, symbol: str = "¥") -> str:
    """An amount as a summary or a chart reads it: zh `¥212.3万`, `¥1.2亿`; en `¥2.12M`, `¥12.3K`; under ¥10,000 the
    whole amount to the yuan, grouped (SUMMARY_FIGURE). `language` is the reader's (zh-hans, en, ...)."""
    amount = _decimal(value)
    if amount is None:
        return NO_FIGURE
    units = _SUMMARY_UNITS["zh" if language.lower().startswith("zh") else "en"]
    sign = "-" if amount < 0 else ""
    size = abs(amount)
    for start, divisor, suffix, policy in units:
        if size >= start:
            shown = rounded(size / divisor, policy).normalize()
            return f"{sign}{symbol}{shown:f}{suffix}"
    return f"{sign}{symbol}{int(rounded(size, SUMMARY_WHOLE)):,}"
