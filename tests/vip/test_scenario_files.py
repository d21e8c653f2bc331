"""Every VIP-* rule of RULES.md part 2 is exercised by some scenario file (tests/scenarios/vip, replayed by
tests/scenarios/test_scenarios.py), including the six-month window's edge and a purchase paid ¥199.99."""

from pathlib import Path

from salesoffice import scenarios

FILES = sorted((Path(__file__).parents[1] / "scenarios" / "vip").glob("*.yaml"))
VIP_RULES = {
    "VIP-ELIG-1",
    *(f"VIP-CARD-{n}" for n in range(1, 5)),
    *(f"VIP-DISC-{n}" for n in range(1, 4)),
    *(f"VIP-PTS-{n}" for n in range(1, 4)),
    "VIP-RET-1",
    "VIP-DATA-1",
    "VIP-SVC-1",
}


def test_every_vip_rule_has_a_scenario_file():
    named = {rule for path in FILES for rule in scenarios.load(path).rules}
    assert VIP_RULES - named == set()


def test_the_window_edge_and_199_99_have_their_files():
    texts = {path.name: path.read_text(encoding="utf-8") for path in FILES}
    assert "2026-03-01 00:00" in texts["elig_1_six_month_window_edge.yaml"]
    assert "2026-02-28 23:59" in texts["elig_1_six_month_window_edge.yaml"]
    assert "paid: 199.99, points: 1" in texts["pts_1_carry_over_and_199_99.yaml"]
