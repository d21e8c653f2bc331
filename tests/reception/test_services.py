"""The rota engine's state changes (reception/services/) on PostgreSQL, one REC-* clause at a time.

Personas come from tests/conftest.py: `supervisor`, `project_manager`, `sales_manager` and the salespeople
ann, bob, cat, dan, eve in rota order. Every instant is explicit (Asia/Shanghai, March 2026).
"""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.utils import translation

from attribution.models import Client, VisitApproval, VisitEntry
from attribution.selectors import client_ownership
from reception import selectors, services
from reception.explain import describe
from reception.models import (
    Absence,
    ChangeRequest,
    DeskSettings,
    PhoneInquiry,
    PrioritySlot,
    Reception,
    RotaEvent,
    RotaMember,
    RotaState,
    Violation,
)
from reception.rules import Availability
from salesoffice.roles import ROLE_PERMISSIONS, Role

from ..conftest import at, client_with_phone, key, make_user, open_desk

PHONE = "13800138001"


# --- helpers ---------------------------------------------------------------------------------------------------


class Clock:
    """A desk clock that moves one minute per reading, so every action has its own instant."""

    def __init__(self, start: dt.datetime):
        self.current = start

    def __call__(self) -> dt.datetime:
        self.current += dt.timedelta(minutes=1)
        return self.current


@pytest.fixture(autouse=True)
def in_english():
    """Messages are asserted in English; the default language (zh-hans) has its own catalog."""
    with translation.override("en"):
        yield


@pytest.fixture
def clock():
    return Clock(at(2, 10))


def walk_in(site, actor, now, **kwargs) -> Reception:
    return services.walk_in_arrive(site=site, actor=actor, request_key=key(), now=now, **kwargs).reception


def end(reception, actor, now) -> None:
    services.reception_end(reception=reception, actor=actor, now=now)


def serve(site, actor, clock) -> str:
    """A walk-in received and seen out; returns who received them."""
    reception = walk_in(site, actor, clock())
    assert reception.status == Reception.Status.ACTIVE
    end(reception, actor, clock())
    return reception.salesperson.username


def cursor(site) -> str | None:
    """Who took the last normal turn (REC-ROT-8's "last in the rota")."""
    state = RotaState.objects.select_related("last_turn_member__salesperson").get(site=site)
    return state.last_turn_member.salesperson.username if state.last_turn_member else None


def events(site, kind: str, **filters) -> list[RotaEvent]:
    return list(RotaEvent.objects.filter(site=site, kind=kind, **filters).order_by("pk"))


def availability_of(site, person, now) -> Availability:
    snapshot = services.take_snapshot(site, services.rota_state_for(site), now)
    return snapshot.state_of(person.pk).availability


def english(event: RotaEvent) -> str:
    return describe(event)


def message_of(error) -> str:
    return " ".join(str(m) for m in error.messages)


def register(site, owner, approver, *, registered_at, phone=PHONE, name="Mr Huang", approved=True) -> Client:
    """A client on the visit register (ATT-REG-1), approved the same day by the project manager."""
    client = client_with_phone(name, phone, registered_at)
    entry = VisitEntry.objects.create(
        client=client,
        site=site,
        salesperson=owner,
        visited_at=registered_at,
        registered_at=registered_at,
        registered_by=owner,
    )
    if approved:
        VisitApproval.objects.create(entry=entry, approved_by=approver, approved_at=registered_at)
    return client


def returning(site, actor, now, *, phone=PHONE, **kwargs) -> Reception:
    return services.returning_arrive(
        site=site, actor=actor, request_key=key(), now=now, phone=phone, **kwargs
    ).reception


def away(site, person, actor, now, reason=Absence.Reason.UNEXCUSED, detail="") -> Absence:
    return services.absence_start(site=site, salesperson=person, reason=reason, detail=detail, actor=actor, now=now)


def check(site, person, actor, now, *, passed=True):
    return services.readiness_record(
        site=site,
        salesperson=person,
        uniform_ok=True,
        materials_ok=passed,
        sales_info_ok=True,
        note="" if passed else "price list missing",
        actor=actor,
        now=now,
    )


def decide(reception, decision, actor, now, *, grant_priority=False, note="") -> services.DeskResult:
    return services.change_request_decide(
        reception=reception,
        decision=decision,
        note=note,
        grant_priority=grant_priority,
        actor=actor,
        now=now,
        request_key=key(),
    )


@pytest.fixture
def desk(site, salespeople, supervisor):
    """All five on duty and ready on 2 March from 09:00."""
    open_desk(site, salespeople, supervisor, at(2, 9))
    return site


# --- REC-AUTH-1 -------------------------------------------------------------------------------------------------

MANAGER_ONLY = [
    "reception.hold_units",
    "reception.manage_rota",
    "reception.approve_absence",
    "reception.decide_change_request",
]


def _group_perms(role: Role) -> set[str]:
    group = Group.objects.get(name=role.value)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


@pytest.mark.parametrize("perm", MANAGER_ONLY)
def test_rec_auth_1_salesperson_group_has_no_manager_permission(db, perm, salespeople):
    assert perm not in _group_perms(Role.SALESPERSON)
    assert not salespeople[0].has_perm(perm)


def test_rec_auth_1_only_managers_hold_or_release_units(project_manager, sales_manager, supervisor, salespeople):
    assert project_manager.has_perm("reception.hold_units")
    assert sales_manager.has_perm("reception.hold_units")
    assert not supervisor.has_perm("reception.hold_units")
    assert not any(person.has_perm("reception.hold_units") for person in salespeople)
    holders = {role for role in Role if "reception.hold_units" in _group_perms(role)}
    assert Role.SALESPERSON not in holders
    assert {Role.PROJECT_MANAGER, Role.SALES_MANAGER} <= holders


def test_rec_auth_1_role_groups_of_the_data_migration_match_the_roles_table(db):
    for role, perms in ROLE_PERMISSIONS.items():
        assert _group_perms(role) == set(perms), role


def test_rec_auth_1_salesperson_cannot_run_manager_actions(desk, salespeople, clock):
    ann, bob = salespeople[:2]
    reception = walk_in(desk, ann, clock())
    members = {m.salesperson_id: m for m in RotaMember.objects.filter(site=desk)}
    with pytest.raises(PermissionDenied):
        services.rota_swap(
            site=desk, first=members[ann.pk], second=members[bob.pk], reason="me first", actor=ann, now=clock()
        )
    with pytest.raises(PermissionDenied):
        decide(reception, ChangeRequest.Decision.REASSIGN, bob, clock())
    absence = away(desk, bob, bob, clock(), Absence.Reason.EXTRA_WORK, "errand")
    with pytest.raises(PermissionDenied):
        services.absence_decide(absence=absence, approve=True, actor=bob, now=clock())
    with pytest.raises(PermissionDenied):
        services.roster_set(site=desk, day=dt.date(2026, 3, 2), salesperson_ids={ann.pk}, actor=ann, now=clock())
    assert not ChangeRequest.objects.exists()
    assert Absence.objects.get(pk=absence.pk).approval == Absence.Approval.PENDING


