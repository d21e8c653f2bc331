"""Scenario files: a timeline of facts with the outcomes expected after any step, replayed through the apps'
own services (the format is described in docs/scenarios.md).

This module is the framework: the registry that apps fill from their own `<app>/scenarios.py` (`@fact`,
`@expect`, `@setup`, `@before_fact`), the loader, and the runner. `run_file` works on whatever database the
current connection points at, inside a transaction it always rolls back; `manage.py run_scenarios` first creates
a throwaway test database for it, and the test suite calls it on pytest's.
"""

import datetime as dt
import inspect
import itertools
import re
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.module_loading import autodiscover_modules

from .models import Site, SiteMembership
from .roles import Role


class ScenarioError(Exception):
    """The file itself is wrong: it does not parse, or names an unknown fact, expectation, person or object."""


# --- the registry ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Handler:
    """A registered fact, expectation or setup section; its keyword-only parameters are the keys it accepts."""

    name: str
    func: Callable
    params: frozenset[str] = frozenset()
    required: frozenset[str] = frozenset()
    shorthand: str | None = None
    actor: tuple[Role, ...] = ()

    def arguments(self, value, where: str) -> dict:
        """The YAML value as keyword arguments: a mapping of parameters, or the shorthand parameter's value."""
        if value is None:
            value = {}
        elif not isinstance(value, dict):
            if self.shorthand is None:
                raise ScenarioError(f"{where}: '{self.name}' takes a mapping of {_listing(self.params)}")
            value = {self.shorthand: value}
        unknown = set(value) - self.params
        if unknown:
            raise ScenarioError(
                f"{where}: '{self.name}' has no parameter {_listing(unknown)} (it takes {_listing(self.params)})"
            )
        missing = self.required - set(value)
        if missing:
            raise ScenarioError(f"{where}: '{self.name}' needs {_listing(missing)}")
        return dict(value)


FACTS: dict[str, Handler] = {}
EXPECTATIONS: dict[str, Handler] = {}
SETUPS: dict[str, Handler] = {}
BEFORE_FACT: list[Callable[["World"], None]] = []


def _handler(registry: dict[str, Handler], kind: str, name: str, func: Callable, **extra) -> Callable:
    if name in registry and registry[name].func is not func:
        raise ImproperlyConfigured(f"scenario {kind} '{name}' is registered twice")
    keyword = [p for p in inspect.signature(func).parameters.values() if p.kind == p.KEYWORD_ONLY]
    registry[name] = Handler(
        name=name,
        func=func,
        params=frozenset(p.name for p in keyword),
        required=frozenset(p.name for p in keyword if p.default is p.empty),
        **extra,
    )
    return func


def fact(name: str, *, shorthand: str | None = None, actor: Role | Sequence[Role] = ()) -> Callable:
    """Register `func(world, *, param...)` as the fact `name`. It calls the app's service at `world.now` as
    `world.actor()` (the step's `by:`, else the first person holding one of the `actor` roles) and returns the
    object it made, which the step's `as:` names."""
    roles = (actor,) if isinstance(actor, Role) else tuple(actor)
    return lambda func: _handler(FACTS, "fact", name, func, shorthand=shorthand, actor=roles)


def expect(name: str) -> Callable:
    """Register `func(world, expected) -> Check | list[Check]` as the expectation `name`."""
    return lambda func: _handler(EXPECTATIONS, "expectation", name, func)


def setup(name: str, *, shorthand: str | None = None) -> Callable:
    """Register `func(world, *, param...)` for a header section `name` (in `site:` or at the top level)."""
    return lambda func: _handler(SETUPS, "setup section", name, func, shorthand=shorthand)


def before_fact(func: Callable[["World"], None]) -> Callable[["World"], None]:
    """Run `func(world)` before every fact, e.g. to note where the app's log stands."""
    if func not in BEFORE_FACT:
        BEFORE_FACT.append(func)
    return func


def discover() -> None:
    """Import `<app>/scenarios.py` of every installed app, so each registers its own facts and expectations."""
    autodiscover_modules("scenarios")


