"""The desk's decisions moved out of the services (reception/rules/): pure functions, no database."""

import datetime as dt

import pytest

from reception import rules
from reception.rules import Assignment, Availability, MemberState, Outcome, Served, Skip

A = Availability
NOW = dt.datetime(2026, 12, 5, 10, 0, tzinfo=dt.UTC)


def member(sp: int, availability: Availability = A.AVAILABLE, *, slots=()) -> MemberState:
    """Salesperson `sp` at rota position `sp`, with member id 100 + sp."""
    return MemberState(
        member_id=100 + sp, salesperson_id=sp, position=sp, availability=availability, active_slot_ids=tuple(slots)
    )


def cursor(sp: int | None) -> dict:
    """The cursor after salesperson `sp`, both as the order's cursor and as the last taker (REC-ROT-8)."""
    member_id, position = (100 + sp, sp) if sp else (None, None)
    return {
        "last_turn_member_id": member_id,
        "last_turn_position": position,
        "last_taker_member_id": member_id,
        "last_taker_position": position,
    }


# --- which availability wins (take_snapshot) -------------------------------------------------------------------


def facts(**overrides) -> dict:
    base = {"on_duty": True, "busy": False, "absence_reason": None, "absence_approval": None, "readiness_passed": True}
    return {**base, **overrides}


@pytest.mark.parametrize(
    "overrides, expected",
    [
        ({}, A.AVAILABLE),
        ({"on_duty": False, "busy": True, "absence_reason": "unexcused"}, A.OFF_DUTY),  # REC-ROT-1 first
        ({"busy": True, "absence_reason": "unexcused"}, A.BUSY),  # REC-ROT-6 over an absence
        ({"absence_reason": "extra_work", "absence_approval": "approved", "readiness_passed": None}, A.AWAY_EXCUSED),
        ({"absence_reason": "extra_work", "absence_approval": "pending"}, A.AWAY_PENDING),
        ({"absence_reason": "extra_work", "absence_approval": "rejected"}, A.AWAY),
        ({"absence_reason": "unexcused", "absence_approval": "not_needed"}, A.AWAY),
        ({"readiness_passed": False}, A.NOT_READY),
        ({"readiness_passed": None}, A.NOT_READY),  # REC-READY-1: not checked yet is not ready
    ],
)
def test_member_availability_first_match_wins(overrides, expected):
    assert rules.member_availability(**facts(**overrides)) == expected


def test_readiness_as_the_board_shows_it():
    assert [rules.readiness_shown(v) for v in (None, True, False)] == ["unchecked", "passed", "failed"]


@pytest.mark.parametrize(
    "outcome, status",
    [(Outcome.SLOT_KEPT, "active"), (Outcome.SLOT_PENDING, "pending"), (Outcome.FORFEIT, None)],
)
def test_rec_rot_5_a_passed_over_absence_on_extra_work_earns_a_slot(outcome, status):
    assert Skip(1, A.AWAY_EXCUSED, outcome, "REC-ROT-5").earned_slot_status == status


def test_returning_routing_says_whether_the_client_waits_and_whether_it_is_a_duty_reception():
    shapes = {
        kind: (rules.OwnerRouting(kind, None).waits, rules.OwnerRouting(kind, None).is_duty)
        for kind in ("owner", "wait_owner", "duty", "wait_duty")
    }
    assert shapes == {
        "owner": (False, False),
        "wait_owner": (True, False),
        "duty": (False, True),
        "wait_duty": (True, True),
    }


# --- a waiting client is served (REC-ROT-6) --------------------------------------------------------------------


def serve(members, *, kind="rota", waiting_for_id=None, owner_id=None, refused=frozenset(), after=None):
    return rules.serve_waiting_client(
        members, kind=kind, waiting_for_id=waiting_for_id, owner_id=owner_id, refused=refused, **cursor(after)
    )