# --- REC-READY-1 / REC-READY-2 ----------------------------------------------------------------------------------


def test_rec_ready_1_not_ready_salesperson_forfeits_until_the_check_is_passed(site, salespeople, supervisor, clock):
    ann, bob = salespeople[:2]
    open_desk(site, salespeople, supervisor, at(2, 9), ready=salespeople[1:])
    assert availability_of(site, ann, clock()) == Availability.NOT_READY

    assert serve(site, supervisor, clock) == "bob"
    [forfeit] = events(site, "skip_forfeit_not_ready")
    assert (forfeit.salesperson, forfeit.rule_id, forfeit.params["to"]) == (ann, "REC-READY-1", "Bob")

    check(site, ann, supervisor, clock())
    assert availability_of(site, ann, clock()) == Availability.AVAILABLE
    # Eligible again, but the forfeited turn is not made up: the cycle goes on and reaches her in order.
    assert [serve(site, supervisor, clock) for _ in range(5)] == ["cat", "dan", "eve", "ann", "bob"]
    assert len(events(site, "skip_forfeit_not_ready")) == 1
    assert events(site, "ready", salesperson=ann)[-1].rule_id == "REC-READY-1"


def test_rec_ready_1_a_failed_later_check_removes_a_passed_salesperson(desk, salespeople, supervisor, clock):
    ann = salespeople[0]
    check(desk, ann, supervisor, clock(), passed=False)
    [failed] = events(desk, "not_ready")
    assert (failed.salesperson, failed.actor, failed.rule_id) == (ann, supervisor, "REC-READY-1")
    assert serve(desk, supervisor, clock) == "bob"
    assert [e.salesperson for e in events(desk, "skip_forfeit_not_ready")] == [ann]


def test_rec_ready_1_the_check_holds_for_one_day_only(desk, salespeople, supervisor):
    ann, bob = salespeople[:2]
    services.roster_set(
        site=desk, day=dt.date(2026, 3, 3), salesperson_ids={ann.pk, bob.pk}, actor=supervisor, now=at(3, 9)
    )
    check(desk, bob, supervisor, at(3, 9, 5))
    assert availability_of(desk, ann, at(3, 10)) == Availability.NOT_READY
    assert walk_in(desk, supervisor, at(3, 10)).salesperson == bob


def test_rec_ready_2_violation_kept_with_clause_recorder_and_penalty(desk, salespeople, supervisor):
    ann = salespeople[0]
    violation = services.violation_record(
        site=desk,
        salesperson=ann,
        clause=Violation.Clause.LEFT_MID_RECEPTION,
        description="Left the client to fetch the price list",
        penalty="Written warning",
        penalty_amount=Decimal("50.00"),
        occurred_at=at(2, 10),
        actor=supervisor,
        now=at(2, 11),
    )
    stored = Violation.objects.get(pk=violation.pk)
    assert stored.clause == "REC-READY-2/materials"
    assert (stored.salesperson, stored.recorded_by) == (ann, supervisor)
    assert (stored.penalty, stored.penalty_amount) == ("Written warning", Decimal("50.00"))
    assert (stored.occurred_at, stored.recorded_at) == (at(2, 10), at(2, 11))
    [event] = events(desk, "violation")
    assert (event.rule_id, event.actor, event.params["clause"]) == ("REC-READY-2", supervisor, stored.clause)


def test_rec_ready_2_not_knowing_updated_information_is_a_violation_too(desk, salespeople, project_manager):
    violation = services.violation_record(
        site=desk,
        salesperson=salespeople[1],
        clause=Violation.Clause.UNINFORMED,
        description="Quoted last week's price",
        penalty="",
        penalty_amount=None,
        occurred_at=at(2, 10),
        actor=project_manager,
        now=at(2, 10),
    )
    assert violation.clause == "REC-READY-2/info"
    assert events(desk, "violation")[0].rule_id == "REC-READY-2"


def test_rec_ready_2_violation_in_the_future_is_refused_and_nothing_is_kept(desk, salespeople, supervisor):
    with pytest.raises(services.DeskError) as refused:
        services.violation_record(
            site=desk,
            salesperson=salespeople[0],
            clause=Violation.Clause.UNINFORMED,
            description="not yet",
            penalty="",
            penalty_amount=None,
            occurred_at=at(2, 12),
            actor=supervisor,
            now=at(2, 11),
        )
    assert "occurred_at" in refused.value.message_dict
    assert not Violation.objects.exists()
    assert not events(desk, "violation")


@pytest.mark.parametrize(
    "clause",
    [
        Violation.Clause.CHOSE_CLIENT,
        Violation.Clause.INTERRUPTED,
        Violation.Clause.NO_SEE_OUT,
        Violation.Clause.MOCKING,
    ],
)
def test_rec_new_5_conduct_breaches_are_recorded_under_their_clause(desk, salespeople, sales_manager, clause):
    violation = services.violation_record(
        site=desk,
        salesperson=salespeople[2],
        clause=clause,
        description="seen on the floor",
        penalty="Fine",
        penalty_amount=Decimal("100.00"),
        occurred_at=at(2, 10),
        actor=sales_manager,
        now=at(2, 10, 30),
    )
    stored = Violation.objects.get(pk=violation.pk)
    assert stored.clause == clause.value and stored.clause.startswith("REC-NEW-5/")
    assert stored.recorded_by == sales_manager
    [event] = events(desk, "violation")
    assert (event.rule_id, event.salesperson) == ("REC-NEW-5", salespeople[2])


# --- REC-ROT-1 / REC-ROT-2 --------------------------------------------------------------------------------------


def test_rec_rot_1_walk_ins_are_received_strictly_in_rota_order(desk, supervisor, clock):
    receptions = [walk_in(desk, supervisor, clock()) for _ in range(5)]
    assert [r.salesperson.username for r in receptions] == ["ann", "bob", "cat", "dan", "eve"]
    assert all(r.kind == Reception.Kind.ROTA and r.consumed_turn for r in receptions)
    taken = events(desk, "turn_taken")
    assert [(e.salesperson_id, e.rule_id) for e in taken] == [(r.salesperson_id, "REC-ROT-1") for r in receptions]
    assert cursor(desk) == "eve"
    # Everyone was free: nobody was passed over.
    assert not RotaEvent.objects.filter(site=desk, kind__startswith="skip_").exists()


def test_rec_rot_2_the_order_rolls_round_after_the_last(desk, supervisor, clock):
    assert [serve(desk, supervisor, clock) for _ in range(7)] == ["ann", "bob", "cat", "dan", "eve", "ann", "bob"]


