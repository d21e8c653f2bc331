"""The order of the rota and the duty roster (REC-ROT-1, REC-ROT-3)."""

import datetime as dt

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from salesoffice.access import (
    require_site_perm,
)
from salesoffice.models import Site, display_name
from salesoffice.timeutil import local_day

from .. import rules
from ..models import (
    DutyAssignment,
    Reception,
    RotaMember,
)
from .desk import (
    DeskError,
    _bump,
    _event,
    _lock_desk,
    _refuse,
)
from .turns import _serve_waiting


def rota_swap(
    *,
    site: Site,
    first: RotaMember,
    second: RotaMember,
    reason: str,
    actor: User,
    now: dt.datetime,
) -> None:
    """Swap two places in the order; only the site supervisor may, and the reason is kept (REC-ROT-3)."""
    # REC-ROT-3 says *the site's* supervisor: the permission alone would let a supervisor of another site reorder
    # this site's rota whenever the service is called outside the views (which check the site).
    require_site_perm(
        actor, site, "reception.manage_rota", _("Only the site supervisor may change the rota order (REC-ROT-3).")
    )
    _refuse(rules.order_change_refusal(reason=reason))
    with transaction.atomic():
        desk = _lock_desk(site)
        pair = list(RotaMember.objects.select_for_update().filter(site=site, pk__in=[first.pk, second.pk]))
        _refuse(rules.swap_refusal(found=len(pair)))
        a, b = pair
        a.position, b.position = b.position, a.position
        a.save(update_fields=["position"])
        b.save(update_fields=["position"])
        _event(
            site,
            now,
            "rota_swap",
            "REC-ROT-3",
            salesperson_id=a.salesperson_id,
            actor=actor,
            name=display_name(a.salesperson),
            other=display_name(b.salesperson),
            reason=reason,
            by=display_name(actor),
        )
        _bump(desk)


def rota_move(*, member: RotaMember, offset: int, reason: str, actor: User, now: dt.datetime) -> None:
    """Move one place up (-1) or down (+1): a swap with the neighbour (REC-ROT-3)."""
    neighbours = RotaMember.objects.filter(site=member.site, active=True)
    neighbour = (
        neighbours.filter(position__lt=member.position).order_by("-position").first()
        if offset < 0
        else neighbours.filter(position__gt=member.position).order_by("position").first()
    )
    if neighbour is None:  # the salesperson's name is read only to say so
        _refuse(rules.move_refusal(name=display_name(member.salesperson)))
    rota_swap(site=member.site, first=member, second=neighbour, reason=reason, actor=actor, now=now)


def roster_set(
    *,
    site: Site,
    day: dt.date,
    salesperson_ids: set[int],
    actor: User,
    now: dt.datetime,
) -> None:
    """Who is on duty on `day`; people taken off keep their place in the order. A past day's roster, or one that
    takes someone off duty while they are with a client, is refused with the reason (REC-ROT-1, REC-ROT-6)."""
    require_site_perm(actor, site, "reception.manage_roster", _("Only the site supervisor may set the duty roster."))
    with transaction.atomic():
        desk = _lock_desk(site)
        allowed = set(RotaMember.objects.filter(site=site, active=True).values_list("salesperson_id", flat=True))
        _refuse(rules.roster_members_refusal(unknown=bool(salesperson_ids - allowed)))
        current = set(DutyAssignment.objects.filter(site=site, day=day).values_list("salesperson_id", flat=True))
        today = local_day(now, site.zone)
        taken_off_busy = []
        if day == today and current - salesperson_ids:
            taken_off_busy = sorted(
                display_name(reception.salesperson)
                for reception in Reception.objects.filter(
                    site=site, status=Reception.Status.ACTIVE, salesperson_id__in=current - salesperson_ids
                ).select_related("salesperson")
            )
        refusals = rules.roster_refusals(day=day, today=today, taken_off_busy=taken_off_busy)
        if refusals:
            raise DeskError([refusal.message for refusal in refusals])
        DutyAssignment.objects.filter(site=site, day=day, salesperson_id__in=current - salesperson_ids).delete()
        DutyAssignment.objects.bulk_create(
            [
                DutyAssignment(site=site, day=day, salesperson_id=sp, assigned_by=actor)
                for sp in salesperson_ids - current
            ],
            ignore_conflicts=True,
        )
        _event(site, now, "roster_set", "REC-ROT-1", actor=actor, day=day.isoformat(), count=len(salesperson_ids))
        _bump(desk)
        if day == today:
            _serve_waiting(site, desk, now)
