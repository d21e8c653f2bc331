"""The world one scenario file builds and replays in: its site, people and named objects, and the current instant.
Step modules read and name things through it."""

import datetime as dt
import itertools

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from salesoffice.models import Site, SiteMembership
from salesoffice.roles import Role

from .loading import Scenario, Step, parse_instant
from .registry import SETUPS, ScenarioError, listing


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
        self.actor_roles: tuple[Role, ...] = ()  # the current fact's default doers, set by the runner

    # people

    def person(self, handle) -> object:
        try:
            return self.people[str(handle)]
        except KeyError:
            raise ScenarioError(f"unknown person '{handle}' (people: {listing(self.people)})") from None

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
        for role in self.actor_roles:
            for handle, roles in self.roles.items():
                if role in roles:
                    return self.people[handle]
        wanted = " or ".join(r.value for r in self.actor_roles) or "someone"
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
            raise ScenarioError(f"unknown {label} '{name}' (named so far: {listing(known)})")
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


def build(world: World) -> None:
    """Create the file's site, its people (in their roles' groups, members of the site unless `member: false`) and
    the apps' sections."""
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
