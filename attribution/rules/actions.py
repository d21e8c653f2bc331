"""What the register's actions need before anything is recorded: who may act, what the form must say, and what the
register's state allows (ATT-REG-1..3, REC-NEW-2, ATT-SPOUSE, ATT-CO-1..5, ATT-REF-OLD, REC-DES-2, ATT-EMP-1..4,
ATT-DISP-1, ATT-FU-1). Each function returns the refusal (the sentence, its clauses, the form field it belongs
next to) or None when the action may go ahead; the services raise it unchanged."""

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy as _

from salesoffice.timeutil import end_of_day, local_day

from .facts import HUNDRED, Attribution, CompanyFact, ReassignmentFact, RegisteredVisit
from .referrals import REFERRAL_LAPSED, REFERRAL_REJECTED, REFERRAL_VOID, ReferralStatus, company_mark_valid
from .register import Period, registration_periods


@dataclass(frozen=True)
class Refusal:
    """A rule says no: the sentence a manager reads (its clauses in it or in `rule_ids`), next to `field` (None:
    above the form)."""

    message: object
    rule_ids: tuple[str, ...] = ()
    field: str | None = None

    @property
    def text(self) -> str:
        return str(self.message)


def _first(*refusals: Refusal | None) -> Refusal | None:
    """Checks asked in order: the first that refuses is the answer."""
    return next((r for r in refusals if r is not None), None)


# --- the visit register (ATT-REG-1..3) ------------------------------------------------------------------------


def salesperson_refusal(*, is_salesperson: bool, name: str) -> Refusal | None:
    """A visit is registered for a salesperson of this site.

    Applies: ATT-REG-1.
    """
    if is_salesperson:
        return None
    return Refusal(_("%(name)s is not a salesperson of this site.") % {"name": name}, ("ATT-REG-1",), "salesperson")


def name_refusal(name: str) -> Refusal | None:
    """A client on the register has a name.

    Applies: ATT-REG-1.
    """
    return None if name.strip() else Refusal(_("Enter the client's name."), ("ATT-REG-1",), "name")


def holder_refusal(attribution: Attribution, *, salesperson_id: int, names: dict[int, str], zone: ZoneInfo) -> str:
    """Why a salesperson may not register a client someone else holds, or '' if they may: the first valid
    registration wins; the client's own salespeople (owner, follow-up, a share) may register it again.

    Applies: ATT-REG-2, ATT-REG-3.
    """
    if attribution.owner_id is None or salesperson_id in (attribution.owner_id, attribution.follow_up_id):
        return ""
    if salesperson_id in attribution.salesperson_ids:
        return ""
    # attribute() names an owner only from a running registration period, which always has its end.
    assert attribution.valid_until is not None
    return _(
        "This client is registered to %(owner)s, valid until %(until)s: the first valid registration wins "
        "(ATT-REG-2, ATT-REG-3)."
    ) % {
        "owner": names.get(attribution.owner_id, ""),
        "until": local_day(attribution.valid_until, zone).isoformat(),
    }


def project_manager_refusal(*, is_site_project_manager: bool) -> Refusal | None:
    """Only this site's project manager approves its register.

    Applies: ATT-REG-1.
    """
    if is_site_project_manager:
        return None
    return Refusal(_("Only this site's project manager approves its register (ATT-REG-1)."), ("ATT-REG-1",))


def review_refusal(
    *, is_site_project_manager: bool, own_entry: bool, approve: bool, reason: str, reviewed: bool
) -> Refusal | None:
    """The project manager reviews an entry once, never their own, and says why a rejected one is rejected; a
    correction is a new entry.

    Applies: ATT-REG-1.
    """
    return _first(
        project_manager_refusal(is_site_project_manager=is_site_project_manager),
        Refusal(_("Nobody approves their own register entry (ATT-REG-1)."), ("ATT-REG-1",)) if own_entry else None,
        Refusal(_("Say why the entry is rejected."), ("ATT-REG-1",), "reason")
        if not approve and not reason.strip()
        else None,
        Refusal(_("This entry has already been reviewed; a correction is a new entry (ATT-REG-1)."), ("ATT-REG-1",))
        if reviewed
        else None,
    )


def correction_refusal(*, note: str) -> Refusal | None:
    """A correction says what it fixes.

    Applies: ATT-REG-1.
    """
    return None if note.strip() else Refusal(_("Say what the correction fixes."), ("ATT-REG-1",), "note")


# --- facts the project manager records ------------------------------------------------------------------------


def recognition_refusal(*, recognised_at: dt.datetime, same_client: bool, now: dt.datetime) -> Refusal | None:
    """A recognition is recorded after it happened, against the original salesperson's own client record.

    Applies: REC-NEW-2.
    """
    return _first(
        Refusal(_("A recognition cannot be recorded before it happens."), ("REC-NEW-2",), "recognised_at")
        if recognised_at > now
        else None,
        Refusal(_("Choose the original salesperson's own client record."), ("REC-NEW-2",), "original_client")
        if same_client
        else None,
    )


