"""Reads for the desk's pages: bounded query counts whatever the history holds."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.urls import reverse

from salesoffice.models import Site
from salesoffice.timeutil import day_bounds, local_day

from . import rules
from .explain import describe
from .models import DeskSettings, Reception, RotaEvent, RotaState
from .rules import Availability
from .services import DeskSnapshot, rota_state_for, take_snapshot


@dataclass(frozen=True)
class BoardRow:
    position: int
    member_id: int
    salesperson_id: int
    name: str
    availability: Availability
    slots: int
    lunch_duty: bool
    next_up: bool
    reception: Reception | None
    end_url: str = ""
    change_url: str = ""
    back_url: str = ""
    readiness: str = "unchecked"


@dataclass(frozen=True)
class Board:
    site: Site
    now: dt.datetime
    version: int
    token: str
    rows: list[BoardRow]
    next_up_name: str
    next_up_rule: str
    lunch_time: bool
    lunch_names: list[str]
    waiting: list[Reception]
    receptions_today: list[Reception]
    events: list[tuple[RotaEvent, str]]
    # The visit register's page for this site; a reception's link adds ?reception=<id> (ATT-REG-1).
    register_url: str = ""
    # The site's lunch hours (REC-ROT-7), shown on the lunch-duty card.
    lunch_start: dt.time | None = None
    lunch_end: dt.time | None = None


# What the board shows of today's receptions.
TODAY_FIELDS = ("arrived_at", "kind", "status", "salesperson_id", "client_label", "replaces_id")


def _token(version: int, site: Site, now: dt.datetime) -> str:
    # The board changes with the desk's version, and with the minute (its clock, lunch hours, a new day).
    return f"{version}.{now.astimezone(site.zone):%Y%m%d%H%M}"


def board_token(site: Site, now: dt.datetime, desk: RotaState | None = None) -> str:
    """What the board would say now, in one query (none given the desk's state): a terminal showing this token is
    up to date."""
    if desk is None:
        return _token(RotaState.objects.filter(site=site).values_list("version", flat=True).first() or 0, site, now)
    return _token(desk.version, site, now)


def _preview_next(snapshot: DeskSnapshot) -> tuple[int | None, str]:
    try:
        decision = rules.next_walk_in(
            snapshot.members,
            last_turn_member_id=snapshot.state.last_turn_member_id if snapshot.last_turn_position is not None else None,
            last_turn_position=snapshot.last_turn_position,
        )
    except rules.NobodyOnDuty:
        return None, "REC-ROT-1"
    if decision.assignment == rules.Assignment.WAIT:
        return None, "REC-ROT-6"
    return decision.salesperson_id, decision.rule_ids[0]


def board(
    site: Site,
    now: dt.datetime,
    *,
    desk: RotaState | None = None,
    settings: DeskSettings | None = None,
    recent_events: int = 12,
    receptions_shown: int = 20,
) -> Board:
    """The board at `now`; `desk` and `settings`, when given, are the desk's state and settings read just before
    (the board reads the rest after them, so its version never claims more than the board shows)."""
    desk = desk or rota_state_for(site)
    snapshot = take_snapshot(site, desk, now, settings=settings)
    settings = snapshot.settings
    zone = site.zone
    start, end = day_bounds(local_day(now, zone), zone)
    today = _receptions_today(site, snapshot, now, start, end, receptions_shown)
    # Open receptions from earlier days still matter (a reception running past midnight).
    open_receptions = list(
        Reception.objects.filter(site=site, status__in=[Reception.Status.WAITING, Reception.Status.ACTIVE])
        .select_related("waiting_for")
        .order_by("arrived_at", "pk")
    )
    lunch = rules.lunch_duty(
        snapshot.members,
        last_turn_member_id=desk.last_turn_member_id if snapshot.last_turn_position is not None else None,
        last_turn_position=snapshot.last_turn_position,
    )
    next_id, next_rule = _preview_next(snapshot)
    local_now = now.astimezone(zone).time()
    events = list(
        RotaEvent.objects.filter(site=site, at__gte=start, at__lt=end)
        .only("at", "kind", "rule_id", "params")
        .order_by("-at", "-pk")[:recent_events]
    )
    return Board(
        site=site,
        now=now,
        version=desk.version,
        token=_token(desk.version, site, now),
        rows=_rows(site, snapshot, open_receptions, lunch_ids={m.salesperson_id for m in lunch}, next_id=next_id),
        next_up_name=snapshot.name(next_id),
        next_up_rule=next_rule,
        lunch_time=settings.lunch_start <= local_now < settings.lunch_end,
        lunch_names=[snapshot.name(m.salesperson_id) for m in lunch],
        waiting=_waiting(site, open_receptions, now),
        receptions_today=today,
        events=[(e, describe(e)) for e in events],
        lunch_start=settings.lunch_start,
        lunch_end=settings.lunch_end,
        register_url=reverse("attribution:register", kwargs={"site": site.code}),
    )


def _receptions_today(
    site: Site, snapshot: DeskSnapshot, now: dt.datetime, start: dt.datetime, end: dt.datetime, shown: int
) -> list[Reception]:
    """The day's latest receptions, each with its salesperson's name, its labels and, when voidable, its void link."""
    # No join here: with it the planner sorts all of a busy day's rows instead of reading the index backwards.
    today = list(
        Reception.objects.filter(site=site, arrived_at__gte=start, arrived_at__lt=end)
        .only(*TODAY_FIELDS)
        .order_by("-arrived_at", "-pk")[:shown]
    )
    # Labels looked up once per board: get_FOO_display() rebuilt the choices per call, most of the list's rendering.
    kinds, statuses = dict(Reception.Kind.choices), dict(Reception.Status.choices)
    for reception in today:
        reception.salesperson_name = snapshot.name(reception.salesperson_id)
        reception.kind_label, reception.status_label = kinds[reception.kind], statuses[reception.status]
    # The supervisor may void a waiting or ongoing reception within the site's window after its arrival.
    void_url = reverse("reception:reception_void", kwargs={"site": site.code, "reception_id": 0})
    void_from = now - dt.timedelta(minutes=snapshot.settings.void_window_minutes)
    for reception in today:
        voidable = (
            reception.status in rules.OPEN_STATUSES
            and reception.arrived_at >= void_from
            and reception.replaces_id is None
        )
        reception.void_url = void_url.replace("/0/", f"/{reception.pk}/") if voidable else ""
    return today


def _rows(
    site: Site, snapshot: DeskSnapshot, open_receptions: list[Reception], *, lunch_ids: set[int], next_id: int | None
) -> list[BoardRow]:
    """One row per rota member in the order, with the reception they are in and the links of its buttons."""
    active_by_salesperson = {r.salesperson_id: r for r in open_receptions if r.status == Reception.Status.ACTIVE}
    # Reversed once, then filled in per row: a board of thirty people would otherwise reverse ~90 URLs a render.
    end_url = reverse("reception:reception_end", kwargs={"site": site.code, "reception_id": 0})
    change_url = reverse("reception:change_request", kwargs={"site": site.code, "reception_id": 0})
    back_url = reverse("reception:back", kwargs={"site": site.code, "member_id": 0})
    rows = []
    for m in sorted(snapshot.members, key=lambda m: m.position):
        reception = active_by_salesperson.get(m.salesperson_id)
        rows.append(
            BoardRow(
                position=m.position,
                member_id=m.member_id,
                salesperson_id=m.salesperson_id,
                name=snapshot.name(m.salesperson_id),
                availability=m.availability,
                slots=len(m.active_slot_ids),
                lunch_duty=m.salesperson_id in lunch_ids,
                next_up=m.salesperson_id == next_id,
                reception=reception,
                end_url=end_url.replace("/0/", f"/{reception.pk}/") if reception else "",
                change_url=change_url.replace("/0/", f"/{reception.pk}/") if reception else "",
                back_url=back_url.replace("/0/", f"/{m.member_id}/"),
                readiness=m.readiness,
            )
        )
    return rows


def _waiting(site: Site, open_receptions: list[Reception], now: dt.datetime) -> list[Reception]:
    """Each waiting client with the minutes waited and their "left without being served" button (REC-ROT-6)."""
    left_url = reverse("reception:reception_left", kwargs={"site": site.code, "reception_id": 0})
    waiting = [r for r in open_receptions if r.status == Reception.Status.WAITING]
    for reception in waiting:
        reception.waited_minutes = max(0, int((now - reception.arrived_at).total_seconds() // 60))
        reception.left_url = left_url.replace("/0/", f"/{reception.pk}/")
    return waiting


def events_for_site(site: Site) -> QuerySet[RotaEvent]:
    return RotaEvent.objects.filter(site=site).order_by("-at", "-pk")
