"""A client who insists on a named salesperson mid-reception (REC-DES-2 new client, REC-DES-3 returning)."""

import datetime as dt

import pytest

from attribution.models import VisitApproval, VisitEntry
from reception import services
from reception.explain import describe
from reception.models import ChangeRequest, PrioritySlot, Reception, RotaEvent

from ..conftest import at, client_with_phone, key, open_desk


def decide(reception, manager, decision, now, **extra):
    return services.change_request_decide(
        reception=reception,
        decision=decision,
        note="",
        grant_priority=False,
        actor=manager,
        now=now,
        request_key=key(),
        **extra,
    )


def test_rec_des_2_named_salesperson_takes_over_without_a_turn(site, salespeople, supervisor, sales_manager):
    ann, bob, cat, dan, eve = salespeople
    open_desk(site, salespeople, supervisor, at(2, 9))
    first = services.walk_in_arrive(site=site, actor=supervisor, request_key=key(), now=at(2, 10)).reception
    assert first.salesperson == ann

    result = decide(
        first, sales_manager, ChangeRequest.Decision.NAMED, at(2, 10, 20), requested_salesperson=dan, instigated=False
    )

    first.refresh_from_db()
    assert first.status == Reception.Status.ENDED
    assert result.reception.kind == Reception.Kind.SWITCHED
    assert result.reception.salesperson == dan
    assert result.reception.replaces == first
    assert result.reception.consumed_turn is False
    request = ChangeRequest.objects.get(reception=first)
    assert request.requested_salesperson == dan and request.instigated is False
    event = RotaEvent.objects.get(kind="switched_to_named")
    assert event.rule_id == "REC-DES-2"
    assert describe(event).endswith("REC-DES-2")
    # Not a turn: the rota continues after ann, so bob is next even though dan is now busy.
    nxt = services.walk_in_arrive(site=site, actor=supervisor, request_key=key(), now=at(2, 10, 30)).reception
    assert nxt.salesperson == bob


def test_rec_des_2_only_an_ongoing_reception_can_switch(site, salespeople, supervisor, sales_manager):
    ann, bob, *_ = salespeople
    open_desk(site, salespeople, supervisor, at(2, 9))
    first = services.walk_in_arrive(site=site, actor=supervisor, request_key=key(), now=at(2, 10)).reception
    services.reception_end(reception=first, actor=supervisor, now=at(2, 10, 5))
    with pytest.raises(services.DeskError):
        decide(first, sales_manager, ChangeRequest.Decision.NAMED, at(2, 10, 6), requested_salesperson=bob)
    assert Reception.objects.count() == 1


def test_rec_des_3_returning_client_gets_duty_reception_from_named_and_stays_owners(
    site, salespeople, supervisor, sales_manager, project_manager
):
    ann, bob, cat, dan, eve = salespeople
    client = client_with_phone("Mr Huang", "13800138001", at(1, 9))
    entry = VisitEntry.objects.create(
        client=client, site=site, salesperson=cat, visited_at=at(1, 9), registered_at=at(1, 9), registered_by=cat
    )
    VisitApproval.objects.create(entry=entry, approved_by=project_manager, approved_at=at(1, 18))
    open_desk(site, salespeople, supervisor, at(2, 9))
    with_owner = services.returning_arrive(
        site=site, actor=supervisor, request_key=key(), now=at(2, 10), phone="13800138001"
    ).reception
    assert with_owner.salesperson == cat and with_owner.kind == Reception.Kind.RETURNING

    # REC-NEW-4's fault decisions do not apply to a returning client.
    with pytest.raises(services.DeskError):
        decide(with_owner, sales_manager, ChangeRequest.Decision.REASSIGN, at(2, 10, 5))

    result = decide(with_owner, sales_manager, ChangeRequest.Decision.NAMED, at(2, 10, 10), requested_salesperson=eve)
    duty = result.reception
    assert duty.kind == Reception.Kind.DUTY
    assert duty.salesperson == eve
    assert duty.owner == cat
    assert duty.consumed_turn is False
    # REC-ROT-8: a duty reception by request of the client earns no priority slot.
    assert not PrioritySlot.objects.filter(salesperson=eve).exists()
    assert RotaEvent.objects.get(kind="switched_to_named_duty").rule_id == "REC-DES-3"


