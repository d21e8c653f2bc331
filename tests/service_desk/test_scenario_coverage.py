"""Every SVC-* rule of RULES.md is exercised by some scenario file (the files themselves run in tests/scenarios)."""

from pathlib import Path

from salesoffice import scenarios

FILES = sorted((Path(__file__).parents[1] / "scenarios" / "service_desk").glob("*.yaml"))
SVC_RULES = {
    "SVC-FIRST-1",
    "SVC-DUTY-1",
    "SVC-VIS-1",
    "SVC-COMP-1",
    "SVC-REP-1",
    "SVC-REP-2",
    *(f"SVC-CB-{n}" for n in range(1, 6)),
}


def test_every_service_desk_rule_has_a_scenario_file():
    named = {rule for path in FILES for rule in scenarios.load(path).rules}
    assert SVC_RULES - named == set()
