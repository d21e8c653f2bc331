"""Two salespeople registering the same phone at the same instant: exactly one wins (ATT-REG-3).

Real threads on PostgreSQL, each on its own connection, released together by a barrier; the tests commit.
"""

import pytest

from attribution import services
from attribution.models import Client, ClientPhone, VisitEntry
from salesoffice.roles import Role

from ..conftest import at, make_user
from ..reception.test_race import press_at_once

RACE = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def registration(site, salesperson, phone, now):
    def call():
        try:
            return services.visit_register(
                site=site, actor=salesperson, salesperson=salesperson, name="Mr Huang", phones=[phone], now=now
            )
        except services.RegisterError as error:
            return error

    return call


def outcome(results):
    won = [r for r in results if isinstance(r, services.RegistrationResult)]
    refused = [r for r in results if isinstance(r, services.RegisterError)]
    return won, refused


@RACE
@pytest.mark.parametrize("known_client", [False, True], ids=["new-phone", "client-already-on-register"])
def test_same_phone_same_instant_exactly_one_wins_ATT_REG_3(site, salespeople, known_client):
    people = list(salespeople) + [make_user(f"extra{i}", Role.SALESPERSON, [site]) for i in range(3)]
    phone = "13800138001"
    if known_client:
        # Known from another project, free on this one: both threads lock the same client row.
        client = Client.objects.create(
            name="Mr Huang", phone=phone, phone_normalised="+8613800138001", created_at=at(1, 9)
        )
        ClientPhone.objects.create(client=client, phone=phone, phone_normalised="+8613800138001")
    now = at(3, 10)

    won, refused = outcome(press_at_once([registration(site, person, phone, now) for person in people]))

    assert len(won) == 1, [str(r) for r in refused]
    assert len(refused) == len(people) - 1
    winner = won[0].entry.salesperson
    # Every loser is told who registered first (ATT-REG-3).
    assert all(winner.first_name in " ".join(error.messages) for error in refused)
    assert VisitEntry.objects.count() == 1
    assert Client.objects.count() == 1 and ClientPhone.objects.count() == 1


@RACE
def test_different_phones_at_once_all_register(site, salespeople):
    calls = [registration(site, person, f"1380013800{i}", at(3, 10)) for i, person in enumerate(salespeople)]
    won, refused = outcome(press_at_once(calls))
    assert len(won) == len(salespeople) and not refused
    assert VisitEntry.objects.count() == len(salespeople)