@dataclass(frozen=True)
class Check:
    """One expectation's verdict, printed as a PASS or FAIL line."""

    what: str
    ok: bool
    expected: str
    got: str

    @property
    def line(self) -> str:
        return f"{self.what}: {self.expected}" if self.ok else f"{self.what}: expected {self.expected}, got {self.got}"


def same(what: str, expected, got) -> Check:
    """A check that `got` equals `expected`, both shown as written (lists joined by commas)."""
    return Check(what, expected == got, shown(expected), shown(got))


def shown(value) -> str:
    if value is None:
        return "nobody"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(shown(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {shown(v)}" for k, v in value.items()) + "}"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _listing(names: Iterable[str]) -> str:
    return ", ".join(sorted(names)) or "nothing"


# --- loading -----------------------------------------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """YAML as the files mean it: `09:30` and `2026-03-03 09:00` stay strings (no base-60 integers, no
    timestamps), only true/false are booleans (a person may be called `no`), and a repeated key is an error."""

    yaml_implicit_resolvers = {
        first: [
            (tag, regexp)
            for tag, regexp in resolvers
            if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:timestamp")
        ]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def construct_mapping(self, node, deep=False):
        keys = set()
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in keys:
                raise ScenarioError(f"line {key_node.start_mark.line + 1}: '{key}' is given twice")
            keys.add(key)
        return super().construct_mapping(node, deep=deep)


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Loader.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789"))

HEADER = {"title", "description", "rules", "expected_failure", "site", "people", "steps"}
SITE_KEYS = {"code", "name", "time_zone", "kind"}
STEP_KEYS = {"at", "by", "as", "refused", "expect"}
RULE_ID = re.compile(r"^[A-Z]+(?:-[A-Z0-9]+)+[a-z]?$")


@dataclass
class Step:
    number: int
    line: int
    at: dt.datetime
    fact: str | None = None
    args: dict = field(default_factory=dict)
    by: str | None = None
    name: str | None = None
    refused: list[str] | None = None
    expectations: list[tuple[str, object]] = field(default_factory=list)


@dataclass
class Scenario:
    path: Path
    title: str
    rules: list[str]
    expected_failure: str | None
    site: dict
    zone: ZoneInfo
    people: dict[str, dict]
    sections: list[tuple[str, dict]]
    steps: list[Step]


def load(path: Path) -> Scenario:
    """Parse and check a scenario file; every fact, expectation and parameter must be known before anything runs."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(f"cannot read the file: {exc}") from exc
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.YAMLError as exc:
        raise ScenarioError(f"not valid YAML: {exc}") from exc
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise ScenarioError("a scenario file is a mapping with site:, people: and steps:")
    step_lines = _step_lines(root)
    unknown = set(data) - HEADER - set(SETUPS)
    if unknown:
        raise ScenarioError(f"unknown header {_listing(unknown)} (known: {_listing(HEADER | set(SETUPS))})")

    rules = data.get("rules") or []
    if isinstance(rules, str):
        rules = [rules]
    bad = [r for r in rules if not isinstance(r, str) or not RULE_ID.match(r)]
    if bad:
        raise ScenarioError(f"rules: {shown(bad)} are not rule IDs like REC-ROT-4")

    site = data.get("site") or {}
    if not isinstance(site, dict):
        raise ScenarioError("site: is a mapping (code, name, time_zone, kind and app sections such as desk)")
    zone_name = site.get("time_zone", settings.TIME_ZONE)
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ScenarioError(f"site: unknown time zone {zone_name!r}") from exc
    sections = [(k, v) for k, v in site.items() if k not in SITE_KEYS]
    sections += [(k, v) for k, v in data.items() if k not in HEADER]
    for name, value in sections:
        if name not in SETUPS:
            raise ScenarioError(f"site: unknown section '{name}' (known: {_listing(SITE_KEYS | set(SETUPS))})")
        SETUPS[name].arguments(value, name)

    people = {str(handle): _person(str(handle), spec) for handle, spec in (data.get("people") or {}).items()}
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise ScenarioError("steps: is a list with at least one step")
    steps: list[Step] = []
    previous: dt.datetime | None = None
    for number, raw in enumerate(raw_steps, start=1):
        line = step_lines[number - 1] if number - 1 < len(step_lines) else 0
        step = _step(number, line, raw, previous, zone)
        previous = step.at
        steps.append(step)
    return Scenario(
        path=path,
        title=str(data.get("title", path.stem)),
        rules=list(rules),
        expected_failure=None if data.get("expected_failure") is None else str(data["expected_failure"]),
        site=site,
        zone=zone,
        people=people,
        sections=sections,
        steps=steps,
    )