@pytest.mark.parametrize("availability", [A.AVAILABLE, A.NOT_READY])
def test_a_client_waiting_for_a_named_person_goes_to_them_once_free(availability):
    served = serve([member(1), member(2, availability)], kind="designated", waiting_for_id=2)
    assert (served.served, served.salesperson_id, served.rule_ids) == (Served.WAITED_FOR, 2, ("REC-DES-1",))


@pytest.mark.parametrize("kind, rule", [("returning", "REC-RET-1"), ("switched", "REC-DES-2"), ("duty", "REC-DES-3")])
def test_the_clause_of_a_waited_for_hand_over_follows_the_reception_kind(kind, rule):
    assert serve([member(2)], kind=kind, waiting_for_id=2).rule_ids == (rule,)


@pytest.mark.parametrize("availability", [A.BUSY, A.AWAY, A.OFF_DUTY])
def test_a_client_waiting_for_someone_not_free_goes_on_waiting(availability):
    assert serve([member(1), member(2, availability)], kind="returning", waiting_for_id=2) is None


def test_rec_ret_1_a_duty_client_goes_to_their_owner_back_at_post():
    served = serve([member(1), member(2)], kind="duty", owner_id=2, after=1)
    assert (served.served, served.salesperson_id, served.rule_ids) == (Served.OWNER, 2, ("REC-RET-1",))


def test_rec_rot_8_a_duty_client_of_an_absent_owner_goes_to_the_last_taker():
    served = serve([member(1), member(2, A.AWAY), member(3)], kind="duty", owner_id=2, after=3)
    assert (served.served, served.salesperson_id, served.rule_ids[0]) == (Served.DUTY, 3, "REC-ROT-8")


def test_a_duty_client_whose_owner_is_busy_waits():
    assert serve([member(1), member(2, A.BUSY)], kind="duty", owner_id=2, after=1) is None


def test_a_new_waiting_client_goes_by_the_rota_among_those_free_and_honours_a_slot():
    served = serve([member(1), member(2, A.BUSY), member(3, slots=[7])], after=1)
    assert served.served == Served.TURN
    assert (served.turn.assignment, served.salesperson_id, served.turn.slot_id) == (Assignment.PRIORITY, 3, 7)
    assert served.rule_ids == ("REC-ROT-6", "REC-ROT-5")


def test_rec_new_4c_a_reassigned_client_never_goes_back_and_ignores_slots():
    served = serve([member(1), member(2), member(3, slots=[7])], kind="reassigned", refused={2}, after=1)
    assert (served.turn.assignment, served.salesperson_id) == (Assignment.ROTA, 3)
    assert serve([member(1, A.BUSY), member(2)], kind="reassigned", refused={2}) is None


def test_nobody_free_nobody_is_handed_the_waiting_client():
    assert serve([member(1, A.BUSY), member(2, A.NOT_READY)]) is None


def test_rec_new_4c_reassignment_turn_skips_the_refused_and_waits_when_all_are():
    turn = rules.reassignment_turn([member(1), member(2, slots=[5]), member(3)], refused={1}, **_order(None))
    assert (turn.assignment, turn.salesperson_id) == (Assignment.ROTA, 2)
    assert rules.reassignment_turn([member(1)], refused={1}, **_order(None)).assignment == Assignment.WAIT


def _order(sp):
    c = cursor(sp)
    return {"last_turn_member_id": c["last_turn_member_id"], "last_turn_position": c["last_turn_position"]}


# --- arrivals --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "availability, introduced, how",
    [
        (A.AVAILABLE, False, rules.Designated.SERVE),
        (A.NOT_READY, False, rules.Designated.SERVE),
        (A.BUSY, False, rules.Designated.WAIT),
        (A.AWAY, True, rules.Designated.DUTY),
        (A.OFF_DUTY, True, rules.Designated.DUTY),
    ],
)
def test_rec_des_1_a_designated_client(availability, introduced, how):
    arrival = rules.designated_arrival(availability=availability, introduced_by_old_client=introduced, name="Li")
    assert (arrival.how, arrival.refusal) == (how, None)


