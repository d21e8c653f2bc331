"""Every sum of money the app reads is Decimal to the cent, whichever database added it up: the embedded SQLite adds
decimals as floats and Django reads its sums back with 15 significant digits (`20000.0300000000`, `500`)."""

import pytest

from commission import selectors as commission
from commission.models import LedgerEntry, StatementMonth
from vip import selectors as vip
from vip import services as vip_services
from vip.models import Customer, Purchase


def places(amount) -> int:
    return -amount.as_tuple().exponent


@pytest.mark.django_db
def test_every_sum_of_money_is_read_to_the_cent(demo):
    sums = []
    for month in StatementMonth.objects.values_list("month", flat=True):
        for row in commission.statement_totals(month=month):
            sums += [("statement total", row.total), ("shares", row.shares), ("adjustments", row.adjustments)]
        statement = commission.monthly_statement(month=month)
        sums += [("on hold", statement.held_total), ("not confirmed", statement.unconfirmed_total)]
    for user_id, month in LedgerEntry.objects.filter(user__isnull=False).values_list("user_id", "month__month"):
        sums.append(("year to date", commission.person_year_total(user_id=user_id, month=month)))
    for purchase in Purchase.objects.filter(returns__isnull=False).distinct():
        sums.append(("refunded", vip_services.refunded(purchase)))
    for customer in Customer.objects.all():
        sums += [("paid net of refunds", paid.paid) for paid in vip.paid_history(customer)]

    kinds = {kind for kind, _amount in sums}
    assert {"statement total", "on hold", "year to date", "refunded", "paid net of refunds"} <= kinds
    assert [(kind, str(amount)) for kind, amount in sums if places(amount) != 2] == []
