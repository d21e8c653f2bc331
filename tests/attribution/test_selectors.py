"""The facts a client's ownership is decided from, as the selectors gather them from the database."""

from attribution.models import VisitEntry
from attribution.selectors import client_facts
from reception.models import ChangeRequest, Reception

from ..conftest import at, client_with_phone, key


def reception(site, salesperson, supervisor, when, **extra):
    return Reception.objects.create(
        site=site,
        kind=extra.pop("kind", Reception.Kind.ROTA),
        status=Reception.Status.ENDED,
        salesperson=salesperson,
        arrived_at=when,
        started_at=when,
        ended_at=when,
        request_key=key(),
        created_by=supervisor,
        **extra,
    )


def named(first, requested, manager, when, decision=ChangeRequest.Decision.NAMED):
    return ChangeRequest.objects.create(
        reception=first, decision=decision, requested_salesperson=requested, decided_by=manager, decided_at=when
    )


def entry(client, site, salesperson, when, reception):
    return VisitEntry.objects.create(
        client=client,
        site=site,
        salesperson=salesperson,
        visited_at=when,
        registered_at=when,
        registered_by=salesperson,
        reception=reception,
    )


def test_named_switches_are_found_through_each_way_a_reception_reaches_the_client_REC_DES_2(
    site, salespeople, supervisor, sales_manager
):
    ann, bob, cat, dan, _eve = salespeople
    by_desk = client_with_phone("Mr Desk", "13800138001", at(1, 9))
    by_entry = client_with_phone("Ms Entry", "13800138002", at(1, 9))
    by_replacement = client_with_phone("Mr Replaced", "13800138003", at(1, 9))
    bystander = client_with_phone("Ms Other", "13800138004", at(1, 9))

    # The desk linked the reception to the client.
    desk = reception(site, ann, supervisor, at(2, 10), client=by_desk)
    named(desk, dan, sales_manager, at(2, 10, 20))
    # A register entry points at the reception the request was made in.
    direct = reception(site, bob, supervisor, at(3, 10))
    named(direct, cat, sales_manager, at(3, 10, 20))
    entry(by_entry, site, cat, at(3, 10, 30), direct)
    # The entry points at the reception that replaced it (the named salesperson's, REC-DES-2).
    first = reception(site, cat, supervisor, at(4, 10))
    named(first, dan, sales_manager, at(4, 10, 20))
    replacement = reception(site, dan, supervisor, at(4, 10, 20), kind=Reception.Kind.SWITCHED, replaces=first)
    entry(by_replacement, site, dan, at(4, 10, 30), replacement)
    # Not a named switch, and a decision after `now`: neither counts.
    other = reception(site, ann, supervisor, at(5, 10), client=by_desk)
    named(other, None, sales_manager, at(5, 10, 20), decision=ChangeRequest.Decision.NOT_AT_FAULT)
    later = reception(site, bob, supervisor, at(9, 10), client=by_desk)
    named(later, eve := salespeople[4], sales_manager, at(9, 10, 20))

    def switches(client):
        facts = client_facts(client=client, site=site, now=at(6, 9))
        return [(s.at, s.first_receiver_id, s.named_id) for s in facts.switches]

    assert switches(by_desk) == [(at(2, 10, 20), ann.pk, dan.pk)]
    assert switches(by_entry) == [(at(3, 10, 20), bob.pk, cat.pk)]
    assert switches(by_replacement) == [(at(4, 10, 20), cat.pk, dan.pk)]
    assert switches(bystander) == []
    assert eve.pk in [s.named_id for s in client_facts(client=by_desk, site=site, now=at(10, 9)).switches]


def test_a_switch_at_another_site_does_not_touch_this_sites_ownership_REC_DES_2(
    site, other_site, salespeople, supervisor, sales_manager
):
    ann, _bob, _cat, dan, _eve = salespeople
    client = client_with_phone("Mr Two Projects", "13800138001", at(1, 9))
    elsewhere = reception(other_site, ann, supervisor, at(2, 10), client=client)
    named(elsewhere, dan, sales_manager, at(2, 10, 20))

    assert client_facts(client=client, site=other_site, now=at(3, 9)).switches
    assert client_facts(client=client, site=site, now=at(3, 9)).switches == ()
