"""salesoffice.money: the one place amounts are rounded (issue 14, item 8). Each policy keeps the rounding its rule
had before; and no product module rounds by itself."""

import ast
from decimal import Decimal as D
from pathlib import Path

import pytest

from salesoffice import money

ROOT = Path(__file__).resolve().parent.parent
NOT_PRODUCT = {"tests", "bench", "migrations", ".venv", "node_modules", "static", "locale", "docs", "templates"}
ROUNDING_METHODS = {"quantize", "to_integral", "to_integral_value", "to_integral_exact"}


def product_modules() -> list[Path]:
    """Every Python file of the product: each app directory and manage.py, without tests, bench and migrations."""
    files = []
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if any(part in NOT_PRODUCT or part.startswith(".") for part in parts[:-1]):
            continue
        files.append(path)
    return files


def rounding_sites(source: str) -> list[tuple[int, str]]:
    """(line, what) for each `round(...)`, `.quantize(...)`/`.to_integral*(...)` call and each `ROUND_*` name."""
    sites = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id == "round":
                sites.append((node.lineno, "round("))
            elif isinstance(func, ast.Attribute) and func.attr in ROUNDING_METHODS:
                sites.append((node.lineno, f".{func.attr}("))
        elif isinstance(node, ast.Name) and node.id.startswith("ROUND_"):
            sites.append((node.lineno, node.id))
        elif isinstance(node, ast.Attribute) and node.attr.startswith("ROUND_"):
            sites.append((node.lineno, node.attr))
        elif isinstance(node, ast.alias) and node.name.startswith("ROUND_"):
            sites.append((getattr(node, "lineno", 0), node.name))
    return sorted(sites)


def test_the_walk_sees_every_app():
    seen = {path.relative_to(ROOT).parts[0] for path in product_modules()}
    assert {"attribution", "commission", "reception", "salesoffice", "service_desk", "vip"} <= seen
    assert not any("migrations" in path.parts or "tests" in path.parts for path in product_modules())


def test_the_check_catches_each_way_of_rounding():
    """The check below is real: each of the old helpers would have failed it."""
    old_code = """
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
import decimal
a = amount.quantize(CENT, rounding=ROUND_DOWN)
b = Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
c = int((amount / 100).to_integral_value(rounding=decimal.ROUND_DOWN))
d = round(100 * part / whole, 1)
e = charges.quantize(Decimal("0.01"))
"""
    found = {what for _line, what in rounding_sites(old_code)}
    assert found == {"ROUND_DOWN", "ROUND_HALF_UP", ".quantize(", ".to_integral_value(", "round("}
    assert len(rounding_sites(old_code)) >= 9
    assert rounding_sites("x = repair.round\nmessage = 'round(1.5) quantize(x)'\n") == []


def test_no_rounding_outside_salesoffice_money():
    offenders = []
    for path in product_modules():
        if path == ROOT / "salesoffice" / "money.py":
            continue
        for line, what in rounding_sites(path.read_text(encoding="utf-8")):
            offenders.append(f"{path.relative_to(ROOT)}:{line}: {what}")
    assert offenders == [], "round money only through salesoffice.money (a named policy):\n" + "\n".join(offenders)


def test_money_module_is_the_one_that_rounds():
    assert rounding_sites((ROOT / "salesoffice" / "money.py").read_text(encoding="utf-8"))


# --- each policy keeps its rule's rounding ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("policy", "value", "expected"),
    [
        (money.COMMISSION_SHARE, D("10.019"), D("10.01")),  # COM-2: down
        (money.COMMISSION_SHARE, D("10.015"), D("10.01")),
        (money.VIP_AMOUNT, D("10.005"), D("10.01")),  # VIP: half up
        (money.VIP_AMOUNT, D("10.015"), D("10.02")),
        (money.VIP_AMOUNT, D("10.004"), D("10.00")),
        (money.SERVICE_CHARGE, D("10.005"), D("10.00")),  # half even, as `quantize` did by default
        (money.SERVICE_CHARGE, D("10.015"), D("10.02")),
        (money.STATED_AMOUNT, D("20000.0300000000"), D("20000.03")),
    ],
)
def test_to_cents_by_policy(policy, value, expected):
    result = money.to_cents(value, policy)
    assert result == expected and result.as_tuple().exponent == -2


def test_a_callback_rate_is_to_a_tenth_half_up_SVC_CB_2():
    assert money.rounded(D(1) * 100 / 16, money.RATE_PERCENT) == D("6.3")  # 6.25
    assert money.rounded(D(1) * 100 / 3, money.RATE_PERCENT) == D("33.3")
    assert money.rounded(D(2) * 100 / 3, money.RATE_PERCENT) == D("66.7")


def test_points_are_floored_VIP_PTS_1():
    assert money.whole_units(D("199.99") / 100, money.VIP_POINTS) == 1
    assert money.whole_units(D("200") / 100, money.VIP_POINTS) == 2
    assert money.whole_units(D("0.5"), money.VIP_POINTS) == 0


def test_a_policy_is_used_for_its_own_step():
    with pytest.raises(ValueError):
        money.to_cents(D("1.25"), money.RATE_PERCENT)
    with pytest.raises(ValueError):
        money.whole_units(D("1.25"), money.VIP_AMOUNT)


def test_amounts_read_back_are_shown_to_the_cent_issue_16():
    assert money.amount_text(D("20000.0300000000")) == "20000.03"
    assert money.amount_text(5000) == "5000.00"
    assert money.amount_text(D("-2500.5")) == "-2500.50"


def test_a_database_sum_is_read_to_the_cent_on_every_database_issue_16():
    # As the embedded SQLite's sums come back: 15 significant digits, or an integer for whole yuan.
    assert str(money.summed(D("20000.0300000000"))) == "20000.03"
    assert str(money.summed(500)) == "500.00"
    assert str(money.summed(None)) == "0.00"


def test_report_percentages():
    assert money.percent_of(1, 3) == 33.3
    assert money.percent_of(0, 0) == 0.0
    assert money.percent_of(7, 7) == 100.0


def test_every_policy_is_named_and_documented():
    assert len({p.name for p in money.POLICIES}) == len(money.POLICIES)
    for policy in money.POLICIES:
        assert policy.name and policy.step > 0
        assert any(name in money.__doc__ for name, value in vars(money).items() if value is policy)


def test_commission_rules_keep_their_names():
    from commission import rules

    assert rules.split_amount is money.split_amount
    assert rules.to_cents(D("10.019")) == D("10.01")