def _step_lines(root) -> list[int]:
    if isinstance(root, yaml.MappingNode):
        for key, value in root.value:
            if key.value == "steps" and isinstance(value, yaml.SequenceNode):
                return [item.start_mark.line + 1 for item in value.value]
    return []


def _person(handle: str, spec) -> dict:
    if isinstance(spec, str | list):
        spec = {"role": spec}
    if not isinstance(spec, dict):
        raise ScenarioError(f"people: {handle} is a role, a list of roles, or a mapping with role:")
    unknown = set(spec) - {"role", "roles", "name", "member"}
    if unknown:
        raise ScenarioError(f"people: {handle} has unknown {_listing(unknown)} (role, roles, name, member)")
    roles = spec.get("roles", spec.get("role", []))
    roles = [roles] if isinstance(roles, str) else list(roles)
    known = {r.value for r in Role}
    parsed = []
    for role in roles:
        value = str(role).strip().lower().replace(" ", "_").replace("-", "_")
        if value not in known:
            raise ScenarioError(f"people: {handle} has unknown role {role!r} (known: {_listing(known)})")
        parsed.append(Role(value))
    return {"roles": parsed, "name": str(spec.get("name", handle.title())), "member": spec.get("member", True)}


def _step(number: int, line: int, raw, previous: dt.datetime | None, zone: ZoneInfo) -> Step:
    where = f"step {number} (line {line})"
    if not isinstance(raw, dict):
        raise ScenarioError(f"{where}: a step is a mapping (at:, a fact or expect:)")
    at = parse_instant(raw["at"], previous, zone, where) if "at" in raw else previous
    if at is None:
        raise ScenarioError(f"{where}: the first step needs at: (e.g. at: 2026-03-03 09:00)")
    if previous is not None and at < previous:
        raise ScenarioError(f"{where}: at {raw['at']} goes back in time")
    facts = [k for k in raw if k not in STEP_KEYS]
    unknown = [k for k in facts if k not in FACTS]
    if unknown:
        raise ScenarioError(f"{where}: unknown fact {_listing(map(str, unknown))} (known: {_listing(FACTS)})")
    if len(facts) > 1:
        raise ScenarioError(f"{where}: one fact per step, not {_listing(facts)}")
    step = Step(number=number, line=line, at=at)
    if facts:
        step.fact = facts[0]
        step.args = FACTS[step.fact].arguments(raw[step.fact], where)
    for key in ("by", "as"):
        if key in raw and not step.fact:
            raise ScenarioError(f"{where}: {key}: belongs to a fact")
    step.by = None if raw.get("by") is None else str(raw["by"])
    step.name = None if raw.get("as") is None else str(raw["as"])
    if "refused" in raw:
        if not step.fact:
            raise ScenarioError(f"{where}: refused: belongs to a fact")
        refused = raw["refused"]
        step.refused = (
            [] if refused is True else [str(r) for r in (refused if isinstance(refused, list) else [refused])]
        )
    expectations = raw.get("expect")
    if expectations is not None:
        if not isinstance(expectations, dict):
            raise ScenarioError(f"{where}: expect: is a mapping of expectations (e.g. next_up: bob)")
        unknown = set(expectations) - set(EXPECTATIONS)
        if unknown:
            raise ScenarioError(
                f"{where}: unknown expectation {_listing(map(str, unknown))} (known: {_listing(EXPECTATIONS)})"
            )
        step.expectations = list(expectations.items())
    if not step.fact and not step.expectations:
        raise ScenarioError(f"{where}: a step states a fact or expects something")
    return step


