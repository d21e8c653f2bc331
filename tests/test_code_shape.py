"""The house stays walkable (issue 18): no product file over 600 lines, and a function over 60 lines either split or
saying, in a docstring paragraph that starts `Why one function:`, why it reads better whole. Migrations are
generated and excepted.

Each failure lists every offender, one per line, as `path:line name (N lines)`, so a newcomer sees all of them at
once rather than the first."""

import ast
from pathlib import Path

import pytest
from django.conf import settings

BASE = Path(settings.BASE_DIR)
PRODUCT_APPS = ("salesoffice", "reception", "attribution", "commission", "vip", "service_desk")
MAX_FILE_LINES = 600
MAX_FUNCTION_LINES = 60
WHY = "Why one function:"


def product_files() -> list[Path]:
    return [
        path
        for app in PRODUCT_APPS
        for path in sorted((BASE / app).rglob("*.py"))
        if "migrations" not in path.relative_to(BASE).parts
    ]


def line_count(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def functions(tree: ast.AST) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    """Every function of a module: top-level, methods and nested ones."""
    return [node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)]


def length(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """From the `def` line to the last line of the body (decorators not counted)."""
    return (node.end_lineno or node.lineno) - node.lineno + 1


def says_why(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    docstring = ast.get_docstring(node) or ""
    return any(paragraph.strip().startswith(WHY) for paragraph in docstring.split("\n\n"))


def long_functions_without_why(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    where = path.relative_to(BASE)
    return [
        f"{where}:{node.lineno} {node.name} ({length(node)} lines)"
        for node in functions(tree)
        if length(node) > MAX_FUNCTION_LINES and not says_why(node)
    ]


def report(title: str, offenders: list[str]) -> str:
    return f"{len(offenders)} {title}:\n  " + "\n  ".join(offenders)


def fail_with(title: str, offenders: list[str]) -> None:
    pytest.fail(report(title, offenders), pytrace=False)


def test_the_product_files_are_found():
    found = {path.relative_to(BASE).parts[0] for path in product_files()}
    assert found == set(PRODUCT_APPS)
    assert not any("migrations" in path.parts for path in product_files())


def test_no_product_file_is_over_600_lines():
    offenders = [
        f"{path.relative_to(BASE)} ({lines} lines)"
        for path in product_files()
        if (lines := line_count(path)) > MAX_FILE_LINES
    ]
    if offenders:
        fail_with(f"product files over {MAX_FILE_LINES} lines (split them by concern)", offenders)


def test_every_function_over_60_lines_says_why_it_is_one():
    offenders = [offender for path in product_files() for offender in long_functions_without_why(path)]
    if offenders:
        fail_with(
            f"functions over {MAX_FUNCTION_LINES} lines: split each, or give it a docstring paragraph starting '{WHY}'",
            offenders,
        )


def test_the_checker_sees_a_long_function_and_its_reason(tmp_path):
    body = "\n".join(f"    x{n} = {n}" for n in range(MAX_FUNCTION_LINES))
    plain = tmp_path / "plain.py"
    plain.write_text(f'def long():\n    """Does much."""\n{body}\n')
    explained = tmp_path / "explained.py"
    explained.write_text(f'def long():\n    """Does much.\n\n    {WHY} the steps share one lock.\n    """\n{body}\n')
    short = tmp_path / "short.py"
    short.write_text("def short():\n    return 1\n")
    tree = ast.parse(plain.read_text())
    assert [length(node) for node in functions(tree)] == [MAX_FUNCTION_LINES + 2]
    assert not says_why(functions(tree)[0])
    assert says_why(functions(ast.parse(explained.read_text()))[0])
    assert [length(node) for node in functions(ast.parse(short.read_text()))] == [2]
