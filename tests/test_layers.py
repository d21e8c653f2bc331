"""What import-linter cannot say (pyproject.toml's [tool.importlinter], run by bin/test): it sees an external package
only whole, so that the rules import no part of Django's ORM is checked here, imports inside functions included."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ["reception", "attribution", "commission", "vip", "service_desk"]


def imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found |= {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
    return found


def rules_files(app: str) -> list[Path]:
    """An app's rules: rules.py, or the modules of a rules/ package."""
    single = ROOT / app / "rules.py"
    return [single] if single.exists() else sorted((ROOT / app / "rules").glob("*.py"))


@pytest.mark.parametrize("app", APPS)
def test_the_rules_use_no_orm(app):
    assert rules_files(app)
    orm = {
        f"{path.name}: {name}"
        for path in rules_files(app)
        for name in imported_modules(path)
        if name == "django.db" or name.startswith("django.db.")
    }
    assert orm == set()


def test_the_check_sees_an_import_inside_a_function(tmp_path):
    module = tmp_path / "rules.py"
    module.write_text("def decide():\n    from django.db.models import Q\n    return Q()\n")
    assert "django.db.models" in imported_modules(module)
