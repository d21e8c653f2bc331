"""The commission pages: who may open them, the live split preview, what bad input gets, and bounded queries."""

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
import time_machine
from django.urls import reverse

from attribution import services as register_services
from commission.models import Deal, LedgerEntry, StatementMonth
from salesoffice.roles import Role

from ..conftest import at, make_user
from ..reception.test_views import text_of
from .conftest import record, registered

HTMX = {"HX-Request": "true"}
NOW = at(20, 10)
pytestmark = pytest.mark.django_db


def url(name: str, **kwargs) -> str:
    return reverse(f"commission:{name}", kwargs=kwargs)


def text(response) -> str:
    return " ".join(response.content.decode().split())


def deal_form(**overrides) -> dict:
    return {
        "client_phone": "13800138001",
        "contract_no": "HT-0001",
        "unit": "A-1201",
        "buyer_names": "Mr Huang",
        "signed_at": "2026-03-18T15:00",
        "price": "2000000",
        "commission": "10000.01",
        **overrides,
    }


@pytest.fixture
def huang(site, salespeople, project_manager):
    return registered(site, salespeople[0], project_manager, at(3, 10))


@pytest.fixture
def a_deal(site, salespeople, huang):
    return record(site, huang, salespeople[0], at(18, 15))


# --- who may open which page -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "page", "status", "queries"),
    [
        ("ann", "deal_new", 200, 7),
        ("ann", "deals", 200, 8),
        ("pm", "deal_new", 200, 8),
        ("director", "deal_new", 403, 6),
        ("clerk", "deal_new", 403, 5),
        ("outsider", "deal_new", 404, 6),
        ("outsider", "deals", 404, 6),
    ],
)
def test_site_pages_by_role(
    client, clock, site, other_site, salespeople, project_manager, sales_director, who, page, status, queries,
    django_assert_num_queries,
):  # fmt: skip
    users = {
        "ann": salespeople[0],
        "pm": project_manager,
        "director": sales_director,
        "clerk": make_user("clerk", Role.STORE_CLERK, [site]),
        "outsider": make_user("otto", Role.PROJECT_MANAGER, [other_site]),
    }
    client.force_login(users[who])
    with django_assert_num_queries(queries):
        response = client.get(url(page, site="riverside"))
    assert response.status_code == status


def test_another_salespersons_deal_and_statement_are_not_revealed(
    client, clock, site, salespeople, a_deal, django_assert_num_queries
):
    bob = salespeople[1]
    client.force_login(bob)
    with django_assert_num_queries(7):
        assert client.get(url("deal", site="riverside", deal_id=a_deal.pk)).status_code == 404
    ann_lines = url("statement_lines", month="2026-03", party="salesperson", who=salespeople[0].pk)
    with django_assert_num_queries(5):
        assert client.get(ann_lines).status_code == 404
    with django_assert_num_queries(5):
        assert client.get(url("statement", month="2026-03")).status_code == 403
    with django_assert_num_queries(5):
        assert client.get(url("statement_xlsx", month="2026-03")).status_code == 403
    # Their own lines they may read.
    with django_assert_num_queries(8):
        assert client.get(url("statement_lines", month="2026-03", party="salesperson", who=bob.pk)).status_code == 200


# --- recording a deal --------------------------------------------------------------------------------------------


def test_the_preview_shows_the_split_clause_by_clause_and_saves_nothing(
    client, clock, salespeople, huang, django_assert_num_queries
):
    client.force_login(salespeople[0])
    with django_assert_num_queries(12):
        response = client.post(url("deal_preview", site="riverside"), deal_form(), headers=HTMX)
    page = text(response)
    assert "10,000.01" in page or "10000.01" in page
    assert "ATT-REG-3" in page
    assert not Deal.objects.exists()


def test_recording_a_deal_redirects_to_its_page_with_the_split(
    client, clock, salespeople, huang, django_assert_num_queries
):
    ann = salespeople[0]
    client.force_login(ann)
    with django_assert_num_queries(31):
        response = client.post(url("deal_new", site="riverside"), deal_form(salesperson=ann.pk))
    deal = Deal.objects.get()
    assert response.status_code == 302 and response.url == url("deal", site="riverside", deal_id=deal.pk)
    with django_assert_num_queries(13):
        page = text(client.get(response.url))
    assert "ATT-REG-3" in page and "Version 1" in page
    assert LedgerEntry.objects.get().amount == Decimal("10000.01")


