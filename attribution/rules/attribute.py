"""The whole picture: `attribute` composes the register, recognitions, introductions, switches, spouses, company
marks, referrals and disputes into the owner, the shares and the timeline."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from salesoffice.timeutil import end_of_day

from .facts import (
    HUNDRED,
    PUBLIC_POOL,
    REFERRER,
    SALESPERSON,
    Attribution,
    ClientFacts,
    CompanyFact,
    ReassignmentFact,
    ReferralFact,
    RegisteredVisit,
    Share,
    Step,
    SwitchFact,
)
from .recognitions import judge_recognition
from .referrals import (
    REFERRAL_LAPSED,
    REFERRAL_PENDING,
    REFERRAL_VALID,
    REFERRAL_VOID,
    company_mark_valid,
    referral_status,
)
from .register import Period, _day, _periods, current_period, registration_valid_until

# A salesperson party to the salespeople's part: who, their percent of it, and the rules that gave it.
_Party = tuple[int, Decimal, tuple[str, ...]]

# --- the whole picture -------------------------------------------------------------------------------------


def attribute(
    facts: ClientFacts,
    *,
    now: dt.datetime,
    zone: ZoneInfo,
    after_sales_id: int | None = None,
    findings_until: dt.datetime | None = None,
) -> Attribution:
    """Owner, follow-up salesperson, shares of a future commission and the explained timeline at `now`.

    `after_sales_id` is the salesperson doing the after-sales of a deal the company arranged directly, without a
    reception (ATT-CO-4): with no registration, the salespeople's 30% is theirs.
    `findings_until` (default `now`): a finding about the past recorded by then counts at `now` too (REC-DES-2's
    instigation found later re-splits a deal signed before it, COM-4)."""
    # Long on purpose: COM-3's order of composition is the order of these steps; split, the order would be hidden.
    steps: list[Step] = []
    moves = facts.reassignments
    periods, voided = _periods(facts.visits, now=now, zone=zone, reassignments=moves)
    if periods:
        takeover = _takeover(facts, periods, now, zone)
        if takeover is not None:
            periods, voided = _periods(facts.visits, now=now, zone=zone, takeovers=(takeover,), reassignments=moves)
    for stretch in periods:
        _narrate_period(stretch, facts, steps, zone)
    _narrate_reassignments(facts, voided, now, steps, zone)
    _narrate_uncounted(facts, now, steps, zone)
    period = periods[-1] if periods and now <= periods[-1].valid_until else None
    if periods and period is None and periods[-1].ended_by is None:
        steps.append(
            Step(
                periods[-1].valid_until,
                ("ATT-REG-2",),
                _("The registration lapsed at the end of %(until)s: the client is free."),
                {"until": _day(periods[-1].valid_until, zone)},
            )
        )

    owner_id = period.owner_id if period else None
    follow_up_id = owner_id
    valid_until = period.valid_until if period else None
    parties: list[_Party] = []
    if owner_id is not None:
        parties = [(owner_id, HUNDRED, ("ATT-REG-3",))]

    if period is not None:
        owner_id, follow_up_id, parties, _at = _ownership_changes(facts, periods, now, zone, steps, parties)
        follow_up_id, parties = _apply_switches(
            facts, period, now, findings_until or now, zone, steps, owner_id, follow_up_id, parties
        )
        parties = _apply_spouses(facts, period, now, zone, steps, parties)

    if period is None and after_sales_id is not None:
        parties = [(after_sales_id, HUNDRED, ())]
    shares = _client_level_split(facts, period, now, zone, steps, parties)
    shares, on_hold = apply_disputes(facts, now, steps, shares)
    awaiting_approval = any(v.approved_at is None and not v.rejected and v.registered_at <= now for v in facts.visits)
    if not shares and not on_hold and not awaiting_approval:
        steps.append(
            Step(
                now,
                ("ATT-DISP-1",),
                _("No valid owner: a deal for this client goes to the dispute queue, not to a guess."),
                outcome="info",
            )
        )
    steps.sort(key=lambda s: s.at)
    return Attribution(owner_id, follow_up_id, valid_until, tuple(shares), on_hold, tuple(steps))


def _ownership_changes(
    facts: ClientFacts,
    periods: list[Period],
    now: dt.datetime,
    zone: ZoneInfo,
    steps: list[Step],
    parties: list[_Party],
) -> tuple[int, int, list[_Party], dt.datetime | None]:
    """Introductions, then recognitions, on the latest registration; returns who holds the client, who follows
    it up, the salesperson parties, and when a takeover happened (None if nobody took over)."""
    period = periods[-1]
    # Facts recorded before an earlier registration lapsed belong to that earlier ownership, not this one.
    since = periods[-2].valid_until if len(periods) > 1 else None
    owner_id = period.owner_id
    owner_id, follow_up_id, parties, intro_at = _apply_introductions(
        facts, period, since, now, steps, owner_id, parties
    )
    owner_id, follow_up_id, parties, recognised_at = _apply_recognitions(
        facts, period, now, zone, steps, owner_id, follow_up_id, parties
    )
    return owner_id, follow_up_id, parties, recognised_at or intro_at


def _takeover(
    facts: ClientFacts, periods: list[Period], now: dt.datetime, zone: ZoneInfo
) -> tuple[dt.datetime, int] | None:
    scratch: list[Step] = []
    owner_id, _follow_up, _parties, at = _ownership_changes(facts, periods, now, zone, scratch, [])
    if at is None or owner_id == periods[-1].owner_id:
        return None
    return at, owner_id


def _narrate_reassignments(
    facts: ClientFacts,
    voided: list[tuple[RegisteredVisit, ReassignmentFact]],
    now: dt.datetime,
    steps: list[Step],
    zone: ZoneInfo,
) -> None:
    """REC-NEW-4c: each reassignment, and each entry it made count for nothing.

    Applies: REC-NEW-4.
    """
    for move in sorted(facts.reassignments, key=lambda r: r.at):
        if move.at > now:
            continue
        params = {"from": facts.name(move.from_salesperson_id), "to": facts.name(move.to_salesperson_id)}
        if move.to_salesperson_id is None:
            message = _(
                "The client refused %(from)s and the manager had them served anew by the rota: from this instant "
                "%(from)s's entries for this client confer nothing."
            )
        else:
            message = _(
                "The client refused %(from)s and the manager reassigned them to %(to)s by the rota: from this "
                "instant %(from)s's entries for this client confer nothing and %(to)s's registration counts."
            )
        steps.append(Step(move.at, ("REC-NEW-4c",), message, params))
    for visit, move in voided:
        params = {
            "name": facts.name(visit.salesperson_id),
            "day": _day(visit.registered_at, zone),
            "to": facts.name(move.to_salesperson_id),
        }
        if visit.salesperson_id == move.from_salesperson_id:
            message = _("%(name)s's entry of %(day)s confers nothing: the client was reassigned away from %(name)s.")
        else:
            message = _(
                "%(name)s's entry of %(day)s does not count: the client was reassigned to %(to)s that day, whose "
                "registration is the one that counts."
            )
        steps.append(Step(visit.registered_at, ("REC-NEW-4c",), message, params, outcome="rejected"))


def _narrate_uncounted(facts: ClientFacts, now: dt.datetime, steps: list[Step], zone: ZoneInfo) -> None:
    for visit in facts.visits:
        if visit.registered_at > now or (visit.approved_at is not None and visit.approved_at <= now):
            continue
        params = {"name": facts.name(visit.salesperson_id), "day": _day(visit.registered_at, zone)}
        if visit.rejected:
            message = _("%(name)s's entry of %(day)s was rejected by the project manager: it never counts.")
        else:
            message = _(
                "%(name)s's entry of %(day)s awaits the project manager's approval; until then it does not count."
            )
        steps.append(Step(visit.registered_at, ("ATT-REG-1",), message, params, outcome="info"))


def _narrate_period(period: Period, facts: ClientFacts, steps: list[Step], zone: ZoneInfo) -> None:
    owner = facts.name(period.owner_id)
    if period.handed_over_by is not None:
        steps.append(
            Step(
                period.handed_over_by.at,
                ("REC-NEW-4c", "ATT-REG-2"),
                _("%(owner)s's own entry of %(day)s counts from the reassignment: owner until %(until)s."),
                {
                    "owner": owner,
                    "day": _day(period.first.registered_at, zone),
                    "until": _day(period.valid_until, zone),
                },
            )
        )
    else:
        steps.append(
            Step(
                period.first.registered_at,
                ("ATT-REG-1", "ATT-REG-3"),
                _("%(owner)s registered the client first on %(day)s (approved): owner until %(until)s."),
                {
                    "owner": owner,
                    "day": _day(period.first.registered_at, zone),
                    "until": _day(registration_valid_until(period.first.visit_instant, zone), zone),
                },
            )
        )
    for renewal in period.renewals:
        steps.append(
            Step(
                renewal.registered_at,
                ("ATT-REG-2",),
                _("%(owner)s registered a revisit on %(day)s: the registration now runs to %(until)s."),
                {
                    "owner": facts.name(renewal.salesperson_id),
                    "day": _day(renewal.registered_at, zone),
                    "until": _day(registration_valid_until(renewal.visit_instant, zone), zone),
                },
            )
        )
    for other in period.ignored:
        steps.append(
            Step(
                other.registered_at,
                ("ATT-REG-3",),
                _("%(other)s's entry of %(day)s does not count: %(owner)s registered the client first."),
                {"other": facts.name(other.salesperson_id), "day": _day(other.registered_at, zone), "owner": owner},
                outcome="rejected",
            )
        )


def _apply_introductions(
    facts: ClientFacts,
    period: Period,
    since: dt.datetime | None,
    now: dt.datetime,
    steps: list[Step],
    owner_id: int,
    parties: list[_Party],
) -> tuple[int, int, list[_Party], dt.datetime | None]:
    """ATT-REF-OLD a/b/c: an old client's introduction hands the new client to the introducer.

    Decides: ATT-REF-OLD.
    """
    follow_up_id = owner_id
    taken_at = None
    first_visit = period.first.visit_instant
    for intro in sorted(facts.introductions, key=lambda i: i.marked_at):
        if intro.marked_at > now or (since is not None and intro.marked_at <= since):
            continue
        params = {"a": facts.name(intro.introducer_id), "owner": facts.name(owner_id)}
        if intro.mode == "c":
            steps.append(
                Step(
                    intro.marked_at,
                    ("ATT-REF-OLD c",),
                    _("Introduced by an old client of %(a)s who neither came nor phoned: the client is %(owner)s's."),
                    params,
                )
            )
            continue
        if intro.mode == "a" and (intro.declared_at is None or intro.declared_at > first_visit):
            steps.append(
                Step(
                    intro.marked_at,
                    ("ATT-REF-OLD a",),
                    _("%(a)s did not declare the introduction before the visit: no claim."),
                    params,
                    outcome="rejected",
                )
            )
            continue
        rule = f"ATT-REF-OLD {intro.mode}"
        owner_id = follow_up_id = intro.introducer_id
        taken_at = period.first.registered_at
        parties = [(owner_id, HUNDRED, (rule,))]
        message = (
            _("%(a)s declared the old client's introduction in advance: the client is %(a)s's.")
            if intro.mode == "a"
            else _("The old client brought the new client and asked for %(a)s: the client is %(a)s's.")
        )
        steps.append(Step(intro.marked_at, (rule,), message, params))
        break
    return owner_id, follow_up_id, parties, taken_at


def _apply_recognitions(
    facts: ClientFacts,
    period: Period,
    now: dt.datetime,
    zone: ZoneInfo,
    steps: list[Step],
    owner_id: int,
    follow_up_id: int,
    parties: list[_Party],
) -> tuple[int, int, list[_Party], dt.datetime | None]:
    """REC-NEW-2: a recognition in time takes the client over (a) or shares it 50/50 (c).

    Applies: REC-NEW-2.
    """
    new_salesperson = period.owner_id
    for recognition in sorted(facts.recognitions, key=lambda r: r.recognised_at):
        if recognition.recognised_at > now or recognition.recognised_at < period.first.visit_instant:
            continue
        verdict = judge_recognition(
            original_salesperson_id=recognition.original_salesperson_id,
            original_visits=recognition.original_visits,
            new_visit_at=period.first.visit_instant,
            new_salesperson_id=new_salesperson,
            recognised_at=recognition.recognised_at,
            deals=facts.deals,
            zone=zone,
            names=facts.names,
            reassignments=(*facts.reassignments, *recognition.original_reassignments),
        )
        steps.append(
            Step(
                recognition.recognised_at,
                verdict.rule_ids,
                verdict.message,
                verdict.params,
                outcome="applied" if verdict.accepted else "rejected",
            )
        )
        if verdict.case == "a":
            owner_id = follow_up_id = recognition.original_salesperson_id
            return owner_id, follow_up_id, [(owner_id, HUNDRED, ("REC-NEW-2a",))], recognition.recognised_at
        if verdict.case == "c":
            half = HUNDRED / 2
            # COM-2 ties go to the one who registered the client first: the original salesperson.
            return (
                owner_id,
                new_salesperson,
                [
                    (recognition.original_salesperson_id, half, ("REC-NEW-2c",)),
                    (new_salesperson, half, ("REC-NEW-2c",)),
                ],
                None,
            )
    return owner_id, follow_up_id, parties, None


def _apply_switches(
    facts: ClientFacts,
    period: Period,
    now: dt.datetime,
    findings_until: dt.datetime,
    zone: ZoneInfo,
    steps: list[Step],
    owner_id: int,
    follow_up_id: int,
    parties: list[_Party],
) -> tuple[int, list[_Party]]:
    """REC-DES-2/3: a switch to the salesperson a client insisted on, and what an instigation finding does to it.

    Applies: REC-DES-2, REC-DES-3.
    """
    for switch in sorted(facts.switches, key=lambda s: s.at):
        if switch.at > now or switch.at < period.first.visit_instant - dt.timedelta(days=1):
            continue
        params = {"first": facts.name(switch.first_receiver_id), "named": facts.name(switch.named_id)}
        if switch.returning:
            steps.append(
                Step(
                    switch.at,
                    ("REC-DES-3",),
                    _(
                        "The returning client insisted on %(named)s, who served as a duty reception: the whole "
                        "commission stays with %(first)s, who received the client first."
                    ),
                    params,
                )
            )
            return follow_up_id, [(switch.first_receiver_id, HUNDRED, ("REC-DES-3",))]
        if switch.instigated:
            steps.append(
                Step(
                    switch.at,
                    ("REC-DES-2",),
                    _("%(named)s instigated the switch: the whole commission goes to %(first)s, the first receiver."),
                    params,
                )
            )
            return switch.named_id, [(switch.first_receiver_id, HUNDRED, ("REC-DES-2",))]
        steps.append(
            Step(
                switch.at,
                ("REC-DES-2",),
                _("The client insisted on %(named)s after reception began: %(first)s 70%%, %(named)s 30%%."),
                params,
            )
        )
        found_at = switch.instigated_at
        if found_at is not None and found_at <= findings_until:
            steps.append(
                Step(
                    found_at,
                    ("REC-DES-2",),
                    _(
                        "On %(day)s the sales manager found that %(named)s instigated the switch (%(reason)s): the "
                        "whole commission goes to %(first)s, the first receiver."
                    ),
                    {**params, "day": _day(found_at, zone), "reason": switch.instigation_reason},
                )
            )
            return switch.named_id, [(switch.first_receiver_id, HUNDRED, ("REC-DES-2",))]
        return switch.named_id, [
            (switch.first_receiver_id, Decimal(70), ("REC-DES-2",)),
            (switch.named_id, Decimal(30), ("REC-DES-2",)),
        ]
    return follow_up_id, parties


def instigation_finding_refusal(switch: SwitchFact | None, *, already_found: bool, now: dt.datetime) -> Step | None:
    """REC-DES-2's Decision: the sales manager may find, at any time after a named switch of a new client, that the
    named salesperson instigated it. Why such a finding cannot be recorded, or None when it can.

    Applies: REC-DES-2, REC-DES-3.
    """
    if switch is None:
        return Step(
            now,
            ("REC-DES-2",),
            _("Only the switch of a new client to the salesperson they insisted on can be found instigated."),
            outcome="rejected",
        )
    if switch.returning:
        return Step(
            now,
            ("REC-DES-3",),
            _("A returning client's switch already leaves the whole commission with the owner: nothing to find."),
            outcome="rejected",
        )
    if switch.instigated or already_found:
        return Step(
            now,
            ("REC-DES-2",),
            _("The instigation of this switch is already established."),
            outcome="rejected",
        )
    if now < switch.at:
        return Step(now, ("REC-DES-2",), _("A finding comes after the switch it is about."), outcome="rejected")
    return None


def _apply_spouses(
    facts: ClientFacts, period: Period, now: dt.datetime, zone: ZoneInfo, steps: list[Step], parties: list[_Party]
) -> list[_Party]:
    """ATT-SPOUSE: a couple's owners serve them jointly.

    Decides: ATT-SPOUSE.
    """
    for spouse in sorted(facts.spouses, key=lambda s: s.marked_at):
        if spouse.marked_at > now:
            continue
        # Once found to be a couple, the spouse's salesperson at that moment serves them jointly for as long as
        # this client's registration lasts, even if the couple keep coming back to this side only (ATT-SPOUSE).
        other = current_period(spouse.spouse_visits, now=spouse.marked_at, zone=zone)
        if other is None or any(user_id == other.owner_id for user_id, _pct, _rules in parties):
            continue
        params = {"other": facts.name(other.owner_id), "mine": ", ".join(facts.name(p[0]) for p in parties)}
        steps.append(
            Step(
                spouse.marked_at,
                ("ATT-SPOUSE",),
                _("The client's spouse is registered by %(other)s: %(mine)s and %(other)s serve them jointly, 50/50."),
                params,
            )
        )
        halved = [(user_id, pct / 2, (*rules, "ATT-SPOUSE")) for user_id, pct, rules in parties]
        joint = (other.owner_id, HUNDRED / 2, ("ATT-SPOUSE",))
        # COM-2 ties go to whoever registered first.
        return [*halved, joint] if period.first.registered_at <= other.first.registered_at else [joint, *halved]
    return parties


def _client_level_split(
    facts: ClientFacts,
    period: Period | None,
    now: dt.datetime,
    zone: ZoneInfo,
    steps: list[Step],
    parties: list[_Party],
) -> list[Share]:
    """COM-3: company and referral splits apply to the client first; the salesperson part is then divided
    among the salesperson parties.

    Decides: ATT-CO-2, ATT-EMP-5.
    Applies: COM-3.
    """
    salesperson_part = HUNDRED
    client_rule: tuple[str, ...] = ()  # the client-level rule that sized the salespeople's part (COM-3)
    head: list[Share] = []
    tail: list[Share] = []
    # A deal the company arranged directly needs no reception, so no registration (ATT-CO-4, ATT-CO-5); every other
    # split starts from one.
    company = _valid_company_mark(facts, now, zone, steps, arranged_only=period is None)
    if company is not None:
        rule, salesperson_part, designated = _company_split(company)
        if designated:
            steps.append(
                Step(
                    company.marked_at,
                    ("ATT-CO-2",),
                    _("Leadership designated %(name)s for a company client: a duty reception, all to the pool."),
                    {"name": facts.name(company.designated_salesperson_id)},
                )
            )
        else:
            steps.append(Step(company.marked_at, (rule,), _company_sentence(rule)))
        client_rule = (rule,)
        pool = HUNDRED - salesperson_part
        if pool:
            tail.append(Share(PUBLIC_POOL, None, pool, (rule,)))
    elif period is not None:
        referral = _valid_referral(facts, now, zone, steps)
        if referral is not None:
            salesperson_part = Decimal(70)
            client_rule = ("ATT-EMP-5",)
            steps.append(
                Step(
                    referral.confirmed_at or now,
                    ("ATT-EMP-5",),
                    _("Valid referral by %(referrer)s: 30%% to the referrer, 70%% to the salespeople."),
                    {"referrer": facts.name(referral.referrer_id)},
                )
            )
            head.append(Share(REFERRER, referral.referrer_id, Decimal(30), ("ATT-EMP-5",)))
    if period is None and company is None:
        return []
    if salesperson_part and not parties:
        return []  # nobody to pay the salespeople's part: no split by the rules (ATT-DISP-1)
    if salesperson_part and parties:
        body = [
            Share(SALESPERSON, user_id, pct * salesperson_part / HUNDRED, (*rules, *client_rule))
            for user_id, pct, rules in parties
        ]
    else:
        body = []
    if not body and not head and not tail:
        return []
    return [*head, *body, *tail]


ARRANGED_KINDS = ("direct_sales", "direct_other")  # ATT-CO-4, ATT-CO-5: arranged directly, no reception


def _valid_company_mark(
    facts: ClientFacts, now: dt.datetime, zone: ZoneInfo, steps: list[Step], *, arranged_only: bool = False
) -> CompanyFact | None:
    """ATT-CO-1: the company mark that counts, if any (a client registered before the contact is not a company client).

    Applies: ATT-CO-1.
    """
    for mark in sorted(facts.company, key=lambda m: m.marked_at):
        # A deal the company arranged is marked when it is entered, often after it was signed: the mark says how that
        # deal came about, so it holds from the company's contact. Other marks count from when they were recorded.
        effective = mark.contacted_at if mark.kind in ARRANGED_KINDS else mark.marked_at
        if effective > now or (arranged_only and mark.kind not in ARRANGED_KINDS):
            continue
        if company_mark_valid(mark, facts.visits, zone=zone):
            return mark
        steps.append(
            Step(
                mark.marked_at,
                ("ATT-CO-1",),
                _("Not a company client: the client was already registered before the company's contact."),
                outcome="rejected",
            )
        )
    return None


def _company_split(mark: CompanyFact) -> tuple[str, Decimal, bool]:
    """ATT-CO-2..5: the company's part and whether the designated salesperson is paid, by kind of company client.

    Decides: ATT-CO-3, ATT-CO-4, ATT-CO-5.
    Applies: ATT-CO-2.
    """
    if mark.designated_salesperson_id is not None:
        return "ATT-CO-2", Decimal(0), True
    return {
        "followed_up": ("ATT-CO-3", Decimal(70), False),
        "direct_sales": ("ATT-CO-4", Decimal(30), False),
        "direct_other": ("ATT-CO-5", Decimal(0), False),
    }[mark.kind]


def _company_sentence(rule: str) -> Promise:
    return {
        "ATT-CO-3": _("Company client followed up by the salesperson: 70% salesperson, 30% public pool."),
        "ATT-CO-4": _("Deal arranged by the company, after-sales by the salesperson: 30% salesperson, 70% pool."),
        "ATT-CO-5": _("Deal arranged by the company, after-sales by other staff: 100% public pool."),
    }[rule]


def _valid_referral(facts: ClientFacts, now: dt.datetime, zone: ZoneInfo, steps: list[Step]) -> ReferralFact | None:
    for referral in sorted(facts.referrals, key=lambda r: r.registered_at):
        if referral.registered_at > now:
            continue
        status = referral_status(referral, facts.visits, now=now, zone=zone)
        if status.status == REFERRAL_VALID:
            return referral
        if status.status != REFERRAL_PENDING:
            steps.append(
                Step(
                    end_of_day(referral.appointment_date, zone)
                    if status.status in (REFERRAL_LAPSED, REFERRAL_VOID)
                    else referral.registered_at,
                    status.rule_ids,
                    status.message,
                    outcome="rejected",
                )
            )
    return None


def apply_disputes(
    facts: ClientFacts, now: dt.datetime, steps: list[Step], shares: list[Share]
) -> tuple[list[Share], bool]:
    """ATT-DISP-1 over `shares`: an opinion not yet ruled on holds them; an approved ruling replaces them.

    Decides: ATT-DISP-1.
    """
    on_hold = False
    for dispute in sorted(facts.disputes, key=lambda d: d.written_at):
        if dispute.written_at > now:
            continue
        decided_at = dispute.decided_at
        if decided_at is None or decided_at > now:  # not ruled on (yet, at `now`)
            on_hold = True
            steps.append(
                Step(
                    dispute.written_at,
                    ("ATT-DISP-1",),
                    _(
                        "The project manager wrote a dispute opinion: the commission is on hold until the director "
                        "rules."
                    ),
                )
            )
            continue
        if dispute.approved:
            shares = [
                Share(SALESPERSON if user_id else PUBLIC_POOL, user_id, Decimal(pct), ("ATT-DISP-1",))
                for user_id, pct in dispute.shares
            ]
            steps.append(
                Step(
                    decided_at,
                    ("ATT-DISP-1",),
                    _("The sales director approved the opinion: %(split)s."),
                    {"split": ", ".join(f"{facts.name(u)} {Decimal(p).normalize():f}%" for u, p in dispute.shares)},
                )
            )
        else:
            steps.append(
                Step(
                    decided_at,
                    ("ATT-DISP-1",),
                    _("The sales director rejected the opinion; the rules above stand."),
                    outcome="rejected",
                )
            )
    return shares, on_hold