def test_rec_rot_2_the_position_carries_over_to_the_next_day_by_default(site, salespeople, supervisor):
    open_desk(site, salespeople, supervisor, at(2, 9))
    assert serve(site, supervisor, Clock(at(2, 16))) == "ann"
    assert serve(site, supervisor, Clock(at(2, 17))) == "bob"
    open_desk(site, salespeople, supervisor, at(3, 9))
    assert serve(site, supervisor, Clock(at(3, 10))) == "cat"


def test_rec_rot_2_carry_over_is_among_those_on_duty(site, salespeople, supervisor):
    ann, bob, cat, dan, eve = salespeople
    open_desk(site, salespeople, supervisor, at(2, 9))
    clock = Clock(at(2, 10))
    assert [serve(site, supervisor, clock) for _ in range(3)] == ["ann", "bob", "cat"]
    open_desk(site, [ann, bob, dan, eve], supervisor, at(3, 9))
    assert serve(site, supervisor, Clock(at(3, 10))) == "dan"


def test_rec_rot_2_setting_restarts_the_order_from_the_top_each_day(site, salespeople, supervisor):
    DeskSettings.objects.filter(site=site).update(carry_over_order=False)
    open_desk(site, salespeople, supervisor, at(2, 9))
    clock = Clock(at(2, 10))
    # Within the day the order still rolls on ...
    assert [serve(site, supervisor, clock) for _ in range(2)] == ["ann", "bob"]
    open_desk(site, salespeople, supervisor, at(3, 9))
    # ... but the next day restarts from the top.
    assert serve(site, supervisor, Clock(at(3, 10))) == "ann"


def test_rec_rot_2_the_order_goes_on_after_a_last_taker_who_has_left_the_rota(desk, salespeople, supervisor, clock):
    assert [serve(desk, supervisor, clock) for _ in range(2)] == ["ann", "bob"]
    RotaMember.objects.filter(site=desk, salesperson=salespeople[1]).update(active=False)
    services.desk_changed(site=desk)
    assert serve(desk, supervisor, clock) == "cat"


# --- REC-ROT-3 --------------------------------------------------------------------------------------------------


def _member(site, person) -> RotaMember:
    return RotaMember.objects.get(site=site, salesperson=person)


def test_rec_rot_3_supervisor_swaps_two_places_and_the_reason_is_kept(desk, salespeople, supervisor, clock):
    ann, bob, cat, dan, eve = salespeople
    services.rota_swap(
        site=desk,
        first=_member(desk, bob),
        second=_member(desk, dan),
        reason="Dan covers the morning viewing",
        actor=supervisor,
        now=clock(),
    )
    assert (_member(desk, bob).position, _member(desk, dan).position) == (4, 2)
    [event] = events(desk, "rota_swap")
    assert (event.rule_id, event.actor) == ("REC-ROT-3", supervisor)
    assert event.params["reason"] == "Dan covers the morning viewing"
    assert {event.params["name"], event.params["other"]} == {"Bob", "Dan"}
    assert english(event).endswith("Dan covers the morning viewing — REC-ROT-3")
    assert [serve(desk, supervisor, clock) for _ in range(5)] == ["ann", "dan", "cat", "bob", "eve"]


def test_rec_rot_3_moving_one_place_is_a_recorded_swap(desk, salespeople, supervisor, clock):
    services.rota_move(
        member=_member(desk, salespeople[2]), offset=-1, reason="training", actor=supervisor, now=clock()
    )
    assert [m.salesperson.username for m in RotaMember.objects.filter(site=desk).order_by("position")] == [
        "ann",
        "cat",
        "bob",
        "dan",
        "eve",
    ]
    assert events(desk, "rota_swap")[0].params["reason"] == "training"


@pytest.mark.parametrize("who", ["salesperson", "project_manager", "other_sites_supervisor"])
def test_rec_rot_3_only_the_supervisor_may_swap(desk, salespeople, project_manager, outsider, clock, who):
    actor = {"salesperson": salespeople[1], "project_manager": project_manager, "other_sites_supervisor": outsider}[who]
    with pytest.raises(PermissionDenied):
        services.rota_swap(
            site=desk,
            first=_member(desk, salespeople[0]),
            second=_member(desk, salespeople[1]),
            reason="I want to go first",
            actor=actor,
            now=clock(),
        )
    assert [_member(desk, p).position for p in salespeople] == [1, 2, 3, 4, 5]
    assert not events(desk, "rota_swap")


@pytest.mark.parametrize("reason", ["", "   "])
def test_rec_rot_3_a_swap_without_a_reason_is_refused(desk, salespeople, supervisor, clock, reason):
    with pytest.raises(services.DeskError) as refused:
        services.rota_swap(
            site=desk,
            first=_member(desk, salespeople[0]),
            second=_member(desk, salespeople[1]),
            reason=reason,
            actor=supervisor,
            now=clock(),
        )
    assert "reason" in refused.value.message_dict
    assert [_member(desk, p).position for p in salespeople] == [1, 2, 3, 4, 5]
    assert not events(desk, "rota_swap")


# --- REC-ROT-4 --------------------------------------------------------------------------------------------------


def test_rec_rot_4_away_without_reason_forfeits_with_no_make_up(desk, salespeople, supervisor, clock):
    ann = salespeople[0]
    away(desk, ann, supervisor, clock())
    assert events(desk, "away_unexcused")[0].rule_id == "REC-ROT-4"
    assert serve(desk, supervisor, clock) == "bob"
    [forfeit] = events(desk, "skip_forfeit_away")
    assert (forfeit.salesperson, forfeit.rule_id) == (ann, "REC-ROT-4")
    sentence = english(forfeit)
    assert sentence.startswith("Ann's turn passed to Bob")
    assert "without a valid reason" in sentence
    assert sentence.endswith("— REC-ROT-4")

    services.absence_end(site=desk, salesperson=ann, actor=supervisor, now=clock())
    assert availability_of(desk, ann, clock()) == Availability.AVAILABLE
    # No make-up: the next walk-in goes on from Bob, and Ann holds no priority slot.
    assert serve(desk, supervisor, clock) == "cat"
    assert not PrioritySlot.objects.filter(salesperson=ann).exists()


def test_rec_rot_4_cannot_be_away_twice(desk, salespeople, supervisor, clock):
    away(desk, salespeople[0], supervisor, clock())
    with pytest.raises(services.DeskError):
        away(desk, salespeople[0], supervisor, clock())
    assert Absence.objects.filter(salesperson=salespeople[0]).count() == 1


# --- REC-ROT-5 --------------------------------------------------------------------------------------------------


