"""Replaying scenario files: each step's fact through its step module (and so through the app's services), then
its expectations, every verdict a PASS/FAIL line. `run_file` works on whatever database the current connection
points at, inside a transaction it always rolls back; `manage.py run_scenarios` first creates a throwaway test
database for it, and the test suite calls it on pytest's."""

import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import translation

from .loading import Step, load
from .registry import BEFORE_FACT, EXPECTATIONS, FACTS, ScenarioError, shown
from .world import World, build


@dataclass
class Line:
    status: str  # PASS, FAIL, XFAIL (a failure the file expects, see expected_failure:) or ERROR
    where: str
    text: str

    def __str__(self) -> str:
        return f"{self.status} {self.where} — {self.text}"


@dataclass
class FileReport:
    path: Path
    lines: list[Line] = field(default_factory=list)
    detail: str = ""  # the traceback of an unexpected exception
    expected_failure: str | None = None

    @property
    def passed(self) -> bool:
        return not self.failures and any(self.lines)

    @property
    def failures(self) -> list[Line]:
        return [line for line in self.lines if line.status not in ("PASS", "XFAIL")]

    @property
    def expected_failures(self) -> list[Line]:
        return [line for line in self.lines if line.status == "XFAIL"]


class _Rollback(Exception):
    pass


class _Stop(Exception):
    """An unexpected refusal: the rest of the file would replay another history, so it stops here."""


def run_file(path: Path, *, label: str | None = None, echo: Callable[[Line], None] | None = None) -> FileReport:
    """Replay one file on the current database, in a transaction that is always rolled back."""
    label = label or str(path)
    report = FileReport(path)

    def emit(status: str, where: str, text: str) -> None:
        if status == "FAIL" and report.expected_failure is not None:
            status = "XFAIL"
        line = Line(status, where, text)
        report.lines.append(line)
        if echo:
            echo(line)

    try:
        scenario = load(path)
    except ScenarioError as exc:
        emit("ERROR", label, str(exc))
        return report
    report.expected_failure = scenario.expected_failure
    world = World(scenario)
    with translation.override("en"):
        try:
            with transaction.atomic():
                build(world)
                for step in scenario.steps:
                    _run_step(world, step, lambda status, text, n=step.number: emit(status, f"{label}:{n}", text))
                raise _Rollback
        except _Rollback:
            pass
        except _Stop:
            pass
        except ScenarioError as exc:
            where = f"{label}:{world.step.number}" if world.step else label
            emit("ERROR", where, str(exc))
        except Exception as exc:  # a bug met while replaying: reported against its step, the other files still run
            where = f"{label}:{world.step.number}" if world.step else label
            emit("ERROR", where, f"{type(exc).__name__}: {exc}")
            report.detail = traceback.format_exc()
    if not report.lines:
        emit("ERROR", label, "nothing was checked: the file expects nothing")
    if report.expected_failure is not None and not report.expected_failures and not report.failures:
        report.expected_failure = None  # the FAIL below is the runner's own, not the one the file expects
        emit("FAIL", label, f"every expectation passed, though the file expects a failure: {scenario.expected_failure}")
    return report


def _run_step(world: World, step: Step, emit: Callable[[str, str], None]) -> None:
    world.step = step
    world.now = step.at
    if step.fact:
        _run_fact(world, step, emit)
    for name, expected in step.expectations:
        checks = EXPECTATIONS[name].func(world, expected)
        for check in checks if isinstance(checks, list) else [checks]:
            emit("PASS" if check.ok else "FAIL", check.line)


def _run_fact(world: World, step: Step, emit: Callable[[str, str], None]) -> None:
    """The step's fact in a savepoint of its own: a refusal (as the page would show it) changes nothing."""
    handler = FACTS[step.fact]
    world.actor_roles = handler.actor
    for hook in BEFORE_FACT:
        hook(world)
    refusal = None
    try:
        with transaction.atomic():
            result = handler.func(world, **step.args)
    except (ValidationError, PermissionDenied) as exc:
        refusal = " ".join(getattr(exc, "messages", None) or [str(exc)])
        result = None
    world.result = result
    if step.refused is not None:
        _judge_refusal(step, refusal, emit)
    elif refusal is not None:
        emit("FAIL", f"{step.fact}: expected it to be accepted, got refused: {refusal}")
        raise _Stop
    else:
        _name_result(world, step, result)


def _judge_refusal(step: Step, refusal: str | None, emit: Callable[[str, str], None]) -> None:
    what = f"{step.fact} refused" + (f" ({', '.join(step.refused)})" if step.refused else "")
    if refusal is None:
        emit("FAIL", f"{what}: expected a refusal, got accepted")
        return
    missing = [text for text in step.refused if text not in refusal]
    if missing:
        emit("FAIL", f"{what}: expected a message with {shown(missing)}, got: {refusal}")
    else:
        emit("PASS", f"{what}: {refusal}")


def _name_result(world: World, step: Step, result) -> None:
    """`as:` names what the fact made; an object left unnamed is reported as `@N`, N its step."""
    if step.name and result is None:
        raise ScenarioError(f"{step.fact} makes nothing that as: could name")
    if result is not None and hasattr(result, "pk"):
        if step.name:
            world.name(step.name, result)
        elif (type(result), result.pk) not in world.names:
            world.names[(type(result), result.pk)] = f"@{step.number}"


def collect(paths: Iterable[str | Path]) -> list[Path]:
    """The scenario files named, folders searched recursively for *.yaml, in a stable order."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files += sorted(path.rglob("*.yaml"))
        elif path.is_file():
            files.append(path)
        else:
            raise ScenarioError(f"{raw}: no such file or folder")
    return files


def display_path(path: Path) -> str:
    """How a file is named in the report: relative to the working directory when below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