def test_rec_des_2_named_salesperson_must_be_at_post(site, salespeople, supervisor, sales_manager):
    ann, bob, cat, dan, eve = salespeople
    open_desk(site, salespeople, supervisor, at(2, 9), ready=[ann, bob, cat, dan])
    first = services.walk_in_arrive(site=site, actor=supervisor, request_key=key(), now=at(2, 10)).reception
    with pytest.raises(services.DeskError) as error:
        decide(
            first,
            sales_manager,
            ChangeRequest.Decision.NAMED,
            at(2, 10, 1) + dt.timedelta(seconds=1),
            requested_salesperson=None,
        )
    assert "requested_salesperson" in error.value.message_dict
    first.refresh_from_db()
    assert first.status == Reception.Status.ACTIVE


def test_rec_des_2_only_the_sales_manager_assigns_a_new_clients_named_salesperson(
    site, salespeople, supervisor, project_manager
):
    ann, bob, cat, dan, eve = salespeople
    open_desk(site, salespeople, supervisor, at(2, 9))
    first = services.walk_in_arrive(site=site, actor=supervisor, request_key=key(), now=at(2, 10)).reception
    with pytest.raises(services.DeskError, match="REC-DES-2"):
        decide(first, project_manager, ChangeRequest.Decision.NAMED, at(2, 10, 20), requested_salesperson=dan)
    assert not ChangeRequest.objects.exists()
    first.refresh_from_db()
    assert first.status == Reception.Status.ACTIVE and first.salesperson == ann


def test_rec_new_4b_the_manager_may_or_may_not_record_a_violation(site, salespeople, supervisor, sales_manager):
    from reception.models import Violation

    ann, bob, *_ = salespeople
    open_desk(site, salespeople, supervisor, at(2, 9))
    first = services.walk_in_arrive(site=site, actor=supervisor, request_key=key(), now=at(2, 10)).reception
    decide(first, sales_manager, ChangeRequest.Decision.GENERAL_FAULT, at(2, 10, 5), record_violation=False)
    assert not Violation.objects.exists()
    decide(first, sales_manager, ChangeRequest.Decision.GENERAL_FAULT, at(2, 10, 10))
    assert Violation.objects.get().salesperson == ann
    first.refresh_from_db()
    assert first.status == Reception.Status.ACTIVE and first.salesperson == ann  # the same salesperson continues


def test_att_ref_old_introduced_client_of_an_absent_salesperson_gets_a_duty_reception(site, salespeople, supervisor):
    ann, bob, cat, dan, eve = salespeople
    open_desk(site, salespeople, supervisor, at(2, 9))
    services.walk_in_arrive(site=site, actor=supervisor, request_key=key(), now=at(2, 9, 30))  # ann's turn
    services.absence_start(
        site=site, salesperson=dan, reason="unexcused", detail="", actor=supervisor, now=at(2, 9, 40)
    )
    with pytest.raises(services.DeskError, match="REC-DES-1"):
        services.designated_arrive(
            site=site, actor=supervisor, request_key=key(), now=at(2, 10), salesperson=dan, client_label="Friend"
        )

    result = services.designated_arrive(
        site=site,
        actor=supervisor,
        request_key=key(),
        now=at(2, 10),
        salesperson=dan,
        client_label="Friend of Mr Old",
        introduced_by_old_client=True,
    )

    reception = result.reception
    # Ann took the last normal turn but is busy: the one before her in the order gives the duty reception.
    assert reception.kind == Reception.Kind.DUTY and reception.owner == dan
    assert reception.salesperson == eve and reception.consumed_turn is False
    assert [e.rule_id for e in result.events][0] == "REC-ROT-8"