def test_rec_rot_5_approved_extra_work_keeps_a_priority_slot_used_once_back(
    desk, salespeople, supervisor, project_manager, clock
):
    ann = salespeople[0]
    absence = away(desk, ann, supervisor, clock(), Absence.Reason.EXTRA_WORK, "site visit with the PM")
    assert events(desk, "away_extra_work")[0].rule_id == "REC-ROT-5"

    first = walk_in(desk, supervisor, clock())
    assert first.salesperson.username == "bob"
    [slot] = PrioritySlot.objects.filter(salesperson=ann)
    assert (slot.status, slot.rule_id, slot.absence) == (PrioritySlot.Status.PENDING, "REC-ROT-5", absence)
    assert events(desk, "skip_slot_pending_away_pending")[0].salesperson == ann

    services.absence_decide(absence=absence, approve=True, actor=project_manager, now=clock())
    slot.refresh_from_db()
    assert slot.status == PrioritySlot.Status.ACTIVE
    assert events(desk, "absence_approved")[0].actor == project_manager

    # Still away: the slot waits for her return and the order runs on.
    assert walk_in(desk, supervisor, clock()).salesperson.username == "cat"
    services.absence_end(site=desk, salesperson=ann, actor=supervisor, now=clock())
    assert cursor(desk) == "cat"
    priority = walk_in(desk, supervisor, clock())
    assert (priority.salesperson, priority.kind, priority.consumed_turn) == (ann, Reception.Kind.PRIORITY, False)
    slot.refresh_from_db()
    assert (slot.status, slot.used_by) == (PrioritySlot.Status.USED, priority)
    assert events(desk, "priority_used")[0].rule_id == "REC-ROT-5"
    # Her normal position is unaffected and the cursor did not move.
    assert cursor(desk) == "cat"
    assert walk_in(desk, supervisor, clock()).salesperson.username == "dan"


def test_rec_rot_5_rejected_extra_work_cancels_the_slot(desk, salespeople, supervisor, project_manager, clock):
    ann = salespeople[0]
    absence = away(desk, ann, supervisor, clock(), Absence.Reason.EXTRA_WORK, "errand")
    assert serve(desk, supervisor, clock) == "bob"
    services.absence_decide(absence=absence, approve=False, actor=project_manager, now=clock())
    assert PrioritySlot.objects.get(salesperson=ann).status == PrioritySlot.Status.CANCELLED
    [rejected] = events(desk, "absence_rejected")
    assert (rejected.rule_id, rejected.params["slot"]) == ("REC-ROT-4", True)
    # Still away after the rejection: an unexcused absence, so her next turn is simply forfeit.
    assert availability_of(desk, ann, clock()) == Availability.AWAY
    services.absence_end(site=desk, salesperson=ann, actor=supervisor, now=clock())
    assert serve(desk, supervisor, clock) == "cat"
    assert not Reception.objects.filter(salesperson=ann).exists()


def test_rec_rot_5_one_absence_earns_one_slot_however_often_passed_over(
    desk, salespeople, supervisor, project_manager, clock
):
    ann = salespeople[0]
    absence = away(desk, ann, supervisor, clock(), Absence.Reason.EXTRA_WORK, "bank run")
    services.absence_decide(absence=absence, approve=True, actor=project_manager, now=clock())
    assert [serve(desk, supervisor, clock) for _ in range(5)] == ["bob", "cat", "dan", "eve", "bob"]
    [slot] = PrioritySlot.objects.filter(salesperson=ann)
    assert slot.status == PrioritySlot.Status.ACTIVE
    assert [e.kind for e in RotaEvent.objects.filter(site=desk, salesperson=ann, kind__startswith="skip_")] == [
        "skip_slot_kept_away_excused",
        "skip_passed_over_excused_away_excused",
    ]


def test_rec_rot_5_only_this_sites_project_manager_may_approve(
    desk, other_site, salespeople, supervisor, project_manager, clock
):
    absence = away(desk, salespeople[0], supervisor, clock(), Absence.Reason.EXTRA_WORK, "errand")
    other_pm = make_user("pm_hillside", Role.PROJECT_MANAGER, [other_site])
    for actor in (other_pm, supervisor, salespeople[1]):
        with pytest.raises(PermissionDenied):
            services.absence_decide(absence=absence, approve=True, actor=actor, now=clock())
    absence.refresh_from_db()
    assert (absence.approval, absence.decided_by) == (Absence.Approval.PENDING, None)
    services.absence_decide(absence=absence, approve=True, actor=project_manager, now=clock())
    absence.refresh_from_db()
    assert (absence.approval, absence.decided_by) == (Absence.Approval.APPROVED, project_manager)
    with pytest.raises(services.DeskError):
        services.absence_decide(absence=absence, approve=False, actor=project_manager, now=clock())


# --- REC-ROT-6 --------------------------------------------------------------------------------------------------


def test_rec_rot_6_busy_salesperson_forfeits_their_turn_with_no_make_up(desk, salespeople, supervisor, clock):
    ann = salespeople[0]
    designated = services.designated_arrive(
        site=desk, actor=supervisor, request_key=key(), now=clock(), salesperson=ann
    ).reception
    assert serve(desk, supervisor, clock) == "bob"
    [forfeit] = events(desk, "skip_forfeit_busy")
    assert (forfeit.salesperson, forfeit.rule_id) == (ann, "REC-ROT-6")
    assert "no make-up" in english(forfeit)
    end(designated, supervisor, clock())
    assert serve(desk, supervisor, clock) == "cat"


def test_rec_rot_6_a_busy_salesperson_cannot_leave_the_post(desk, salespeople, supervisor, clock):
    reception = walk_in(desk, supervisor, clock())
    with pytest.raises(services.DeskError) as refused:
        away(desk, reception.salesperson, supervisor, clock())
    assert "REC-ROT-6" in message_of(refused.value)
    assert not Absence.objects.exists()


def test_rec_rot_6_when_all_are_busy_the_client_waits_for_the_first_to_come_free(site, salespeople, supervisor, clock):
    ann, bob, cat = salespeople[:3]
    open_desk(site, [ann, bob, cat], supervisor, at(2, 9))
    first, second, third = (walk_in(site, supervisor, clock()) for _ in range(3))
    assert [r.salesperson for r in (first, second, third)] == [ann, bob, cat]

    waiting = walk_in(site, supervisor, clock())
    assert (waiting.status, waiting.salesperson) == (Reception.Status.WAITING, None)
    assert events(site, "client_waiting")[0].rule_id == "REC-ROT-6"
    assert not RotaEvent.objects.filter(site=site, kind__startswith="skip_").exists()
    assert cursor(site) == "cat"

    end(second, supervisor, clock())
    waiting.refresh_from_db()
    assert (waiting.status, waiting.salesperson, waiting.consumed_turn) == (Reception.Status.ACTIVE, bob, True)
    assert events(site, "waiting_served")[0].salesperson == bob
    assert cursor(site) == "bob"
    # Still nobody forfeited, and the order continues after Bob.
    assert not RotaEvent.objects.filter(site=site, kind__startswith="skip_").exists()
    end(first, supervisor, clock())
    end(third, supervisor, clock())
    assert walk_in(site, supervisor, clock()).salesperson == cat


