"""Decisions taken later reach ownership (attribution.rules): a reassignment after a refused salesperson
(REC-NEW-4c) and an instigation found after a named switch (REC-DES-2)."""

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest

from attribution import rules
from attribution.rules import ClientFacts, DealFact, ReassignmentFact, RecognitionFact, RegisteredVisit, SwitchFact
from commission import rules as commission_rules

from ..conftest import SHANGHAI, at

ANN, BOB, CAT = 1, 2, 3
NAMES = {ANN: "Ann", BOB: "Bob", CAT: "Cat"}
_ids = iter(range(1, 10_000))


def visit(who: int, when: dt.datetime, approved: dt.datetime | None = None) -> RegisteredVisit:
    return RegisteredVisit(next(_ids), who, when, approved or when, when)


def facts(*visits, **kw) -> ClientFacts:
    return ClientFacts(client_id=1, visits=tuple(visits), names=NAMES, **kw)


def shares(result: rules.Attribution) -> dict:
    return {s.user_id: s.percent for s in result.shares}


REASSIGNED = ReassignmentFact(at(3, 10, 30), ANN, BOB)


class TestReassignment:
    def test_before_the_reassignment_the_original_holds(self):
        result = rules.attribute(
            facts(visit(ANN, at(3, 10, 5)), reassignments=(REASSIGNED,)), now=at(3, 10, 29), zone=SHANGHAI
        )
        assert result.owner_id == ANN

    def test_from_its_instant_the_original_holds_nothing_REC_NEW_4c(self):
        result = rules.attribute(
            facts(visit(ANN, at(3, 10, 5)), reassignments=(REASSIGNED,)), now=at(3, 10, 30), zone=SHANGHAI
        )
        assert result.owner_id is None and result.shares == ()
        assert "REC-NEW-4c" in result.rule_ids
        assert not any("lapsed" in s.text for s in result.steps)

    def test_new_salesperson_registering_the_same_minute_owns_the_client(self):
        visits = (visit(ANN, at(3, 10, 5)), visit(BOB, at(3, 10, 30)))
        result = rules.attribute(facts(*visits, reassignments=(REASSIGNED,)), now=at(4, 9), zone=SHANGHAI)
        assert result.owner_id == BOB and shares(result) == {BOB: 100}
        assert result.valid_until == rules.registration_valid_until(at(3, 10, 30), SHANGHAI)

    def test_without_the_reassignment_the_original_would_win(self):
        visits = (visit(ANN, at(3, 10, 5)), visit(BOB, at(3, 10, 30)))
        assert rules.attribute(facts(*visits), now=at(4, 9), zone=SHANGHAI).owner_id == ANN

    def test_the_originals_later_entries_confer_nothing(self):
        visits = (visit(ANN, at(3, 10, 5)), visit(ANN, at(3, 11)), visit(ANN, at(20, 11)))
        result = rules.attribute(facts(*visits, reassignments=(REASSIGNED,)), now=at(21, 9), zone=SHANGHAI)
        assert result.owner_id is None
        rejected = [s for s in result.steps if s.outcome == "rejected" and "REC-NEW-4c" in s.rule_ids]
        assert len(rejected) == 2 and all("confers nothing" in s.text for s in rejected)

    def test_the_rest_of_that_day_only_the_new_salespersons_registration_counts(self):
        visits = (visit(ANN, at(3, 10, 5)), visit(CAT, at(3, 14)), visit(BOB, at(3, 23, 59)))
        result = rules.attribute(facts(*visits, reassignments=(REASSIGNED,)), now=at(4, 9), zone=SHANGHAI)
        assert result.owner_id == BOB
        # Cat's entry alone that day makes nobody the owner.
        alone = rules.attribute(facts(*visits[:2], reassignments=(REASSIGNED,)), now=at(4, 9), zone=SHANGHAI)
        assert alone.owner_id is None

    def test_a_second_reassignment_the_same_day_reserves_the_client_for_the_last_one(self):
        again = ReassignmentFact(at(3, 11), BOB, CAT)
        visits = (visit(ANN, at(3, 10, 5)), visit(BOB, at(3, 10, 40)), visit(CAT, at(3, 11, 5)))
        result = rules.attribute(facts(*visits, reassignments=(REASSIGNED, again)), now=at(4, 9), zone=SHANGHAI)
        assert result.owner_id == CAT
        assert (
            rules.attribute(
                facts(*visits, reassignments=(REASSIGNED, again)), now=at(3, 10, 59), zone=SHANGHAI
            ).owner_id
            == BOB
        )

    def test_the_next_day_the_client_is_free_for_anyone_but_the_original(self):
        visits = (visit(ANN, at(3, 10, 5)), visit(CAT, at(4, 10)))
        result = rules.attribute(facts(*visits, reassignments=(REASSIGNED,)), now=at(5, 9), zone=SHANGHAI)
        assert result.owner_id == CAT

    def test_the_new_salespersons_existing_entry_counts_from_the_reassignment(self):
        # Bob's entry, written while Ann held the client, was ignored (ATT-REG-3); it counts from the reassignment.
        visits = (visit(ANN, at(3, 10, 5)), visit(BOB, at(3, 10, 10)))
        result = rules.attribute(facts(*visits, reassignments=(REASSIGNED,)), now=at(3, 10, 31), zone=SHANGHAI)
        assert result.owner_id == BOB
        assert any(s.at == REASSIGNED.at and "REC-NEW-4c" in s.rule_ids and "counts" in s.text for s in result.steps)
        assert rules.attribute(facts(*visits), now=at(3, 10, 31), zone=SHANGHAI).owner_id == ANN

    def test_a_reassignment_still_waiting_for_a_salesperson_frees_the_client(self):
        waiting = ReassignmentFact(at(3, 10, 30), ANN, None)
        visits = (visit(ANN, at(3, 10, 5)), visit(CAT, at(3, 11)))
        assert rules.attribute(facts(*visits, reassignments=(waiting,)), now=at(4, 9), zone=SHANGHAI).owner_id == CAT

    def test_register_alone_reads_it_too(self):
        visits = [visit(ANN, at(3, 10, 5))]
        owner = rules.registered_owner(visits, now=at(3, 12), zone=SHANGHAI, reassignments=[REASSIGNED])
        assert owner.owner_id is None

    def test_no_claim_by_recognition_REC_NEW_4c(self):
        original_visits = (visit(ANN, at(3, 10, 5)),)
        verdict = rules.judge_recognition(
            original_salesperson_id=ANN,
            original_visits=original_visits,
            new_visit_at=at(10, 10),
            new_salesperson_id=CAT,
            recognised_at=at(10, 11),
            deals=(),
            zone=SHANGHAI,
            names=NAMES,
            reassignments=(REASSIGNED,),
        )
        assert not verdict.accepted and verdict.rule_ids == ("REC-NEW-4c",)
        # Without it, Ann's same-day recognition would take the client over (REC-NEW-2a).
        before = rules.judge_recognition(
            original_salesperson_id=ANN,
            original_visits=original_visits,
            new_visit_at=at(10, 10),
            new_salesperson_id=CAT,
            recognised_at=at(10, 11),
            deals=(),
            zone=SHANGHAI,
            names=NAMES,
        )
        assert before.case == "a"

    def test_a_recognition_after_the_reassignment_takes_nothing_over(self):
        recognition = RecognitionFact(
            1, ANN, at(10, 11), original_visits=(visit(ANN, at(3, 10, 5)),), original_reassignments=(REASSIGNED,)
        )
        result = rules.attribute(
            facts(visit(CAT, at(10, 10)), recognitions=(recognition,)), now=at(10, 12), zone=SHANGHAI
        )
        assert result.owner_id == CAT and shares(result) == {CAT: 100}

    def test_a_deal_before_the_reassignment_stays_the_originals(self):
        client = facts(
            visit(ANN, at(3, 10, 5)),
            visit(BOB, at(3, 10, 30)),
            reassignments=(REASSIGNED,),
            deals=(DealFact(1, ANN, at(3, 10, 20)), DealFact(2, BOB, at(10, 15))),
        )
        before = commission_rules.deal_split(
            client, deal=client.deals[0], commission=Decimal(1000), now=at(11, 9), zone=SHANGHAI
        )
        after = commission_rules.deal_split(
            client, deal=client.deals[1], commission=Decimal(1000), now=at(11, 9), zone=SHANGHAI
        )
        assert [(line.user_id, line.amount) for line in before.lines] == [(ANN, Decimal("1000.00"))]
        assert [(line.user_id, line.amount) for line in after.lines] == [(BOB, Decimal("1000.00"))]


