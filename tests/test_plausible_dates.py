"""Plausible dates and request fingerprints, each defined once (salesoffice.dates, salesoffice.idempotency)."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import translation

from salesoffice.dates import BIRTHDAY, HAPPENED, PERIOD, SCHEDULED, query_month
from salesoffice.idempotency import fingerprint

TODAY = dt.date(2026, 3, 31)


@pytest.mark.parametrize(
    "plausible, earliest, latest",
    [
        (HAPPENED, dt.date(2000, 1, 1), dt.date(2026, 4, 30)),  # a month ahead, clamped to April's last day
        (SCHEDULED, dt.date(2000, 1, 1), dt.date(2028, 3, 31)),
        (PERIOD, dt.date(2000, 1, 1), dt.date(2028, 3, 31)),
        (BIRTHDAY, dt.date(1900, 1, 1), TODAY),
    ],
)
def test_each_kind_of_date_has_its_range(plausible, earliest, latest):
    assert plausible.problem(earliest, TODAY) is None and plausible.problem(latest, TODAY) is None
    message = f"Enter a date from {earliest.isoformat()} to {latest.isoformat()}."
    with translation.override("en"):
        assert plausible.problem(earliest - dt.timedelta(days=1), TODAY) == message
        assert plausible.problem(latest + dt.timedelta(days=1), TODAY) == message
        assert plausible.problem(dt.date.min, TODAY) == plausible.problem(dt.date.max, TODAY) == message


@pytest.mark.parametrize(
    "raw, month",
    [
        ("2026-03", dt.date(2026, 3, 1)),
        ("2000-01", dt.date(2000, 1, 1)),
        ("2028-03", dt.date(2028, 3, 1)),
        ("2028-04", None),
        ("1999-12", None),
        ("0001-01", None),
        ("9999-12", None),
        ("2026-00", None),
        ("2026-13", None),
        ("2026-3", None),
        ("", None),
        ("２０２６-０３", dt.date(2026, 3, 1)),  # full-width digits, as a Chinese input method types them
    ],
)
def test_a_query_strings_month_is_a_plausible_one_or_none(raw, month):
    with time_machine.travel(dt.datetime(2026, 3, 31, 12, tzinfo=dt.UTC), tick=False):
        assert query_month(raw) == month


def test_a_fingerprint_ignores_key_order_and_how_an_amount_is_written():
    first = fingerprint({"lines": [{"amount": Decimal("200.00"), "coupon": False}], "phone": "138"})
    assert first == fingerprint({"phone": "138", "lines": [{"coupon": False, "amount": Decimal("200")}]})
    assert first != fingerprint({"phone": "138", "lines": [{"coupon": False, "amount": Decimal("200.01")}]})
    assert first != fingerprint({"phone": "138", "lines": [{"coupon": True, "amount": Decimal("200")}]})
    assert len(first) == 64
