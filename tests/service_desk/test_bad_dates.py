"""Issue 16's probe: a year-9999 appointment was accepted. Every date of the desk's forms is within its plausible range
(salesoffice.dates), refused next to the field otherwise; the report's ?month= never fails on an implausible year."""

import pytest
from django.urls import reverse

from service_desk.models import Appointment, ServiceRequest

pytestmark = pytest.mark.usefixtures("clock")  # the pages' clock: 2 March 2026, 10:00


def url(name, office, **kwargs):
    return reverse(f"service_desk:{name}", kwargs={"site": office.code, **kwargs})


@pytest.mark.parametrize(
    "appointment, message",
    [
        ("9999-12-31T10:00", "Enter a date from 2000-01-01 to 2028-03-02."),
        ("2028-03-03T10:00", "Enter a date from 2000-01-01 to 2028-03-02."),
        ("0001-01-01T00:00", "Enter a date from 2000-01-01 to 2028-03-02."),
    ],
)
def test_an_appointment_beyond_two_years_or_in_year_1_is_refused_SVC_REP_1(
    browser_as, office, desk_staff, repair_staff, appointment, message, django_assert_num_queries
):
    signed_in = browser_as(desk_staff)
    with django_assert_num_queries(7):
        response = signed_in.post(
            url("register", office),
            {
                "kind": "repair",
                "channel": "in_person",
                "requester_name": "Mrs Li",
                "phone": "13800138001",
                "address": "Block 3, 1201",
                "content": "Leak",
                "repair_category": "water",
                "appointment": appointment,
                "repair_staff": repair_staff.pk,
            },
        )
    assert response.status_code == 200
    assert response.context["form"].errors["appointment"] == [message]
    assert not ServiceRequest.objects.exists() and not Appointment.objects.exists()


@pytest.mark.parametrize("month", ["0001-01", "9999-12", "0000-00", "2026-13", "x"])
def test_the_report_reads_an_implausible_month_as_this_month(
    browser_as, office, director, month, django_assert_num_queries
):
    signed_in = browser_as(director)
    with django_assert_num_queries(7):
        response = signed_in.get(url("report", office), {"month": month})
    assert response.status_code == 200
    assert response.context["month"] == "2026-03"
