"""A mis-tap can be undone (the supervisor voids a reception within the site's window, the rota returns) and a waiting
client can leave without being served (REC-ROT-6): rules, services, views, and the race on PostgreSQL."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import translation

from reception import rules, services
from reception.models import Absence, DeskSettings, PrioritySlot, Reception, RotaEvent, RotaState
from reception.reports import monthly_report

from ..conftest import at, key, open_desk
from .test_race import RACE, press_at_once

HTMX = {"HX-Request": "true"}
WINDOW = dt.timedelta(minutes=10)


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


def url(name: str, **kwargs) -> str:
    return reverse(f"reception:{name}", kwargs={"site": "riverside", **kwargs})


def login(client, user):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def walk_in(site, actor, now) -> Reception:
    return services.walk_in_arrive(site=site, actor=actor, request_key=key(), now=now).reception


def void(reception, actor, now, reason="pressed by mistake"):
    return services.reception_void(reception=reception, reason=reason, actor=actor, now=now)


def last_taker(site):
    state = RotaState.objects.select_related("last_turn_member").get(site=site)
    return (state.last_turn_member.salesperson_id if state.last_turn_member else None), state.last_turn_at


# --- rules -------------------------------------------------------------------------------------------------------


def _void_refusal(**overrides):
    facts = {
        "actor_is_supervisor": True,
        "reason": "mis-tap",
        "status": "active",
        "arrived_at": at(2, 10),
        "now": at(2, 10, 10),
        "window": WINDOW,
        "later_turn_taken": False,
        "earned_slot_used": False,
    }
    return rules.void_refusal(**{**facts, **overrides})


def test_rules_void_within_the_window_including_its_last_second():
    assert _void_refusal() is None
    late = _void_refusal(now=at(2, 10, 10) + dt.timedelta(seconds=1))
    assert late.rule_id == "REC-ROT-1" and "within 10 minutes" in late.message


@pytest.mark.parametrize(
    ("overrides", "says"),
    [
        ({"actor_is_supervisor": False}, "Only the site supervisor"),
        ({"reason": "  "}, "Say why"),
        ({"status": "ended"}, "Only a waiting or ongoing reception"),
        ({"status": "voided"}, "Only a waiting or ongoing reception"),
        ({"later_turn_taken": True}, "A later walk-in has taken a turn since"),
        ({"earned_slot_used": True}, "REC-ROT-5"),
        ({"continues_another": True}, "not a mis-tap (REC-NEW-4)"),
    ],
)
def test_rules_void_refusals(overrides, says):
    assert says in _void_refusal(**overrides).message


def test_rules_only_a_waiting_client_leaves():
    assert rules.leave_refusal(status="waiting") is None
    assert rules.leave_refusal(status="active").rule_id == "REC-ROT-6"


# --- void: services ----------------------------------------------------------------------------------------------


def test_void_returns_the_turn_and_frees_the_salesperson(site, salespeople, supervisor):
    ann, bob = salespeople[:2]
    open_desk(site, salespeople, supervisor, at(2, 9))
    first = walk_in(site, supervisor, at(2, 9, 50))
    before = last_taker(site)
    mistake = walk_in(site, supervisor, at(2, 10))
    assert mistake.salesperson == bob
    void(mistake, supervisor, at(2, 10, 10))  # the window's last second
    mistake.refresh_from_db()
    assert mistake.status == Reception.Status.VOIDED and mistake.ended_at == at(2, 10, 10)
    assert last_taker(site) == before == (ann.pk, at(2, 9, 50))
    assert walk_in(site, supervisor, at(2, 10, 11)).salesperson == bob  # bob's turn again
    event = RotaEvent.objects.get(kind="reception_voided")
    assert event.actor == supervisor and event.params["reason"] == "pressed by mistake"
    assert first.pk != mistake.pk


def test_void_of_the_days_first_turn_puts_the_cursor_back_to_nothing(site, salespeople, supervisor):
    open_desk(site, salespeople, supervisor, at(2, 9))
    mistake = walk_in(site, supervisor, at(2, 10))
    void(mistake, supervisor, at(2, 10, 1))
    assert last_taker(site) == (None, None)


def test_void_takes_back_the_slot_its_forfeit_earned_and_the_forfeit_in_the_report(
    site, salespeople, supervisor, project_manager
):
    ann, bob, cat = salespeople[:3]
    open_desk(site, salespeople, supervisor, at(2, 9))
    services.absence_start(site=site, salesperson=ann, reason="extra_work", detail="", actor=ann, now=at(2, 9, 1))
    services.absence_start(site=site, salesperson=bob, reason="unexcused", detail="", actor=bob, now=at(2, 9, 2))
    mistake = walk_in(site, supervisor, at(2, 10))
    assert mistake.salesperson == cat
    slot = PrioritySlot.objects.get(salesperson=ann)
    assert slot.status == PrioritySlot.Status.PENDING and slot.earned_by == mistake
    void(mistake, supervisor, at(2, 10, 5))
    slot.refresh_from_db()
    assert slot.status == PrioritySlot.Status.CANCELLED
    report = {row.salesperson_id: row for row in monthly_report(site, 2026, 3).rows}
    assert bob.pk not in report or report[bob.pk].forfeits == 0
    assert cat.pk not in report or (report[cat.pk].rota_turns, report[cat.pk].receptions) == (0, 0)
    # The next walk-in passes over ann again and earns her a slot again (the cancelled one does not count).
    again = walk_in(site, supervisor, at(2, 10, 6))
    assert again.salesperson == cat
    assert PrioritySlot.objects.filter(salesperson=ann, status=PrioritySlot.Status.PENDING, earned_by=again).exists()


def test_void_gives_back_a_used_priority_slot(site, salespeople, supervisor, project_manager):
    ann, bob = salespeople[:2]
    open_desk(site, salespeople, supervisor, at(2, 9))
    absence = services.absence_start(
        site=site, salesperson=ann, reason="extra_work", detail="", actor=ann, now=at(2, 9, 1)
    )
    services.absence_decide(absence=absence, approve=True, actor=project_manager, now=at(2, 9, 2))
    walk_in(site, supervisor, at(2, 9, 3))  # bob; ann keeps a slot
    services.absence_end(site=site, salesperson=ann, actor=ann, now=at(2, 9, 4))
    on_slot = walk_in(site, supervisor, at(2, 10))
    assert on_slot.kind == Reception.Kind.PRIORITY and on_slot.salesperson == ann
    void(on_slot, supervisor, at(2, 10, 2))
    slot = PrioritySlot.objects.get(salesperson=ann)
    assert slot.status == PrioritySlot.Status.ACTIVE and slot.used_by is None and slot.used_at is None
    assert walk_in(site, supervisor, at(2, 10, 3)).salesperson == ann  # on the slot again


def test_void_is_refused_for_a_salesperson_an_old_reception_and_an_earlier_turn(site, salespeople, supervisor):
    ann = salespeople[0]
    open_desk(site, salespeople, supervisor, at(2, 9))
    first = walk_in(site, supervisor, at(2, 10))
    second = walk_in(site, supervisor, at(2, 10, 1))
    with pytest.raises(services.DeskError, match="A later walk-in has taken a turn since"):
        void(first, supervisor, at(2, 10, 2))
    with pytest.raises(PermissionDenied, match="Only the site supervisor"):
        void(second, ann, at(2, 10, 2))
    with pytest.raises(services.DeskError, match="within 10 minutes"):
        void(second, supervisor, at(2, 10, 11) + dt.timedelta(seconds=1))
    assert not Reception.objects.filter(status=Reception.Status.VOIDED).exists()
    assert not RotaEvent.objects.filter(kind="reception_voided").exists()


def test_the_window_is_a_desk_setting(site, salespeople, supervisor):
    DeskSettings.objects.filter(site=site).update(void_window_minutes=2)
    open_desk(site, salespeople, supervisor, at(2, 9))
    mistake = walk_in(site, supervisor, at(2, 10))
    with pytest.raises(services.DeskError, match="within 2 minutes"):
        void(mistake, supervisor, at(2, 10, 3))


def test_a_voided_busy_salesperson_takes_a_waiting_client(site, salespeople, supervisor):
    ann, bob = salespeople[:2]
    open_desk(site, [ann, bob], supervisor, at(2, 9))
    walk_in(site, supervisor, at(2, 10))  # ann
    mistake = walk_in(site, supervisor, at(2, 10, 1))  # bob
    waiting = walk_in(site, supervisor, at(2, 10, 2))
    assert waiting.status == Reception.Status.WAITING
    void(mistake, supervisor, at(2, 10, 3))
    waiting.refresh_from_db()
    assert waiting.salesperson == bob and waiting.status == Reception.Status.ACTIVE


def test_a_waiting_reception_can_be_voided(site, salespeople, supervisor):
    ann = salespeople[0]
    open_desk(site, [ann], supervisor, at(2, 9))
    walk_in(site, supervisor, at(2, 10))
    mistake = walk_in(site, supervisor, at(2, 10, 1))
    void(mistake, supervisor, at(2, 10, 2))
    mistake.refresh_from_db()
    assert mistake.status == Reception.Status.VOIDED and mistake.salesperson is None


# --- a waiting client leaves ---------------------------------------------------------------------------------------


def test_a_client_who_left_is_never_handed_to_whoever_comes_free(site, salespeople, supervisor):
    ann, bob = salespeople[:2]
    open_desk(site, [ann, bob], supervisor, at(2, 9))
    first = walk_in(site, supervisor, at(2, 10))
    walk_in(site, supervisor, at(2, 10, 1))
    gone = walk_in(site, supervisor, at(2, 10, 2))
    stays = walk_in(site, supervisor, at(2, 10, 3))
    services.reception_left(reception=gone, actor=ann, now=at(2, 10, 20))
    assert services.reception_left(reception=gone, actor=ann, now=at(2, 10, 21)).duplicate
    services.reception_end(reception=first, actor=ann, now=at(2, 10, 30))
    gone.refresh_from_db()
    stays.refresh_from_db()
    assert gone.status == Reception.Status.LEFT and gone.salesperson is None
    assert stays.salesperson == ann
    event = RotaEvent.objects.get(kind="client_left")
    assert event.params["minutes"] == 18 and event.actor == ann
    with pytest.raises(services.DeskError, match="REC-ROT-6"):
        services.reception_left(reception=stays, actor=ann, now=at(2, 10, 31))


# --- views ---------------------------------------------------------------------------------------------------------


def test_view_the_board_shows_the_waited_time_and_the_left_button(
    site, salespeople, supervisor, client, django_assert_num_queries
):
    ann = salespeople[0]
    open_desk(site, [ann], supervisor, at(2, 9))
    walk_in(site, supervisor, at(2, 10))
    waiting = walk_in(site, supervisor, at(2, 10, 1))
    login(client, ann)
    with time_machine.travel(at(2, 10, 8) + dt.timedelta(seconds=30), tick=False):
        with django_assert_num_queries(15):
            board = client.get(url("board")).content.decode()
        assert "waited 7 min" in board
        assert f'data-testid="left-{waiting.pk}"' in board
        # A salesperson sees no void link; the supervisor does.
        assert 'data-testid="void-' not in board
        with django_assert_num_queries(13):
            response = client.post(url("reception_left", reception_id=waiting.pk), headers=HTMX)
    assert response.status_code == 200
    waiting.refresh_from_db()
    assert waiting.status == Reception.Status.LEFT


def test_view_left_for_another_sites_reception_is_404(
    site, other_site, salespeople, supervisor, client, django_assert_num_queries
):
    login(client, supervisor)
    with django_assert_num_queries(6):
        assert client.post(url("reception_left", reception_id=987654), headers=HTMX).status_code == 404


def test_view_the_supervisor_voids_a_reception(site, salespeople, supervisor, client, django_assert_num_queries):
    open_desk(site, salespeople, supervisor, at(2, 9))
    mistake = walk_in(site, supervisor, at(2, 10))
    login(client, supervisor)
    with time_machine.travel(at(2, 10, 5), tick=False):
        with django_assert_num_queries(15):
            board = client.get(url("board")).content.decode()
        assert f'data-testid="void-{mistake.pk}"' in board
        with django_assert_num_queries(6):
            page = client.get(url("reception_void", reception_id=mistake.pk))
        assert page.status_code == 200
        with django_assert_num_queries(6):
            refused = client.post(url("reception_void", reception_id=mistake.pk), {"reason": ""})
        assert refused.status_code == 200 and "This field is required" in refused.content.decode()
        with django_assert_num_queries(21):
            done = client.post(url("reception_void", reception_id=mistake.pk), {"reason": "no client"})
    assert done.status_code == 302
    mistake.refresh_from_db()
    assert mistake.status == Reception.Status.VOIDED
    # Past the window the link is gone and the page says why it refuses.
    with time_machine.travel(at(2, 10, 20), tick=False):
        second = walk_in(site, supervisor, at(2, 10, 9))
        with django_assert_num_queries(15):
            assert f'data-testid="void-{second.pk}"' not in client.get(url("board")).content.decode()
        with django_assert_num_queries(15):
            late = client.post(url("reception_void", reception_id=second.pk), {"reason": "late"})
    assert "within 10 minutes" in late.content.decode()


def test_view_void_is_403_for_a_salesperson_and_404_for_another_site(
    site, other_site, salespeople, supervisor, client, outsider, django_assert_num_queries
):
    open_desk(site, salespeople, supervisor, at(2, 9))
    mistake = walk_in(site, supervisor, at(2, 10))
    login(client, salespeople[1])
    with time_machine.travel(at(2, 10, 1), tick=False):
        with django_assert_num_queries(5):
            assert client.post(url("reception_void", reception_id=mistake.pk), {"reason": "x"}).status_code == 403
        login(client, outsider)
        with django_assert_num_queries(5):
            assert client.get(url("reception_void", reception_id=mistake.pk)).status_code == 404
    mistake.refresh_from_db()
    assert mistake.status == Reception.Status.ACTIVE


def test_a_salesperson_cannot_void_through_the_service(site, salespeople, supervisor):
    open_desk(site, salespeople, supervisor, at(2, 9))
    mistake = walk_in(site, supervisor, at(2, 10))
    with pytest.raises(PermissionDenied):
        void(mistake, salespeople[0], at(2, 10, 1))


# --- the race ------------------------------------------------------------------------------------------------------


@RACE
def test_two_voids_and_a_walk_in_at_once_leave_one_consistent_rota(site, salespeople, supervisor):
    ann, bob, cat = salespeople[:3]
    open_desk(site, salespeople, supervisor, at(2, 9))
    walk_in(site, supervisor, at(2, 9, 50))  # ann
    mistake = walk_in(site, supervisor, at(2, 10))  # bob

    def void_call():
        def call():
            try:
                return void(mistake, supervisor, at(2, 10, 1))
            except services.DeskError as exc:
                return exc

        return call

    results = press_at_once(
        [
            void_call(),
            void_call(),
            lambda: services.walk_in_arrive(site=site, actor=supervisor, request_key=key(), now=at(2, 10, 1)),
        ]
    )
    voids, walk = results[:2], results[2]
    assert sum(isinstance(r, services.DeskError) for r in voids) >= 1
    mistake.refresh_from_db()
    assert RotaEvent.objects.filter(kind="reception_voided").count() <= 1
    # Either the void came first (bob's turn returned, the walk-in goes to bob) or the walk-in did (cat took a turn
    # after bob's, so the void is refused: a later turn stands). Never both, never a turn given twice.
    if mistake.status == Reception.Status.VOIDED:
        assert walk.reception.salesperson == bob
    else:
        assert walk.reception.salesperson == cat
        assert all(isinstance(r, services.DeskError) for r in voids)
    taker, _at = last_taker(site)
    assert taker == walk.reception.salesperson_id
    assert Absence.objects.count() == 0
