"""The rota engine's pure functions (reception/rules/): a snapshot of the desk in, a decision out. No database."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reception import rules
from reception.rules import Assignment, Availability, MemberState, Outcome, Skip

SHANGHAI = ZoneInfo("Asia/Shanghai")
A = Availability


def member(sp: int, availability: Availability = A.AVAILABLE, *, slots=(), absence_has_slot=False) -> MemberState:
    """Salesperson `sp` at rota position `sp`, with member id 100 + sp."""
    return MemberState(
        member_id=100 + sp,
        salesperson_id=sp,
        position=sp,
        availability=availability,
        active_slot_ids=tuple(slots),
        absence_has_slot=absence_has_slot,
    )


def desk(*availabilities: Availability) -> list[MemberState]:
    """Members 1..n with the given availabilities, in rota order."""
    return [member(sp, a) for sp, a in enumerate(availabilities, start=1)]


def after(sp: int | None) -> dict:
    """The cursor standing at salesperson `sp` (who took the last normal turn); None for the top."""
    if sp is None:
        return {"last_turn_member_id": None, "last_turn_position": None}
    return {"last_turn_member_id": 100 + sp, "last_turn_position": sp}


def ids(members) -> list[int]:
    return [m.salesperson_id for m in members]


# --- REC-ROT-1 / REC-ROT-2: strict, rolling order ---------------------------------------------------------------


def test_rec_rot_1_first_walk_in_goes_to_the_top_of_the_order():
    decision = rules.next_walk_in(desk(A.AVAILABLE, A.AVAILABLE, A.AVAILABLE), **after(None))
    assert decision.assignment == Assignment.ROTA
    assert (decision.salesperson_id, decision.member_id) == (1, 101)
    assert decision.skips == ()
    assert decision.rule_ids == ("REC-ROT-1",)


@pytest.mark.parametrize("last, expected", [(1, 2), (2, 3), (4, 5)])
def test_rec_rot_1_next_walk_in_is_the_one_after_the_last_taker(last, expected):
    decision = rules.next_walk_in(desk(*[A.AVAILABLE] * 5), **after(last))
    assert decision.salesperson_id == expected
    assert decision.slot_id is None


def test_rec_rot_1_member_list_order_does_not_matter_only_positions_do():
    members = list(reversed(desk(*[A.AVAILABLE] * 4)))
    assert rules.next_walk_in(members, **after(2)).salesperson_id == 3
    assert ids(rules.on_duty(members)) == [1, 2, 3, 4]


def test_rec_rot_2_order_wraps_round_after_the_last():
    members = desk(*[A.AVAILABLE] * 5)
    assert rules.next_walk_in(members, **after(5)).salesperson_id == 1
    assert ids(rules.rolling_order(members, **after(3))) == [4, 5, 1, 2, 3]
    assert ids(rules.rolling_order(members, **after(5))) == [1, 2, 3, 4, 5]
    assert ids(rules.rolling_order(members, **after(None))) == [1, 2, 3, 4, 5]


def test_rec_rot_2_off_duty_members_are_not_in_the_cycle():
    members = desk(A.AVAILABLE, A.OFF_DUTY, A.AVAILABLE, A.OFF_DUTY, A.AVAILABLE)
    assert ids(rules.rolling_order(members, **after(1))) == [3, 5, 1]
    decision = rules.next_walk_in(members, **after(1))
    # Off duty is not a forfeit: they are simply not in today's cycle.
    assert decision.salesperson_id == 3
    assert decision.skips == ()


@pytest.mark.parametrize(
    "present, last_position, expected_order",
    [([1, 2, 4, 5], 3, [4, 5, 1, 2]), ([1, 2, 3, 4], 5, [1, 2, 3, 4]), ([1, 3, 4], 2, [3, 4, 1])],
)
def test_rec_rot_2_cursor_carries_over_by_position_when_the_last_taker_is_not_on_duty(
    present, last_position, expected_order
):
    members = [member(sp) for sp in present]
    cursor = {"last_turn_member_id": 100 + last_position, "last_turn_position": last_position}
    assert ids(rules.rolling_order(members, **cursor)) == expected_order
    assert rules.next_walk_in(members, **cursor).salesperson_id == expected_order[0]


def test_rec_rot_2_cursor_position_carries_over_across_days_by_default():
    yesterday = dt.datetime(2026, 3, 2, 17, 0, tzinfo=SHANGHAI)
    today_starts = dt.datetime(2026, 3, 3, 0, 0, tzinfo=SHANGHAI)
    assert (
        rules.cursor_position(
            last_turn_position=3, last_turn_at=yesterday, today_starts_at=today_starts, carry_over=True
        )
        == 3
    )


def test_rec_rot_2_cursor_position_restarts_each_day_when_carry_over_is_off():
    today_starts = dt.datetime(2026, 3, 3, 0, 0, tzinfo=SHANGHAI)
    just_before_midnight = today_starts - dt.timedelta(microseconds=1)
    kwargs = {"last_turn_position": 3, "today_starts_at": today_starts, "carry_over": False}
    assert rules.cursor_position(last_turn_at=just_before_midnight, **kwargs) is None
    # The same day the cycle still rolls on.
    assert rules.cursor_position(last_turn_at=today_starts, **kwargs) == 3
    assert rules.cursor_position(last_turn_at=today_starts + dt.timedelta(hours=9), **kwargs) == 3


def test_rec_rot_2_cursor_position_is_the_top_when_nobody_has_taken_a_turn():
    today_starts = dt.datetime(2026, 3, 3, tzinfo=SHANGHAI)
    for carry_over in (True, False):
        assert (
            rules.cursor_position(
                last_turn_position=None, last_turn_at=None, today_starts_at=today_starts, carry_over=carry_over
            )
            is None
        )


# --- skipped turns: REC-ROT-4, REC-READY-1, REC-ROT-6, REC-ROT-5 ------------------------------------------------


def test_rec_rot_4_away_without_reason_forfeits_and_the_turn_passes_to_the_next():
    decision = rules.next_walk_in(desk(A.AVAILABLE, A.AWAY, A.AVAILABLE), **after(1))
    assert decision.salesperson_id == 3
    assert decision.skips == (Skip(2, A.AWAY, Outcome.FORFEIT, "REC-ROT-4"),)
    assert decision.rule_ids == ("REC-ROT-1", "REC-ROT-4")


def test_rec_ready_1_not_ready_forfeits_a_turn_that_comes_up():
    decision = rules.next_walk_in(desk(A.NOT_READY, A.AVAILABLE), **after(None))
    assert decision.salesperson_id == 2
    assert decision.skips == (Skip(1, A.NOT_READY, Outcome.FORFEIT, "REC-READY-1"),)
    assert "REC-READY-1" in decision.rule_ids


def test_rec_rot_6_busy_salesperson_forfeits_when_their_turn_comes():
    decision = rules.next_walk_in(desk(A.BUSY, A.BUSY, A.AVAILABLE, A.AVAILABLE), **after(None))
    assert decision.salesperson_id == 3
    assert [(s.salesperson_id, s.outcome, s.rule_id) for s in decision.skips] == [
        (1, Outcome.FORFEIT, "REC-ROT-6"),
        (2, Outcome.FORFEIT, "REC-ROT-6"),
    ]
    assert decision.rule_ids == ("REC-ROT-1", "REC-ROT-6")


@pytest.mark.parametrize(
    "availabilities",
    [
        (A.BUSY, A.BUSY, A.BUSY),
        (A.BUSY, A.AWAY, A.NOT_READY, A.AWAY_EXCUSED, A.AWAY_PENDING, A.OFF_DUTY),
    ],
)
def test_rec_rot_6_when_nobody_eligible_is_free_the_client_waits_and_nobody_forfeits(availabilities):
    decision = rules.next_walk_in(desk(*availabilities), **after(1))
    assert decision.assignment == Assignment.WAIT
    assert decision.salesperson_id is None
    assert decision.skips == ()
    assert decision.rule_ids == ("REC-ROT-6",)


@pytest.mark.parametrize("members", [[], desk(A.OFF_DUTY, A.OFF_DUTY)])
def test_rec_rot_1_nobody_on_duty_raises(members):
    with pytest.raises(rules.NobodyOnDuty):
        rules.next_walk_in(members, **after(None))


def test_rec_rot_5_pending_extra_work_keeps_a_pending_slot_when_passed_over():
    decision = rules.next_walk_in(desk(A.AWAY_PENDING, A.AVAILABLE), **after(None))
    assert decision.salesperson_id == 2
    assert decision.skips == (Skip(1, A.AWAY_PENDING, Outcome.SLOT_PENDING, "REC-ROT-5"),)


def test_rec_rot_5_approved_extra_work_keeps_a_slot_when_passed_over():
    decision = rules.next_walk_in(desk(A.AWAY_EXCUSED, A.AVAILABLE), **after(None))
    assert decision.skips == (Skip(1, A.AWAY_EXCUSED, Outcome.SLOT_KEPT, "REC-ROT-5"),)


@pytest.mark.parametrize("availability", [A.AWAY_EXCUSED, A.AWAY_PENDING])
def test_rec_rot_5_one_absence_earns_one_slot_only(availability):
    members = [member(1, availability, absence_has_slot=True), member(2)]
    decision = rules.next_walk_in(members, **after(None))
    assert decision.salesperson_id == 2
    assert decision.skips == (Skip(1, availability, Outcome.PASSED_OVER_EXCUSED, "REC-ROT-5"),)


def test_rec_rot_5_slot_holder_takes_the_walk_in_ahead_of_the_order():
    members = [member(1), member(2), member(3), member(4, slots=(77,))]
    decision = rules.next_walk_in(members, **after(1))
    assert decision.assignment == Assignment.PRIORITY
    assert (decision.salesperson_id, decision.member_id, decision.slot_id) == (4, 104, 77)
    # Nobody in the normal order is passed over by a priority assignment.
    assert decision.skips == ()
    assert decision.rule_ids == ("REC-ROT-5",)


def test_rec_rot_5_earliest_granted_slot_goes_first():
    members = [member(1), member(2, slots=(9, 12)), member(3, slots=(5,))]
    decision = rules.next_walk_in(members, **after(None))
    assert (decision.salesperson_id, decision.slot_id) == (3, 5)


@pytest.mark.parametrize("availability", [A.BUSY, A.AWAY_EXCUSED, A.NOT_READY])
def test_rec_rot_5_slot_is_only_used_once_the_holder_is_back_and_free(availability):
    members = [member(1), member(2), member(3, availability, slots=(4,))]
    decision = rules.next_walk_in(members, **after(None))
    assert decision.assignment == Assignment.ROTA
    assert decision.salesperson_id == 1


def test_rec_new_4_reassignment_excludes_the_original_and_ignores_priority_slots():
    members = [member(1), member(2), member(3, slots=(8,))]
    decision = rules.next_walk_in(members, **after(None), exclude_salesperson_id=1, honour_priority=False)
    assert decision.assignment == Assignment.ROTA
    assert decision.salesperson_id == 2
    # The excluded original is not "skipped": they lose nothing more than the bye.
    assert decision.skips == ()


def test_rec_new_4_reassignment_waits_when_only_the_original_is_free():
    decision = rules.next_walk_in(desk(A.AVAILABLE, A.BUSY), **after(None), exclude_salesperson_id=1)
    assert decision.assignment == Assignment.WAIT


# --- REC-ROT-8: the last in the rota gives duty receptions ------------------------------------------------------


def test_rec_rot_8_last_in_rota_is_the_most_recent_normal_turn_taker():
    members = desk(*[A.AVAILABLE] * 5)
    assert rules.last_in_rota(members, **after(3)).salesperson_id == 3
    assert rules.last_in_rota(members, **after(5)).salesperson_id == 5


def test_rec_rot_8_busy_or_absent_last_taker_passes_to_the_one_before_them():
    members = desk(A.AVAILABLE, A.AWAY, A.BUSY, A.AVAILABLE)
    assert rules.last_in_rota(members, **after(3)).salesperson_id == 1
    # Going back wraps round too: before the first comes the last.
    members = desk(A.BUSY, A.AVAILABLE, A.AVAILABLE, A.AVAILABLE)
    assert rules.last_in_rota(members, **after(1)).salesperson_id == 4


def test_rec_rot_8_owner_is_never_their_own_duty_receiver():
    members = desk(*[A.AVAILABLE] * 3)
    assert rules.last_in_rota(members, **after(2), exclude_salesperson_id=2).salesperson_id == 1


def test_rec_rot_8_nobody_free_gives_no_duty_receiver():
    assert rules.last_in_rota(desk(A.BUSY, A.AWAY, A.NOT_READY), **after(1)) is None


# --- REC-ROT-7: lunch duty ------------------------------------------------------------------------------------


@pytest.mark.parametrize("last, expected", [(None, [1, 2]), (2, [3, 4]), (4, [5, 1]), (5, [1, 2])])
def test_rec_rot_7_lunch_duty_is_the_first_two_in_the_current_order(last, expected):
    assert ids(rules.lunch_duty(desk(*[A.AVAILABLE] * 5), **after(last))) == expected


def test_rec_rot_7_lunch_duty_counts_only_those_on_duty():
    members = desk(A.AVAILABLE, A.OFF_DUTY, A.AVAILABLE, A.AVAILABLE)
    assert ids(rules.lunch_duty(members, **after(1))) == [3, 4]
    assert ids(rules.lunch_duty(desk(A.AVAILABLE, A.OFF_DUTY), **after(None))) == [1]


# --- REC-RET-1 / REC-RET-2: returning clients ------------------------------------------------------------------


def test_rec_ret_1_returning_client_goes_to_the_available_owner():
    routing = rules.route_returning_client(desk(*[A.AVAILABLE] * 3), owner_id=3, **after(1))
    assert (routing.kind, routing.salesperson_id) == ("owner", 3)
    assert "REC-RET-1" in routing.rule_ids


def test_rec_ret_1_busy_owner_is_waited_for():
    routing = rules.route_returning_client(desk(A.AVAILABLE, A.BUSY), owner_id=2, **after(1))
    assert (routing.kind, routing.salesperson_id) == ("wait_owner", 2)
    assert routing.rule_ids == ("REC-RET-1", "REC-ROT-6")


@pytest.mark.parametrize("owner_availability", [A.AWAY, A.OFF_DUTY, A.AWAY_EXCUSED])
def test_rec_ret_2_absent_owner_sends_the_client_to_a_duty_reception(owner_availability):
    members = desk(A.AVAILABLE, owner_availability, A.AVAILABLE, A.AVAILABLE)
    routing = rules.route_returning_client(members, owner_id=2, **after(3))
    assert (routing.kind, routing.salesperson_id) == ("duty", 3)
    assert routing.rule_ids == ("REC-RET-2", "REC-ROT-8")


def test_rec_ret_2_owner_not_in_the_rota_at_all_is_absent():
    routing = rules.route_returning_client(desk(A.AVAILABLE, A.AVAILABLE), owner_id=99, **after(1))
    assert (routing.kind, routing.salesperson_id) == ("duty", 1)


def test_rec_ret_2_nobody_free_for_the_duty_reception_means_waiting():
    routing = rules.route_returning_client(desk(A.AWAY, A.BUSY), owner_id=1, **after(2))
    assert (routing.kind, routing.salesperson_id) == ("wait_duty", None)


# --- properties over any desk ----------------------------------------------------------------------------------

_availability = st.sampled_from(list(Availability))
# No example database in the working tree, and no deadline: the suite shares a busy machine.
_settings = settings(database=None, deadline=None)


@_settings
@given(
    availabilities=st.lists(_availability, min_size=1, max_size=8),
    last=st.integers(min_value=0, max_value=8),
)
def test_rec_rot_1_and_rec_rot_4_property_the_first_free_in_rolling_order_takes_and_only_those_before_are_skipped(
    availabilities, last
):
    members = desk(*availabilities)
    cursor = after(last if 1 <= last <= len(members) else None)
    if all(a == A.OFF_DUTY for a in availabilities):
        with pytest.raises(rules.NobodyOnDuty):
            rules.next_walk_in(members, **cursor)
        return
    decision = rules.next_walk_in(members, **cursor)
    order = rules.rolling_order(members, **cursor)
    free = [m for m in order if m.availability == A.AVAILABLE]
    if not free:
        assert decision.assignment == Assignment.WAIT
        assert decision.skips == ()
        return
    taker = free[0]
    assert decision.assignment == Assignment.ROTA
    assert decision.salesperson_id == taker.salesperson_id
    passed_over = order[: order.index(taker)]
    assert [s.salesperson_id for s in decision.skips] == ids(passed_over)
    for skip in decision.skips:
        kept = skip.availability in (A.AWAY_EXCUSED, A.AWAY_PENDING)
        assert (skip.outcome != Outcome.FORFEIT) == kept
    # Every decision cites the rule of every skip it made.
    assert {s.rule_id for s in decision.skips} <= set(decision.rule_ids)


@_settings
@given(availabilities=st.lists(_availability, min_size=1, max_size=8), last=st.integers(min_value=1, max_value=8))
def test_rec_rot_2_property_rolling_order_is_a_rotation_of_the_duty_order(availabilities, last):
    members = desk(*availabilities)
    duty = ids(rules.on_duty(members))
    order = ids(rules.rolling_order(members, last_turn_member_id=100 + last, last_turn_position=last))
    assert sorted(order) == duty
    if order:
        start = duty.index(order[0])
        assert order == duty[start:] + duty[:start]
        # The last taker (or, off duty, the first position after theirs) is at the end of the order.
        later = [sp for sp in duty if sp > last]
        assert order[0] == (later[0] if later else duty[0])


def test_rec_rot_7_lunch_duty_passes_over_those_away_from_the_post():
    members = desk(A.AVAILABLE, A.AWAY, A.BUSY, A.AWAY_EXCUSED, A.AVAILABLE)
    assert ids(rules.lunch_duty(members, **after(5))) == [1, 3]