def test_rec_rot_6_waiting_clients_are_served_first_come_first_served(site, salespeople, supervisor, clock):
    ann, bob = salespeople[:2]
    open_desk(site, [ann, bob], supervisor, at(2, 9))
    busy = [walk_in(site, supervisor, clock()) for _ in range(2)]
    early, late = walk_in(site, supervisor, clock()), walk_in(site, supervisor, clock())
    end(busy[1], supervisor, clock())
    early.refresh_from_db()
    late.refresh_from_db()
    assert (early.salesperson, late.status) == (bob, Reception.Status.WAITING)
    end(busy[0], supervisor, clock())
    late.refresh_from_db()
    assert late.salesperson == ann


# --- REC-ROT-7 --------------------------------------------------------------------------------------------------


def test_rec_rot_7_lunch_duty_falls_to_the_first_two_in_the_current_order(desk, supervisor, clock):
    assert [serve(desk, supervisor, clock) for _ in range(2)] == ["ann", "bob"]
    board = selectors.board(desk, at(2, 12, 30))
    assert board.lunch_time
    assert board.lunch_names == ["Cat", "Dan"]
    assert [row.name for row in board.rows if row.lunch_duty] == ["Cat", "Dan"]
    assert not selectors.board(desk, at(2, 11)).lunch_time
    assert not selectors.board(desk, at(2, 13, 30)).lunch_time


def test_rec_rot_7_lunch_duty_wraps_round_the_order(desk, supervisor, clock):
    assert [serve(desk, supervisor, clock) for _ in range(4)] == ["ann", "bob", "cat", "dan"]
    assert selectors.board(desk, at(2, 12)).lunch_names == ["Eve", "Ann"]


# --- REC-ROT-8, REC-RET-1/2, REC-NEW-1, REC-ROT-9 -----------------------------------------------------------


def test_rec_rot_8_duty_reception_goes_to_the_last_normal_turn_taker_and_earns_a_slot(
    site, salespeople, supervisor, project_manager, clock
):
    ann, bob, cat, dan, eve = salespeople
    client = register(site, ann, project_manager, registered_at=at(1, 15))
    open_desk(site, [bob, cat, dan, eve], supervisor, at(2, 9))  # the owner, Ann, is off today
    assert [serve(site, supervisor, clock) for _ in range(2)] == ["bob", "cat"]

    duty = returning(site, supervisor, clock())
    assert (duty.kind, duty.salesperson, duty.owner, duty.client) == (Reception.Kind.DUTY, cat, ann, client)
    assert not duty.consumed_turn
    assert cursor(site) == "cat"  # not a turn
    [started] = events(site, "duty_reception")
    assert started.rule_id == "REC-ROT-8"
    assert english(started).endswith("(not a turn) — REC-ROT-8")
    [slot] = PrioritySlot.objects.filter(salesperson=cat)
    assert (slot.status, slot.rule_id, slot.earned_by) == (PrioritySlot.Status.ACTIVE, "REC-ROT-8", duty)

    end(duty, supervisor, clock())
    # Afterwards Cat may take the next new walk-in, ahead of the order; then the order runs on from Cat.
    nxt = walk_in(site, supervisor, clock())
    assert (nxt.salesperson, nxt.kind) == (cat, Reception.Kind.PRIORITY)
    assert walk_in(site, supervisor, clock()).salesperson == dan


def test_rec_rot_8_busy_last_taker_passes_the_duty_reception_to_the_one_before(
    site, salespeople, supervisor, project_manager, clock
):
    ann, bob, cat = salespeople[:3]
    register(site, ann, project_manager, registered_at=at(1, 15))
    open_desk(site, salespeople[1:], supervisor, at(2, 9))
    assert serve(site, supervisor, clock) == "bob"
    assert walk_in(site, supervisor, clock()).salesperson == cat  # Cat stays busy
    duty = returning(site, supervisor, clock())
    assert (duty.kind, duty.salesperson, duty.owner) == (Reception.Kind.DUTY, bob, ann)
    assert cursor(site) == "cat"


def test_rec_rot_8_setting_off_means_no_slot_for_the_duty_reception(
    site, salespeople, supervisor, project_manager, clock
):
    ann, bob, cat, dan = salespeople[:4]
    DeskSettings.objects.filter(site=site).update(duty_reception_grants_priority=False)
    register(site, ann, project_manager, registered_at=at(1, 15))
    open_desk(site, salespeople[1:], supervisor, at(2, 9))
    assert [serve(site, supervisor, clock) for _ in range(2)] == ["bob", "cat"]
    duty = returning(site, supervisor, clock())
    assert duty.salesperson == cat
    end(duty, supervisor, clock())
    assert not PrioritySlot.objects.exists()
    assert not events(site, "duty_slot")
    assert serve(site, supervisor, clock) == "dan"


def test_rec_new_1_and_rec_ret_1_returning_client_found_by_phone_goes_to_the_owner(
    desk, salespeople, supervisor, project_manager, clock
):
    cat = salespeople[2]
    client = register(desk, cat, project_manager, registered_at=at(1, 15))
    # The desk types the number differently; the register matches the normalised phone.
    reception = returning(desk, supervisor, clock(), phone="+86 138-0013-8001")
    assert (reception.kind, reception.salesperson, reception.client) == (Reception.Kind.RETURNING, cat, client)
    assert reception.owner == cat
    assert not reception.consumed_turn
    [event] = events(desk, "returning_owner")
    assert (event.rule_id, event.salesperson) == ("REC-RET-1", cat)
    # The owner's reception is no rota turn: the next walk-in still starts the order at the top.
    assert cursor(desk) is None
    assert walk_in(desk, supervisor, clock()).salesperson.username == "ann"


def test_rec_ret_1_a_busy_owner_is_waited_for_not_replaced(desk, salespeople, supervisor, project_manager, clock):
    ann = salespeople[0]
    register(desk, ann, project_manager, registered_at=at(1, 15))
    ann_busy = walk_in(desk, supervisor, clock())
    assert ann_busy.salesperson == ann
    reception = returning(desk, supervisor, clock())
    assert (reception.status, reception.waiting_for, reception.salesperson) == (Reception.Status.WAITING, ann, None)
    assert events(desk, "returning_wait")[0].rule_id == "REC-RET-1"
    # Other salespeople are free and a walk-in comes: it goes by the rota, the returning client keeps waiting.
    assert serve(desk, supervisor, clock) == "bob"
    reception.refresh_from_db()
    assert reception.status == Reception.Status.WAITING
    end(ann_busy, supervisor, clock())
    reception.refresh_from_db()
    assert (reception.status, reception.salesperson) == (Reception.Status.ACTIVE, ann)
    assert events(desk, "waiting_served")[0].rule_id == "REC-RET-1"


