"""Every scenario file of the suite, replayed through the runner's library API on the test database, and the
runner itself: how it reports a wrong expectation, a file it cannot read, and its exit code."""

import os
import sqlite3
import subprocess
import textwrap
from pathlib import Path

import pytest
from django.conf import settings

from reception.models import RotaMember
from salesoffice import scenarios
from salesoffice.models import Site

from ..conftest import run_python

SUITE = Path(__file__).parent
FILES = sorted(SUITE.rglob("*.yaml"))

# Every front-desk rule of RULES.md; each must be named in some scenario file's rules: list.
REC_RULES = {
    "REC-AUTH-1",
    "REC-READY-1",
    "REC-READY-2",
    *(f"REC-ROT-{n}" for n in range(1, 10)),
    *(f"REC-NEW-{n}" for n in range(1, 6)),
    "REC-RET-1",
    "REC-RET-2",
    *(f"REC-DES-{n}" for n in range(1, 5)),
}

# Every client-ownership rule of RULES.md; each must be named in some scenario file's rules: list too.
ATT_RULES = {
    *(f"ATT-REG-{n}" for n in range(1, 4)),
    "ATT-SPOUSE",
    "ATT-REF-OLD",
    "ATT-CHANGE",
    "ATT-DISP-1",
    *(f"ATT-CO-{n}" for n in range(1, 6)),
    *(f"ATT-EMP-{n}" for n in range(1, 6)),
    *(f"ATT-FU-{n}" for n in range(1, 4)),
}

# The lettered cases of a rule, each exercised on its own: named in a file's rules: or cited by an expectation.
CASES = {*(f"REC-NEW-2{case}" for case in "abcd"), *(f"ATT-REF-OLD {case}" for case in "abc")}


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(SUITE)) for p in FILES])
def test_scenario_file(db, path):
    report = scenarios.run_file(path)
    assert report.passed, "\n".join(map(str, report.failures)) + ("\n" + report.detail if report.detail else "")
    if report.expected_failures:
        pytest.xfail(f"{report.expected_failure}: " + "; ".join(line.text for line in report.expected_failures))


def test_every_front_desk_and_client_ownership_rule_has_a_scenario_file():
    named = {rule for path in FILES for rule in scenarios.load(path).rules}
    assert REC_RULES - named == set()
    assert ATT_RULES - named == set()


def test_every_lettered_case_has_a_scenario_file():
    texts = [path.read_text(encoding="utf-8") for path in FILES]
    assert {case for case in CASES if not any(case in text for text in texts)} == set()


# --- the runner ----------------------------------------------------------------------------------------------------

HEADER = """\
site: {code: riverside}
people:
  sue: site supervisor
  ann: salesperson
  bob: salesperson
rota: [ann, bob]
steps:
  - at: 2026-03-03 09:00
    roster: [ann, bob]
  - ready: [ann, bob]
"""


def scenario_file(tmp_path: Path, steps: str, name: str = "case.yaml", header: str = HEADER) -> Path:
    path = tmp_path / name
    path.write_text(header + textwrap.indent(textwrap.dedent(steps), "  "), encoding="utf-8")
    return path


def texts(report) -> list[str]:
    return [str(line) for line in report.lines]


def test_a_wrong_expectation_fails_with_what_was_expected_and_what_happened(db, tmp_path):
    path = scenario_file(
        tmp_path,
        """\
        - at: 09:10
          walk_in:
          as: r1
          expect: {taken_by: bob, next_up: bob}
        """,
    )

    report = scenarios.run_file(path, label="case.yaml")

    assert not report.passed
    assert texts(report) == [
        "FAIL case.yaml:3 — taken by: expected bob, got ann",
        "PASS case.yaml:3 — next up: bob",
    ]


def test_the_file_runs_in_a_transaction_that_is_rolled_back(db, tmp_path):
    path = scenario_file(tmp_path, "- expect: {next_up: ann}\n")

    assert scenarios.run_file(path).passed

    assert not Site.objects.filter(code="riverside").exists()
    assert not RotaMember.objects.exists()


@pytest.mark.parametrize(
    "steps, message",
    [
        ("- walk_inn:\n", "step 3 (line 11): unknown fact walk_inn"),
        ("- expect: {next_upp: ann}\n", "step 3 (line 11): unknown expectation next_upp"),
        ("- walk_in: {client: Li, colour: red}\n", "'walk_in' has no parameter colour"),
        ("- at: 08:00\n  walk_in:\n", "step 3 (line 11): at 08:00 goes back in time"),
        ("- walk_in:\n  walk_in:\n", "line 12: 'walk_in' is given twice"),
        ("- walk_in: [unclosed\n", "not valid YAML"),
    ],
)
def test_a_file_that_cannot_be_read_is_an_error_before_anything_runs(db, tmp_path, steps, message):
    report = scenarios.run_file(scenario_file(tmp_path, steps), label="case.yaml")

    assert not report.passed
    [line] = report.lines
    assert line.status == "ERROR"
    assert message in line.text


