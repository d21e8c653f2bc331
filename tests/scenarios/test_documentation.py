"""docs/scenarios.md is true to the runner: a row for every section, fact and expectation the step modules register and
none for a name that does not exist, every parameter of a section or fact named in its row, and every example one
that the runner reads."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from salesoffice.scenarios import ScenarioError, registry
from salesoffice.scenarios.loading import _Loader

DOC = Path(settings.BASE_DIR) / "docs" / "scenarios.md"
REGISTRIES = {"section": registry.SETUPS, "fact": registry.FACTS, "expectation": registry.EXPECTATIONS}
ROW_HEAD = re.compile(r"^\| (section|fact|expectation) \| example \|")


def rows() -> list[tuple[str, list[str]]]:
    """(kind, cells) of every row of the reference tables, whose header reads `| fact | example | ...`."""
    found, kind = [], None
    for line in DOC.read_text(encoding="utf-8").splitlines():
        head = ROW_HEAD.match(line)
        if head:
            kind = head.group(1)
        elif not line.startswith("|"):
            kind = None
        elif kind and not line.startswith("| ---"):
            found.append((kind, [cell.strip() for cell in line.split("|")[1:-1]]))
    return found


def names(cell: str) -> list[str]:
    return re.findall(r"`([a-z_]+)`", cell)


def examples(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


def test_every_registered_name_has_a_row_and_every_row_a_registered_name():
    documented = {kind: set() for kind in REGISTRIES}
    for kind, cells in rows():
        documented[kind] |= set(names(cells[0]))

    assert {kind: sorted(set(REGISTRIES[kind]) - documented[kind]) for kind in REGISTRIES} == {
        kind: [] for kind in REGISTRIES
    }
    assert {kind: sorted(documented[kind] - set(REGISTRIES[kind])) for kind in REGISTRIES} == {
        kind: [] for kind in REGISTRIES
    }


def test_every_parameter_of_a_section_or_fact_is_named_in_its_row():
    missing = {}
    for kind, cells in rows():
        if kind == "expectation":
            continue
        described = set(names(cells[2]))
        for name in names(cells[0]):
            if name == "change_settings":  # "any setting of office:", listed in the office row
                continue
            left_out = REGISTRIES[kind][name].params - described
            if left_out:
                missing[name] = sorted(left_out)
    assert missing == {}


@pytest.mark.parametrize(
    "kind, cells", [row for row in rows()], ids=[f"{kind}:{'/'.join(names(cells[0]))}" for kind, cells in rows()]
)
def test_each_example_reads_as_its_row_says(kind, cells):
    written = examples(cells[1])
    assert len(written) == len(names(cells[0])), "one example per name of the row"
    for name, example in zip(names(cells[0]), written, strict=True):
        loader = _Loader(example)
        try:
            value = loader.get_single_data()
        finally:
            loader.dispose()
        assert isinstance(value, dict) and list(value) == [name], example
        if kind != "expectation":
            try:
                REGISTRIES[kind][name].arguments(value[name], "the example")
            except ScenarioError as exc:
                pytest.fail(f"{example}: {exc}")
