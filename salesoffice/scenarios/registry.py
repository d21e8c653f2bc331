"""The vocabulary of scenario files: the facts, expectations and header sections the step modules declare, and the
verdict (`Check`) an expectation returns.

A step module marks its functions with `@fact`, `@expect`, `@setup` and `@before_fact`; the marks register nothing
by themselves. `register(modules)` reads the marked functions of the modules it is given — the package's explicit
list, `STEP_MODULES` in `salesoffice/scenarios/__init__.py` — so a module left off that list contributes nothing,
and a name declared twice is an error at import.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured

from salesoffice.roles import Role

if TYPE_CHECKING:
    from .world import World


class ScenarioError(Exception):
    """The file itself is wrong: it does not parse, or names an unknown fact, expectation, person or object."""


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
                raise ScenarioError(f"{where}: '{self.name}' takes a mapping of {listing(self.params)}")
            value = {self.shorthand: value}
        unknown = set(value) - self.params
        if unknown:
            raise ScenarioError(
                f"{where}: '{self.name}' has no parameter {listing(unknown)} (it takes {listing(self.params)})"
            )
        missing = self.required - set(value)
        if missing:
            raise ScenarioError(f"{where}: '{self.name}' needs {listing(missing)}")
        return dict(value)


FACTS: dict[str, Handler] = {}
EXPECTATIONS: dict[str, Handler] = {}
SETUPS: dict[str, Handler] = {}
BEFORE_FACT: list[Callable[[World], None]] = []

# The attribute a mark leaves on a function: (the registry's kind, the Handler).
_MARK = "scenario_handler"
_REGISTRIES = {"fact": FACTS, "expectation": EXPECTATIONS, "setup section": SETUPS}


def _mark(kind: str, name: str, **extra: Any) -> Callable[[Callable], Callable]:
    def decorate(func: Callable) -> Callable:
        keyword = [p for p in inspect.signature(func).parameters.values() if p.kind == p.KEYWORD_ONLY]
        handler = Handler(
            name=name,
            func=func,
            params=frozenset(p.name for p in keyword),
            required=frozenset(p.name for p in keyword if p.default is p.empty),
            **extra,
        )
        setattr(func, _MARK, (kind, handler))
        return func

    return decorate


def fact(name: str, *, shorthand: str | None = None, actor: Role | Sequence[Role] = ()) -> Callable:
    """Mark `func(world, *, param...)` as the fact `name`. It calls the app's service at `world.now` as
    `world.actor()` (the step's `by:`, else the first person holding one of the `actor` roles) and returns the
    object it made, which the step's `as:` names."""
    roles = (actor,) if isinstance(actor, Role) else tuple(actor)
    return _mark("fact", name, shorthand=shorthand, actor=roles)


def expect(name: str) -> Callable:
    """Mark `func(world, expected) -> Check | list[Check]` as the expectation `name`."""
    return _mark("expectation", name)


def setup(name: str, *, shorthand: str | None = None) -> Callable:
    """Mark `func(world, *, param...)` as a header section `name` (in `site:` or at the top level)."""
    return _mark("setup section", name, shorthand=shorthand)


def before_fact(func: Callable[[World], None]) -> Callable[[World], None]:
    """Mark `func(world)` to run before every fact, e.g. to note where the app's log stands."""
    setattr(func, _MARK, ("before fact", None))
    return func


def register(modules: Iterable[ModuleType]) -> None:
    """Register the marked functions of these modules, in order. A function one module imports from another is
    registered once; two functions under one name are an error."""
    for module in modules:
        for func in vars(module).values():
            mark = getattr(func, _MARK, None) if inspect.isfunction(func) else None
            if mark is None:
                continue
            kind, handler = mark
            if handler is None:
                if func not in BEFORE_FACT:
                    BEFORE_FACT.append(func)
                continue
            registry = _REGISTRIES[kind]
            known = registry.get(handler.name)
            if known is not None and known.func is not func:
                raise ImproperlyConfigured(f"scenario {kind} '{handler.name}' is declared twice")
            registry[handler.name] = handler


# --- verdicts ------------------------------------------------------------------------------------------------------


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


def listing(names: Iterable[str]) -> str:
    return ", ".join(sorted(names)) or "nothing"
