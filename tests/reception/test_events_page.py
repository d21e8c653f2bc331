"""Issue 17: the decisions log (every RotaEvent of the site, newest first) pages by keyset on the (site, at, id)
index: a page costs the same queries whatever the history holds, nothing counts the history, and paging walks every
event once, in order."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from reception.models import RotaEvent
from salesoffice.models import Site

from ..conftest import at
from . import test_views
from .test_views import url

desk_client = test_views.desk_client  # the desk views' fixture: the supervisor signed in, in English


def add_events(site, count: int, *, start=None) -> None:
    """`count` events a minute apart, several sharing an instant (the id breaks the tie)."""
    start = start or at(1, 8)
    RotaEvent.objects.bulk_create(
        RotaEvent(
            site=site,
            at=start + dt.timedelta(minutes=n // 3),
            kind="ready",
            rule_id="REC-READY-1",
            params={"name": f"P{n}"},
        )
        for n in range(count)
    )


def events_queries(client, query: dict | None = None) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url("events"), query or {})
    assert response.status_code == 200
    return len(queries), response


def test_the_log_costs_the_same_queries_at_two_sizes_and_counts_nothing(site, desk_client, django_assert_num_queries):
    add_events(site, 60)
    small, _ = events_queries(desk_client)
    add_events(site, 3000, start=at(1, 9))
    other = Site.objects.create(name="Elsewhere", code="elsewhere", kind=Site.Kind.SALES_OFFICE)
    add_events(other, 500)
    with CaptureQueriesContext(connection) as queries, django_assert_num_queries(6):
        large = desk_client.get(url("events"))
    assert len(queries) == small
    events_sql = [q["sql"].upper() for q in queries.captured_queries if "RECEPTION_ROTAEVENT" in q["sql"].upper()]
    assert len(events_sql) == 1 and "COUNT(" not in events_sql[0] and "LIMIT 51" in events_sql[0]
    cursor = large.context["page"].next_cursor
    older, _ = events_queries(desk_client, {"before": cursor})
    assert older == small


def test_paging_walks_every_event_once_newest_first(site, desk_client, django_assert_num_queries):
    add_events(site, 130)  # three pages of 50, with ties on `at` across page boundaries
    seen, query = [], {}
    while True:
        with django_assert_num_queries(6):
            _, response = events_queries(desk_client, query)
        page = response.context["page"]
        seen += [event.pk for event, _sentence in response.context["rows"]]
        if not page.next_cursor:
            break
        assert f"before={page.next_cursor}" in response.content.decode()
        query = {"before": page.next_cursor}
    expected = list(RotaEvent.objects.filter(site=site).order_by("-at", "-pk").values_list("pk", flat=True))
    assert seen == expected and len(seen) == 130


def test_a_cursor_that_is_not_ours_shows_the_first_page(site, desk_client, django_assert_num_queries):
    add_events(site, 70)
    _, first = events_queries(desk_client)
    for bad in ("garbage", "W10", "WyJ4IiwgMV0", "%%%"):
        with django_assert_num_queries(6):
            _, response = events_queries(desk_client, {"before": bad})
        assert [e.pk for e, _s in response.context["rows"]] == [e.pk for e, _s in first.context["rows"]]
