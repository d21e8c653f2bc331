"""Holiday, noon and night duty (SVC-DUTY-1): scheduling a shift, going out and being back."""

import datetime as dt

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from salesoffice.access import require_site_perm
from salesoffice.models import Site

from .. import rules
from ..models import DutyOuting, DutyShift
from .common import deny, refuse, works_elsewhere


def duty_shift_add(
    *,
    site: Site,
    actor: User,
    person: User,
    kind: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    duty_phone: str,
    now: dt.datetime,
) -> DutyShift:
    """Put someone on holiday, noon or night duty (SVC-DUTY-1)."""
    require_site_perm(actor, site, "service_desk.manage_duty", _("SVC-DUTY-1: the department schedules duty."))
    refuse(
        rules.shift_refusals(
            person_elsewhere=works_elsewhere(site, person),
            starts_at=starts_at,
            ends_at=ends_at,
            duty_phone=duty_phone,
            now=now,
        )
    )
    return DutyShift.objects.create(
        site=site, person=person, kind=kind, starts_at=starts_at, ends_at=ends_at, duty_phone=duty_phone.strip()
    )


@transaction.atomic
def duty_go_out(
    *, shift: DutyShift, actor: User, reason: str, forwarded_to: str, radio: bool, now: dt.datetime
) -> DutyOuting:
    """The person on duty leaves the post: phone forwarded, radio carried, logged (SVC-DUTY-1)."""
    shift = DutyShift.objects.select_for_update().get(pk=shift.pk)
    deny(rules.duty_person_refusal(is_duty_person=actor.pk == shift.person_id, going_out=True))
    refuse(
        rules.go_out_refusals(
            forwarded_to=forwarded_to,
            radio=radio,
            reason=reason,
            starts_at=shift.starts_at,
            ends_at=shift.ends_at,
            out_already=shift.outings.filter(returned_at__isnull=True).exists(),
            now=now,
        )
    )
    return DutyOuting.objects.create(
        shift=shift, left_at=now, reason=reason.strip(), forwarded_to=forwarded_to.strip(), radio=radio
    )


@transaction.atomic
def duty_back(*, shift: DutyShift, actor: User, now: dt.datetime) -> DutyOuting:
    """Back at the post (SVC-DUTY-1)."""
    deny(rules.duty_person_refusal(is_duty_person=actor.pk == shift.person_id, going_out=False))
    outing = shift.outings.select_for_update().filter(returned_at__isnull=True).first()
    refuse(rules.back_refusals(out=outing is not None))
    assert outing is not None  # refused above when not out (SVC-DUTY-1)
    outing.returned_at = now
    outing.save(update_fields=["returned_at"])
    return outing