@pytest.mark.parametrize(
    # The queries: a field the form refuses costs 7; a refusal by the rule (the share, the date) is decided after
    # the deal's facts are read, and a phone of no client after the register is searched.
    ("field", "value", "message", "queries"),
    [
        ("commission", "0", "more than zero", 7),
        ("commission", "-5", "more than zero", 7),
        ("commission", "abc", "Enter a number", 7),
        ("price", "-1", "price must be more than zero (COM-5)", 7),
        ("price", "0", "price must be more than zero (COM-5)", 7),
        ("commission", "2000000", "largest share of 10%", 11),
        ("client_phone", "123", "not a valid phone number", 7),
        ("client_phone", "13900139000", "No client with this phone", 8),
        ("signed_at", "2026-03-21T10:00", "future", 11),
    ],
)
def test_bad_input_gets_an_error_next_to_the_field_and_saves_nothing(
    client, clock, salespeople, huang, field, value, message, queries, django_assert_num_queries
):
    ann = salespeople[0]
    client.force_login(ann)
    with django_assert_num_queries(queries):
        response = client.post(url("deal_new", site="riverside"), deal_form(salesperson=ann.pk, **{field: value}))
    assert response.status_code == 200
    assert message in text(response)
    assert f'id="error_1_id_{field}"' in response.content.decode() or "invalid-feedback" in response.content.decode()
    assert not Deal.objects.exists()


def test_a_client_with_no_valid_owner_is_refused_with_the_dispute_queue_named(
    client, site, salespeople, huang, django_assert_num_queries
):
    ann = salespeople[0]
    client.force_login(ann)
    with time_machine.travel(at(20, 10, month=4), tick=False), django_assert_num_queries(14):
        response = client.post(
            url("deal_new", site="riverside"), deal_form(salesperson=ann.pk, signed_at="2026-04-18T15:00")
        )
    assert "dispute queue" in text(response) and "ATT-DISP-1" in text(response)
    assert not Deal.objects.exists()


def test_a_salesperson_cannot_name_another_as_the_closer(client, clock, salespeople, huang, django_assert_num_queries):
    ann, bob = salespeople[:2]
    client.force_login(bob)
    with django_assert_num_queries(7):
        response = client.post(url("deal_new", site="riverside"), deal_form(salesperson=ann.pk))
    assert response.status_code == 200 and "Select a valid choice" in text(response)
    assert not Deal.objects.exists()


def test_a_deal_change_moves_nothing_and_salespeople_may_not_make_one(
    client, clock, salespeople, project_manager, a_deal, django_assert_num_queries
):
    client.force_login(salespeople[0])
    change = url("deal_change", site="riverside", deal_id=a_deal.pk)
    with django_assert_num_queries(7):
        assert client.post(change, {"unit": "B-1", "buyer_names": "x", "reason": "y"}).status_code == 403
    client.force_login(project_manager)
    with django_assert_num_queries(11):
        response = client.post(change, {"unit": "B-0803", "buyer_names": "Mr and Ms Huang", "reason": "swap"})
    assert response.status_code == 302
    a_deal.refresh_from_db()
    assert a_deal.unit == "B-0803" and a_deal.salesperson == salespeople[0] and a_deal.splits.count() == 1
    # A missing reason: an error next to the field, nothing recorded.
    with django_assert_num_queries(13):
        response = client.post(change, {"unit": "C-1", "buyer_names": "", "reason": ""})
    assert "This field is required" in text(response) and a_deal.changes.count() == 1


# --- statements ------------------------------------------------------------------------------------------------------


def test_the_statement_totals_the_month_and_exports_it(
    client, clock, site, salespeople, a_deal, sales_director, django_assert_num_queries
):
    client.force_login(sales_director)
    with django_assert_num_queries(8):
        page = text(client.get(url("statement", month="2026-03")))
    assert "10,000.01" in page or "10000.01" in page
    with django_assert_num_queries(8):
        response = client.get(url("statement_xlsx", month="2026-03"))
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    rows = list(book["Salespeople"].iter_rows(values_only=True))
    assert rows[2][0] == "Ann" and Decimal(str(rows[2][3])) == Decimal("10000.01")
    with django_assert_num_queries(6):
        printable = client.get(url("statement", month="2026-03") + "?print=1").content.decode()
    assert "Signature" in printable and "statement-print.css" in printable


def test_closing_a_month_locks_it_and_a_second_close_is_refused(
    client, salespeople, a_deal, sales_director, django_assert_num_queries
):
    client.force_login(sales_director)
    with time_machine.travel(at(2, 10, month=4), tick=False):
        # Earlier months with nothing in them are closed in order first.
        StatementMonth.objects.create(month=dt.date(2026, 2, 1), closed_at=at(1, 9))
        # First the page that says what closing does; nothing is closed until it is confirmed.
        with django_assert_num_queries(8):
            asked = client.post(url("month_close"), {"month": "2026-03"})
        assert asked.status_code == 200
        assert not StatementMonth.objects.filter(month=dt.date(2026, 3, 1), closed_at__isnull=False).exists()
        will_happen = text_of(asked, "will-happen")
        assert "The statement of 2026-03 becomes final at ¥" in will_happen and "(COM-4)" in will_happen
        response = client.post(url("month_close"), {"month": "2026-03", "confirmed": "1"})
        assert response.status_code == 302
        assert StatementMonth.objects.get(month=dt.date(2026, 3, 1)).closed_at is not None
        again = client.post(url("month_close"), {"month": "2026-03", "confirmed": "1"})
        assert again.status_code == 400 and "already closed" in text(again)
    client.force_login(salespeople[0])
    with django_assert_num_queries(5):
        assert client.post(url("month_close"), {"month": "2026-04"}).status_code == 403


