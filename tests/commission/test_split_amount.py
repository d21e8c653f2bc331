"""COM-2: shares rounded down to the cent, leftover cents by largest remainder, ties to the share named first."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commission.rules import split_amount

D = Decimal


def test_regulation_example_30_70_of_10000_01():
    # COM-2's own example: the odd cent goes to the 70% share, whose discarded fraction is larger.
    assert split_amount(D("10000.01"), [D(30), D(70)]) == [D("3000.00"), D("7000.01")]


def test_equal_partners_tie_goes_to_the_first_named():
    # 50/50 of 10,000.01: both discard half a cent; the first-named (who registered first) gets it.
    assert split_amount(D("10000.01"), [D(50), D(50)]) == [D("5000.01"), D("5000.00")]


def test_composed_30_35_35_of_an_odd_amount():
    # COM-3: referrer 30%, then 70% halved between spouses' salespeople.
    assert split_amount(D("100.01"), [D(30), D(35), D(35)]) == [D("30.00"), D("35.01"), D("35.00")]


def test_three_cents_over_three_equal_shares_and_one_cent_over_three():
    assert split_amount(D("0.03"), [D(1), D(1), D(1)]) == [D("0.01")] * 3
    assert split_amount(D("0.01"), [D(1), D(1), D(1)]) == [D("0.01"), D("0.00"), D("0.00")]


def test_largest_remainder_beats_order():
    # 0.10 over 15/85: 0.015 and 0.085 -> floors 0.01/0.08, remainders .5/.5 -> tie to the first; but over 14/86
    # remainders are .4/.6 and the cent goes to the second.
    assert split_amount(D("0.10"), [D(15), D(85)]) == [D("0.02"), D("0.08")]
    assert split_amount(D("0.10"), [D(14), D(86)]) == [D("0.01"), D("0.09")]


@pytest.mark.parametrize("bad", [[], [D(0)], [D(-10), D(110)]])
def test_refuses_meaningless_percents(bad):
    with pytest.raises(ValueError):
        split_amount(D("100.00"), bad)


def test_refuses_fractions_of_a_cent():
    with pytest.raises(ValueError):
        split_amount(D("100.001"), [D(100)])


amounts = st.integers(min_value=1, max_value=10**12).map(lambda cents: Decimal(cents) / 100)
# The percentages the regulations produce and their compositions (COM-3), plus arbitrary ones.
clause_percents = st.sampled_from(
    [
        [D(100)],
        [D(50), D(50)],
        [D(70), D(30)],
        [D(30), D(70)],
        [D(30), D(35), D(35)],
        [D(35), D(35), D(30)],
        [D("17.5"), D("17.5"), D(35), D(30)],
        [D(60), D(40)],
    ]
)
arbitrary_percents = st.lists(
    st.decimals(min_value=0, max_value=100, places=4, allow_nan=False, allow_infinity=False), min_size=1, max_size=8
).filter(lambda ps: sum(ps) > 0)


@given(amount=amounts, percents=st.one_of(clause_percents, arbitrary_percents))
def test_shares_are_whole_cents_non_negative_and_add_up_exactly(amount, percents):
    shares = split_amount(amount, percents)
    assert sum(shares) == amount
    assert all(s >= 0 and s == s.quantize(D("0.01")) for s in shares)
    total = sum(percents)
    # No share is more than a cent away from its exact value.
    for share, pct in zip(shares, percents, strict=True):
        assert abs(share - amount * pct / total) < D("0.01")