def parse_instant(value, previous: dt.datetime | None, zone: ZoneInfo, where: str) -> dt.datetime:
    """`2026-03-03 09:00` in the site's zone; `09:30` alone is on the previous step's day."""
    text = str(value).strip()
    try:
        if len(text) <= 8 and ":" in text:
            if previous is None:
                raise ScenarioError(f"{where}: the first instant needs a date: {text}")
            time = dt.time.fromisoformat(text)
            return dt.datetime.combine(previous.astimezone(zone).date(), time, tzinfo=zone)
        instant = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise ScenarioError(f"{where}: {text!r} is not an instant like 2026-03-03 09:00") from exc
    return instant if instant.tzinfo else instant.replace(tzinfo=zone)


# --- the world a file builds -------------------------------------------------------------------------------------


class World:
    """The site, people and named objects of one scenario file as it is replayed, and the current instant."""

    def __init__(self, scenario: Scenario):
        self.scenario = scenario
        self.zone = scenario.zone
        self.now: dt.datetime = scenario.steps[0].at
        self.site: Site | None = None
        self.people: dict[str, object] = {}
        self.handles: dict[int, str] = {}
        self.roles: dict[str, list[Role]] = {}
        self.named: dict[str, object] = {}
        self.names: dict[tuple[type, int], str] = {}
        self.step: Step | None = None
        self.result = None  # what the last fact returned
        self.data: dict[str, object] = {}  # each app's own notes, e.g. where its event log stood before a fact
        self._keys = itertools.count(1)
        self._actor_roles: tuple[Role, ...] = ()

    # people

    def person(self, handle) -> object:
        try:
            return self.people[str(handle)]
        except KeyError:
            raise ScenarioError(f"unknown person '{handle}' (people: {_listing(self.people)})") from None

    def persons(self, value) -> list:
        return [self.person(h) for h in (value if isinstance(value, list) else [value])]

    def handle(self, user_or_id) -> str | None:
        """The file's name for a user (or user id); None for nobody."""
        if user_or_id is None:
            return None
        pk = user_or_id if isinstance(user_or_id, int) else user_or_id.pk
        return self.handles.get(pk, f"user#{pk}")

    def actor(self):
        """Who does the current fact: the step's `by:`, else the first person with one of the fact's roles."""
        if self.step is not None and self.step.by:
            return self.person(self.step.by)
        for role in self._actor_roles:
            for handle, roles in self.roles.items():
                if role in roles:
                    return self.people[handle]
        wanted = " or ".join(r.value for r in self._actor_roles) or "someone"
        raise ScenarioError(f"nobody can do this: add a {wanted} to people, or say by:")

    # named objects

    def name(self, name: str, obj) -> None:
        if name in self.named:
            raise ScenarioError(f"the name '{name}' is taken already")
        self.named[name] = obj
        self.names[(type(obj), obj.pk)] = name

    def get(self, name, model: type):
        """The object the file named `name`, read afresh from the database."""
        obj = self.named.get(str(name))
        if not isinstance(obj, model):
            known = [n for n, o in self.named.items() if isinstance(o, model)]
            label = model._meta.verbose_name
            raise ScenarioError(f"unknown {label} '{name}' (named so far: {_listing(known)})")
        return model.objects.get(pk=obj.pk)

    def name_of(self, obj) -> str | None:
        if obj is None:
            return None
        return self.names.get((type(obj), obj.pk), f"{type(obj).__name__.lower()}#{obj.pk}")

    def request_key(self) -> str:
        """A fresh key per desk action, as every rendered desk form carries one."""
        return f"scenario-{next(self._keys)}"

    def instant(self, value) -> dt.datetime:
        """An instant written in the file (a parameter such as occurred_at), read like `at:`."""
        return parse_instant(value, self.now, self.zone, f"step {self.step.number if self.step else 0}")


