"""Issue 16: a month in a commission page's address or query string is a plausible one (salesoffice.dates); year 1
named no month before the previous month's link overflowed (a 500)."""

import pytest
from django.urls import reverse


@pytest.mark.parametrize("month", ["0001-01", "9999-12", "1999-12", "2026-13", "x"])
def test_my_commission_of_an_implausible_month_is_404_not_500(
    client, clock, site, salespeople, month, django_assert_num_queries
):
    client.force_login(salespeople[0])
    with django_assert_num_queries(5):
        assert client.get(reverse("commission:mine"), {"month": month}).status_code == 404


@pytest.mark.parametrize("month", ["0001-01", "9999-12"])
def test_a_statement_of_an_implausible_month_is_404_not_500(
    client, clock, site, sales_director, month, django_assert_num_queries
):
    client.force_login(sales_director)
    with django_assert_num_queries(5):
        assert client.get(reverse("commission:statement", kwargs={"month": month})).status_code == 404