def recognised_period(
    visits: Sequence[RegisteredVisit],
    *,
    recognised_at: dt.datetime,
    reassignments: Sequence[ReassignmentFact],
    now: dt.datetime,
    zone: ZoneInfo,
) -> Period | None:
    """The registration a recognition is about: the latest one started by the recognition's instant, even a lapsed
    one (recognising after it lapsed is judged late, REC-NEW-2d). A same-day recognition usually comes before the
    evening's approvals (ATT-REG-1): the visit served as new is found among the entries not rejected, approved or
    not yet.

    Applies: REC-NEW-2.
    """
    provisional = [
        v if v.approved_at is not None else dataclasses.replace(v, approved_at=v.registered_at)
        for v in visits
        if not v.rejected
    ]
    periods = [
        p
        for p in registration_periods(provisional, now=now, zone=zone, reassignments=reassignments)
        if p.first.visit_instant <= recognised_at
    ]
    return periods[-1] if periods else None


def no_registration_to_recognise() -> Refusal:
    """REC-NEW-2: a recognition is about a registration of the client.

    Applies: REC-NEW-2.
    """
    return Refusal(_("The client has no approved registration to recognise (REC-NEW-2)."), ("REC-NEW-2",))


def spouse_refusal(*, same_client: bool, both_held: bool, already_linked: bool) -> Refusal | None:
    """Two different clients, each holding a valid registration on the site, are marked a couple once.

    Applies: ATT-SPOUSE.
    """
    return _first(
        Refusal(_("A client cannot be their own spouse."), ("ATT-SPOUSE",), "spouse") if same_client else None,
        Refusal(_("Both spouses must hold a valid registration on this site (ATT-SPOUSE)."), ("ATT-SPOUSE",))
        if not both_held
        else None,
        Refusal(_("These clients are already marked as a couple."), ("ATT-SPOUSE",)) if already_linked else None,
    )


def contact_refusal(*, contacted_at: dt.datetime, now: dt.datetime) -> Refusal | None:
    """The company's contact is in the past.

    Applies: ATT-CO-1.
    """
    if contacted_at > now:
        return Refusal(_("The contact cannot be in the future."), ("ATT-CO-1",), "contacted_at")
    return None


def company_mark_refusal(mark: CompanyFact, visits: Sequence[RegisteredVisit], *, zone: ZoneInfo) -> Refusal | None:
    """A client already registered before the company's contact is not a company client.

    Applies: ATT-CO-1.
    """
    if company_mark_valid(mark, visits, zone=zone):
        return None
    return Refusal(
        _(
            "Not a company client: the client had already visited and been registered before the "
            "company's contact (ATT-CO-1)."
        ),
        ("ATT-CO-1",),
        "contacted_at",
    )


def arrangement_refusal(*, kind: str, arranged_kinds: Sequence[str], name: str) -> Refusal | None:
    """A deal the company arranged directly says how (ATT-CO-4 or ATT-CO-5), for a named client.

    Applies: ATT-CO-4, ATT-CO-5.
    """
    return _first(
        Refusal(_("Choose how the company arranged the deal (ATT-CO-4 or ATT-CO-5)."), ("ATT-CO-4", "ATT-CO-5"), "kind")
        if kind not in arranged_kinds
        else None,
        name_refusal(name),
    )


def introduction_refusal(*, declared: bool, declared_at: dt.datetime | None, now: dt.datetime) -> Refusal | None:
    """A declared introduction says when it was declared, and not in the future.

    Applies: ATT-REF-OLD.
    """
    if declared and declared_at is None:
        return Refusal(
            _("Say when the salesperson declared the introduction (ATT-REF-OLD a)."), ("ATT-REF-OLD",), "declared_at"
        )
    if declared_at is not None and declared_at > now:
        return Refusal(_("The declaration cannot be in the future."), ("ATT-REF-OLD",), "declared_at")
    return None


def instigation_reason_refusal(*, reason: str) -> Refusal | None:
    """A finding that the named salesperson instigated a switch says why.

    Applies: REC-DES-2.
    """
    if reason.strip():
        return None
    return Refusal(
        _("Write why the named salesperson is found to have instigated the switch."), ("REC-DES-2",), "reason"
    )


# --- employee referrals (ATT-EMP-1..5) --------------------------------------------------------------------------


def referral_refusal(
    *, sales_office: bool, appointment_date: dt.date, now: dt.datetime, zone: ZoneInfo, name: str
) -> Refusal | None:
    """A referral is for a sales office's project, with an appointment that is not past, for a named client.

    Applies: ATT-EMP-1.
    """
    return _first(
        Refusal(_("Referrals are for a sales office's project."), ("ATT-EMP-1",), "site") if not sales_office else None,
        Refusal(_("The appointment date cannot be in the past."), ("ATT-EMP-1",), "appointment_date")
        if appointment_date < local_day(now, zone)
        else None,
        name_refusal(name),
    )