def test_rec_ret_2_absent_owner_gives_a_duty_reception_and_keeps_the_client(
    desk, salespeople, supervisor, project_manager, clock
):
    ann, bob, cat = salespeople[:3]
    client = register(desk, ann, project_manager, registered_at=at(1, 15))
    away(desk, ann, supervisor, clock())
    assert [serve(desk, supervisor, clock) for _ in range(2)] == ["bob", "cat"]
    duty = returning(desk, supervisor, clock())
    assert (duty.kind, duty.salesperson, duty.owner, duty.client) == (Reception.Kind.DUTY, cat, ann, client)
    assert (duty.consumed_turn, cursor(desk)) == (False, "cat")
    # The client stays the owner's: the register is untouched and still names Ann.
    assert VisitEntry.objects.filter(client=client).count() == 1
    assert client_ownership(client=client, site=desk, now=clock()).owner_id == ann.pk


def test_rec_ret_2_nobody_free_for_the_duty_reception_waits_and_nobody_forfeits(
    site, salespeople, supervisor, project_manager, clock
):
    ann, bob = salespeople[:2]
    register(site, ann, project_manager, registered_at=at(1, 15))
    open_desk(site, [bob], supervisor, at(2, 9))
    bobs = walk_in(site, supervisor, clock())
    duty = returning(site, supervisor, clock())
    assert (duty.kind, duty.status, duty.owner) == (Reception.Kind.DUTY, Reception.Status.WAITING, ann)
    assert events(site, "duty_wait")[0].rule_id == "REC-RET-2"
    end(bobs, supervisor, clock())
    duty.refresh_from_db()
    assert (duty.status, duty.salesperson) == (Reception.Status.ACTIVE, bob)


def test_rec_rot_9_an_old_client_with_new_clients_is_one_reception(
    desk, salespeople, supervisor, project_manager, clock
):
    cat = salespeople[2]
    register(desk, cat, project_manager, registered_at=at(1, 15))
    before = Reception.objects.count()
    reception = returning(desk, supervisor, clock(), party_new_clients=2)
    assert Reception.objects.count() == before + 1
    assert (reception.salesperson, reception.party_new_clients) == (cat, 2)
    [party] = events(desk, "one_reception_party")
    assert (party.rule_id, party.params["count"], party.reception_id) == ("REC-ROT-9", 2, reception.pk)
    # The new clients consume nobody's turn.
    assert cursor(desk) is None
    assert walk_in(desk, supervisor, clock()).salesperson.username == "ann"


# --- REC-NEW-2 / ATT-REG-2 boundary / REC-NEW-3 ----------------------------------------------------------------


def test_rec_new_2_client_not_on_the_register_is_refused_and_received_as_new(desk, supervisor, clock):
    with pytest.raises(services.DeskError) as refused:
        returning(desk, supervisor, clock(), phone="13900139000")
    assert "REC-NEW-2" in message_of(refused.value)
    assert "as new by the rota" in message_of(refused.value)
    assert not Reception.objects.exists()
    assert walk_in(desk, supervisor, clock()).salesperson.username == "ann"


def test_rec_new_2_registration_lapses_after_one_month_att_reg_2_boundary(
    site, salespeople, supervisor, project_manager
):
    ann = salespeople[0]
    register(site, ann, project_manager, registered_at=at(3, 10))
    open_desk(site, salespeople, supervisor, at(3, 9, month=4))
    # Registered on 3 March: valid to the end of 3 April (Asia/Shanghai) ...
    last_minute = returning(site, supervisor, at(3, 23, 59, month=4))
    assert (last_minute.kind, last_minute.salesperson) == (Reception.Kind.RETURNING, ann)
    # ... and lapsed from 00:00 on 4 April: the client is received as new by the rota.
    open_desk(site, salespeople, supervisor, at(4, 0, 0, month=4))
    with pytest.raises(services.DeskError) as refused:
        returning(site, supervisor, at(4, 0, 0, month=4))
    assert "REC-NEW-2" in message_of(refused.value)
    assert Reception.objects.count() == 1


def test_rec_new_2_unapproved_or_other_site_registration_does_not_count(
    site, other_site, salespeople, supervisor, project_manager, clock
):
    open_desk(site, salespeople, supervisor, at(2, 9))
    register(site, salespeople[0], project_manager, registered_at=at(1, 15), approved=False)
    register(other_site, salespeople[1], project_manager, registered_at=at(1, 16))
    with pytest.raises(services.DeskError) as refused:
        returning(site, supervisor, clock())
    assert "REC-NEW-2" in message_of(refused.value)
    assert not Reception.objects.exists()


def test_rec_new_3_a_phone_inquiry_never_establishes_ownership(desk, salespeople, supervisor, clock):
    dan = salespeople[3]
    inquiry = services.phone_inquiry_log(
        site=desk,
        actor=dan,
        now=clock(),
        caller_name="Ms Lin",
        caller_phone=PHONE,
        new_to_project=True,
        invited_to_visit=True,
        notes="asked about three-bedroom units",
    )
    assert PhoneInquiry.objects.get(pk=inquiry.pk).taken_by == dan
    assert not Client.objects.exists()
    assert not VisitEntry.objects.exists()
    # When the caller comes, Dan has no claim: they are no returning client and go by the rota.
    with pytest.raises(services.DeskError):
        returning(desk, supervisor, clock())
    assert walk_in(desk, supervisor, clock(), client_label="Ms Lin").salesperson.username == "ann"


# --- REC-NEW-4 --------------------------------------------------------------------------------------------------


def test_rec_new_4_a_not_at_fault_changes_nothing(desk, salespeople, supervisor, sales_manager, clock):
    ann = salespeople[0]
    reception = walk_in(desk, supervisor, clock())
    result = decide(reception, ChangeRequest.Decision.NOT_AT_FAULT, sales_manager, clock())
    assert result.reception == reception
    reception.refresh_from_db()
    assert (reception.status, reception.salesperson) == (Reception.Status.ACTIVE, ann)
    assert ChangeRequest.objects.get(reception=reception).decision == "a"
    assert not Violation.objects.exists()
    assert events(desk, "change_refused")[0].rule_id == "REC-NEW-4"
    assert cursor(desk) == "ann"
    assert Reception.objects.count() == 1


def test_rec_new_4_b_general_fault_records_a_violation_and_the_same_salesperson_continues(
    desk, salespeople, supervisor, project_manager, clock
):
    ann = salespeople[0]
    reception = walk_in(desk, supervisor, clock())
    decide(reception, ChangeRequest.Decision.GENERAL_FAULT, project_manager, clock(), note="kept the client waiting")
    reception.refresh_from_db()
    assert (reception.status, reception.salesperson) == (Reception.Status.ACTIVE, ann)
    [violation] = Violation.objects.all()
    assert (violation.salesperson, violation.clause, violation.recorded_by) == (ann, "REC-NEW-4/b", project_manager)
    assert violation.description == "kept the client waiting"
    assert events(desk, "change_general_fault")[0].rule_id == "REC-NEW-4"
    assert Reception.objects.count() == 1


