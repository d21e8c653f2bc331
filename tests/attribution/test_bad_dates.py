"""Issue 16's probe: a year-1 visit date answered 500 (the zone conversion overflowed). Every date on the register's
forms is within its plausible range (salesoffice.dates), refused next to the field otherwise, and nothing is written."""

import pytest

from attribution.models import Client, VisitEntry

from .test_views import url, visit_data


@pytest.mark.parametrize("visited_at", ["0001-01-01T00:00", "0001-01-01T10:00", "1999-12-31T23:59", "9999-12-31T23:59"])
def test_an_implausible_visit_date_is_a_field_error_not_a_500_ATT_REG_1(
    clock, site, salespeople, supervisor, browser_as, visited_at, django_assert_num_queries
):
    # The supervisor, with a reason: the one who may record a visit out of its day, so the rule would let it pass.
    data = visit_data(salesperson=salespeople[0].pk, visited_at=visited_at, backdate_reason="entered late")
    signed_in = browser_as(supervisor)
    with django_assert_num_queries(6):
        response = signed_in.post(url("register"), data)
    assert response.status_code == 200
    assert response.context["form"].errors["visited_at"] == ["Enter a date from 2000-01-01 to 2026-04-20."]
    assert not VisitEntry.objects.exists() and not Client.objects.exists()


def test_the_archive_filter_refuses_year_1_instead_of_failing(
    clock, site, sales_assistant, browser_as, django_assert_num_queries
):
    signed_in = browser_as(sales_assistant)
    with django_assert_num_queries(7):
        response = signed_in.get(url("register_archive"), {"date_from": "0001-01-01", "date_to": "9999-12-31"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["date_from"] == errors["date_to"] == ["Enter a date from 2000-01-01 to 2028-03-20."]
