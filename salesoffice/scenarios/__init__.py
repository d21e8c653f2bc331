"""Scenario files: a timeline of facts with the outcomes expected after any step, replayed through the apps' own
services (the format, and how to add a step, in docs/scenarios.md).

The runner lives here, not in the product apps, and no product app imports it (tests/scenarios/test_layout.py):

- `registry`: the marks a step module puts on its functions (`@fact`, `@expect`, `@setup`, `@before_fact`) and
  the verdicts (`Check`, `same`);
- `loading`: reading a file strictly, every name checked before anything runs;
- `world`: the site, people and named objects a file builds;
- `runner`: replaying a file in a transaction that is rolled back, and the report;
- the step modules of each app, each calling that app's services and selectors, as its views do: a module per app
  (`commission`, `vip`), or a package per app split by concern (`reception`, `attribution`, `service_desk`: their
  `facts` and `expectations`, and a `common` module of what both share that marks no step); `permissions` holds
  the expectations every app may use.

`STEP_MODULES` is the one list of step modules: a step module that is not on it registers nothing.
"""

from . import commission, permissions, vip
from .attribution import expectations as attribution_expectations
from .attribution import facts as attribution_facts
from .loading import Scenario, load
from .reception import expectations as reception_expectations
from .reception import facts as reception_facts
from .registry import ScenarioError, register
from .runner import FileReport, Line, collect, display_path, run_file
from .service_desk import expectations as service_desk_expectations
from .service_desk import facts as service_desk_facts

STEP_MODULES = (
    permissions,
    reception_facts,
    reception_expectations,
    attribution_facts,
    attribution_expectations,
    commission,
    vip,
    service_desk_facts,
    service_desk_expectations,
)

register(STEP_MODULES)

__all__ = [
    "STEP_MODULES",
    "FileReport",
    "Line",
    "Scenario",
    "ScenarioError",
    "collect",
    "display_path",
    "load",
    "run_file",
]