def test_rec_new_4_c_reassignment_makes_a_bye_and_consumes_the_new_salespersons_turn(
    desk, salespeople, supervisor, sales_manager, clock
):
    ann, bob = salespeople[:2]
    original = walk_in(desk, supervisor, clock(), client_label="Mr Zhou")
    result = decide(original, ChangeRequest.Decision.REASSIGN, sales_manager, clock())
    original.refresh_from_db()
    assert original.status == Reception.Status.BYE and original.ended_at is not None
    replacement = result.reception
    assert (replacement.kind, replacement.salesperson, replacement.replaces) == (
        Reception.Kind.REASSIGNED,
        bob,
        original,
    )
    assert replacement.consumed_turn and replacement.client_label == "Mr Zhou"
    assert cursor(desk) == "bob"
    assert events(desk, "change_bye")[0].salesperson == ann
    assert not PrioritySlot.objects.exists()
    # Ann is free, but her turn was the bye: the order goes on after Bob.
    assert walk_in(desk, supervisor, clock()).salesperson.username == "cat"


def test_rec_new_4_c_the_manager_may_grant_the_original_a_priority_slot(
    desk, salespeople, supervisor, sales_manager, clock
):
    ann = salespeople[0]
    original = walk_in(desk, supervisor, clock())
    decide(original, ChangeRequest.Decision.REASSIGN, sales_manager, clock(), grant_priority=True)
    [slot] = PrioritySlot.objects.filter(salesperson=ann)
    assert (slot.status, slot.rule_id, slot.earned_by) == (PrioritySlot.Status.ACTIVE, "REC-NEW-4", original)
    assert ChangeRequest.objects.get(reception=original).grant_priority
    nxt = walk_in(desk, supervisor, clock())
    assert (nxt.salesperson, nxt.kind) == (ann, Reception.Kind.PRIORITY)
    assert cursor(desk) == "bob"
    assert walk_in(desk, supervisor, clock()).salesperson.username == "cat"


def test_rec_new_4_c_a_waiting_reassigned_client_never_goes_back_to_the_original(
    site, salespeople, supervisor, sales_manager, clock
):
    ann, bob, cat = salespeople[:3]
    open_desk(site, [ann, bob, cat], supervisor, at(2, 9))
    original, bobs, cats = (walk_in(site, supervisor, clock()) for _ in range(3))
    replacement = decide(original, ChangeRequest.Decision.REASSIGN, sales_manager, clock()).reception
    assert (replacement.status, replacement.salesperson) == (Reception.Status.WAITING, None)
    # Ann is free, but she lost every right to this client: the first other salesperson to come free takes them.
    end(bobs, supervisor, clock())
    replacement.refresh_from_db()
    assert (replacement.status, replacement.salesperson) == (Reception.Status.ACTIVE, bob)
    assert cursor(site) == "bob"


@pytest.mark.parametrize("who", ["salesperson", "supervisor"])
def test_rec_new_4_only_a_manager_decides(desk, salespeople, supervisor, clock, who):
    reception = walk_in(desk, supervisor, clock())
    actor = salespeople[1] if who == "salesperson" else supervisor
    with pytest.raises(PermissionDenied):
        decide(reception, ChangeRequest.Decision.REASSIGN, actor, clock())
    reception.refresh_from_db()
    assert reception.status == Reception.Status.ACTIVE
    assert not ChangeRequest.objects.exists()


def test_rec_new_4_a_refused_client_who_firmly_refuses_later_is_reassigned_once(
    desk, salespeople, supervisor, sales_manager, clock
):
    reception = walk_in(desk, supervisor, clock())
    decide(reception, ChangeRequest.Decision.NOT_AT_FAULT, sales_manager, clock())
    replacement = decide(reception, ChangeRequest.Decision.REASSIGN, sales_manager, clock()).reception
    assert replacement.salesperson == salespeople[1]
    assert list(ChangeRequest.objects.filter(reception=reception).values_list("decision", flat=True)) == ["a", "c"]
    # The bye is over: it cannot be decided again.
    with pytest.raises(services.DeskError):
        decide(reception, ChangeRequest.Decision.REASSIGN, sales_manager, clock())
    assert ChangeRequest.objects.count() == 2
    assert Reception.objects.filter(kind=Reception.Kind.REASSIGNED).count() == 1


def test_rec_new_4_c_and_rec_rot_6_the_freed_original_takes_a_client_already_waiting(
    site, salespeople, supervisor, sales_manager, clock
):
    ann, bob, cat = salespeople[:3]
    open_desk(site, [ann, bob, cat], supervisor, at(2, 9))
    original, bobs, cats = (walk_in(site, supervisor, clock()) for _ in range(3))
    earlier = walk_in(site, supervisor, clock())
    assert earlier.status == Reception.Status.WAITING
    replacement = decide(original, ChangeRequest.Decision.REASSIGN, sales_manager, clock()).reception
    earlier.refresh_from_db()
    replacement.refresh_from_db()
    # Ann came free first: she takes the client who was already waiting, not her refused client.
    assert (earlier.status, earlier.salesperson) == (Reception.Status.ACTIVE, ann)
    assert (replacement.status, replacement.salesperson) == (Reception.Status.WAITING, None)
    end(cats, supervisor, clock())
    replacement.refresh_from_db()
    assert replacement.salesperson == cat


# --- REC-DES-1 / REC-DES-4 -------------------------------------------------------------------------------------


def test_rec_des_1_designated_reception_is_not_a_turn_and_a_missed_turn_is_not_made_up(
    desk, salespeople, supervisor, clock
):
    cat = salespeople[2]
    designated = services.designated_arrive(
        site=desk, actor=supervisor, request_key=key(), now=clock(), salesperson=cat
    ).reception
    assert (designated.kind, designated.salesperson, designated.consumed_turn) == (
        Reception.Kind.DESIGNATED,
        cat,
        False,
    )
    assert events(desk, "designated")[0].rule_id == "REC-DES-1"
    assert cursor(desk) is None
    # Cat's turn comes while she is with the designated client: forfeit (REC-ROT-6) ...
    assert [serve(desk, supervisor, clock) for _ in range(3)] == ["ann", "bob", "dan"]
    assert [e.salesperson for e in events(desk, "skip_forfeit_busy")] == [cat]
    end(designated, supervisor, clock())
    # ... and not made up once she is free.
    assert [serve(desk, supervisor, clock) for _ in range(3)] == ["eve", "ann", "bob"]


def test_rec_des_1_a_designated_salesperson_not_at_post_is_refused(desk, salespeople, supervisor, clock):
    away(desk, salespeople[2], supervisor, clock())
    with pytest.raises(services.DeskError) as refused:
        services.designated_arrive(
            site=desk, actor=supervisor, request_key=key(), now=clock(), salesperson=salespeople[2]
        )
    assert "REC-DES-1" in message_of(refused.value)
    assert not Reception.objects.exists()


