"""The salespeople parties to a client: an introduction by an old client (ATT-REF-OLD), a recognition (REC-NEW-2), a
switch the client insisted on (REC-DES-2/3) and a spouse's owner (ATT-SPOUSE) change who holds the client, who
follows it up and how the salespeople's part is shared. `attribute` applies them in COM-3's order."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy as _

from .facts import HUNDRED, ClientFacts, Step, SwitchFact
from .recognitions import judge_recognition
from .register import Period, _day, current_period

# A salesperson party to the salespeople's part: who, their percent of it, and the rules that gave it.
Party = tuple[int, Decimal, tuple[str, ...]]


def _apply_introductions(
    facts: ClientFacts,
    period: Period,
    since: dt.datetime | None,
    now: dt.datetime,
    steps: list[Step],
    owner_id: int,
    parties: list[Party],
) -> tuple[int, int, list[Party], dt.datetime | None]:
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
    parties: list[Party],
) -> tuple[int, int, list[Party], dt.datetime | None]:
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
    parties: list[Party],
) -> tuple[int, list[Party]]:
    """REC-DES-2/3: a switch to the salesperson a client insisted on, and what an instigation finding does to it.

    Why one function: the first switch within the registration settles the parties, by one of four branches
    (returning client, instigated, instigation found later, insisted: 70/30), each a step and its result side by
    side; split, the branches would lose the order in which they are tried.

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
    facts: ClientFacts, period: Period, now: dt.datetime, zone: ZoneInfo, steps: list[Step], parties: list[Party]
) -> list[Party]:
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
