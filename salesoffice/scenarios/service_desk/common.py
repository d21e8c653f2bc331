"""What the service desk's facts and expectations share: who does a step by default, and how a file's
values (a request's name, an instant) become the desk's objects. It marks no step."""

import datetime as dt

from salesoffice.roles import Role
from salesoffice.timeutil import end_of_day
from service_desk.models import Complaint, RectificationNotice, Repair, ServiceRequest

from ..registry import ScenarioError
from ..world import World

DESK = (Role.SERVICE_DESK_STAFF, Role.ADMINISTRATOR, Role.OFFICE_DIRECTOR)
REPAIRERS = (Role.REPAIR_STAFF, Role.REPAIR_LEAD)
CALLERS = (Role.REPAIR_LEAD, Role.ADMINISTRATOR, Role.OFFICE_DIRECTOR)
HEAD = (Role.OFFICE_DIRECTOR,)
# A drawn signature as the pad posts it (a PNG data URL); `signature: false` in a file leaves it out.
SIGNATURE = "data:image/png;base64," + "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk" * 2


def _request(world: World, name) -> ServiceRequest:
    item = world.get(name, ServiceRequest)
    item.site = world.site
    return item


def _of_kind(world: World, name, kind: str, model):
    """The repair or complaint of the request the file named `name`."""
    item = _request(world, name)
    if item.kind != kind:
        raise ScenarioError(f"'{name}' is a {item.kind}, not a {kind}")
    found = model.objects.select_related("request").get(request=item)
    found.request.site = world.site
    return found


def _repair(world: World, name) -> Repair:
    return _of_kind(world, name, ServiceRequest.Kind.REPAIR, Repair)


def _complaint(world: World, name) -> Complaint:
    return _of_kind(world, name, ServiceRequest.Kind.COMPLAINT, Complaint)


def _optional_instant(world: World, value) -> dt.datetime | None:
    return None if value is None else world.instant(value)


def _shown_instant(world: World, instant: dt.datetime | None) -> str | None:
    if instant is None:
        return None
    local = instant.astimezone(world.zone)
    if local == end_of_day(local.date(), world.zone):
        return f"end of {local:%Y-%m-%d}"
    return f"{local:%Y-%m-%d %H:%M}"


def _expected_instant(world: World, value) -> str | None:
    """`2026-03-03 10:00`, or `end of 2026-03-05` (the last instant of that day), as written."""
    if value is None or str(value) == "nobody":
        return None
    text = str(value).strip()
    if text.startswith("end of "):
        return text
    return _shown_instant(world, world.instant(text))


def _mapping(name: str, expected) -> dict:
    if not isinstance(expected, dict):
        raise ScenarioError(f"{name}: is a mapping of named requests, e.g. {{r1: ...}}")
    return expected


def _open_notice(world: World, repair) -> RectificationNotice | None:
    found = _repair(world, repair)
    notice = RectificationNotice.objects.filter(callback__completion__repair=found).order_by("-issued_at").first()
    if notice is not None:
        notice.site = world.site
    return notice
