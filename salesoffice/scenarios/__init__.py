"""Scenario files: a timeline of facts with the outcomes expected after any step, replayed through the apps' own
services (the format, and how to add a step, in docs/scenarios.md).

The runner lives here, not in the product apps, and no product app imports it (tests/scenarios/test_layout.py):

- `registry`: the marks a step module puts on its functions (`@fact`, `@expect`, `@setup`, `@before_fact`) and
  the verdicts (`Check`, `same`);
- `loading`: reading a file strictly, every name checked before anything runs;
- `world`: the site, people and named objects a file builds;
- `runner`: replaying a file in a transaction that is rolled back, and the report;
- one step module per app (`reception`, `attribution`, ...), each calling that app's services and selectors, as
  its views do; `permissions` holds the expectations every app may use.

`STEP_MODULES` is the one list of step modules: a step module that is not on it registers nothing.
"""

from . import attribution, commission, permissions, reception, service_desk, vip
from .loading import Scenario, load
from .registry import ScenarioError, register
from .runner import FileReport, Line, collect, display_path, run_file

STEP_MODULES = (permissions, reception, attribution, commission, vip, service_desk)

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
