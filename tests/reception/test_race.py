"""Two desk terminals at the same moment: the rota is one serialised resource per site (RULES.md, REC-ROT-1).

Real threads on PostgreSQL, each on its own connection, released together by a barrier. The tests commit
(transaction=True); serialized_rollback restores the role groups of the data migration that the flush removes.
"""

import threading
from collections import Counter

import pytest
from django.db import IntegrityError, connection, transaction

from reception import services
from reception.models import Reception, RotaEvent, RotaMember, RotaState
from salesoffice.roles import Role

from ..conftest import at, key, make_user, open_desk

RACE = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def eight(site, salespeople, supervisor):
    """Eight salespeople in rota order (ann .. eve, fay, gus, hal), all on duty and ready on 2 March."""
    people = list(salespeople)
    for position, name in enumerate(["fay", "gus", "hal"], start=len(people) + 1):
        user = make_user(name, Role.SALESPERSON, [site])
        RotaMember.objects.create(site=site, salesperson=user, position=position)
        people.append(user)
    open_desk(site, people, supervisor, at(2, 9))
    return people


def press_at_once(calls):
    """Run every call in its own thread, all released at the same instant; return their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)
    errors: list[BaseException] = []

    def run(index, call):
        try:
            connection.ensure_connection()  # connect first, so the barrier releases calls, not handshakes
            barrier.wait(timeout=30)
            results[index] = call()
        except BaseException as exc:  # collected and re-raised in the main thread below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a desk call hung (deadlock?)"
    assert not errors, errors
    return results


def walk_in_call(site, actor, now, request_key=None):
    return lambda: services.walk_in_arrive(site=site, actor=actor, request_key=request_key or key(), now=now)


@RACE
def test_rec_rot_1_eight_terminals_at_once_give_eight_turns_in_rota_order(site, eight, supervisor):
    version = RotaState.objects.get(site=site).version
    results = press_at_once([walk_in_call(site, supervisor, at(2, 10)) for _ in eight])

    assert not any(r.duplicate for r in results)
    receptions = list(Reception.objects.filter(site=site).order_by("pk"))
    assert len(receptions) == len(eight)
    assert all(r.status == Reception.Status.ACTIVE and r.consumed_turn for r in receptions)
    # None twice, none skipped, and in the order the cursor moved: exactly the rota order.
    assert [r.salesperson_id for r in receptions] == [p.pk for p in eight]
    taken = RotaEvent.objects.filter(site=site, kind="turn_taken").order_by("pk")
    assert list(taken.values_list("salesperson_id", flat=True)) == [p.pk for p in eight]
    assert not RotaEvent.objects.filter(site=site, kind__startswith="skip_").exists()
    state = RotaState.objects.select_related("last_turn_member").get(site=site)
    assert state.last_turn_member.salesperson_id == eight[-1].pk
    assert state.version == version + len(eight)


@RACE
def test_rec_rot_6_more_clients_than_free_salespeople_at_once_wait_and_nobody_forfeits(site, eight, supervisor):
    results = press_at_once([walk_in_call(site, supervisor, at(2, 10)) for _ in range(12)])
    statuses = Counter(r.reception.status for r in results)
    assert statuses == {Reception.Status.ACTIVE: 8, Reception.Status.WAITING: 4}
    served = Reception.objects.filter(site=site, status=Reception.Status.ACTIVE).order_by("pk")
    assert list(served.values_list("salesperson_id", flat=True)) == [p.pk for p in eight]
    assert not RotaEvent.objects.filter(site=site, kind__startswith="skip_").exists()

    # Now every salesperson sees a client out at the same moment: the four waiting clients go to four of them.
    press_at_once(
        [(lambda r=r: services.reception_end(reception=r, actor=supervisor, now=at(2, 10, 30))) for r in list(served)]
    )
    assert not Reception.objects.filter(site=site, status=Reception.Status.WAITING).exists()
    active = list(Reception.objects.filter(site=site, status=Reception.Status.ACTIVE))
    assert len(active) == 4
    assert len({r.salesperson_id for r in active}) == 4
    # Each waiting client went to someone who had already come free.
    for served_event in RotaEvent.objects.filter(site=site, kind="waiting_served"):
        assert RotaEvent.objects.filter(
            site=site, kind="reception_ended", salesperson_id=served_event.salesperson_id, pk__lt=served_event.pk
        ).exists()


@RACE
def test_double_click_race_same_request_key_from_several_terminals_is_one_reception(site, eight, supervisor):
    request_key = key()
    results = press_at_once([walk_in_call(site, supervisor, at(2, 10), request_key) for _ in range(6)])

    assert sorted(r.duplicate for r in results) == [False] + [True] * 5
    assert len({r.reception.pk for r in results}) == 1
    [reception] = Reception.objects.filter(site=site)
    assert reception.salesperson_id == eight[0].pk
    assert RotaEvent.objects.filter(site=site, kind="turn_taken").count() == 1
    assert RotaState.objects.get(site=site).last_turn_member.salesperson_id == eight[0].pk


@pytest.mark.django_db
def test_rec_rot_6_database_refuses_a_second_active_reception_for_the_same_salesperson(site, salespeople, supervisor):
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Reception._meta.db_table)
    assert constraints["one_active_reception_each"]["unique"]

    open_desk(site, salespeople, supervisor, at(2, 9))
    first = services.walk_in_arrive(site=site, actor=supervisor, request_key=key(), now=at(2, 10)).reception
    assert first.status == Reception.Status.ACTIVE
    with pytest.raises(IntegrityError), transaction.atomic():
        Reception.objects.create(
            site=site,
            kind=Reception.Kind.ROTA,
            status=Reception.Status.ACTIVE,
            salesperson=first.salesperson,
            arrived_at=at(2, 10, 1),
            started_at=at(2, 10, 1),
            request_key=key(),
            created_by=supervisor,
        )
    assert Reception.objects.filter(salesperson=first.salesperson, status=Reception.Status.ACTIVE).count() == 1
    # An ended reception does not block the next one.
    services.reception_end(reception=first, actor=supervisor, now=at(2, 10, 2))
    Reception.objects.create(
        site=site,
        kind=Reception.Kind.ROTA,
        status=Reception.Status.ACTIVE,
        salesperson=first.salesperson,
        arrived_at=at(2, 10, 3),
        started_at=at(2, 10, 3),
        request_key=key(),
        created_by=supervisor,
    )