def _build(world: World) -> None:
    scenario = world.scenario
    site = scenario.site
    code = str(site.get("code", "scenario"))
    world.site = Site.objects.create(
        code=code,
        name=str(site.get("name", code)),
        kind=str(site.get("kind", Site.Kind.SALES_OFFICE)),
        time_zone=str(site.get("time_zone", settings.TIME_ZONE)),
    )
    User = get_user_model()
    groups = {g.name: g for g in Group.objects.filter(name__in=[r.value for r in Role])}
    for handle, spec in scenario.people.items():
        user = User.objects.create_user(username=handle, password=None, first_name=spec["name"])
        user.groups.add(*(groups[r.value] for r in spec["roles"]))
        if spec["member"]:
            SiteMembership.objects.create(site=world.site, user=user)
        world.people[handle] = user
        world.handles[user.pk] = handle
        world.roles[handle] = spec["roles"]
    for name, value in scenario.sections:
        handler = SETUPS[name]
        handler.func(world, **handler.arguments(value, name))


# --- running -----------------------------------------------------------------------------------------------------


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
    discover()
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
                _build(world)
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
        handler = FACTS[step.fact]
        world._actor_roles = handler.actor
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
        if step.refused is None and refusal is not None:
            emit("FAIL", f"{step.fact}: expected it to be accepted, got refused: {refusal}")
            raise _Stop
        if step.refused is not None:
            what = f"{step.fact} refused" + (f" ({', '.join(step.refused)})" if step.refused else "")
            if refusal is None:
                emit("FAIL", f"{what}: expected a refusal, got accepted")
            else:
                missing = [text for text in step.refused if text not in refusal]
                if missing:
                    emit("FAIL", f"{what}: expected a message with {shown(missing)}, got: {refusal}")
                else:
                    emit("PASS", f"{what}: {refusal}")
        else:
            if step.name and result is None:
                raise ScenarioError(f"{step.fact} makes nothing that as: could name")
            if result is not None and hasattr(result, "pk"):
                if step.name:
                    world.name(step.name, result)
                elif (type(result), result.pk) not in world.names:
                    world.names[(type(result), result.pk)] = f"@{step.number}"
    for name, expected in step.expectations:
        checks = EXPECTATIONS[name].func(world, expected)
        for check in checks if isinstance(checks, list) else [checks]:
            emit("PASS" if check.ok else "FAIL", check.line)


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


# --- expectations any app may use --------------------------------------------------------------------------------


def _permission(name: str) -> str:
    return name if "." in name else _codename_to_perm(name)


def _codename_to_perm(codename: str) -> str:
    from django.contrib.auth.models import Permission

    labels = list(Permission.objects.filter(codename=codename).values_list("content_type__app_label", flat=True))
    if len(labels) != 1:
        raise ScenarioError(f"permission '{codename}' is {'ambiguous' if labels else 'unknown'}: write app.codename")
    return f"{labels[0]}.{codename}"


def _permissions_check(world: World, expected, *, held: bool) -> list[Check]:
    if not isinstance(expected, dict):
        raise ScenarioError("can:/cannot: map people to permissions, e.g. ann: [hold_units]")
    checks = []
    for handle, perms in expected.items():
        user = get_user_model().objects.get(pk=world.person(handle).pk)  # a fresh user: no cached permissions
        for perm in perms if isinstance(perms, list) else [perms]:
            has = user.has_perm(_permission(str(perm)))
            verb = "may" if held else "may not"
            checks.append(Check(f"{handle} {verb} {perm}", has == held, verb, "may" if has else "may not"))
    return checks


@expect("can")
def can(world: World, expected) -> list[Check]:
    """People hold these permissions through their roles."""
    return _permissions_check(world, expected, held=True)


@expect("cannot")
def cannot(world: World, expected) -> list[Check]:
    """People do not hold these permissions: the software offers them no such action (e.g. REC-AUTH-1)."""
    return _permissions_check(world, expected, held=False)
