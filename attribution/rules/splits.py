"""The client-level split (COM-3): a company client (ATT-CO-1..5) or a valid referral (ATT-EMP-5) sizes the
salespeople's part before the salesperson parties divide it, and a dispute ruling (ATT-DISP-1) holds or replaces the
result."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from salesoffice.timeutil import end_of_day

from .facts import HUNDRED, PUBLIC_POOL, REFERRER, SALESPERSON, ClientFacts, CompanyFact, ReferralFact, Share, Step
from .parties import Party
from .referrals import (
    REFERRAL_LAPSED,
    REFERRAL_PENDING,
    REFERRAL_VALID,
    REFERRAL_VOID,
    company_mark_valid,
    referral_status,
)
from .register import Period


def _client_level_split(
    facts: ClientFacts,
    period: Period | None,
    now: dt.datetime,
    zone: ZoneInfo,
    steps: list[Step],
    parties: list[Party],
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
        steps.append(_company_step(facts, company, rule, designated=designated))
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


def _company_step(facts: ClientFacts, company: CompanyFact, rule: str, *, designated: bool) -> Step:
    """The timeline's line for a company client: a designated salesperson (ATT-CO-2) or the kind's split."""
    if designated:
        return Step(
            company.marked_at,
            ("ATT-CO-2",),
            _("Leadership designated %(name)s for a company client: a duty reception, all to the pool."),
            {"name": facts.name(company.designated_salesperson_id)},
        )
    return Step(company.marked_at, (rule,), _company_sentence(rule))


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
