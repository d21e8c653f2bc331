"""Phones at the service desk go through the one validator (salesoffice.phones): a request's phone (any kind), the
duty phone and the number the duty phone is forwarded to. Something that is not a phone is refused in the service
and on the page, next to its field, and nothing is written; a valid number is kept as typed (the models have one
phone field, no normalised copy)."""

import pytest
from django.urls import reverse
from django.utils import translation

from service_desk import rules, services
from service_desk.models import DutyOuting, DutyShift, ServiceRequest

from ..conftest import at
from .conftest import register_question, register_repair

pytestmark = pytest.mark.usefixtures("clock")

BAD_PHONES = ["abc", "138001", "12"]
INVALID = "Enter a valid phone number."


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def url(name, office, **kwargs):
    return reverse(f"service_desk:{name}", kwargs={"site": office.code, **kwargs})


def add_shift(office, director, person, phone):
    return services.duty_shift_add(
        site=office,
        actor=director,
        person=person,
        kind="noon",
        starts_at=at(2, 9),
        ends_at=at(2, 14),
        duty_phone=phone,
        now=at(2, 8),
    )


# --- the services -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("phone", BAD_PHONES)
def test_a_repair_with_a_phone_that_is_not_one_is_refused(office, desk_staff, phone):
    with pytest.raises(services.ServiceDeskError) as refused:
        register_repair(office, desk_staff, at(2, 10), phone=phone)
    assert refused.value.message_dict == {"phone": [INVALID]}
    assert not ServiceRequest.objects.exists()


@pytest.mark.parametrize("kind", ["question", "complaint", "visit"])
@pytest.mark.parametrize("phone", BAD_PHONES)
def test_any_request_with_a_phone_that_is_not_one_is_refused(office, desk_staff, kind, phone):
    extra = {"category": "facilities"} if kind == "complaint" else {}
    with pytest.raises(services.ServiceDeskError) as refused:
        register_question(office, desk_staff, at(2, 10), kind=kind, phone=phone, **extra)
    assert refused.value.message_dict == {"phone": [INVALID]}
    assert not ServiceRequest.objects.exists()


def test_a_question_without_a_phone_is_still_fine(office, desk_staff):
    assert register_question(office, desk_staff, at(2, 10)).phone == ""


def test_a_valid_phone_with_spaces_or_86_is_accepted_as_typed(office, desk_staff):
    item = register_repair(office, desk_staff, at(2, 10), phone=" +86 138 0013 8000 ")
    assert ServiceRequest.objects.get(pk=item.pk).phone == "+86 138 0013 8000"


@pytest.mark.parametrize("phone", BAD_PHONES)
def test_a_duty_phone_that_is_not_one_is_refused(office, director, desk_staff, phone):
    with pytest.raises(services.ServiceDeskError) as refused:
        add_shift(office, director, desk_staff, phone)
    assert refused.value.message_dict == {"duty_phone": [INVALID]}
    assert not DutyShift.objects.exists()


@pytest.mark.parametrize("phone", BAD_PHONES)
def test_forwarding_the_duty_phone_to_something_that_is_not_one_is_refused(office, director, desk_staff, phone):
    shift = add_shift(office, director, desk_staff, "025 8321 8001")
    with pytest.raises(services.ServiceDeskError) as refused:
        services.duty_go_out(
            shift=shift, actor=desk_staff, reason="Leak", forwarded_to=phone, radio=True, now=at(2, 12)
        )
    assert refused.value.message_dict == {"forwarded_to": [INVALID]}
    assert not DutyOuting.objects.exists()


def test_the_rules_name_the_clause_for_a_bad_phone():
    assert rules.phone_refusals("12", rule_id="SVC-DUTY-1", field="duty_phone") == [
        rules.Refusal("SVC-DUTY-1", INVALID, "duty_phone")
    ]
    assert rules.phone_refusals("", rule_id="SVC-DUTY-1", field="duty_phone") == []
    assert rules.phone_refusals("138 0013 8000", rule_id="SVC-DUTY-1", field="duty_phone") == []


# --- the pages --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("phone", BAD_PHONES)
def test_the_register_page_shows_the_error_at_the_phone_field(
    browser_as, office, desk_staff, phone, django_assert_num_queries
):
    c = browser_as(desk_staff)
    with django_assert_num_queries(6):
        response = c.post(
            url("register", office),
            {"kind": "question", "channel": "phone", "requester_name": "Mr Wang", "content": "Gym?", "phone": phone},
        )
    assert response.status_code == 200
    assert response.context["form"].errors == {"phone": [INVALID]}
    assert 'id="error_1_id_phone"' in response.content.decode()
    assert not ServiceRequest.objects.exists()


def test_the_register_page_accepts_a_phone_with_spaces(browser_as, office, desk_staff, django_assert_num_queries):
    signed_in = browser_as(desk_staff)
    with django_assert_num_queries(12):
        response = signed_in.post(
            url("register", office),
            {
                "kind": "question",
                "channel": "phone",
                "requester_name": "Mr Wang",
                "content": "Gym?",
                "phone": "138 0013 8000",
            },
        )
    assert response.status_code == 302
    assert ServiceRequest.objects.get().phone == "138 0013 8000"


@pytest.mark.parametrize("phone", BAD_PHONES)
def test_the_duty_page_shows_the_error_at_the_duty_phone(
    browser_as, office, director, desk_staff, phone, django_assert_num_queries
):
    c = browser_as(director)
    with django_assert_num_queries(8):
        response = c.post(
            url("duty", office),
            {
                "person": desk_staff.pk,
                "kind": "noon",
                "starts_at": "2026-03-02T11:00",
                "ends_at": "2026-03-02T14:00",
                "duty_phone": phone,
            },
        )
    assert response.status_code == 422  # the duty page's answer to a refused form
    assert response.context["form"].errors == {"duty_phone": [INVALID]}
    assert 'id="error_1_id_duty_phone"' in response.content.decode()
    assert not DutyShift.objects.exists()


@pytest.mark.parametrize("phone", BAD_PHONES)
def test_going_out_shows_the_error_at_the_forwarded_phone(
    browser_as, office, director, desk_staff, phone, django_assert_num_queries
):
    shift = add_shift(office, director, desk_staff, "025 8321 8001")
    c = browser_as(desk_staff)
    with django_assert_num_queries(8):
        response = c.post(
            url("duty_out", office, shift_id=shift.pk),
            {"reason": "Leak", "forwarded_to": phone, "radio": "on"},
        )
    assert response.status_code == 422
    assert response.context["outing_form"].errors == {"forwarded_to": [INVALID]}
    assert INVALID in response.content.decode()
    assert not DutyOuting.objects.exists()
