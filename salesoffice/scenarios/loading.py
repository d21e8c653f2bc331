"""Reading a scenario file: strict YAML, the header, the people and the steps, every fact, expectation and
parameter checked against the registry before anything runs."""

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from django.conf import settings

from salesoffice.roles import Role

from .registry import EXPECTATIONS, FACTS, SETUPS, ScenarioError, listing, shown


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
    root, data = _parse(path)
    unknown = set(data) - HEADER - set(SETUPS)
    if unknown:
        raise ScenarioError(f"unknown header {listing(unknown)} (known: {listing(HEADER | set(SETUPS))})")
    rules = _rules(data)
    site, zone, sections = _site(data)
    people = {str(handle): _person(str(handle), spec) for handle, spec in (data.get("people") or {}).items()}
    return Scenario(
        path=path,
        title=str(data.get("title", path.stem)),
        rules=rules,
        expected_failure=None if data.get("expected_failure") is None else str(data["expected_failure"]),
        site=site,
        zone=zone,
        people=people,
        sections=sections,
        steps=_steps(data.get("steps"), _step_lines(root), zone),
    )


def _parse(path: Path) -> tuple[yaml.Node, dict]:
    """The file's YAML as a mapping, with its node tree (for the steps' line numbers)."""
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
    return root, data


def _rules(data: dict) -> list[str]:
    rules = data.get("rules") or []
    if isinstance(rules, str):
        rules = [rules]
    bad = [r for r in rules if not isinstance(r, str) or not RULE_ID.match(r)]
    if bad:
        raise ScenarioError(f"rules: {shown(bad)} are not rule IDs like REC-ROT-4")
    return list(rules)


def _site(data: dict) -> tuple[dict, ZoneInfo, list[tuple[str, dict]]]:
    """The site's mapping, its time zone, and the apps' sections (inside `site:` or at the top level), checked."""
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
            raise ScenarioError(f"site: unknown section '{name}' (known: {listing(SITE_KEYS | set(SETUPS))})")
        SETUPS[name].arguments(value, name)
    return site, zone, sections


def _steps(raw_steps, step_lines: list[int], zone: ZoneInfo) -> list[Step]:
    if not isinstance(raw_steps, list) or not raw_steps:
        raise ScenarioError("steps: is a list with at least one step")
    steps: list[Step] = []
    previous: dt.datetime | None = None
    for number, raw in enumerate(raw_steps, start=1):
        line = step_lines[number - 1] if number - 1 < len(step_lines) else 0
        step = _step(number, line, raw, previous, zone)
        previous = step.at
        steps.append(step)
    return steps


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
        raise ScenarioError(f"people: {handle} has unknown {listing(unknown)} (role, roles, name, member)")
    roles = spec.get("roles", spec.get("role", []))
    roles = [roles] if isinstance(roles, str) else list(roles)
    known = {r.value for r in Role}
    parsed = []
    for role in roles:
        value = str(role).strip().lower().replace(" ", "_").replace("-", "_")
        if value not in known:
            raise ScenarioError(f"people: {handle} has unknown role {role!r} (known: {listing(known)})")
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
        raise ScenarioError(f"{where}: unknown fact {listing(map(str, unknown))} (known: {listing(FACTS)})")
    if len(facts) > 1:
        raise ScenarioError(f"{where}: one fact per step, not {listing(facts)}")
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
                f"{where}: unknown expectation {listing(map(str, unknown))} (known: {listing(EXPECTATIONS)})"
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
