"""docs/rules-index.md: every rule of docs/RULES.md decided by exactly one rules.py function (issue 18)."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from salesoffice.management.commands.rules_index import build_index

SHARED_RULES = Path(settings.BASE_DIR).parent / "shared" / "RULES.md"


def test_the_committed_index_is_complete_and_current():
    call_command("rules_index", "--check")


@pytest.mark.skipif(not SHARED_RULES.exists(), reason="the workspace's ../shared/RULES.md is not beside this clone")
def test_the_vendored_rules_are_the_spec():
    assert (Path(settings.BASE_DIR) / "docs" / "RULES.md").read_text() == SHARED_RULES.read_text()


def _house(tmp_path: Path, rules_py: str) -> Path:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "RULES.md").write_text(
        "- **REC-ROT-1** New walk-ins go in rota order.\n  Strictly.\n- **REC-ROT-2** The order is a cycle.\n"
    )
    (tmp_path / "reception").mkdir()
    (tmp_path / "reception" / "rules.py").write_text(rules_py)
    (tmp_path / "tests" / "scenarios" / "reception").mkdir(parents=True)
    (tmp_path / "tests" / "scenarios" / "reception" / "rot.yaml").write_text("# REC-ROT-1 and REC-ROT-2\n")
    return tmp_path


def test_each_rule_maps_to_its_function_and_scenarios(tmp_path):
    root = _house(
        tmp_path,
        'def next_turn():\n    """Who serves.\n\n    Decides: REC-ROT-1, REC-ROT-2.\n    """\n\n\n'
        'def void_refusal():\n    """No void once a later turn was taken (REC-ROT-1)."""\n',
    )
    text, problems = build_index(root, {})
    assert problems == []
    assert (
        "| **REC-ROT-1** | New walk-ins go in rota order. | `reception.rules.next_turn` | "
        "`reception.rules.void_refusal` | [rot.yaml]"
    ) in text
    assert "| **REC-ROT-2** | The order is a cycle. | `reception.rules.next_turn` |  | [rot.yaml]" in text


@pytest.mark.parametrize(
    ("rules_py", "problem"),
    [
        ('def a():\n    """A.\n\n    Decides: REC-ROT-1.\n    """\n', "REC-ROT-2: no rules.py function"),
        (
            'def a():\n    """Decides: REC-ROT-1, REC-ROT-2."""\n\n\ndef b():\n    """Decides: REC-ROT-2."""\n',
            "REC-ROT-2 is decided by 2 functions",
        ),
        ('def a():\n    """Decides: REC-ROT-1, REC-ROT-2, REC-ROT-9."""\n', "REC-ROT-9, which docs/RULES.md"),
    ],
)
def test_an_undecided_doubly_decided_or_unknown_rule_is_a_problem(tmp_path, rules_py, problem):
    _text, problems = build_index(_house(tmp_path, rules_py), {})
    assert any(problem in p for p in problems), problems


def test_a_rule_that_is_no_decision_is_said_so_and_may_not_be_decided_too(tmp_path):
    root = _house(tmp_path, 'def a():\n    """Decides: REC-ROT-1."""\n')
    text, problems = build_index(root, {"REC-ROT-2": "a permission"})
    assert problems == []
    assert "| **REC-ROT-2** | The order is a cycle. | not a decision: a permission |" in text
    _text, problems = build_index(root, {"REC-ROT-1": "a permission"})
    assert any("REC-ROT-1 is in NOT_DECISIONS" in p for p in problems), problems


def test_a_stale_index_fails_the_check(tmp_path, settings, monkeypatch):
    monkeypatch.setattr("salesoffice.management.commands.rules_index.NOT_DECISIONS", {})
    root = _house(tmp_path, 'def a():\n    """Decides: REC-ROT-1, REC-ROT-2."""\n')
    settings.BASE_DIR = root
    call_command("rules_index")
    call_command("rules_index", "--check")
    (root / "docs" / "rules-index.md").write_text("edited by hand\n")
    with pytest.raises(CommandError, match="stale"):
        call_command("rules_index", "--check")
