"""Two salespeople registering the same phone at the same instant: exactly one wins (ATT-REG-3).

Real threads on PostgreSQL, each on its own connection, released together by a barrier; the tests commit.
"""

import pytest

from attribution import services
from attribution.models import Client, ClientPhone, ClientSiteSummary, ClientSiteViewer, VisitEntry
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
def test_same_phone_same_instant_every_visit_is_recorded_on_one_client_ATT_REG_1(site, salespeople, known_client):
    # Formerly "exactly one wins": an entry awaiting approval no longer refuses the others (issue 14, ATT-REG-1
    # Decision). What the race must still guarantee: the registrations meet on one client and one phone row, and
    # every visit is on the register, ordered by the instant registered and then by entry (ATT-REG-3).
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

    assert len(won) == len(people), [str(r) for r in refused]
    assert {result.client.pk for result in won} == {won[0].client.pk}
    assert VisitEntry.objects.count() == len(people)
    assert Client.objects.count() == 1 and ClientPhone.objects.count() == 1


@RACE
def test_different_phones_at_once_all_register(site, salespeople):
    calls = [registration(site, person, f"1380013800{i}", at(3, 10)) for i, person in enumerate(salespeople)]
    won, refused = outcome(press_at_once(calls))
    assert len(won) == len(salespeople) and not refused
    assert VisitEntry.objects.count() == len(salespeople)


@RACE
def test_two_registrations_of_one_client_at_once_both_count_in_its_summary(
    site, salespeople, supervisor, project_manager
):
    ann, bob = salespeople[:2]
    first = services.visit_register(
        site=site, actor=ann, salesperson=ann, name="Mr Huang", phones=["13800138001"], now=at(3, 10)
    )
    services.visit_review(entry=first.entry, actor=project_manager, approve=True, now=at(3, 18))
    now = at(10, 10)

    def duty_reception():  # bob serves ann's client while she is out (REC-RET-2), the supervisor writes it
        return services.visit_register(
            site=site, actor=supervisor, salesperson=ann, name="Mr Huang", phones=["13800138001"], now=now,
            received_by=bob,
        )  # fmt: skip

    results = press_at_once([registration(site, ann, "13800138001", now), duty_reception])

    assert all(isinstance(r, services.RegistrationResult) for r in results), results
    summary = ClientSiteSummary.objects.get(client=first.client, site=site)
    assert (summary.entries, summary.last_registered_at, summary.owner_id) == (3, now, ann.pk)
    viewers = ClientSiteViewer.objects.filter(client=first.client, site=site)
    assert set(viewers.values_list("user__username", "last_registered_at")) == {
        ("ann", now),
        ("bob", now),
        ("supervisor", now),
    }


@RACE
def test_an_approval_and_a_registration_at_once_both_reach_the_summary(site, salespeople, project_manager):
    ann = salespeople[0]
    first = services.visit_register(
        site=site, actor=ann, salesperson=ann, name="Mr Huang", phones=["13800138001"], now=at(3, 10)
    )

    def approval():
        return services.visit_review(entry=first.entry, actor=project_manager, approve=True, now=at(3, 18))

    press_at_once([approval, registration(site, ann, "13800138001", at(3, 18))])

    summary = ClientSiteSummary.objects.get(client=first.client, site=site)
    # Whichever committed first, the last to rebuild the row saw both: two entries, the first one approved.
    assert (summary.entries, summary.owner_id, summary.last_registered_at) == (2, ann.pk, at(3, 18))
