"""The supervisor's morning readiness check and recorded violations (REC-READY-1, REC-READY-2, REC-NEW-5)."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from salesoffice.access import (
    require_site_perm,
)
from salesoffice.models import Site, display_name
from salesoffice.timeutil import local_day

from .. import rules
from ..models import (
    DutyAssignment,
    ReadinessCheck,
    RotaEvent,
    RotaState,
    Violation,
)
from .desk import (
    _bump,
    _event,
    _lock_desk,
    _refuse,
    _unsaved_event,
)
from .turns import _serve_waiting


def readiness_record(
    *,
    site: Site,
    salesperson: User,
    uniform_ok: bool,
    materials_ok: bool,
    sales_info_ok: bool,
    note: str,
    actor: User,
    now: dt.datetime,
) -> ReadinessCheck:
    """The supervisor's morning check (REC-READY-1); failing it removes the person from the turns."""
    require_site_perm(
        actor, site, "reception.check_readiness", _("Only the site supervisor may record readiness checks.")
    )
    with transaction.atomic():
        desk = _lock_desk(site)
        check = ReadinessCheck.objects.create(
            site=site,
            salesperson=salesperson,
            day=local_day(now, site.zone),
            checked_at=now,
            checked_by=actor,
            uniform_ok=uniform_ok,
            materials_ok=materials_ok,
            sales_info_ok=sales_info_ok,
            note=note,
        )
        _event(
            site,
            now,
            "ready" if check.passed else "not_ready",
            "REC-READY-1",
            salesperson_id=salesperson.pk,
            actor=actor,
            name=display_name(salesperson),
        )
        _bump(desk)
        if check.passed:
            _serve_waiting(site, desk, now)
        return check


@dataclass(frozen=True)
class ReadinessResult:
    """One row of the morning check: the salesperson and the three checks (REC-READY-1)."""

    salesperson: User
    uniform_ok: bool
    materials_ok: bool
    sales_info_ok: bool
    note: str = ""


def readiness_record_day(
    *, site: Site, results: list[ReadinessResult], actor: User, now: dt.datetime
) -> list[ReadinessCheck]:
    """The morning check as one grid (REC-READY-1): every row checked at once, under one lock, for people on today's
    roster only; whoever passes takes a client already waiting."""
    require_site_perm(
        actor, site, "reception.check_readiness", _("Only the site supervisor may record readiness checks.")
    )
    _refuse(rules.readiness_grid_refusal(rows=len(results)))
    today = local_day(now, site.zone)
    with transaction.atomic():
        desk = _lock_desk(site)
        on_duty = set(DutyAssignment.objects.filter(site=site, day=today).values_list("salesperson_id", flat=True))
        off = [display_name(r.salesperson) for r in results if r.salesperson.pk not in on_duty]
        _refuse(rules.readiness_grid_refusal(rows=len(results), off_duty_names=off))
        checks = ReadinessCheck.objects.bulk_create(
            [
                ReadinessCheck(
                    site=site,
                    salesperson=r.salesperson,
                    day=today,
                    checked_at=now,
                    checked_by=actor,
                    uniform_ok=r.uniform_ok,
                    materials_ok=r.materials_ok,
                    sales_info_ok=r.sales_info_ok,
                    note=r.note,
                )
                for r in results
            ]
        )
        RotaEvent.objects.bulk_create(
            [
                _unsaved_event(
                    site,
                    now,
                    "ready" if check.passed else "not_ready",
                    "REC-READY-1",
                    salesperson_id=check.salesperson.pk,
                    actor=actor,
                    name=display_name(check.salesperson),
                )
                for check in checks
            ]
        )
        _bump(desk)
        if any(check.passed for check in checks):
            _serve_waiting(site, desk, now)
        return checks


def violation_record(
    *,
    site: Site,
    salesperson: User,
    clause: str,
    description: str,
    penalty: str,
    penalty_amount: Decimal | None,
    occurred_at: dt.datetime,
    actor: User,
    now: dt.datetime,
) -> Violation:
    """A breach with its clause, kept with the recording manager and penalty (REC-READY-2, REC-NEW-5)."""
    require_site_perm(
        actor, site, "reception.record_violation", _("Only a manager may record a violation (REC-READY-2).")
    )
    _refuse(rules.violation_refusal(occurred_at=occurred_at, now=now))
    violation = Violation.objects.create(
        site=site,
        salesperson=salesperson,
        clause=clause,
        description=description,
        penalty=penalty,
        penalty_amount=penalty_amount,
        occurred_at=occurred_at,
        recorded_by=actor,
        recorded_at=now,
    )
    _event(
        site,
        now,
        "violation",
        rules.violation_rule_id(clause),
        salesperson_id=salesperson.pk,
        actor=actor,
        name=display_name(salesperson),
        clause=clause,
    )
    # Its event shows on the board: move the version on so terminals re-render (no desk lock is needed for this).
    RotaState.objects.filter(site=site).update(version=F("version") + 1)
    return violation
