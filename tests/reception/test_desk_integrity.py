"""The rules hold where people tap (issue 15): no grabbing through the side door (REC-ROT-1 over REC-DES-1), people
act only on their own presence (REC-ROT-4), and the roster cannot contradict the floor (REC-ROT-1, REC-ROT-6)."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import translation

from reception import rules, services
from reception.explain import describe
from reception.models import Absence, DutyAssignment, Reception, RotaEvent
from salesoffice.roles import Role

from ..conftest import at, key, make_user, open_desk

HTMX = {"HX-Request": "true"}


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


def designate(site, actor, named, now):
    return services.designated_arrive(site=site, actor=actor, request_key=key(), now=now, salesperson=named)


# --- the rules, pure ---------------------------------------------------------------------------------------------


def test_rules_self_designation_is_refused_unless_by_the_supervisor():
    refusal = rules.self_designation_refusal(actor_id=1, named_id=1, actor_is_supervisor=False, name="Ann")
    assert refusal.rule_id == "REC-ROT-1" and "Ann cannot record a client asking for themselves" in refusal.message
    assert rules.self_designation_refusal(actor_id=1, named_id=1, actor_is_supervisor=True, name="Ann") is None
    assert rules.self_designation_refusal(actor_id=2, named_id=1, actor_is_supervisor=False, name="Ann") is None


def test_rules_presence_is_changed_by_the_person_or_the_supervisor():
    refusal = rules.presence_change_refusal(actor_id=2, salesperson_id=1, actor_is_supervisor=False, name="Bob")
    assert refusal.rule_id == "REC-ROT-4" and "Only Bob or the site supervisor" in refusal.message
    assert rules.presence_change_refusal(actor_id=1, salesperson_id=1, actor_is_supervisor=False, name="Bob") is None
    assert rules.presence_change_refusal(actor_id=2, salesperson_id=1, actor_is_supervisor=True, name="Bob") is None


def test_rules_roster_refusals_name_the_day_and_who_is_busy():
    today = dt.date(2026, 3, 2)
    past = rules.roster_refusals(day=dt.date(2026, 3, 1), today=today, taken_off_busy=[])
    assert [r.rule_id for r in past] == ["REC-ROT-1"] and "2026-03-01 is in the past" in past[0].message
    busy = rules.roster_refusals(day=today, today=today, taken_off_busy=["Ann", "Bob"])
    assert [r.rule_id for r in busy] == ["REC-ROT-6"] and "Ann, Bob cannot be taken off duty on 2026-03-02" in busy[
        0
    ].message
    assert rules.roster_refusals(day=today, today=today, taken_off_busy=[]) == []
    # A future day's roster takes nobody off today's floor.
    assert rules.roster_refusals(day=dt.date(2026, 3, 3), today=today, taken_off_busy=["Ann"]) == []


# --- 1. no grabbing through the side door (REC-ROT-1, REC-DES-1) -------------------------------------------------


def test_a_salesperson_cannot_record_a_client_asking_for_themselves(site, salespeople, supervisor):
    ann, bob = salespeople[:2]
    open_desk(site, salespeople, supervisor, at(2, 9))
    with pytest.raises(PermissionDenied, match="REC-ROT-1"):
        designate(site, bob, bob, at(2, 9, 30))
    assert not Reception.objects.exists()
    # The rota is untouched: the next walk-in still goes to Ann, first in the order.
    walk_in = services.walk_in_arrive(site=site, actor=supervisor, request_key=key(), now=at(2, 9, 31)).reception
    assert walk_in.salesperson == ann


def test_a_colleague_or_the_supervisor_records_it_and_the_log_says_who(site, salespeople, supervisor):
    ann, bob = salespeople[:2]
    open_desk(site, salespeople, supervisor, at(2, 9))
    by_colleague = designate(site, ann, bob, at(2, 9, 30)).reception
    assert by_colleague.kind == Reception.Kind.DESIGNATED and by_colleague.salesperson == bob
    event = RotaEvent.objects.get(kind="designated", reception=by_colleague)
    assert event.actor == ann
    assert describe(event) == "Bob receives a client who asked for them (recorded by Ann): not a rota turn — REC-DES-1"


def test_the_supervisor_in_the_rota_may_record_a_client_asking_for_themselves(site, salespeople, supervisor):
    from reception.models import RotaMember

    RotaMember.objects.create(site=site, salesperson=supervisor, position=6)
    open_desk(site, [*salespeople, supervisor], supervisor, at(2, 9))
    reception = designate(site, supervisor, supervisor, at(2, 9, 30)).reception
    assert reception.salesperson == supervisor
    assert RotaEvent.objects.get(kind="designated").params["by"] == "Supervisor"


def test_a_busy_named_salesperson_the_client_waits_and_the_log_says_who_recorded_it(site, salespeople, supervisor):
    ann, bob = salespeople[:2]
    open_desk(site, salespeople, supervisor, at(2, 9))
    services.walk_in_arrive(site=site, actor=supervisor, request_key=key(), now=at(2, 9, 10))  # ann
    waiting = designate(site, bob, ann, at(2, 9, 30)).reception
    assert waiting.status == Reception.Status.WAITING
    event = RotaEvent.objects.get(kind="designated_wait")
    assert event.actor == bob
    assert "(recorded by Bob)" in describe(event)


def test_old_designated_events_without_a_recorder_read_as_before(site, salespeople):
    event = RotaEvent(site=site, at=at(2, 9), kind="designated", rule_id="REC-DES-1", params={"name": "Bob"})
    assert describe(event) == "Bob receives a client who asked for them: not a rota turn — REC-DES-1"


def test_view_self_designation_is_refused_with_the_reason(
    site, salespeople, supervisor, client, django_assert_num_queries
):
    bob = salespeople[1]
    open_desk(site, salespeople, supervisor, at(2, 9))
    login(client, bob)
    data = {"designated-request_key": key(), "designated-salesperson": bob.pk, "designated-client_label": "Mr Li"}
    with time_machine.travel(at(2, 9, 30), tick=False):
        with django_assert_num_queries(6):
            response = client.post(url("arrive_designated"), data, headers=HTMX)
        assert response.status_code == 200
        assert "cannot record a client asking for themselves" in response.content.decode()
        with django_assert_num_queries(6):
            plain = client.post(url("arrive_designated"), {**data, "designated-request_key": key()})
        assert plain.status_code == 403
        assert "REC-ROT-1" in plain.content.decode()
    assert not Reception.objects.exists()


def test_view_a_colleague_records_a_designated_arrival(
    site, salespeople, supervisor, client, django_assert_num_queries
):
    ann, bob = salespeople[:2]
    open_desk(site, salespeople, supervisor, at(2, 9))
    login(client, ann)
    data = {"designated-request_key": key(), "designated-salesperson": bob.pk}
    with time_machine.travel(at(2, 9, 30), tick=False), django_assert_num_queries(21):
        response = client.post(url("arrive_designated"), data, headers=HTMX)
    assert response.status_code == 200
    assert Reception.objects.get().salesperson == bob
    assert RotaEvent.objects.get(kind="designated").actor == ann


# --- 2. people act only on their own presence (REC-ROT-4) --------------------------------------------------------


def test_a_colleague_cannot_bring_someone_back_at_post(site, salespeople, supervisor):
    ann, bob = salespeople[:2]
    open_desk(site, salespeople, supervisor, at(2, 9))
    services.absence_start(site=site, salesperson=bob, reason="unexcused", detail="", actor=bob, now=at(2, 9, 10))
    waiting_for_anyone = services.walk_in_arrive(site=site, actor=supervisor, request_key=key(), now=at(2, 9, 11))
    assert waiting_for_anyone.reception.salesperson == ann  # bob away: ann takes it
    with pytest.raises(PermissionDenied, match="Only Bob or the site supervisor"):
        services.absence_end(site=site, salesperson=bob, actor=ann, now=at(2, 9, 20))
    assert Absence.objects.get(salesperson=bob).ended_at is None
    assert not RotaEvent.objects.filter(kind="back_at_post").exists()


def test_a_colleague_cannot_send_someone_away(site, salespeople, supervisor):
    ann, bob = salespeople[:2]
    open_desk(site, salespeople, supervisor, at(2, 9))
    with pytest.raises(PermissionDenied, match="REC-ROT-4"):
        services.absence_start(site=site, salesperson=bob, reason="unexcused", detail="", actor=ann, now=at(2, 9, 10))
    assert not Absence.objects.exists()


@pytest.mark.parametrize("who", ["self", "supervisor"])
def test_the_person_or_the_supervisor_changes_their_presence(who, site, salespeople, supervisor):
    bob = salespeople[1]
    actor = bob if who == "self" else supervisor
    open_desk(site, salespeople, supervisor, at(2, 9))
    services.absence_start(site=site, salesperson=bob, reason="unexcused", detail="", actor=actor, now=at(2, 9, 10))
    services.absence_end(site=site, salesperson=bob, actor=actor, now=at(2, 9, 20))
    assert RotaEvent.objects.get(kind="back_at_post").actor == actor


def test_a_supervisor_of_another_site_is_not_this_sites_supervisor(site, other_site, salespeople, supervisor):
    bob = salespeople[1]
    open_desk(site, salespeople, supervisor, at(2, 9))
    services.absence_start(site=site, salesperson=bob, reason="unexcused", detail="", actor=bob, now=at(2, 9, 10))
    stranger = make_user("stranger", Role.SITE_SUPERVISOR, [other_site])
    with pytest.raises(PermissionDenied):
        services.absence_end(site=site, salesperson=bob, actor=stranger, now=at(2, 9, 20))


def test_view_back_at_post_for_a_colleague_is_refused(site, salespeople, supervisor, client, django_assert_num_queries):
    from reception.models import RotaMember

    ann, bob = salespeople[:2]
    open_desk(site, salespeople, supervisor, at(2, 9))
    services.absence_start(site=site, salesperson=bob, reason="unexcused", detail="", actor=bob, now=at(2, 9, 10))
    member = RotaMember.objects.get(salesperson=bob)
    login(client, ann)
    with time_machine.travel(at(2, 9, 30), tick=False):
        with django_assert_num_queries(5):
            response = client.post(url("back", member_id=member.pk), headers=HTMX)
        assert response.status_code == 200
        assert "Only Bob or the site supervisor may change" in response.content.decode()
        with django_assert_num_queries(6):
            assert client.post(url("back", member_id=member.pk)).status_code == 403
    assert Absence.objects.get(salesperson=bob).ended_at is None
    # Bob himself may.
    login(client, bob)
    with time_machine.travel(at(2, 9, 31), tick=False), django_assert_num_queries(14):
        response = client.post(url("back", member_id=member.pk), headers=HTMX)
    assert response.status_code == 200
    assert Absence.objects.get(salesperson=bob).ended_at == at(2, 9, 31)


def test_view_mark_away_for_a_colleague_is_refused(site, salespeople, supervisor, client, django_assert_num_queries):
    ann, bob = salespeople[:2]
    open_desk(site, salespeople, supervisor, at(2, 9))
    login(client, ann)
    with time_machine.travel(at(2, 9, 30), tick=False), django_assert_num_queries(6):
        response = client.post(url("away"), {"away-salesperson": bob.pk, "away-reason": "unexcused"}, headers=HTMX)
    assert response.status_code == 200
    assert "Only Bob or the site supervisor" in response.content.decode()
    assert not Absence.objects.exists()


def test_view_back_at_post_of_another_sites_member_is_404(
    site, other_site, salespeople, supervisor, client, django_assert_num_queries
):
    from reception.models import RotaMember

    stranger = make_user("stranger", Role.SALESPERSON, [other_site])
    member = RotaMember.objects.create(site=other_site, salesperson=stranger, position=1)
    login(client, salespeople[0])
    with django_assert_num_queries(6):
        assert client.post(url("back", member_id=member.pk), headers=HTMX).status_code == 404


# --- 5. the roster cannot contradict the floor (REC-ROT-1, REC-ROT-6) --------------------------------------------


def test_a_roster_taking_a_busy_salesperson_off_duty_is_refused_naming_them(site, salespeople, supervisor):
    ann, bob, cat = salespeople[:3]
    open_desk(site, salespeople, supervisor, at(2, 9))
    services.walk_in_arrive(site=site, actor=supervisor, request_key=key(), now=at(2, 9, 10))  # ann busy
    with pytest.raises(services.DeskError) as refused:
        services.roster_set(
            site=site, day=dt.date(2026, 3, 2), salesperson_ids={bob.pk, cat.pk}, actor=supervisor, now=at(2, 9, 20)
        )
    assert "Ann cannot be taken off duty on 2026-03-02: in a reception now (REC-ROT-6)" in refused.value.messages[0]
    assert DutyAssignment.objects.filter(day=dt.date(2026, 3, 2)).count() == 5
    # Taking off someone who is free is fine, and so is keeping the busy one on.
    services.roster_set(
        site=site, day=dt.date(2026, 3, 2), salesperson_ids={ann.pk, bob.pk}, actor=supervisor, now=at(2, 9, 21)
    )
    assert set(DutyAssignment.objects.filter(day=dt.date(2026, 3, 2)).values_list("salesperson", flat=True)) == {
        ann.pk,
        bob.pk,
    }


def test_a_roster_for_a_past_day_is_refused_a_future_day_is_not(site, salespeople, supervisor):
    ann = salespeople[0]
    # The last second of 1 March, then the first second of 2 March, site time.
    with pytest.raises(services.DeskError, match="2026-03-01 is in the past"):
        services.roster_set(
            site=site, day=dt.date(2026, 3, 1), salesperson_ids={ann.pk}, actor=supervisor, now=at(2, 0, 0)
        )
    services.roster_set(
        site=site,
        day=dt.date(2026, 3, 1),
        salesperson_ids={ann.pk},
        actor=supervisor,
        now=at(2, 0, 0) - dt.timedelta(seconds=1),
    )
    services.roster_set(site=site, day=dt.date(2026, 3, 3), salesperson_ids={ann.pk}, actor=supervisor, now=at(2, 9))
    assert DutyAssignment.objects.count() == 2


def test_view_a_refused_roster_shows_the_reason(site, salespeople, supervisor, client, django_assert_num_queries):
    open_desk(site, salespeople, supervisor, at(2, 9))
    services.walk_in_arrive(site=site, actor=supervisor, request_key=key(), now=at(2, 9, 10))  # ann busy
    login(client, supervisor)
    data = {
        "roster-day": "2026-03-02",
        "roster-salespeople": [p.pk for p in salespeople[1:]],
    }
    with time_machine.travel(at(2, 9, 30), tick=False), django_assert_num_queries(27):
        response = client.post(url("rota_roster"), data)
    assert response.status_code == 200
    assert "Ann cannot be taken off duty on 2026-03-02" in response.content.decode()
    assert DutyAssignment.objects.count() == 5


def test_view_a_salesperson_cannot_set_the_roster(site, salespeople, supervisor, client, django_assert_num_queries):
    login(client, salespeople[0])
    with time_machine.travel(at(2, 9, 30), tick=False):
        response = client.post(url("rota_roster"), {"roster-day": "2026-03-02"})
    assert response.status_code == 403
