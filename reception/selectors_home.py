"""Reads for the homes (salesoffice.homes): a salesperson's place at the desk, the supervisor's desks, the project
manager's extra-work absences. Each a fixed number of queries whatever the history holds."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Q, QuerySet

from salesoffice.models import Site

from .models import Absence, Reception
from .rules import Availability
from .selectors import _preview_next
from .services import rota_state_for, take_snapshot


@dataclass(frozen=True)
class MyDesk:
    """Where a salesperson stands at one desk now (REC-ROT-1/4/5/6, REC-READY-1)."""

    site: Site
    position: int | None  # None: not on the site's rota
    availability: Availability | None
    next_up: bool
    next_up_name: str
    next_up_rule: str
    current: Reception | None  # my reception going on
    waiting_for_me: list[Reception]  # clients waiting for me by name or as their owner (REC-DES-1, REC-RET-1)


def my_desk(*, site: Site, user: AbstractBaseUser, now: dt.datetime) -> MyDesk:
    """The desk's snapshot as the board reads it, seen from one salesperson."""
    snapshot = take_snapshot(site, rota_state_for(site), now)
    mine = snapshot.state_of(user.pk)
    next_id, next_rule = _preview_next(snapshot)
    open_receptions = list(
        Reception.objects.filter(site=site, status__in=[Reception.Status.WAITING, Reception.Status.ACTIVE])
        .filter(Q(salesperson=user, status=Reception.Status.ACTIVE) | Q(waiting_for=user))
        .only("arrived_at", "started_at", "status", "kind", "client_label", "salesperson_id", "waiting_for_id")
        .order_by("arrived_at", "pk")[:20]
    )
    return MyDesk(
        site=site,
        position=mine.position if mine else None,
        availability=mine.availability if mine else None,
        next_up=next_id == user.pk,
        next_up_name=snapshot.name(next_id),
        next_up_rule=next_rule,
        current=next((r for r in open_receptions if r.status == Reception.Status.ACTIVE), None),
        waiting_for_me=[r for r in open_receptions if r.status == Reception.Status.WAITING],
    )


@dataclass(frozen=True)
class DeskCounts:
    site: Site
    waiting: int
    in_reception: int


def desk_counts(sites: Sequence[Site]) -> list[DeskCounts]:
    """Clients waiting and in reception at each desk, in one query (the open receptions' partial index)."""
    rows = (
        Reception.objects.filter(site__in=list(sites), status__in=[Reception.Status.WAITING, Reception.Status.ACTIVE])
        .values("site_id")
        .annotate(
            waiting=Count("pk", filter=Q(status=Reception.Status.WAITING)),
            active=Count("pk", filter=Q(status=Reception.Status.ACTIVE)),
        )
    )
    found = {row["site_id"]: (row["waiting"], row["active"]) for row in rows}
    return [DeskCounts(site, *found.get(site.pk, (0, 0))) for site in sites]


def extra_work_awaiting(*, sites: Sequence[Site] | QuerySet[Site]) -> QuerySet[Absence]:
    """Extra-work absences awaiting the project manager's decision (REC-ROT-5), oldest first."""
    return (
        Absence.objects.filter(site__in=sites, reason=Absence.Reason.EXTRA_WORK, approval=Absence.Approval.PENDING)
        .select_related("salesperson", "site")
        .order_by("started_at", "pk")
    )