@pytest.mark.parametrize("availability", [None, A.AWAY, A.AWAY_EXCUSED, A.OFF_DUTY])
def test_rec_des_1_a_designated_client_of_someone_away_or_unknown_is_refused(availability):
    arrival = rules.designated_arrival(availability=availability, introduced_by_old_client=False, name="Li")
    assert arrival.how is None
    assert arrival.refusal.rule_id == "REC-DES-1" and "Li" in arrival.refusal.message


def test_rec_new_2_a_returning_client_needs_an_owner_and_nobody_on_duty_is_refused():
    assert rules.returning_client_refusal(owner_id=4) is None
    assert rules.returning_client_refusal(owner_id=None).rule_id == "REC-NEW-2"
    assert rules.nobody_on_duty_refusal().rule_id == "REC-ROT-1"


def test_rec_des_4_and_rec_rot_9_an_introduction_and_a_party_are_noted():
    assert rules.introduction_noted(introduced_by_old_client=True) == "REC-DES-4"
    assert rules.introduction_noted(introduced_by_old_client=False) is None
    assert rules.party_noted(party_new_clients=2) == "REC-ROT-9"
    assert rules.party_noted(party_new_clients=0) is None


def test_rec_rot_8_a_duty_reception_earns_a_slot_by_the_site_setting():
    assert rules.duty_reception_slot(grants_priority=True) == "REC-ROT-8"
    assert rules.duty_reception_slot(grants_priority=False) is None


@pytest.mark.parametrize(
    "consumed, latest, expected", [(True, 7, False), (True, 8, True), (True, None, False), (False, 8, False)]
)
def test_rec_rot_1_the_order_moved_on_only_after_a_later_turn(consumed, latest, expected):
    assert rules.later_turn_taken(consumed_turn=consumed, latest_turn_reception_id=latest, reception_id=7) is expected


# --- absences, readiness, violations, the order ------------------------------------------------------------------


def test_rec_rot_6_nobody_leaves_a_reception_nor_is_away_twice():
    assert rules.absence_start_refusal(in_reception=False, already_away=False, name="Li") is None
    assert rules.absence_start_refusal(in_reception=True, already_away=True, name="Li").rule_id == "REC-ROT-6"
    assert rules.absence_start_refusal(in_reception=False, already_away=True, name="Li") == rules.already_away_refusal(
        name="Li"
    )


def test_rec_rot_5_extra_work_awaits_the_project_manager_other_absences_do_not():
    assert rules.absence_start(reason="extra_work") == rules.AbsenceStart("pending", True, ("REC-ROT-5",))
    assert rules.absence_start(reason="unexcused") == rules.AbsenceStart("not_needed", False, ("REC-ROT-4",))


def test_rec_rot_5_only_the_project_manager_decides_and_only_once():
    assert rules.absence_decide_refusal(actor_is_project_manager=True) is None
    assert rules.absence_decide_refusal(actor_is_project_manager=False).rule_id == "REC-ROT-5"
    assert rules.absence_decided_refusal(approval="pending") is None
    assert rules.absence_decided_refusal(approval="approved") is not None


def test_rec_rot_5_approved_holds_the_slot_rejected_forfeits():
    assert rules.absence_decision(approve=True) == rules.AbsenceDecision(
        "approved", "active", "absence_approved", ("REC-ROT-5",)
    )
    assert rules.absence_decision(approve=False) == rules.AbsenceDecision(
        "rejected", "cancelled", "absence_rejected", ("REC-ROT-4",)
    )


def test_rec_ready_1_the_morning_grid_checks_someone_on_duty():
    assert rules.readiness_grid_refusal(rows=0).rule_id == "REC-READY-1"
    assert rules.readiness_grid_refusal(rows=2) is None
    refusal = rules.readiness_grid_refusal(rows=2, off_duty_names=["Li", "Wang"])
    assert "Li, Wang" in refusal.message