def test_an_unknown_person_or_reception_is_an_error(db, tmp_path):
    person = scenarios.run_file(scenario_file(tmp_path, "- designated: zed\n", "person.yaml"), label="person.yaml")
    reception = scenarios.run_file(scenario_file(tmp_path, "- end: r9\n", "reception.yaml"), label="reception.yaml")

    assert [str(line) for line in person.failures] == [
        "ERROR person.yaml:3 — unknown person 'zed' (people: ann, bob, sue)"
    ]
    assert [str(line) for line in reception.failures] == [
        "ERROR reception.yaml:3 — unknown reception 'r9' (named so far: nothing)"
    ]


def test_an_unexpected_refusal_fails_and_stops_the_file(db, tmp_path):
    path = scenario_file(
        tmp_path,
        """\
        - swap: {first: ann, second: bob, reason: "I go first"}
          by: ann
        - expect: {next_up: ann}
        """,
    )

    report = scenarios.run_file(path, label="case.yaml")

    assert texts(report) == [
        "FAIL case.yaml:3 — swap: expected it to be accepted, got refused: "
        "Only the site supervisor may change the rota order (REC-ROT-3)."
    ]


def test_a_refusal_must_happen_and_mention_what_the_file_says(db, tmp_path):
    path = scenario_file(
        tmp_path,
        """\
        - swap: {first: ann, second: bob, reason: "I go first"}
          by: ann
          refused: REC-AUTH-1
        - swap: {first: ann, second: bob, reason: "cover"}
          by: sue
          refused: REC-ROT-3
        """,
    )

    report = scenarios.run_file(path, label="case.yaml")

    assert texts(report) == [
        "FAIL case.yaml:3 — swap refused (REC-AUTH-1): expected a message with [REC-AUTH-1], got: "
        "Only the site supervisor may change the rota order (REC-ROT-3).",
        "FAIL case.yaml:4 — swap refused (REC-ROT-3): expected a refusal, got accepted",
    ]


def test_an_expected_failure_is_reported_and_one_that_no_longer_fails_is_a_failure(db, tmp_path):
    header = "expected_failure: a known disagreement\n" + HEADER
    failing = scenario_file(tmp_path, "- expect: {next_up: bob}\n", "failing.yaml", header)
    passing = scenario_file(tmp_path, "- expect: {next_up: ann}\n", "passing.yaml", header)

    known = scenarios.run_file(failing, label="failing.yaml")
    fixed = scenarios.run_file(passing, label="passing.yaml")

    assert known.passed
    assert texts(known) == ["XFAIL failing.yaml:3 — next up: expected bob, got ann"]
    assert not fixed.passed
    assert "every expectation passed, though the file expects a failure" in texts(fixed)[-1]


# --- the command ---------------------------------------------------------------------------------------------------


def run_command(*paths: Path, database_url: str | None) -> subprocess.CompletedProcess:
    return run_python("manage.py", "run_scenarios", *map(str, paths), database_url=database_url)


def test_the_command_exits_non_zero_on_a_failure(tmp_path):
    good = scenario_file(tmp_path, "- expect: {next_up: ann}\n", "good.yaml")
    bad = scenario_file(tmp_path, "- expect: {next_up: bob}\n", "bad.yaml")

    # The test database of the command is its own: this very database server, a name of its own.
    result = run_command(tmp_path, database_url=os.environ.get("DATABASE_URL"))

    assert result.returncode == 1, result.stderr
    assert f"FAIL {bad}:3 — next up: expected bob, got ann" in result.stdout
    assert f"PASS {good}:3 — next up: ann" in result.stdout
    assert "2 scenario file(s), 2 check(s): 1 failed in 1 file(s)" in result.stderr


def test_the_command_passes_on_the_embedded_sqlite_database_too(tmp_path):
    good = scenario_file(tmp_path, "- expect: {next_up: ann}\n", "good.yaml")
    real = Path(settings.BASE_DIR) / "var" / "salesoffice.sqlite3"
    before = real.stat().st_mtime if real.exists() else None

    result = run_command(good, database_url=None)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 scenario file(s), 1 check(s): 0 failed in 0 file(s)" in result.stdout
    # The real data is never touched. Django's system checks open the embedded file (JSONField support), which
    # creates it empty on a fresh clone; nothing may be written into it.
    if before is not None:
        assert real.stat().st_mtime == before
    elif real.exists():
        with sqlite3.connect(real) as db:
            assert db.execute("SELECT count(*) FROM sqlite_master").fetchone() == (0,)


def test_the_command_refuses_a_path_that_does_not_exist(tmp_path):
    result = run_command(tmp_path / "missing.yaml", database_url=None)

    assert result.returncode == 1
    assert "missing.yaml: no such file or folder" in result.stderr


def test_the_example_of_the_documentation_runs(db, tmp_path):
    doc = (Path(settings.BASE_DIR) / "docs" / "scenarios.md").read_text(encoding="utf-8")
    example = doc.split("```yaml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "example.yaml"
    path.write_text(example, encoding="utf-8")

    report = scenarios.run_file(path)

    assert report.passed, "\n".join(map(str, report.failures))
