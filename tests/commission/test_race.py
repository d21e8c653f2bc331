"""Concurrent deal recording and re-splitting on PostgreSQL: the database keeps one deal per contract and unit,
and two re-splits of one deal never post the same difference twice."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from attribution import services as register_services
from commission import services
from commission.models import Deal, LedgerEntry, Split
from salesoffice.roles import Role

from ..conftest import at, make_user
from ..reception.test_race import press_at_once
from .conftest import deal_input, registered

RACE = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def recording(data, actor, now):
    def call():
        try:
            return services.deal_record(data=data, actor=actor, now=now)[0]
        except (services.CommissionError, PermissionDenied) as error:
            return error

    return call


@RACE
def test_two_managers_saving_one_unit_and_contract_at_once_make_one_deal(site, salespeople, project_manager):
    ann = salespeople[0]
    second_manager = make_user("max", Role.SALES_MANAGER, [site])
    huang = registered(site, ann, project_manager, at(3, 10))
    data = deal_input(site, huang, ann, at(10, 15), unit="A-1201", contract="HT-7")

    results = press_at_once([recording(data, project_manager, at(10, 16)), recording(data, second_manager, at(10, 16))])

    deals = [r for r in results if isinstance(r, Deal)]
    refused = [r for r in results if isinstance(r, services.CommissionError)]
    assert len(deals) == 1 and len(refused) == 1, results
    assert "contract_no" in refused[0].message_dict
    assert Deal.objects.count() == 1 and Split.objects.count() == 1
    assert LedgerEntry.objects.get().amount == Decimal("10000.01")


@RACE
def test_a_ruling_and_a_re_split_at_once_post_the_difference_once(site, salespeople, project_manager):
    ann, bob = salespeople[:2]
    director = make_user("director", Role.SALES_DIRECTOR, [site])
    huang = registered(site, ann, project_manager, at(3, 10))
    deal = services.deal_record(data=deal_input(site, huang, ann, at(10, 15)), actor=ann, now=at(10, 15))[0]
    register_services.dispute_open(
        site=site, client=huang, actor=project_manager, reasoning="x", shares=[(bob, Decimal(100))], now=at(11, 9)
    )
    opinion = huang.disputes.get()

    def ruling():
        return register_services.dispute_decide(opinion=opinion, actor=director, approve=True, now=at(11, 10))

    def resplit():
        return services.deal_resplit(deal=deal, now=at(11, 10))

    press_at_once([ruling, resplit, resplit])

    # Whatever the order, the ledger holds exactly the ruling's split: bob everything, ann nothing.
    totals = {}
    for entry in LedgerEntry.objects.filter(deal=deal):
        totals[entry.user_id] = totals.get(entry.user_id, Decimal(0)) + entry.amount
    assert totals == {ann.pk: Decimal("0.00"), bob.pk: Decimal("10000.01")}
    assert deal.splits.order_by("-number").first().status == "split"