def test_rec_des_4_a_walk_in_introduced_by_an_old_client_goes_by_the_rota(
    desk, salespeople, supervisor, project_manager, clock
):
    dan = salespeople[3]
    register(desk, dan, project_manager, registered_at=at(1, 15))  # the old client is Dan's
    reception = walk_in(desk, supervisor, clock(), introduced_by_old_client=True)
    assert (reception.salesperson.username, reception.kind, reception.consumed_turn) == (
        "ann",
        Reception.Kind.ROTA,
        True,
    )
    [event] = events(desk, "old_client_intro_new")
    assert (event.rule_id, event.reception_id) == ("REC-DES-4", reception.pk)
    assert cursor(desk) == "ann"


# --- idempotency, nobody on duty --------------------------------------------------------------------------------


def test_same_request_key_twice_is_one_walk_in(desk, supervisor, clock):
    request_key = key()
    first = services.walk_in_arrive(site=desk, actor=supervisor, request_key=request_key, now=clock())
    version = RotaState.objects.get(site=desk).version
    event_count = RotaEvent.objects.count()
    again = services.walk_in_arrive(site=desk, actor=supervisor, request_key=request_key, now=clock())
    assert (first.duplicate, again.duplicate) == (False, True)
    assert again.reception.pk == first.reception.pk
    assert again.events == []
    assert Reception.objects.count() == 1
    assert (RotaState.objects.get(site=desk).version, RotaEvent.objects.count()) == (version, event_count)
    assert cursor(desk) == "ann"


def test_same_request_key_twice_is_one_returning_or_designated_reception(
    desk, salespeople, supervisor, project_manager, clock
):
    register(desk, salespeople[2], project_manager, registered_at=at(1, 15))
    returning_key, designated_key = key(), key()
    results = [
        services.returning_arrive(site=desk, actor=supervisor, request_key=returning_key, now=clock(), phone=PHONE)
        for _ in range(2)
    ]
    results += [
        services.designated_arrive(
            site=desk, actor=supervisor, request_key=designated_key, now=clock(), salesperson=salespeople[4]
        )
        for _ in range(2)
    ]
    assert [r.duplicate for r in results] == [False, True, False, True]
    assert results[0].reception.pk == results[1].reception.pk
    assert results[2].reception.pk == results[3].reception.pk
    assert Reception.objects.count() == 2


def test_reception_ended_twice_is_ended_once(desk, supervisor, clock):
    reception = walk_in(desk, supervisor, clock())
    first = services.reception_end(reception=reception, actor=supervisor, now=clock())
    again = services.reception_end(reception=reception, actor=supervisor, now=clock())
    assert (first.duplicate, again.duplicate) == (False, True)
    assert len(events(desk, "reception_ended")) == 1


@pytest.mark.parametrize("roster_day", [None, 1])
def test_client_arrived_with_nobody_on_duty_is_refused_and_nothing_saved(site, salespeople, supervisor, roster_day):
    if roster_day is not None:
        open_desk(site, salespeople, supervisor, at(roster_day, 9))  # yesterday's roster does not count today
    version = RotaState.objects.filter(site=site).values_list("version", flat=True).first()
    event_count = RotaEvent.objects.count()
    with pytest.raises(services.DeskError) as refused:
        services.walk_in_arrive(site=site, actor=supervisor, request_key=key(), now=at(2, 10))
    assert "Nobody is on duty" in message_of(refused.value)
    assert not Reception.objects.exists()
    assert RotaEvent.objects.count() == event_count
    assert RotaState.objects.filter(site=site).values_list("version", flat=True).first() == version


# --- explanations -----------------------------------------------------------------------------------------------

RULE_ID = re.compile(r"^REC-[A-Z0-9]+-\d+$")


def test_every_rota_event_carries_its_rule_and_a_sentence_ending_with_it(
    desk, salespeople, supervisor, project_manager, sales_manager, clock
):
    ann, bob, cat, dan, eve = salespeople
    register(desk, eve, project_manager, registered_at=at(1, 15))
    absence = away(desk, ann, supervisor, clock(), Absence.Reason.EXTRA_WORK, "bank")
    first = walk_in(desk, supervisor, clock(), introduced_by_old_client=True)  # Ann passed over, slot pending
    services.absence_decide(absence=absence, approve=True, actor=project_manager, now=clock())
    services.absence_end(site=desk, salesperson=ann, actor=supervisor, now=clock())
    away(desk, dan, supervisor, clock())
    check(desk, cat, supervisor, clock(), passed=False)
    walk_in(desk, supervisor, clock())  # Ann on her slot
    walk_in(desk, supervisor, clock())  # Cat not ready, Dan away: Eve
    returning(desk, supervisor, clock(), party_new_clients=1)  # Eve busy: waits
    decide(first, ChangeRequest.Decision.REASSIGN, sales_manager, clock(), grant_priority=True)
    services.violation_record(
        site=desk,
        salesperson=bob,
        clause=Violation.Clause.MOCKING,
        description="joked about a client",
        penalty="",
        penalty_amount=None,
        occurred_at=clock(),
        actor=sales_manager,
        now=clock(),
    )
    services.rota_swap(
        site=desk, first=_member(desk, bob), second=_member(desk, cat), reason="training", actor=supervisor, now=clock()
    )
    for reception in Reception.objects.filter(status=Reception.Status.ACTIVE):
        end(reception, supervisor, clock())

    all_events = list(RotaEvent.objects.filter(site=desk).order_by("pk"))
    kinds = {e.kind for e in all_events}
    assert len(kinds) >= 15, kinds
    for event in all_events:
        assert RULE_ID.match(event.rule_id), (event.kind, event.rule_id)
        sentence = english(event)
        assert sentence.endswith(f" — {event.rule_id}"), sentence
        # A template exists for the kind and every parameter it names was recorded.
        assert not sentence.startswith(event.kind), sentence
        assert "?" not in sentence, sentence


def test_rec_ret_1_an_owner_back_before_any_duty_reception_serves_their_waiting_client(
    site, salespeople, supervisor, project_manager, clock
):
    ann, bob = salespeople[:2]
    register(site, ann, project_manager, registered_at=at(1, 15))
    open_desk(site, [ann, bob], supervisor, at(2, 9))
    away(site, ann, supervisor, clock())
    bobs = walk_in(site, supervisor, clock())
    waiting = returning(site, supervisor, clock())
    assert (waiting.kind, waiting.status) == (Reception.Kind.DUTY, Reception.Status.WAITING)
    # The owner is back: she is no longer absent (REC-RET-2), so the client is hers to serve (REC-RET-1).
    services.absence_end(site=site, salesperson=ann, actor=supervisor, now=clock())
    waiting.refresh_from_db()
    assert (waiting.status, waiting.salesperson, waiting.kind) == (
        Reception.Status.ACTIVE,
        ann,
        Reception.Kind.RETURNING,
    )
    assert events(site, "waiting_served", salesperson=ann)[0].rule_id == "REC-RET-1"
    end(bobs, supervisor, clock())
    assert not PrioritySlot.objects.exists()  # nobody gave a duty reception
