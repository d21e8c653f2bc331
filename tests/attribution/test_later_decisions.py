"""Decisions taken later reach ownership and money, through the services: a reassignment at the desk
(REC-NEW-4c) and the sales manager's later finding of instigation (REC-DES-2)."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from attribution import services
from attribution.models import ClientSiteSummary
from attribution.selectors import client_attribution, client_facts, registered_owners
from attribution.signals import client_facts_changed
from commission.models import CommissionSettings, LedgerEntry, Split
from commission.services import deal_record
from reception import services as desk
from reception.models import ChangeRequest, InstigationFinding, Reception
from salesoffice.roles import Role

from ..commission.conftest import deal_input
from ..conftest import at, key, make_user, open_desk
from .conftest import approve, register


def decide(reception, manager, decision, now, **extra):
    return desk.change_request_decide(
        reception=reception,
        decision=decision,
        note="",
        grant_priority=False,
        actor=manager,
        now=now,
        request_key=key(),
        **extra,
    )


@pytest.fixture
def signals_sent():
    sent = []

    def receiver(sender, **kwargs):
        sent.append(kwargs)

    client_facts_changed.connect(receiver, dispatch_uid="test-later-decisions")
    yield sent
    client_facts_changed.disconnect(dispatch_uid="test-later-decisions")


@pytest.fixture
def served(site, salespeople, supervisor, project_manager):
    """Ann receives Ms Li by the rota at 10:00 on 2 March and registers her (approved at 10:06)."""
    ann = salespeople[0]
    open_desk(site, salespeople, supervisor, at(2, 9))
    reception = desk.walk_in_arrive(site=site, actor=supervisor, request_key=key(), now=at(2, 10)).reception
    result = register(site, ann, at(2, 10, 5), name="Ms Li", reception=reception)
    approve(result.entry, project_manager, at(2, 10, 6))
    return reception, result.client


class TestReassignment:
    def test_the_new_salesperson_registers_the_same_minute_and_owns_the_client(
        self, site, salespeople, sales_manager, project_manager, served
    ):
        ann, bob = salespeople[:2]
        first, client = served
        replacement = decide(first, sales_manager, ChangeRequest.Decision.REASSIGN, at(2, 10, 30)).reception
        assert replacement.salesperson == bob and replacement.client == client
        assert client_attribution(client=client, site=site, now=at(2, 10, 30)).owner_id is None
        summary = ClientSiteSummary.objects.get(client=client, site=site)
        assert summary.valid_until < at(2, 10, 30)  # the list no longer shows Ann holding her
        assert registered_owners(client_ids=[client.pk], site=site, now=at(2, 10, 30))[client.pk].owner_id is None
        assert registered_owners(client_ids=[client.pk], site=site, now=at(2, 10, 29))[client.pk].owner_id == ann.pk

        result = register(site, bob, at(2, 10, 30), name="Ms Li", reception=replacement)
        approve(result.entry, project_manager, at(2, 18))
        attribution = client_attribution(client=client, site=site, now=at(3, 9))
        assert attribution.owner_id == bob.pk and "REC-NEW-4c" in attribution.rule_ids
        summary.refresh_from_db()
        assert summary.owner == bob
        with pytest.raises(services.RegisterError, match="ATT-REG-3"):
            register(site, ann, at(3, 10), name="Ms Li")

    def test_the_decision_tells_the_commission(self, site, sales_manager, served, signals_sent):
        first, client = served
        decide(first, sales_manager, ChangeRequest.Decision.REASSIGN, at(2, 10, 30))
        assert [s["client_ids"] for s in signals_sent] == [[client.pk]]
        assert signals_sent[0]["now"] == at(2, 10, 30)

    def test_a_refusal_not_granted_changes_nothing(self, site, sales_manager, served, signals_sent):
        first, client = served
        decide(first, sales_manager, ChangeRequest.Decision.NOT_AT_FAULT, at(2, 10, 30))
        assert signals_sent == []
        assert client_attribution(client=client, site=site, now=at(2, 11)).owner_id == first.salesperson_id

    def test_facts_read_the_reassignment(self, site, salespeople, sales_manager, served):
        ann, bob = salespeople[:2]
        first, client = served
        decide(first, sales_manager, ChangeRequest.Decision.REASSIGN, at(2, 10, 30))
        facts = client_facts(client=client, site=site, now=at(2, 11))
        assert [(m.from_salesperson_id, m.to_salesperson_id) for m in facts.reassignments] == [(ann.pk, bob.pk)]
        assert client_facts(client=client, site=site, now=at(2, 10, 29)).reassignments == ()

    def test_a_deal_with_the_new_salesperson_is_wholly_theirs(
        self, site, salespeople, sales_manager, project_manager, served
    ):
        bob = salespeople[1]
        first, client = served
        replacement = decide(first, sales_manager, ChangeRequest.Decision.REASSIGN, at(2, 10, 30)).reception
        approve(
            register(site, bob, at(2, 10, 31), name="Ms Li", reception=replacement).entry, project_manager, at(2, 18)
        )
        deal, split = deal_record(data=deal_input(site, client, bob, at(5, 15)), actor=bob, now=at(5, 15))
        assert [(s.user_id, s.amount) for s in split.shares.all()] == [(bob.pk, Decimal("10000.01"))]


@pytest.fixture
def switched(site, salespeople, supervisor, sales_manager, project_manager):
    """Ann receives Ms Zhou (registered, approved); at 10:30 the sales manager gives her Cat, whom she insists on."""
    ann, _bob, cat = salespeople[:3]
    open_desk(site, salespeople, supervisor, at(2, 9))
    first = desk.walk_in_arrive(site=site, actor=supervisor, request_key=key(), now=at(2, 10)).reception
    result = register(site, ann, at(2, 10, 5), name="Ms Zhou", phone="13800138002", reception=first)
    approve(result.entry, project_manager, at(2, 10, 6))
    decide(first, sales_manager, ChangeRequest.Decision.NAMED, at(2, 10, 30), requested_salesperson=cat)
    return ChangeRequest.objects.get(reception=first), result.client


class TestInstigationFinding:
    def test_found_later_the_first_receiver_gets_everything(self, site, salespeople, sales_manager, switched):
        ann, _bob, cat = salespeople[:3]
        change_request, client = switched
        assert client_attribution(client=client, site=site, now=at(3, 9)).share_of("salesperson", ann.pk) == 70
        finding = services.instigation_record(
            change_request=change_request, actor=sales_manager, reason="Cat phoned her", now=at(4, 9)
        )
        assert finding.recorded_by == sales_manager and finding.reason == "Cat phoned her"
        attribution = client_attribution(client=client, site=site, now=at(4, 9))
        assert attribution.share_of("salesperson", ann.pk) == 100 and attribution.follow_up_id == cat.pk
        assert any(s.at == at(4, 9) and "REC-DES-2" in s.rule_ids for s in attribution.steps)
        # Before the finding, the timeline still reads 70/30.
        assert client_attribution(client=client, site=site, now=at(3, 9)).share_of("salesperson", ann.pk) == 70

    def test_the_deal_is_re_split_and_the_ledger_adjusted(self, site, salespeople, sales_manager, switched):
        ann, _bob, cat = salespeople[:3]
        change_request, client = switched
        # Cat's own deal counts as recorded here; COM-5's confirmation has its own tests.
        CommissionSettings.objects.create(site=site, confirm_salesperson_deals=False)
        deal, _split = deal_record(data=deal_input(site, client, cat, at(8, 15)), actor=cat, now=at(8, 15))
        services.instigation_record(
            change_request=change_request, actor=sales_manager, reason="found out", now=at(9, 9)
        )
        latest = deal.splits.order_by("-number").first()
        assert latest.number == 2 and latest.reason == Split.Reason.FACTS_CHANGED
        assert [(s.user_id, s.amount) for s in latest.shares.all()] == [(ann.pk, Decimal("10000.01"))]
        assert "REC-DES-2" in latest.rule_ids and "COM-4" in " ".join(latest.explanation.get("en", []))
        adjustments = {
            row.user_id: row.amount for row in LedgerEntry.objects.filter(deal=deal, entry_kind="adjustment")
        }
        assert adjustments == {ann.pk: Decimal("3000.00"), cat.pk: Decimal("-3000.00")}

    def test_only_the_sales_manager(self, site, project_manager, salespeople, switched, other_site):
        change_request, _client = switched
        with pytest.raises(PermissionDenied):
            services.instigation_record(change_request=change_request, actor=project_manager, reason="x", now=at(4, 9))
        with pytest.raises(PermissionDenied):
            services.instigation_record(change_request=change_request, actor=salespeople[0], reason="x", now=at(4, 9))
        elsewhere = make_user("othermgr", Role.SALES_MANAGER, [other_site])
        with pytest.raises(PermissionDenied):
            services.instigation_record(change_request=change_request, actor=elsewhere, reason="x", now=at(4, 9))
        assert not InstigationFinding.objects.exists()

    def test_a_reason_is_required_and_a_finding_is_made_once(self, sales_manager, switched):
        change_request, _client = switched
        with pytest.raises(services.RegisterError, match="Write why"):
            services.instigation_record(change_request=change_request, actor=sales_manager, reason="  ", now=at(4, 9))
        services.instigation_record(change_request=change_request, actor=sales_manager, reason="seen", now=at(4, 9))
        with pytest.raises(services.RegisterError, match="already established"):
            services.instigation_record(
                change_request=change_request, actor=sales_manager, reason="again", now=at(5, 9)
            )
        assert InstigationFinding.objects.count() == 1

    def test_not_for_a_switch_already_found_instigated(self, site, salespeople, supervisor, sales_manager):
        open_desk(site, salespeople, supervisor, at(2, 9))
        first = desk.walk_in_arrive(site=site, actor=supervisor, request_key=key(), now=at(2, 10)).reception
        decide(
            first,
            sales_manager,
            ChangeRequest.Decision.NAMED,
            at(2, 10, 30),
            requested_salesperson=salespeople[2],
            instigated=True,
        )
        with pytest.raises(services.RegisterError, match="already established"):
            services.instigation_record(
                change_request=ChangeRequest.objects.get(reception=first), actor=sales_manager, reason="x", now=at(3, 9)
            )

    @pytest.mark.parametrize("decision", [ChangeRequest.Decision.REASSIGN, ChangeRequest.Decision.NOT_AT_FAULT])
    def test_not_for_another_decision(self, site, salespeople, supervisor, sales_manager, decision):
        open_desk(site, salespeople, supervisor, at(2, 9))
        first = desk.walk_in_arrive(site=site, actor=supervisor, request_key=key(), now=at(2, 10)).reception
        decide(first, sales_manager, decision, at(2, 10, 30))
        with pytest.raises(services.RegisterError, match="REC-DES-2"):
            services.instigation_record(
                change_request=ChangeRequest.objects.get(reception=first), actor=sales_manager, reason="x", now=at(3, 9)
            )

    def test_not_for_a_returning_clients_switch_REC_DES_3(self, site, salespeople, supervisor, sales_manager):
        ann = salespeople[0]
        open_desk(site, salespeople, supervisor, at(2, 9))
        returning = Reception.objects.create(
            site=site,
            kind=Reception.Kind.RETURNING,
            status=Reception.Status.ACTIVE,
            salesperson=ann,
            arrived_at=at(2, 10),
            started_at=at(2, 10),
            request_key=key(),
            created_by=supervisor,
        )
        decide(
            returning, sales_manager, ChangeRequest.Decision.NAMED, at(2, 10, 30), requested_salesperson=salespeople[3]
        )
        with pytest.raises(services.RegisterError, match="REC-DES-3"):
            services.instigation_record(
                change_request=ChangeRequest.objects.get(reception=returning),
                actor=sales_manager,
                reason="x",
                now=at(3, 9),
            )