SWITCH = SwitchFact(at(3, 10, 30), ANN, CAT, returning=False)
FOUND = replace(SWITCH, instigated_at=at(20, 9), instigation_reason="Cat phoned her")


class TestInstigationFoundLater:
    def test_before_the_finding_70_30(self):
        result = rules.attribute(facts(visit(ANN, at(3, 10)), switches=(FOUND,)), now=at(19, 9), zone=SHANGHAI)
        assert shares(result) == {ANN: 70, CAT: 30}

    def test_from_the_finding_100_to_the_first_receiver_REC_DES_2(self):
        result = rules.attribute(facts(visit(ANN, at(3, 10)), switches=(FOUND,)), now=at(20, 9), zone=SHANGHAI)
        assert shares(result) == {ANN: 100}
        assert result.follow_up_id == CAT
        step = next(s for s in result.steps if s.at == FOUND.instigated_at)
        assert step.rule_ids == ("REC-DES-2",) and "Cat phoned her" in step.text

    @pytest.mark.parametrize(("found", "expected"), [(at(5, 9), {ANN: Decimal("10000.01")}), (at(20, 9), None)])
    def test_a_deal_before_or_after_the_finding(self, found, expected):
        switch = replace(SWITCH, instigated_at=found)
        client = facts(visit(ANN, at(3, 10)), switches=(switch,), deals=(DealFact(1, CAT, at(8, 15)),))
        at_deal = commission_rules.deal_split(
            client, deal=client.deals[0], commission=Decimal("10000.01"), now=at(8, 16), zone=SHANGHAI
        )
        later = commission_rules.deal_split(
            client, deal=client.deals[0], commission=Decimal("10000.01"), now=at(21, 9), zone=SHANGHAI
        )
        if expected is not None:  # found before the deal: 100% from the start
            assert {line.user_id: line.amount for line in at_deal.lines} == expected
        else:
            assert {line.user_id: line.amount for line in at_deal.lines} == {
                ANN: Decimal("7000.01"),
                CAT: Decimal("3000.00"),
            }
            assert any(s.rule_ids == ("REC-DES-2", "COM-4") for s in later.steps)
        assert {line.user_id: line.amount for line in later.lines} == {ANN: Decimal("10000.01")}

    def test_refusals(self):
        assert rules.instigation_finding_refusal(SWITCH, already_found=False, now=at(4, 9)) is None
        assert rules.instigation_finding_refusal(None, already_found=False, now=at(4, 9)).rule_ids == ("REC-DES-2",)
        returning = replace(SWITCH, returning=True)
        assert rules.instigation_finding_refusal(returning, already_found=False, now=at(4, 9)).rule_ids == (
            "REC-DES-3",
        )
        assert rules.instigation_finding_refusal(SWITCH, already_found=True, now=at(4, 9)) is not None
        at_switch = replace(SWITCH, instigated=True)
        assert rules.instigation_finding_refusal(at_switch, already_found=False, now=at(4, 9)) is not None
        assert rules.instigation_finding_refusal(SWITCH, already_found=False, now=at(3, 10)) is not None
