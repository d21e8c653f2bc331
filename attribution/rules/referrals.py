"""Employee referrals (ATT-EMP-1..5) and company clients (ATT-CO-1)."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy as _

from salesoffice.timeutil import end_of_day, start_of_day

from .facts import CompanyFact, ReferralFact, RegisteredVisit
from .register import counted_visits, registered_owner

# --- referrals (ATT-EMP-1..5) ------------------------------------------------------------------------------

REFERRAL_PENDING = "pending"
REFERRAL_VALID = "valid"
REFERRAL_LAPSED = "lapsed"
REFERRAL_VOID = "void"
REFERRAL_REJECTED = "rejected"


@dataclass(frozen=True)
class ReferralStatus:
    status: str
    rule_ids: tuple[str, ...]
    message: object

    @property
    def text(self) -> str:
        return str(self.message)


def referral_status(
    referral: ReferralFact, visits: Sequence[RegisteredVisit], *, now: dt.datetime, zone: ZoneInfo
) -> ReferralStatus:
    """ATT-EMP-1..4: where a referral stands at `now`. It is only ever decided by timestamps, so a lapse at
    the end of the appointment day holds whether or not a job noticed it (ATT-EMP-2).

    Decides: ATT-EMP-1, ATT-EMP-2, ATT-EMP-3, ATT-EMP-4.
    """
    day_start = start_of_day(referral.appointment_date, zone)
    day_end = end_of_day(referral.appointment_date, zone)
    seen = [v for v in visits if v.registered_at <= now]
    if registered_owner(seen, now=referral.registered_at, zone=zone).owner_id is not None or any(
        referral.registered_at <= v.visit_instant < day_start for v in seen
    ):
        return ReferralStatus(
            REFERRAL_REJECTED,
            ("ATT-EMP-3",),
            _("A salesperson had already registered the client before the referral: the claim is rejected."),
        )
    came = any(day_start <= v.visit_instant <= day_end for v in seen)
    confirmed = referral.confirmed_at is not None and day_start <= referral.confirmed_at <= min(day_end, now)
    if served_as_new_first(referral, seen, zone=zone):
        # ATT-EMP-4 Decision: the client was served and registered as new before any confirmation: void at once, on
        # the appointment day too; a signature recorded afterwards changes nothing.
        return ReferralStatus(
            REFERRAL_VOID,
            ("ATT-EMP-4",),
            _(
                "The referral was not confirmed before the client was served and registered as new: the referral "
                "is void."
            ),
        )
    if came and confirmed:
        return ReferralStatus(
            REFERRAL_VALID,
            ("ATT-EMP-3",),
            _("The client came on the appointment day and the project manager confirmed the referral."),
        )
    if confirmed and now <= day_end:
        # The referrer phoned ahead and the project manager signed: valid as soon as the client comes today.
        return ReferralStatus(
            REFERRAL_PENDING,
            ("ATT-EMP-3",),
            _("Confirmed by the project manager; awaiting the client's visit today."),
        )
    if now <= day_end:
        return ReferralStatus(
            REFERRAL_PENDING, ("ATT-EMP-1",), _("Registered; awaiting the client's visit on the appointment day.")
        )
    if not came:
        return ReferralStatus(
            REFERRAL_LAPSED,
            ("ATT-EMP-2",),
            _("The client did not come on the appointment day: the referral lapsed at the end of that day."),
        )
    return ReferralStatus(
        REFERRAL_VOID,
        ("ATT-EMP-4",),
        _("The referral was not confirmed at the visit and the client was served as new: the referral is void."),
    )


REFERRAL_SOURCE = "employee_referral"  # VisitEntry.Source.EMPLOYEE_REFERRAL


def served_as_new_first(referral: ReferralFact, visits: Sequence[RegisteredVisit], *, zone: ZoneInfo) -> bool:
    """ATT-EMP-4: on the appointment day, a salesperson registered the client as new (not as the referral's visit,
    ATT-EMP-3) before the project manager confirmed the referral. An entry the project manager rejected never
    counts; an entry written at the very instant of an accepted confirmation came after it (the confirmation was
    accepted, so the entry was not yet on the register).

    Applies: ATT-EMP-4.
    """
    day_start = start_of_day(referral.appointment_date, zone)
    day_end = end_of_day(referral.appointment_date, zone)
    return any(
        day_start <= v.visit_instant <= day_end
        and v.source != REFERRAL_SOURCE
        and not v.rejected
        and (referral.confirmed_at is None or v.registered_at < referral.confirmed_at)
        for v in visits
    )


# --- company clients (ATT-CO-1) ----------------------------------------------------------------------------


def company_mark_valid(mark: CompanyFact, visits: Sequence[RegisteredVisit], *, zone: ZoneInfo) -> bool:
    """ATT-CO-1: "a client who had already visited and been registered before that contact is not a company
    client": any approved registration before the contact, lapsed or not, rules it out.

    Decides: ATT-CO-1.
    """
    return not counted_visits((v for v in visits if v.registered_at < mark.contacted_at), mark.contacted_at)
