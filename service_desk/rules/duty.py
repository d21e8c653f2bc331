"""SVC-DUTY-1: holiday, noon and night duty — scheduling a shift, going out (phone forwarded, radio carried) and
back, and who to call now."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from .base import Refusal, elsewhere_refusal, phone_refusals


def shift_refusals(
    *, person_elsewhere: bool, starts_at: dt.datetime, ends_at: dt.datetime, duty_phone: str, now: dt.datetime
) -> list[Refusal]:
    """A shift puts someone of this office on duty for a time that is not over, reachable on a duty phone.

    Applies: SVC-DUTY-1.
    """
    refusals = []
    if person_elsewhere:
        refusals.append(elsewhere_refusal("SVC-DUTY-1", "person"))
    if ends_at <= starts_at:
        refusals.append(Refusal("SVC-DUTY-1", _("The shift ends after it starts."), "ends_at"))
    if ends_at < now:
        refusals.append(Refusal("SVC-DUTY-1", _("This shift is over already."), "ends_at"))
    if not duty_phone.strip():
        refusals.append(Refusal("SVC-DUTY-1", _("Enter the duty phone."), "duty_phone"))
    return refusals + phone_refusals(duty_phone, rule_id="SVC-DUTY-1", field="duty_phone")


def duty_person_refusal(*, is_duty_person: bool, going_out: bool) -> Refusal | None:
    """Only the person on duty logs going out and being back.

    Applies: SVC-DUTY-1.
    """
    if is_duty_person:
        return None
    if going_out:
        return Refusal("SVC-DUTY-1", _("SVC-DUTY-1: only the person on duty logs going out."))
    return Refusal("SVC-DUTY-1", _("SVC-DUTY-1: only the person on duty logs being back."))


def go_out_refusals(
    *,
    forwarded_to: str,
    radio: bool,
    reason: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    out_already: bool,
    now: dt.datetime,
) -> list[Refusal]:
    """Going out: the outing's own needs, during the shift, and not while out already.

    Applies: SVC-DUTY-1.
    """
    refusals = outing_refusals(forwarded_to=forwarded_to, radio=radio, reason=reason)
    if not starts_at <= now < ends_at:
        refusals.append(Refusal("SVC-DUTY-1", _("SVC-DUTY-1: you are not on duty now.")))
    if out_already:
        refusals.append(Refusal("SVC-DUTY-1", _("SVC-DUTY-1: you are out already.")))
    return refusals


def back_refusals(*, out: bool) -> list[Refusal]:
    """Back at the post ends an outing; someone at the post has none to end.

    Applies: SVC-DUTY-1.
    """
    return [] if out else [Refusal("SVC-DUTY-1", _("SVC-DUTY-1: you are at the post."))]


def outing_refusals(*, forwarded_to: str, radio: bool, reason: str) -> list[Refusal]:
    """SVC-DUTY-1: duty staff who must go out forward the duty phone and carry a radio.

    Applies: SVC-DUTY-1.
    """
    refusals = []
    if not reason.strip():
        refusals.append(Refusal("SVC-DUTY-1", _("SVC-DUTY-1: say why you must leave the post."), "reason"))
    if not forwarded_to.strip():
        refusals.append(
            Refusal("SVC-DUTY-1", _("SVC-DUTY-1: forward the duty phone before going out."), "forwarded_to")
        )
    refusals += phone_refusals(forwarded_to, rule_id="SVC-DUTY-1", field="forwarded_to")
    if not radio:
        refusals.append(Refusal("SVC-DUTY-1", _("SVC-DUTY-1: carry a radio when going out."), "radio"))
    return refusals


@dataclass(frozen=True)
class OnDuty:
    person_id: int
    kind: str
    call: str  # the number to call now
    out: bool
    radio: bool
    explanation: str


def who_to_call(*, shifts: list[dict[str, Any]], now: dt.datetime) -> list[OnDuty]:
    """SVC-DUTY-1: who is on duty at `now` and the number that reaches them (the forwarded one while out).
    `shifts`: dicts with person_id, name, kind, starts_at, ends_at, duty_phone and `outing` (or None).

    Decides: SVC-DUTY-1.
    """
    found = []
    for shift in shifts:
        if not shift["starts_at"] <= now < shift["ends_at"]:
            continue
        outing = shift.get("outing")
        if outing and outing["left_at"] <= now and (outing["returned_at"] is None or outing["returned_at"] > now):
            found.append(
                OnDuty(
                    shift["person_id"],
                    shift["kind"],
                    outing["forwarded_to"],
                    True,
                    outing["radio"],
                    _("SVC-DUTY-1: %(name)s is out; the duty phone is forwarded to %(phone)s, radio carried.")
                    % {"name": shift["name"], "phone": outing["forwarded_to"]},
                )
            )
        else:
            found.append(
                OnDuty(
                    shift["person_id"],
                    shift["kind"],
                    shift["duty_phone"],
                    False,
                    False,
                    _("SVC-DUTY-1: %(name)s is on duty at the post: call %(phone)s.")
                    % {"name": shift["name"], "phone": shift["duty_phone"]},
                )
            )
    return found
