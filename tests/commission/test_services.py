"""Recording deals, re-splits and the ledger (COM-1..4, REC-NEW-2c, ATT-DISP-1, ATT-CHANGE) through the services."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection, transaction

from attribution import services as register_services
from commission import selectors, services
from commission.models import Deal, LedgerEntry, Split, SplitShare, StatementMonth

from .conftest import at, deal_input, record, register, registered

D = Decimal
pytestmark = pytest.mark.django_db


def money(deal) -> dict[str, Decimal]:
    split = deal.splits.order_by("-number").first()
    return {(s.user.username if s.user else "pool"): s.amount for s in split.shares.select_related("user")}


def month_totals(month: dt.date) -> dict[str, Decimal]:
    from django.contrib.auth import get_user_model

    names = dict(get_user_model().objects.values_list("pk", "username"))
    return {
        (names[r.user_id] if r.user_id else "pool"): r.total for r in selectors.statement_totals(month=month) if r.total
    }


def test_a_deal_of_a_registered_client_is_split_wholly_to_its_owner_ATT_REG_3(site, salespeople, project_manager):
    ann = salespeople[0]
    huang = registered(site, ann, project_manager, at(3, 10))
    deal = record(site, huang, ann, at(10, 15), commission="10000.01")
    assert money(deal) == {"ann": D("10000.01")}
    split = deal.splits.get()
    assert split.status == "split" and "ATT-REG-3" in split.rule_ids
    assert month_totals(dt.date(2026, 3, 1)) == {"ann": D("10000.01")}
    assert LedgerEntry.objects.get().entry_kind == LedgerEntry.Kind.SHARE


def test_recognition_before_the_deal_splits_50_50_odd_cent_to_the_original_REC_NEW_2c(
    site, salespeople, project_manager
):
    ann, bob, cat = salespeople[:3]
    original = registered(site, cat, project_manager, at(2, 10), phone="13800138009", name="Mr Huang")
    new = registered(site, ann, project_manager, at(3, 10), phone="13800138001", name="Mr Huang")
    register_services.recognition_record(
        site=site, client=new, original_client=original, original_salesperson=cat, recognised_at=at(10, 11),
        actor=project_manager, now=at(10, 11),
    )  # fmt: skip
    deal = record(site, new, ann, at(12, 15), commission="10000.01")
    # COM-2: equal partners, the cent to the one who registered the client first (the original, cat).
    assert money(deal) == {"cat": D("5000.01"), "ann": D("5000.00")}


def test_a_recognition_after_a_later_day_deal_supersedes_its_split_REC_NEW_2c_COM_4(site, salespeople, project_manager):
    ann, bob, cat = salespeople[:3]
    original = registered(site, cat, project_manager, at(2, 10), phone="13800138009")
    new = registered(site, ann, project_manager, at(3, 10), phone="13800138001")
    deal = record(site, new, ann, at(5, 15), commission="20000.03")
    assert money(deal) == {"ann": D("20000.03")}
    register_services.recognition_record(
        site=site, client=new, original_client=original, original_salesperson=cat, recognised_at=at(20, 11),
        actor=project_manager, now=at(20, 11),
    )  # fmt: skip
    deal.refresh_from_db()
    assert deal.splits.count() == 2
    first, second = deal.splits.order_by("number")
    assert second.supersedes == first and second.reason == Split.Reason.RECOGNITION
    assert money(deal) == {"cat": D("10000.02"), "ann": D("10000.01")}
    # The ledger posted the difference; the first split's lines are still there, untouched.
    assert month_totals(dt.date(2026, 3, 1)) == {"cat": D("10000.02"), "ann": D("10000.01")}
    assert SplitShare.objects.filter(split=first).get().amount == D("20000.03")


def test_a_deal_for_a_client_with_no_valid_owner_is_refused_and_nothing_saved_ATT_DISP_1(
    site, salespeople, project_manager
):
    ann = salespeople[0]
    huang = registered(site, ann, project_manager, at(1, 10))
    # Ann's registration lapsed at the end of 1 April.
    with pytest.raises(services.CommissionError) as refused:
        record(site, huang, ann, at(10, 15, month=4))
    assert "ATT-DISP-1" in str(refused.value) and "dispute queue" in str(refused.value)
    assert not Deal.objects.exists() and not Split.objects.exists() and not LedgerEntry.objects.exists()


def test_an_opinion_holds_the_deal_and_the_approved_ruling_splits_it_ATT_DISP_1(
    site, salespeople, project_manager, sales_director
):
    ann, bob = salespeople[:2]
    huang = registered(site, ann, project_manager, at(3, 10))
    deal = record(site, huang, ann, at(10, 15), commission="33333.33")
    register_services.dispute_open(
        site=site, client=huang, actor=project_manager, reasoning="Bob did most of the work.",
        shares=[(bob, D(60)), (ann, D(40))], now=at(11, 10),
    )  # fmt: skip
    deal.refresh_from_db()
    assert deal.split_status == "on_hold"
    assert month_totals(dt.date(2026, 3, 1)) == {}  # nothing paid while on hold
    opinion = huang.disputes.get()
    register_services.dispute_decide(opinion=opinion, actor=sales_director, approve=True, now=at(12, 10))
    deal.refresh_from_db()
    assert deal.split_status == "split"
    assert money(deal) == {"bob": D("20000.00"), "ann": D("13333.33")}
    assert deal.splits.count() == 3
    assert month_totals(dt.date(2026, 3, 1)) == {"bob": D("20000.00"), "ann": D("13333.33")}


def test_a_rejected_opinion_restores_the_rules_split(site, salespeople, project_manager, sales_director):
    ann, bob = salespeople[:2]
    huang = registered(site, ann, project_manager, at(3, 10))
    deal = record(site, huang, ann, at(10, 15))
    register_services.dispute_open(
        site=site, client=huang, actor=project_manager, reasoning="x", shares=[(bob, D(100))], now=at(11, 10)
    )
    register_services.dispute_decide(opinion=huang.disputes.get(), actor=sales_director, approve=False, now=at(12, 9))
    assert money(deal) == {"ann": D("10000.01")}
    assert month_totals(dt.date(2026, 3, 1)) == {"ann": D("10000.01")}


def test_money_moved_after_a_month_closed_is_an_adjustment_in_the_next_open_month_COM_4(
    site, salespeople, project_manager, sales_director, admin_user
):
    ann, bob = salespeople[:2]
    huang = registered(site, ann, project_manager, at(3, 10))
    deal = record(site, huang, ann, at(10, 15), commission="10000.01")
    services.month_close(month=dt.date(2026, 3, 1), actor=admin_user, now=at(1, 9, month=4))
    register_services.dispute_open(
        site=site, client=huang, actor=project_manager, reasoning="x", shares=[(bob, D(50)), (ann, D(50))],
        now=at(2, 10, month=4),
    )  # fmt: skip
    register_services.dispute_decide(
        opinion=huang.disputes.get(), actor=sales_director, approve=True, now=at(3, 10, month=4)
    )
    assert month_totals(dt.date(2026, 3, 1)) == {"ann": D("10000.01")}  # the closed month is unchanged
    april = LedgerEntry.objects.filter(month__month=dt.date(2026, 4, 1))
    assert {e.entry_kind for e in april} == {LedgerEntry.Kind.ADJUSTMENT}
    # The ruling names bob first: the odd cent is his (COM-2).
    assert month_totals(dt.date(2026, 4, 1)) == {"ann": D("-5000.01"), "bob": D("5000.01")}
    assert money(deal) == {"bob": D("5000.01"), "ann": D("5000.00")}


def test_months_close_in_order_once_ended_and_only_once(site, admin_user, salespeople):
    with pytest.raises(services.CommissionError, match="ended"):
        services.month_close(month=dt.date(2026, 3, 1), actor=admin_user, now=at(31, 23))
    services.month_close(month=dt.date(2026, 2, 1), actor=admin_user, now=at(1, 9, month=4))
    StatementMonth.objects.create(month=dt.date(2026, 3, 1))
    with pytest.raises(services.CommissionError, match="first"):
        services.month_close(month=dt.date(2026, 4, 1), actor=admin_user, now=at(1, 9, month=5))
    with pytest.raises(services.CommissionError, match="already closed"):
        services.month_close(month=dt.date(2026, 2, 1), actor=admin_user, now=at(1, 9, month=5))
    with pytest.raises(PermissionDenied):
        services.month_close(month=dt.date(2026, 3, 1), actor=salespeople[0], now=at(1, 9, month=5))


def test_a_deal_change_keeps_salesperson_split_and_ledger_ATT_CHANGE(site, salespeople, project_manager):
    ann = salespeople[0]
    huang = registered(site, ann, project_manager, at(3, 10))
    deal = record(site, huang, ann, at(10, 15))
    # After the registration lapsed: the change still moves nothing.
    services.deal_change(
        deal=deal, actor=project_manager, unit="B-0803", buyer_names="Mr and Ms Huang", reason="swap",
        now=at(15, 10, month=4),
    )  # fmt: skip
    deal.refresh_from_db()
    assert (deal.unit, deal.buyer_names, deal.salesperson) == ("B-0803", "Mr and Ms Huang", ann)
    assert deal.splits.count() == 1 and money(deal) == {"ann": D("10000.01")}
    change = deal.changes.get()
    assert (change.unit_before, change.unit_after) == ("A-1201", "B-0803")
    with pytest.raises(PermissionDenied):
        services.deal_change(deal=deal, actor=ann, unit="C-1", buyer_names="", reason="x", now=at(16, 10, month=4))


@pytest.mark.parametrize("amount", ["0", "-100.00", "0.001"])
def test_a_zero_negative_or_sub_cent_commission_is_refused_next_to_the_field(
    site, salespeople, project_manager, amount
):
    ann = salespeople[0]
    huang = registered(site, ann, project_manager, at(3, 10))
    with pytest.raises(services.CommissionError) as refused:
        record(site, huang, ann, at(10, 15), commission=amount)
    assert "commission" in refused.value.message_dict
    assert not Deal.objects.exists()


def test_a_salesperson_records_only_their_own_deals(site, salespeople, project_manager):
    ann, bob = salespeople[:2]
    huang = registered(site, ann, project_manager, at(3, 10))
    with pytest.raises(PermissionDenied):
        record(site, huang, ann, at(10, 15), actor=bob)
    record(site, huang, ann, at(10, 15), actor=project_manager)  # a manager records for anyone
    assert Deal.objects.count() == 1


def test_the_same_contract_or_unit_twice_is_refused(site, salespeople, project_manager):
    ann = salespeople[0]
    huang = registered(site, ann, project_manager, at(3, 10))
    record(site, huang, ann, at(10, 15), unit="A-1201", contract="HT-1")
    with pytest.raises(services.CommissionError) as same_contract:
        record(site, huang, ann, at(10, 16), unit="A-1202", contract="HT-1")
    assert "contract_no" in same_contract.value.message_dict
    with pytest.raises(services.CommissionError) as same_unit:
        record(site, huang, ann, at(10, 16), unit="A-1201", contract="HT-2")
    assert "unit" in same_unit.value.message_dict
    assert Deal.objects.count() == 1


def test_splits_shares_and_ledger_are_permanent_in_the_database(site, salespeople, project_manager):
    ann = salespeople[0]
    huang = registered(site, ann, project_manager, at(3, 10))
    record(site, huang, ann, at(10, 15))
    for table in ("commission_split", "commission_splitshare", "commission_ledgerentry"):
        # Past the ORM's own refusal (AppendOnlyModel): the database refuses too.
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET id = id")
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table}")
    assert Split.objects.count() == SplitShare.objects.count() == LedgerEntry.objects.count() == 1


def test_a_future_contract_date_is_refused(site, salespeople, project_manager):
    ann = salespeople[0]
    huang = registered(site, ann, project_manager, at(3, 10))
    with pytest.raises(services.CommissionError) as refused:
        services.deal_record(data=deal_input(site, huang, ann, at(11, 15)), actor=ann, now=at(10, 15))
    assert "signed_at" in refused.value.message_dict


def test_a_referral_composes_with_a_spouse_30_35_35_COM_3(site, salespeople, project_manager, referrer):
    ann, bob = salespeople[:2]
    referral = register_services.referral_register(
        site=site, name="Ms Li", phone="13800138002", appointment_date=dt.date(2026, 3, 3),
        actor=referrer, now=at(1, 10),
    )  # fmt: skip
    # Registered as the referral's visit (ATT-EMP-3): a walk-in registration before the signature voids it (ATT-EMP-4).
    li = register(site, ann, at(3, 10), phone="13800138002", name="Ms Li", source="employee_referral")
    register_services.visit_review(entry=li.entry, actor=project_manager, approve=True, now=at(3, 12))
    register_services.referral_confirm(referral=referral, actor=project_manager, now=at(3, 11))
    wang = registered(site, bob, project_manager, at(4, 10), phone="13800138003", name="Mr Wang")
    register_services.spouse_link(site=site, client=li.client, spouse=wang, actor=project_manager, now=at(5, 10))
    deal = record(site, li.client, ann, at(10, 15), commission="20000.03")
    # 30% discards .9 of a cent, each 35% .05: the leftover cent goes to the referrer (largest remainder).
    assert money(deal) == {"eva": D("6000.01"), "ann": D("7000.01"), "bob": D("7000.01")}
    assert sum(money(deal).values()) == D("20000.03")
