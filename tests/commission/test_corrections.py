"""COM-5 through the services and the pages: a deal's checks, the project manager's confirmation, cancellation and
amount corrections with their ledger lines, held splits awaiting the register, and months closing in order."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from attribution import services as register_services
from commission import selectors, services
from commission.models import CommissionSettings, Deal, DealCorrection, LedgerEntry, StatementMonth

from ..conftest import at, make_user
from ..reception.test_race import press_at_once
from .conftest import deal_input, record, register, registered

D = Decimal
pytestmark = pytest.mark.django_db
MARCH = dt.date(2026, 3, 1)
APRIL = dt.date(2026, 4, 1)


def totals(month: dt.date) -> dict[int | None, Decimal]:
    return {r.user_id: r.total for r in selectors.statement_totals(month=month) if r.total}


def url(name: str, **kwargs) -> str:
    return reverse(f"commission:{name}", kwargs=kwargs)


def text(response) -> str:
    return " ".join(response.content.decode().split())


# --- the checks (COM-5) ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("price", "commission", "field", "message"),
    [
        ("0", "100.00", "price", "more than zero"),
        ("-5", "100.00", "price", "more than zero"),
        ("1000000", "2000000", "commission", "200.00% of the price"),
        ("1000000", "100000.01", "commission", "largest share of 10%"),
        ("1000000", "0.001", "commission", "two decimal places"),
    ],
)
def test_bad_amounts_are_refused_at_the_field_and_nothing_is_written(
    site, salespeople, project_manager, price, commission, field, message
):
    ann = salespeople[0]
    huang = registered(site, ann, project_manager, at(3, 10))
    data = deal_input(site, huang, ann, at(10, 15), price=price, commission=commission)
    with pytest.raises(services.CommissionError) as refused:
        services.deal_record(data=data, actor=ann, now=at(10, 16))
    assert message in " ".join(refused.value.message_dict[field]) and "COM-5" in refused.value.message_dict[field][0]
    assert not Deal.objects.exists() and not LedgerEntry.objects.exists()


def test_the_largest_share_is_the_sites_setting_and_exactly_the_limit_passes(site, salespeople, project_manager):
    ann = salespeople[0]
    CommissionSettings.objects.update_or_create(site=site, defaults={"max_commission_percent": D("2.5")})
    huang = registered(site, ann, project_manager, at(3, 10))
    with pytest.raises(services.CommissionError):
        record(site, huang, ann, at(10, 15), price="1000000", commission="25000.01")
    deal = record(site, huang, ann, at(10, 15), price="1000000", commission="25000.00")
    assert deal.commission == D("25000.00")


# --- confirmation (COM-5) ------------------------------------------------------------------------------------------


def test_a_salespersons_deal_counts_once_the_project_manager_confirms_it(
    confirmation_required, site, salespeople, project_manager, sales_manager
):
    ann, bob = salespeople[:2]
    huang = registered(site, ann, project_manager, at(3, 10))
    deal = record(site, huang, ann, at(10, 15))
    assert not deal.is_confirmed and totals(MARCH) == {}
    assert list(selectors.unconfirmed_deals()) == [deal]
    with pytest.raises(PermissionDenied):
        services.deal_confirm(deal=deal, actor=ann, now=at(10, 16))
    with pytest.raises(PermissionDenied):
        services.deal_confirm(deal=deal, actor=sales_manager, now=at(10, 16))
    services.deal_confirm(deal=deal, actor=project_manager, now=at(10, 17))
    deal.refresh_from_db()
    assert deal.confirmed_by == project_manager and totals(MARCH) == {ann.pk: D("10000.01")}
    with pytest.raises(services.CommissionError, match="already confirmed"):
        services.deal_confirm(deal=deal, actor=project_manager, now=at(10, 18))
    # What a manager records counts at once.
    wu = registered(site, bob, project_manager, at(4, 10), phone="13800138002", name="Ms Wu")
    managed = record(site, wu, bob, at(11, 15), actor=project_manager, unit="B-1", commission="500.00")
    assert managed.is_confirmed and totals(MARCH) == {ann.pk: D("10000.01"), bob.pk: D("500.00")}


def test_a_confirmation_after_the_month_closed_posts_into_the_next_open_month(
    confirmation_required, site, salespeople, project_manager
):
    ann = salespeople[0]
    director = make_user("director", None, [site], is_superuser=True)
    huang = registered(site, ann, project_manager, at(3, 10))
    deal = record(site, huang, ann, at(31, 23, 59))
    services.month_close(month=MARCH, actor=director, now=at(1, 9, month=4))
    services.deal_confirm(deal=deal, actor=project_manager, now=at(1, 10, month=4))
    assert totals(MARCH) == {} and totals(APRIL) == {ann.pk: D("10000.01")}
    assert LedgerEntry.objects.get().entry_kind == LedgerEntry.Kind.ADJUSTMENT


# --- cancel and correct (COM-5) ------------------------------------------------------------------------------------


def test_a_cancellation_reverses_in_the_open_month_and_frees_the_unit(site, salespeople, project_manager):
    ann = salespeople[0]
    huang = registered(site, ann, project_manager, at(3, 10))
    deal = record(site, huang, ann, at(10, 15))
    with pytest.raises(services.CommissionError) as no_reason:
        services.deal_cancel(deal=deal, actor=project_manager, reason=" ", now=at(11, 9))
    assert "reason" in no_reason.value.message_dict
    with pytest.raises(PermissionDenied):
        services.deal_cancel(deal=deal, actor=ann, reason="退房", now=at(11, 9))
    assert not DealCorrection.objects.exists()
    correction = services.deal_cancel(deal=deal, actor=project_manager, reason="退房", now=at(11, 9))
    deal.refresh_from_db()
    assert correction.kind == "cancel" and deal.is_cancelled and deal.split_status == "cancelled"
    assert totals(MARCH) == {}
    assert sorted(e.amount for e in LedgerEntry.objects.filter(deal=deal)) == [D("-10000.01"), D("10000.01")]
    assert deal.splits.order_by("-number").first().rule_ids == ["COM-5"]
    again = record(site, huang, ann, at(12, 15), contract="HT-A-1201")  # the same unit and contract, sold again
    assert again.unit == deal.unit


def test_a_correction_after_the_month_closed_is_an_adjustment_in_the_next_open_month(
    site, salespeople, project_manager, sales_manager
):
    ann = salespeople[0]
    director = make_user("director", None, [site], is_superuser=True)
    huang = registered(site, ann, project_manager, at(3, 10))
    deal = record(site, huang, ann, at(10, 15), price="2000000", commission="10000.00")
    services.month_close(month=MARCH, actor=director, now=at(1, 9, month=4))
    with pytest.raises(services.CommissionError, match="Nothing changed"):
        services.deal_correct_amounts(
            deal=deal,
            actor=sales_manager,
            price=deal.price,
            commission=deal.commission,
            reason="x",
            now=at(2, 9, month=4),
        )
    services.deal_correct_amounts(
        deal=deal,
        actor=sales_manager,
        price=deal.price,
        commission=D("12000.00"),
        reason="contract",
        now=at(2, 9, month=4),
    )
    assert totals(MARCH) == {ann.pk: D("10000.00")} and totals(APRIL) == {ann.pk: D("2000.00")}
    assert deal.splits.count() == 2
    services.deal_cancel(deal=deal, actor=sales_manager, reason="退房", now=at(3, 9, month=4))
    with pytest.raises(services.CommissionError, match="cancelled"):
        services.deal_correct_amounts(
            deal=deal, actor=sales_manager, price=deal.price, commission=D("1.00"), reason="x", now=at(3, 10, month=4)
        )
    assert totals(APRIL) == {ann.pk: D("-10000.00")}


# --- a split held for the register (ATT-REG-1) ----------------------------------------------------------------------


def test_a_deal_awaiting_the_registers_approval_is_recorded_and_split_when_approved(site, salespeople, project_manager):
    ann, cat = salespeople[0], salespeople[2]
    registered(site, cat, project_manager, at(1, 10), phone="13800138009", name="Mr Huang")
    entry = register(site, ann, at(3, 10)).entry
    deal = record(site, entry.client, ann, at(3, 12, 30), now=at(3, 13))
    assert deal.split_status == "awaiting" and not LedgerEntry.objects.exists()
    assert "ATT-REG-1" in deal.splits.get().rule_ids
    # A same-day recognition after the deal signed on the spot changes nothing (REC-NEW-2b), even while it waits.
    original = entry.client.__class__.objects.get(phones__phone_normalised="+8613800138009")
    with pytest.raises(register_services.RegisterError, match="REC-NEW-2b"):
        register_services.recognition_record(
            site=site,
            client=entry.client,
            original_client=original,
            original_salesperson=cat,
            recognised_at=at(3, 15),
            actor=project_manager,
            now=at(3, 15),
        )
    register_services.visit_review(entry=entry, actor=project_manager, approve=True, now=at(3, 20))
    deal.refresh_from_db()
    assert deal.split_status == "split" and totals(MARCH) == {ann.pk: D("10000.01")}


# --- months close in order (COM-4) ----------------------------------------------------------------------------------


def test_a_month_never_closes_before_an_earlier_one_even_an_empty_one(site, salespeople, project_manager):
    ann = salespeople[0]
    director = make_user("director", None, [site], is_superuser=True)
    huang = registered(site, ann, project_manager, at(3, 10, month=2))
    record(site, huang, ann, at(10, 15, month=2))
    with pytest.raises(services.CommissionError, match="Close 2026-02 first"):
        services.month_close(month=MARCH, actor=director, now=at(1, 9, month=4))
    services.month_close(month=dt.date(2026, 2, 1), actor=director, now=at(1, 9, month=4))
    with pytest.raises(services.CommissionError, match="Close 2026-03 first"):
        services.month_close(month=APRIL, actor=director, now=at(1, 9, month=5))
    services.month_close(month=MARCH, actor=director, now=at(1, 9, month=4))
    assert StatementMonth.objects.filter(closed_at__isnull=False).count() == 2


# --- races on PostgreSQL -----------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_managers_cancelling_one_deal_at_once_reverse_it_once(site, salespeople, project_manager, sales_manager):
    ann = salespeople[0]
    huang = registered(site, ann, project_manager, at(3, 10))
    deal = record(site, huang, ann, at(10, 15))

    def cancelling(actor):
        def call():
            try:
                return services.deal_cancel(
                    deal=Deal.objects.get(pk=deal.pk), actor=actor, reason="退房", now=at(11, 9)
                )
            except services.CommissionError as error:
                return error

        return call

    results = press_at_once([cancelling(project_manager), cancelling(sales_manager)])
    assert sum(isinstance(r, DealCorrection) for r in results) == 1, results
    assert DealCorrection.objects.count() == 1
    assert sum(e.amount for e in LedgerEntry.objects.filter(deal=deal)) == 0
    assert LedgerEntry.objects.filter(deal=deal).count() == 2


# --- the pages ---------------------------------------------------------------------------------------------------


@pytest.fixture
def unconfirmed_deal(confirmation_required, site, salespeople, project_manager):
    huang = registered(site, salespeople[0], project_manager, at(3, 10))
    return record(site, huang, salespeople[0], at(10, 15))


def test_the_project_manager_confirms_on_the_deal_page(
    client, clock, unconfirmed_deal, salespeople, project_manager, django_assert_num_queries
):
    page_url = url("deal", site="riverside", deal_id=unconfirmed_deal.pk)
    client.force_login(salespeople[0])
    with django_assert_num_queries(13):
        own = text(client.get(page_url))
    assert "counts in the statements once the project manager confirms it (COM-5)" in own
    assert 'data-testid="confirm-deal"' not in own
    with django_assert_num_queries(7):
        assert client.post(url("deal_confirm", site="riverside", deal_id=unconfirmed_deal.pk)).status_code == 403
    client.force_login(project_manager)
    with django_assert_num_queries(13):
        assert 'data-testid="confirm-deal"' in text(client.get(page_url))
    with django_assert_num_queries(9):
        listing = text(client.get(url("deals", site="riverside")))
    assert "1 deal recorded by a salesperson awaits" in listing and "not confirmed" in listing
    with django_assert_num_queries(25):
        response = client.post(url("deal_confirm", site="riverside", deal_id=unconfirmed_deal.pk))
    assert response.status_code == 302
    unconfirmed_deal.refresh_from_db()
    assert unconfirmed_deal.is_confirmed


def test_cancel_and_correct_forms_put_errors_next_to_the_field_and_change_nothing(
    client, clock, site, salespeople, project_manager, outsider, django_assert_num_queries
):
    huang = registered(site, salespeople[0], project_manager, at(3, 10))
    deal = record(site, huang, salespeople[0], at(10, 15))
    client.force_login(project_manager)
    with django_assert_num_queries(14):
        bad = client.post(
            url("deal_correct", site="riverside", deal_id=deal.pk),
            {"correct-price": "1000000", "correct-commission": "500000", "correct-reason": "typo"},
        )
    assert bad.status_code == 200 and "largest share of 10%" in text(bad)
    with django_assert_num_queries(13):
        empty = client.post(url("deal_cancel", site="riverside", deal_id=deal.pk), {"cancel-reason": ""})
    assert empty.status_code == 200 and "This field is required" in text(empty)
    deal.refresh_from_db()
    assert deal.commission == D("10000.01") and not deal.is_cancelled and not DealCorrection.objects.exists()
    asked = client.post(
        url("deal_cancel", site="riverside", deal_id=deal.pk), {"cancel-reason": "退房: the buyer withdrew"}
    )
    assert asked.status_code == 200 and "Every share already posted is reversed in the open month" in text(asked)
    deal.refresh_from_db()
    assert not deal.is_cancelled
    done = client.post(
        url("deal_cancel", site="riverside", deal_id=deal.pk),
        {"cancel-reason": "退房: the buyer withdrew", "confirmed": "1"},
    )
    assert done.status_code == 302
    with django_assert_num_queries(13):
        page = text(client.get(url("deal", site="riverside", deal_id=deal.pk)))
    assert "退房: the buyer withdrew" in page and "Cancelled on" in page and 'id="deal-cancel-form"' not in page
    client.force_login(salespeople[0])
    with django_assert_num_queries(7):
        assert (
            client.post(url("deal_cancel", site="riverside", deal_id=deal.pk), {"cancel-reason": "x"}).status_code
            == 403
        )
    client.force_login(outsider)
    with django_assert_num_queries(6):
        assert (
            client.post(url("deal_cancel", site="riverside", deal_id=deal.pk), {"cancel-reason": "x"}).status_code
            == 404
        )


def test_statement_lines_and_workbook_cite_every_rule(
    client, clock, site, salespeople, project_manager, django_assert_num_queries
):
    import io

    import openpyxl

    ann = salespeople[0]
    director = make_user("director", None, [site], is_superuser=True)
    huang = registered(site, ann, project_manager, at(3, 10))
    record(site, huang, ann, at(10, 15))
    client.force_login(director)
    with django_assert_num_queries(10):
        lines = text(client.get(url("statement_lines", month="2026-03", party="salesperson", who=ann.pk)))
    assert "ATT-REG-3, COM-2" in lines
    with django_assert_num_queries(7):
        book = openpyxl.load_workbook(io.BytesIO(client.get(url("statement_xlsx", month="2026-03")).content))
    rows = list(book["Lines"].iter_rows(values_only=True))
    assert rows[1][3] == "Ann" and rows[1][6] == "ATT-REG-3, COM-2"


def test_the_deal_page_costs_the_same_queries_with_more_corrections_and_splits(
    client, clock, site, salespeople, project_manager, django_assert_num_queries
):
    huang = registered(site, salespeople[0], project_manager, at(3, 10))
    few = record(site, huang, salespeople[0], at(10, 15), unit="A-1")
    many = record(site, huang, salespeople[0], at(10, 16), unit="A-2", contract="HT-2")
    for n in range(1, 6):
        services.deal_correct_amounts(
            deal=many, actor=project_manager, price=many.price, commission=D(1000 + n), reason=f"fix {n}", now=at(11, n)
        )
    client.force_login(project_manager)
    with django_assert_num_queries(13):
        client.get(url("deal", site="riverside", deal_id=few.pk))  # warm the per-user caches
    counts = []
    for deal in (few, many):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured, django_assert_num_queries(13):
            assert client.get(url("deal", site="riverside", deal_id=deal.pk)).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1], counts
    with django_assert_num_queries(counts[0]):
        client.get(url("deal", site="riverside", deal_id=many.pk))


# --- a deal the company arranged (ATT-CO-4/5) -------------------------------------------------------------------


def test_a_company_arranged_deal_is_recorded_with_no_salesperson_from_the_pages(
    client, clock, site, salespeople, project_manager, django_assert_num_queries
):
    client.force_login(salespeople[0])
    with django_assert_num_queries(6):
        assert client.get(url("company_arranged", site="riverside")).status_code == 403
    client.force_login(project_manager)
    with django_assert_num_queries(6):
        bad = client.post(
            url("company_arranged", site="riverside"),
            {"name": "Mr Fu", "phone": "abc", "kind": "direct_other", "contacted_at": "2026-03-19T09:00"},
        )
    assert bad.status_code == 200 and "not a valid phone number" in text(bad)
    with django_assert_num_queries(25):
        done = client.post(
            url("company_arranged", site="riverside"),
            {"name": "Mr Fu", "phone": "13800138077", "kind": "direct_other", "contacted_at": "2026-03-19T09:00"},
        )
    assert done.status_code == 302 and "?client=" in done["Location"]
    form = {
        "client_phone": "13800138077",
        "salesperson": "",
        "after_sales_by": str(project_manager.pk),
        "contract_no": "HT-CO-1",
        "unit": "C-0101",
        "buyer_names": "Mr Fu",
        "signed_at": "2026-03-19T15:00",
        "price": "3000000",
        "commission": "30000.00",
    }
    with django_assert_num_queries(31):
        recorded = client.post(url("deal_new", site="riverside"), form)
    assert recorded.status_code == 302, text(recorded)
    deal = Deal.objects.get(unit="C-0101")
    assert deal.salesperson is None and deal.after_sales_by == project_manager and deal.split_status == "split"
    assert totals(MARCH) == {None: D("30000.00")}
    with django_assert_num_queries(12):
        page = text(client.get(url("deal", site="riverside", deal_id=deal.pk)))
    assert "Nobody: the company arranged it directly (ATT-CO-5)" in page and "ATT-CO-5, COM-2" in page


def test_the_commission_pages_cost_the_same_queries_with_more_deals_of_every_kind(
    client, clock, confirmation_required, site, salespeople, project_manager
):
    """Deals list, my commission, the statement and its lines: the count is measured at two sizes and must not grow
    (unconfirmed, confirmed, corrected and cancelled deals among them)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ann = salespeople[0]
    director = make_user("director", None, [site], is_superuser=True)

    def add_deals(start: int, count: int) -> None:
        for n in range(start, start + count):
            huang = registered(site, ann, project_manager, at(1 + n % 9, 10), phone=f"1390013{n:04d}", name=f"C{n}")
            deal = record(site, huang, ann, at(12, 9 + n % 8, n), unit=f"U-{n}", contract=f"HT-{n}")
            if n % 3 == 0:
                services.deal_confirm(deal=deal, actor=project_manager, now=at(13, 9, n))
            if n % 4 == 0:
                services.deal_cancel(deal=deal, actor=project_manager, reason="退房", now=at(14, 9, n))
            elif n % 5 == 0:
                services.deal_correct_amounts(
                    deal=deal, actor=project_manager, price=deal.price, commission=D(500 + n), reason="x", now=at(15, 9)
                )

    pages = [
        (ann, url("deals", site="riverside")),
        (ann, url("mine") + "?month=2026-03"),
        (director, url("statement", month="2026-03")),
        (director, url("statement_lines", month="2026-03", party="salesperson", who=ann.pk)),
        (project_manager, url("deals", site="riverside") + "?status=unconfirmed"),
    ]

    def counts() -> list[int]:
        found = []
        for user, page in pages:
            client.force_login(user)
            client.get(page)  # warm the per-user caches
            with CaptureQueriesContext(connection) as captured:
                assert client.get(page).status_code == 200
            found.append(len(captured))
        return found

    add_deals(0, 3)
    few = counts()
    add_deals(3, 9)
    assert counts() == few
