"""Issue 17: the statement pages (screen, print, workbook, a row's lines) and "my commission" cost the same queries
with more deals of every kind: confirmed and not, on hold, corrected (adjustments), cancelled, referred. And the
statement reads the month in three queries: the totals with every other figure, then the deals on hold and those not
confirmed yet."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from attribution import services as register_services
from commission import selectors, services
from salesoffice.roles import Role

from ..conftest import at, make_user
from .conftest import record, registered

pytestmark = pytest.mark.django_db
MARCH = dt.date(2026, 3, 1)


def url(name: str, **kwargs) -> str:
    return reverse(f"commission:{name}", kwargs=kwargs)


FATES = ("unconfirmed", "confirmed", "cancelled", "corrected", "held", "confirmed")


def add_deals(site, salespeople, project_manager, start: int, count: int) -> None:
    """`count` deals in March, each salesperson's in turn, whose fates cycle through FATES: left for the project
    manager to confirm (COM-5), confirmed, confirmed then cancelled (a reversal) or corrected (an adjustment), or held
    by a dispute opened on the client (ATT-DISP-1)."""
    for n in range(start, start + count):
        fate = FATES[n % len(FATES)]
        seller = salespeople[n % len(salespeople)]
        buyer = registered(site, seller, project_manager, at(1 + n % 9, 10), phone=f"1370013{n:04d}", name=f"B{n}")
        deal = record(site, buyer, seller, at(12, 9 + n % 8, n), unit=f"S-{n}", contract=f"SC-{n}")
        if fate == "unconfirmed":
            continue
        services.deal_confirm(deal=deal, actor=project_manager, now=at(13, 9, n))
        later = {"actor": project_manager, "now": at(14, 9, n)}
        if fate == "cancelled":
            services.deal_cancel(deal=deal, reason="退房", **later)
        elif fate == "corrected":
            services.deal_correct_amounts(deal=deal, price=deal.price, commission=Decimal(700 + n), reason="x", **later)
        elif fate == "held":
            rival = [(salespeople[(n + 1) % len(salespeople)], Decimal(100))]
            register_services.dispute_open(site=site, client=buyer, reasoning="x", shares=rival, **later)


def test_the_statement_pages_cost_the_same_queries_with_more_deals_of_every_kind(
    client, clock, confirmation_required, site, salespeople, project_manager
):
    ann = salespeople[0]
    director = make_user("director", Role.SALES_DIRECTOR, [site])
    pages = {
        "statement": (director, url("statement", month="2026-03")),
        "statement print": (director, url("statement", month="2026-03") + "?print=1"),
        "statement xlsx": (director, url("statement_xlsx", month="2026-03")),
        "statement lines": (director, url("statement_lines", month="2026-03", party="salesperson", who=ann.pk)),
        "own lines": (ann, url("statement_lines", month="2026-03", party="salesperson", who=ann.pk)),
        "mine": (ann, url("mine") + "?month=2026-03"),
    }

    def counts() -> dict[str, int]:
        found = {}
        for name, (user, page) in pages.items():
            client.force_login(user)
            client.get(page)  # warm the per-user caches
            with CaptureQueriesContext(connection) as captured:
                assert client.get(page).status_code == 200
            found[name] = len(captured)
        return found

    add_deals(site, salespeople, project_manager, 0, len(FATES))
    few = counts()
    add_deals(site, salespeople, project_manager, len(FATES), 3 * len(FATES))
    statement = selectors.monthly_statement(month=MARCH)
    assert statement.held_count and statement.unconfirmed_count and statement.salespeople  # every kind is there
    assert any(r.adjustments for r in statement.salespeople)
    assert counts() == few
    # Exactly, so that a change in what a view costs shows here. Each page: the session, the user and their
    # permissions; the navigation's sites and unread notifications (not the print view). The statement: its three
    # queries (the workbook also reads the lines and their reasons). A row's lines: the reader's sites (not for a
    # director), the row's count and page, their reasons, the person's name. Mine: lines, deals, year to date.
    assert few == {
        "statement": 8,
        "statement print": 6,
        "statement xlsx": 8,
        "statement lines": 9,
        "own lines": 10,
        "mine": 8,
    }


def test_the_statement_reads_its_figures_in_three_queries_whatever_the_month(
    clock, confirmation_required, site, salespeople, project_manager, django_assert_num_queries
):
    add_deals(site, salespeople, project_manager, 0, len(FATES))
    with django_assert_num_queries(3):
        statement = selectors.monthly_statement(month=MARCH)
    assert statement.total and statement.held and statement.unconfirmed
    # A month without lines (not begun): no totals' rows to carry the other figures, read in two more queries.
    with django_assert_num_queries(5):
        empty = selectors.monthly_statement(month=dt.date(2026, 5, 1))
    assert empty.total == 0 and empty.closed_at is None
    assert (empty.held_count, empty.unconfirmed_count) == (statement.held_count, statement.unconfirmed_count)
