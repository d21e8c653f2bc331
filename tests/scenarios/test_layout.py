"""Where the scenario runner lives: in salesoffice/scenarios/, one step module per app, on one explicit list, and
never imported by product code (imports inside functions count too)."""

import ast
import types
from importlib import import_module
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from salesoffice import scenarios
from salesoffice.scenarios import registry

BASE = Path(settings.BASE_DIR)
PACKAGE = BASE / "salesoffice" / "scenarios"
# The package's own framework modules; every other module in it is a step module.
FRAMEWORK = {"registry", "loading", "world", "runner"}
# What an app package's facts and expectations share (marking no step); every other module is a step module.
SHARED = {"attribution.common", "service_desk.common"}
# The one product file allowed to import the runner: the command that runs it.
COMMAND = BASE / "salesoffice" / "management" / "commands" / "run_scenarios.py"


def product_apps() -> list[Path]:
    return [Path(config.path) for config in apps.get_app_configs() if Path(config.path).parent == BASE]


def product_files() -> list[Path]:
    return [
        path
        for app in product_apps()
        for path in sorted(app.rglob("*.py"))
        if PACKAGE not in path.parents and path != COMMAND
    ]


def imported_modules(path: Path) -> set[str]:
    """Every module an `import` or `from ... import` names, at any depth of the file (relative imports resolved)."""
    package = ".".join(path.relative_to(BASE).with_suffix("").parts[:-1])
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            names |= {base} | {f"{base}.{alias.name}" for alias in node.names}
    return names


def test_the_product_apps_are_found():
    assert {path.name for path in product_apps()} >= {
        "salesoffice",
        "reception",
        "attribution",
        "commission",
        "vip",
        "service_desk",
    }


def test_no_product_app_imports_the_scenario_package():
    offenders = {
        str(path.relative_to(BASE)): sorted(
            name for name in imported_modules(path) if name.split(".")[:2] == ["salesoffice", "scenarios"]
        )
        for path in product_files()
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_no_product_app_ships_scenario_steps_of_its_own():
    assert [str(app / "scenarios.py") for app in product_apps() if (app / "scenarios.py").exists()] == []


def package_modules() -> set[str]:
    """Every module of the package by its dotted name below it (`vip`, `reception.facts`), packages' `__init__`
    aside."""
    return {
        ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
        for path in PACKAGE.rglob("*.py")
        if path.stem != "__init__"
    }


def test_every_step_module_of_the_package_is_on_the_list():
    modules = package_modules() - FRAMEWORK - SHARED
    listed = {module.__name__.removeprefix(f"{scenarios.__name__}.") for module in scenarios.STEP_MODULES}
    assert listed == modules


def test_a_shared_module_marks_no_step():
    """An app package's `common` is off the list: a step marked there would silently register nothing."""
    marked = {
        name: sorted(
            attr
            for attr, value in vars(import_module(f"{scenarios.__name__}.{name}")).items()
            if getattr(value, "scenario_handler", None) is not None
        )
        for name in SHARED
    }
    assert {name: attrs for name, attrs in marked.items() if attrs} == {}


def test_a_name_declared_twice_is_an_error():
    @registry.fact("walk_in")
    def walk_in(world):
        """Another fact under a name the desk declares already."""

    with pytest.raises(ImproperlyConfigured, match="scenario fact 'walk_in' is declared twice"):
        registry.register([types.SimpleNamespace(walk_in=walk_in)])
    assert registry.FACTS["walk_in"].func is not walk_in


def test_a_marked_function_registers_nothing_until_its_module_is_listed():
    @registry.expect("never_listed")
    def never_listed(world, expected):
        """An expectation in a module nobody put on STEP_MODULES."""

    assert "never_listed" not in registry.EXPECTATIONS
