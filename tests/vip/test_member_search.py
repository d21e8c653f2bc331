"""Issue 17: the members page (search by surname, last digits of the phone or card number) reads one page of the
store's members newest first by keyset: the same queries whatever the store holds, no DISTINCT, no count, and paging
walks every match once."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from vip.models import Card, Customer, Membership

from .conftest import NOW


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


def add_members(store, count: int, *, first: int = 0) -> None:
    """`count` members written in bulk (the services are tested elsewhere), issued an hour apart, several sharing an
    instant (the id breaks the tie); surnames 王 and 李 alternate."""
    customers = Customer.objects.bulk_create(
        Customer(store=store, phone=f"139{first + n:08d}", surname="王" if n % 2 else "李", title="ms", created_at=NOW)
        for n in range(count)
    )
    memberships = Membership.objects.bulk_create(
        Membership(
            customer=c,
            store=store,
            started_at=NOW - dt.timedelta(hours=(first + n) // 3),
            valid_until=NOW + dt.timedelta(days=700),
        )
        for n, c in enumerate(customers)
    )
    Card.objects.bulk_create(
        Card(membership=m, number=f"8{first + n:011d}", kind="new", issued_at=m.started_at)
        for n, m in enumerate(memberships)
    )


def members_page(client, query: dict) -> tuple[list, object]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("vip:members", kwargs={"site": "nanjing"}), query)
    assert response.status_code == 200
    return queries.captured_queries, response


SEARCHES = [{}, {"q": "王"}, {"q": "0007"}, {"q": "800000000007"}]


def test_every_search_costs_the_same_queries_at_two_sizes_without_distinct_or_count(store, manager_client):
    add_members(store, 30)
    small = [len(members_page(manager_client, q)[0]) for q in SEARCHES]
    add_members(store, 600, first=30)
    for query, expected in zip(SEARCHES, small, strict=True):
        queries, _ = members_page(manager_client, query)
        assert len(queries) == expected, query
        member_sql = [q["sql"].upper() for q in queries if "VIP_MEMBERSHIP" in q["sql"].upper()]
        assert member_sql and not any("DISTINCT" in sql or "COUNT(" in sql for sql in member_sql), query


@pytest.mark.parametrize(
    # A search reads one query more than the plain list, on every page.
    ("query", "expected", "queries"),
    [({"q": "王"}, 45, 7), ({}, 90, 6), ({"q": "0007"}, 1, 7), ({"q": "800000000042"}, 1, 7)],
)
def test_paging_walks_every_match_once_newest_first(
    store, manager_client, query, expected, queries, django_assert_num_queries
):
    add_members(store, 90)
    seen, cursor = [], None
    while True:
        with django_assert_num_queries(queries):
            _, response = members_page(manager_client, {**query, **({"after": cursor} if cursor else {})})
        seen += [row["membership"].pk for row in response.context["rows"]]
        cursor = response.context["page"].next_cursor
        if not cursor:
            break
        assert re.search(r"after=" + re.escape(cursor), response.content.decode())
    matches = Membership.objects.filter(store=store)
    if query.get("q") == "王":
        matches = matches.filter(customer__surname="王")
    elif query:
        matches = matches.filter(cards__number=query["q"]) | matches.filter(customer__phone__endswith=query["q"])
    expected_ids = list(matches.order_by("-started_at", "-pk").values_list("pk", flat=True).distinct())
    assert seen == expected_ids and len(seen) == expected


def test_a_card_number_finds_its_member(store, manager_client, django_assert_num_queries):
    add_members(store, 40)
    with django_assert_num_queries(7):
        _, response = members_page(manager_client, {"q": "800000000017"})
    [row] = response.context["rows"]
    assert row["membership"].cards.get().number == "800000000017"