def test_my_commission_shows_the_month_and_the_running_total(
    client, clock, salespeople, a_deal, django_assert_num_queries
):
    client.force_login(salespeople[0])
    with django_assert_num_queries(8):
        page = text(client.get(url("mine") + "?month=2026-03"))
    assert "10,000.01" in page or "10000.01" in page
    with django_assert_num_queries(5):
        assert client.get(url("mine") + "?month=not-a-month").status_code == 404


# --- bounded queries -----------------------------------------------------------------------------------------------


def test_page_queries_do_not_grow_with_the_deals(
    client, clock, site, salespeople, project_manager, sales_director, django_assert_max_num_queries
):
    ann = salespeople[0]
    for n in range(12):
        huang = registered(site, ann, project_manager, at(1 + n, 10), phone=f"1380013{n:04d}", name=f"Client {n}")
        record(site, huang, ann, at(18, 9 + n % 8, n), unit=f"U-{n}")
    deal = Deal.objects.first()
    client.force_login(ann)
    for page in (
        url("deals", site="riverside"),
        url("mine") + "?month=2026-03",
        url("deal", site="riverside", deal_id=deal.pk),
    ):
        with django_assert_max_num_queries(16):
            assert client.get(page).status_code == 200
    client.force_login(sales_director)
    for page in (
        url("statement", month="2026-03"),
        url("statement_lines", month="2026-03", party="salesperson", who=ann.pk),
    ):
        with django_assert_max_num_queries(14):
            assert client.get(page).status_code == 200
    client.force_login(project_manager)
    with django_assert_max_num_queries(40):
        client.post(url("deal_preview", site="riverside"), deal_form(phone="13800130000"), headers=HTMX)


def test_the_dispute_ruling_page_flow_puts_the_deal_on_hold_then_splits(
    client, clock, site, salespeople, project_manager, sales_director, a_deal, huang, django_assert_num_queries
):
    bob = salespeople[1]
    register_services.dispute_open(
        site=site, client=huang, actor=project_manager, reasoning="x", shares=[(bob, Decimal(100))], now=NOW
    )
    client.force_login(project_manager)
    with django_assert_num_queries(9):
        assert "1 deal is on hold" in text(client.get(url("deals", site="riverside")))
    client.force_login(sales_director)
    with django_assert_num_queries(8):
        held = text(client.get(url("statement", month="2026-03")))
    assert "A-1201" in held


def test_a_split_changes_only_through_a_ruling_not_through_the_change_form(
    client, clock, salespeople, project_manager, a_deal, django_assert_num_queries
):
    """ATT-DISP-1: extra fields posted to the ATT-CHANGE form (another salesperson, another amount) move nothing."""
    bob = salespeople[1]
    client.force_login(project_manager)
    change = url("deal_change", site="riverside", deal_id=a_deal.pk)
    data = {"unit": "A-1201", "buyer_names": "Mr Huang Jr", "reason": "renamed", "salesperson": bob.pk,
            "commission": "1.00", "shares": "bob:100"}  # fmt: skip
    with django_assert_num_queries(11):
        assert client.post(change, data).status_code == 302
    a_deal.refresh_from_db()
    assert (a_deal.salesperson, a_deal.commission, a_deal.buyer_names) == (
        salespeople[0],
        Decimal("10000.01"),
        "Mr Huang Jr",
    )
    assert a_deal.splits.count() == 1 and LedgerEntry.objects.get().user == salespeople[0]


def test_the_preview_waits_for_the_form_and_names_the_field_of_a_problem(
    client, clock, salespeople, huang, django_assert_num_queries
):
    client.force_login(salespeople[0])
    with django_assert_num_queries(5):
        empty = text(client.post(url("deal_preview", site="riverside"), {}, headers=HTMX))
    assert "This field is required" not in empty and "split shows here" in empty
    with django_assert_num_queries(5):
        bad = text(client.post(url("deal_preview", site="riverside"), deal_form(commission="0"), headers=HTMX))
    assert "Commission (yuan): The commission must be more than zero (COM-1, COM-5)." in bad