def referral_client_refusal(*, visited: bool, open_referral: bool) -> Refusal | None:
    """A referral comes before the client's first visit to the project, and one at a time.

    Applies: ATT-EMP-1.
    """
    if visited:
        return Refusal(
            _("The client has already visited this project: a referral must come first (ATT-EMP-1)."),
            ("ATT-EMP-1",),
            "phone",
        )
    if open_referral:
        return Refusal(_("This client already has an open referral (ATT-EMP-1)."), ("ATT-EMP-1",), "phone")
    return None


def referral_confirmer_refusal(*, is_site_project_manager: bool, own_referral: bool) -> Refusal | None:
    """This site's project manager confirms a referral, never their own.

    Applies: ATT-EMP-3.
    """
    if not is_site_project_manager:
        return Refusal(_("Only this site's project manager confirms its referrals (ATT-EMP-3)."), ("ATT-EMP-3",))
    if own_referral:
        return Refusal(_("Nobody confirms their own referral."), ("ATT-EMP-3",))
    return None


def referral_confirm_refusal(
    *, confirmed: bool, appointment_date: dt.date, state: ReferralStatus, now: dt.datetime, zone: ZoneInfo
) -> Refusal | None:
    """A referral is confirmed once, on its appointment day, and not when the client was registered before it
    (rejected, ATT-EMP-3) or already served as new without a prior confirmation (void: a signature now changes
    nothing, ATT-EMP-4 Decision). After the day, a referral whose client never came lapsed (ATT-EMP-2).

    Applies: ATT-EMP-2, ATT-EMP-3, ATT-EMP-4.
    """
    if confirmed:
        return Refusal(_("This referral is already confirmed."), ("ATT-EMP-3",))
    settled = Refusal(f"{state.text} ({', '.join(state.rule_ids)})", tuple(state.rule_ids))
    if local_day(now, zone) != appointment_date:
        if now > end_of_day(appointment_date, zone):
            if state.status != REFERRAL_LAPSED:  # the client came: void (ATT-EMP-4) or rejected (ATT-EMP-3)
                return settled
            return Refusal(_("The appointment day is over: the referral lapsed (ATT-EMP-2)."), ("ATT-EMP-2",))
        return Refusal(_("A referral is confirmed on its appointment day, at the visit (ATT-EMP-3)."), ("ATT-EMP-3",))
    if state.status in (REFERRAL_REJECTED, REFERRAL_VOID):
        return settled
    return None


# --- disputes (ATT-DISP-1) and follow-ups (ATT-FU-1) -------------------------------------------------------------


def opinion_refusal(*, reasoning: str, percents: Sequence[Decimal]) -> Refusal | None:
    """The project manager's opinion weighs each party and proposes shares above zero that add up to 100%.

    Applies: ATT-DISP-1.
    """
    return _first(
        Refusal(_("Weigh each party's fault and contribution to the deal."), ("ATT-DISP-1",), "reasoning")
        if not reasoning.strip()
        else None,
        Refusal(_("Propose at least one share."), ("ATT-DISP-1",), "shares") if not percents else None,
        Refusal(_("Every proposed share must be more than zero."), ("ATT-DISP-1",), "shares")
        if any(pct <= 0 for pct in percents)
        else None,
        Refusal(_("The proposed shares must add up to 100%."), ("ATT-DISP-1",), "shares")
        if sum(percents, Decimal(0)) != HUNDRED
        else None,
    )


def ruling_refusal(*, author: bool, decided: bool) -> Refusal | None:
    """The sales director rules once on an opinion someone else wrote.

    Applies: ATT-DISP-1.
    """
    if author:
        return Refusal(_("The author of an opinion cannot rule on it (ATT-DISP-1)."), ("ATT-DISP-1",))
    if decided:
        return Refusal(_("This opinion has already been decided."), ("ATT-DISP-1",))
    return None


def follow_up_plan_refusal(*, serves_client: bool, reviews_follow_ups: bool) -> Refusal | None:
    """The salesperson who serves the client plans its follow-ups (a reviewer may too).

    Decides: ATT-FU-1.
    """
    if serves_client or reviews_follow_ups:
        return None
    return Refusal(_("Only the salesperson who serves this client plans its follow-ups (ATT-FU-1)."), ("ATT-FU-1",))


def follow_up_done_refusal(*, planner: bool, reviews_follow_ups: bool, outcome: str, done: bool) -> Refusal | None:
    """The salesperson who planned a follow-up (or a reviewer) records what came of it, once.

    Applies: ATT-FU-1.
    """
    return _first(
        Refusal(_("Only the salesperson who planned it records this follow-up."), ("ATT-FU-1",))
        if not planner and not reviews_follow_ups
        else None,
        Refusal(_("Say what came of the contact."), ("ATT-FU-1",), "outcome") if not outcome.strip() else None,
        Refusal(_("This follow-up is already recorded."), ("ATT-FU-1",)) if done else None,
    )
