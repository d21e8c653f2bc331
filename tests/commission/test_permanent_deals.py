"""Deals and statement months are permanent (issue 16, COM-4, COM-5): the database refuses to delete them and to
change them except as the services do: a confirmation, a cancellation or a month's closing stamped once, amounts
only with a correction, the unit or buyers only with a change after the deal (ATT-CHANGE), the split status only as
the latest split says."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from commission import services
from commission.models import Deal, StatementMonth

from ..conftest import at, make_user
from .conftest import record, registered

pytestmark = pytest.mark.django_db


def _refused(sql: str, params: list, match: str) -> None:
    with pytest.raises(IntegrityError, match=match), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def deal(site, salespeople, project_manager, confirmation_required):
    ann = salespeople[0]
    return record(site, registered(site, ann, project_manager, at(3, 10)), ann, at(10, 15))


def test_the_services_still_confirm_correct_change_and_cancel_a_deal(deal, project_manager, sales_manager):
    services.deal_confirm(deal=deal, actor=project_manager, now=at(10, 18))
    services.deal_correct_amounts(
        deal=deal,
        actor=sales_manager,
        price=Decimal(1900000),
        commission=Decimal(9500),
        reason="discount",
        now=at(11, 9),
    )
    services.deal_change(
        deal=deal, actor=sales_manager, unit="A-1202", buyer_names="Mr and Mrs Huang", reason="swap", now=at(11, 10)
    )
    services.deal_cancel(deal=deal, actor=project_manager, reason="退房", now=at(12, 9))
    stored = Deal.objects.get(pk=deal.pk)
    assert (stored.price, stored.commission, stored.unit, stored.split_status) == (
        Decimal(1900000),
        Decimal(9500),
        "A-1202",
        "cancelled",
    )
    assert stored.confirmed_at == at(10, 18) and stored.cancelled_at == at(12, 9)


def test_a_deal_is_never_deleted(deal):
    with pytest.raises(ValidationError):
        deal.delete()
    _refused("DELETE FROM commission_deal WHERE id = %s", [deal.pk], "DELETE refused")
    assert Deal.objects.filter(pk=deal.pk).exists()


@pytest.mark.parametrize(
    ("assignment", "match"),
    [
        ("contract_no = 'HT-OTHER'", "only .* may change"),
        ("salesperson_id = NULL", "only .* may change"),
        ("signed_at = signed_at - interval '1 day'", "only .* may change"),
        ("price = 1", "changes only with a new row of commission_dealcorrection "),
        ("commission = 1", "changes only with a new row of commission_dealcorrection "),
        ("unit = 'B-1'", "changes only with a new row of commission_dealchange "),
        ("split_status = 'on_hold'", "changes only with a new row of commission_split "),
    ],
)
def test_a_deals_identity_and_amounts_change_only_through_their_records(deal, assignment, match):
    before = Deal.objects.values().get(pk=deal.pk)
    _refused(f"UPDATE commission_deal SET {assignment} WHERE id = %s", [deal.pk], match)
    assert Deal.objects.values().get(pk=deal.pk) == before


def test_a_deals_confirmation_and_cancellation_are_stamped_once(deal, project_manager, sales_manager):
    services.deal_confirm(deal=deal, actor=project_manager, now=at(10, 18))
    _refused("UPDATE commission_deal SET confirmed_at = NULL WHERE id = %s", [deal.pk], "confirmed_at is set once")
    _refused(
        "UPDATE commission_deal SET confirmed_by_id = %s WHERE id = %s",
        [sales_manager.pk, deal.pk],
        "confirmed_by_id is set once",
    )
    services.deal_cancel(deal=deal, actor=project_manager, reason="退房", now=at(12, 9))
    _refused(
        "UPDATE commission_deal SET cancelled_at = cancelled_at + interval '1 day' WHERE id = %s",
        [deal.pk],
        "cancelled_at is set once",
    )
    assert Deal.objects.get(pk=deal.pk).cancelled_at == at(12, 9)


def test_a_correction_cannot_be_replayed_to_put_the_old_amounts_back(deal, project_manager, sales_manager):
    services.deal_correct_amounts(
        deal=deal, actor=sales_manager, price=deal.price, commission=Decimal(9500), reason="typo", now=at(11, 9)
    )
    # The latest correction took 10000.01 to 9500; setting it back needs a correction of its own.
    _refused(
        "UPDATE commission_deal SET commission = 10000.01 WHERE id = %s",
        [deal.pk],
        "changes only with a new row of commission_dealcorrection ",
    )
    assert Deal.objects.get(pk=deal.pk).commission == Decimal(9500)


def test_a_closed_month_stays_closed_and_is_never_deleted(site, deal, project_manager):
    director = make_user("director", None, [site], is_superuser=True)
    month = services.month_close(month=dt.date(2026, 3, 1), actor=director, now=at(1, 9, month=4))
    _refused("UPDATE commission_statementmonth SET closed_at = NULL WHERE id = %s", [month.pk], "closed_at is set")
    _refused(
        "UPDATE commission_statementmonth SET closed_by_id = %s WHERE id = %s",
        [project_manager.pk, month.pk],
        "closed_by_id is set once",
    )
    _refused("UPDATE commission_statementmonth SET month = '2026-05-01' WHERE id = %s", [month.pk], "only .* may")
    _refused("DELETE FROM commission_statementmonth WHERE id = %s", [month.pk], "DELETE refused")
    with pytest.raises(ValidationError):
        month.delete()
    assert StatementMonth.objects.get(pk=month.pk).closed_at == at(1, 9, month=4)