def test_a_violation_is_not_recorded_for_the_future_and_goes_under_its_rule():
    assert rules.violation_refusal(occurred_at=NOW, now=NOW) is None
    assert rules.violation_refusal(occurred_at=NOW + dt.timedelta(seconds=1), now=NOW).field == "occurred_at"
    assert rules.violation_rule_id("REC-NEW-5/see-out") == "REC-NEW-5"
    assert rules.violation_rule_id("REC-NEW-4/b") == "REC-NEW-4"


def test_rec_rot_3_the_order_changes_with_a_reason_between_two_members():
    assert rules.order_change_refusal(reason="  ").field == "reason"
    assert rules.order_change_refusal(reason="swap for lunch") is None
    assert rules.swap_refusal(found=2) is None
    assert rules.swap_refusal(found=1).rule_id == "REC-ROT-3"
    assert "Li" in rules.move_refusal(name="Li").message
    assert rules.roster_members_refusal(unknown=False) is None
    assert rules.roster_members_refusal(unknown=True).rule_id == "REC-ROT-1"


# --- change requests ------------------------------------------------------------------------------------------


def test_rec_new_4_the_manager_chooses_one_of_the_decisions():
    assert all(rules.change_decision_refusal(decision=d) is None for d in rules.DECISIONS)
    assert rules.change_decision_refusal(decision="z").field == "decision"


@pytest.mark.parametrize(
    "decision, status, returning, sales_manager, rule",
    [
        ("a", "waiting", False, None, "REC-NEW-4"),
        ("b", "active", True, None, "REC-DES-3"),
        ("c", "active", True, None, "REC-DES-3"),
        ("d", "active", False, False, "REC-DES-2"),
        ("a", "active", True, None, None),
        ("d", "active", True, None, None),
        ("d", "active", False, True, None),
        ("c", "active", False, None, None),
    ],
)
def test_which_change_the_manager_may_decide(decision, status, returning, sales_manager, rule):
    refusal = rules.change_request_refusal(
        decision=decision, status=status, returning=returning, actor_is_sales_manager=sales_manager
    )
    assert (refusal.rule_id if refusal else None) == rule
    assert rules.needs_sales_manager(decision=decision, returning=returning) == (decision == "d" and not returning)


def test_rec_des_2_the_named_salesperson_is_someone_else_at_post():
    def refusal(named_id, availability=A.AVAILABLE):
        return rules.named_salesperson_refusal(
            named_id=named_id, current_salesperson_id=1, named_availability=availability, name="Li"
        )

    assert refusal(None).field == "requested_salesperson"
    assert refusal(1) is not None
    assert refusal(2, None) is not None
    assert refusal(2, A.AWAY) is not None
    assert refusal(2, A.BUSY) is None
    assert refusal(2, A.NOT_READY) is None


def test_the_change_request_keeps_only_what_its_decision_gives_a_meaning():
    def record(decision, returning=False):
        return rules.change_record(decision=decision, grant_priority=True, instigated=True, returning=returning)

    assert (record("c").grant_priority, record("d").grant_priority) == (True, False)
    assert (record("d").keeps_requested, record("a").keeps_requested) == (True, False)
    assert (record("d").instigated, record("d", returning=True).instigated, record("c").instigated) == (
        True,
        False,
        False,
    )


def test_rec_des_2_and_3_the_switch_to_the_named_salesperson():
    new = rules.named_switch(returning=False, named_availability=A.AVAILABLE, owner_id=None, first_salesperson_id=1)
    assert (new.kind, new.waits, new.owner_id, new.event_kind, new.rule_ids) == (
        "switched",
        False,
        None,
        "switched_to_named",
        ("REC-DES-2",),
    )
    returning = rules.named_switch(returning=True, named_availability=A.BUSY, owner_id=None, first_salesperson_id=1)
    assert (returning.kind, returning.waits, returning.owner_id, returning.rule_ids) == (
        "duty",
        True,
        1,
        ("REC-DES-3",),
    )
    assert (
        rules.named_switch(returning=True, named_availability=A.BUSY, owner_id=9, first_salesperson_id=1).owner_id == 9
    )
