"""Follow-ups through their pages (ATT-FU-1/2): planning and grading, recording outcomes, the managers' review
with its statistics checked against hand-made data, and bounded queries."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from attribution import services
from attribution.models import Client, FollowUp

from ..conftest import at

CHEN, LIN, WU, MA, ZHOU = "13800138001", "13800138002", "13800138003", "13800138004", "13800138005"


def site_url(name: str, **kwargs) -> str:
    return reverse(f"attribution:{name}", kwargs={"site": "riverside", **kwargs})


def register(site, salesperson, name, phone, now, *, approve_by=None, grade="") -> Client:
    entry = services.visit_register(
        site=site, actor=salesperson, salesperson=salesperson, name=name, phones=[phone], now=now, grade=grade
    ).entry
    if approve_by is not None:
        services.visit_review(entry=entry, actor=approve_by, approve=True, now=now + dt.timedelta(hours=1))
    return entry.client


def follow_up(site, client, salesperson, planned_for, *, done_at=None, created_at=None) -> FollowUp:
    """A follow-up as a fact (the page and the service are exercised by the tests that plan them)."""
    return FollowUp.objects.create(
        site=site,
        client=client,
        salesperson=salesperson,
        planned_for=planned_for,
        plan=f"call {client.name}",
        done_at=done_at,
        outcome="talked" if done_at else "",
        created_at=created_at or at(1, 8),
    )


@pytest.fixture
def clients(site, salespeople, project_manager):
    ann, bob = salespeople[:2]
    return {
        "chen": register(site, ann, "Mr Chen", CHEN, at(1, 10), approve_by=project_manager),
        "lin": register(site, ann, "Ms Lin", LIN, at(2, 10), approve_by=project_manager, grade="B"),
        "wu": register(site, bob, "Mr Wu", WU, at(3, 10), approve_by=project_manager),
    }


# --- ATT-FU-1: the salesperson's own page ------------------------------------------------------------------


def test_a_salesperson_plans_a_follow_up_in_site_time_and_regrades_the_client_att_fu_1(
    site, salespeople, clients, browser_as, django_assert_num_queries
):
    ann = salespeople[0]
    web = browser_as(ann)
    with time_machine.travel(at(5, 9), tick=False):
        with django_assert_num_queries(8):
            page = web.get(site_url("my_follow_ups"))
        assert [c.name for c in page.context["form"].fields["client"].queryset] == ["Mr Chen", "Ms Lin"]
        with django_assert_num_queries(12):
            response = web.post(
                site_url("my_follow_ups"),
                {
                    "client": clients["chen"].pk,
                    "kind": FollowUp.Kind.CALL,
                    "planned_for": "2026-03-10T15:00",
                    "plan": "send the floor plans",
                    "grade": "A",
                },
            )
    assert response.status_code == 302 and response["Location"] == site_url("my_follow_ups")
    planned = FollowUp.objects.get()
    assert (planned.salesperson, planned.client, planned.kind) == (ann, clients["chen"], "call")
    assert planned.planned_for == at(10, 15)  # 15:00 on the page is 15:00 in the site's zone
    assert (planned.plan, planned.created_at, planned.done_at) == ("send the floor plans", at(5, 9), None)
    assert Client.objects.get(pk=clients["chen"].pk).grade == "A"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"client": "wu"}, "client", "Select a valid choice. That choice is not one of the available choices."),
        ({"planned_for": "2026-03-04T09:00"}, "planned_for", "A follow-up is planned for a time to come."),
        ({"planned_for": "tomorrow"}, "planned_for", "Enter a valid date/time."),
        ({"kind": "telepathy"}, "kind", "Select a valid choice. telepathy is not one of the available choices."),
        ({"grade": "Z"}, "grade", "Select a valid choice. Z is not one of the available choices."),
    ],
)
def test_bad_follow_up_input_is_a_field_error_and_saves_nothing(
    overrides, field, message, site, salespeople, clients, browser_as, django_assert_num_queries
):
    data = {"client": clients["chen"].pk, "kind": "call", "planned_for": "2026-03-10T15:00", **overrides}
    if data["client"] == "wu":
        data["client"] = clients["wu"].pk  # Bob's client
    web = browser_as(salespeople[0])
    with time_machine.travel(at(5, 9), tick=False), django_assert_num_queries(9):
        response = web.post(site_url("my_follow_ups"), data)
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert not FollowUp.objects.exists()


def test_a_client_someone_else_now_serves_is_refused_by_the_service_att_fu_1(
    site, salespeople, project_manager, clients
):
    ann, bob = salespeople[:2]
    # Ann's registration of Mr Chen lapsed after a month (ATT-REG-2); Bob registered him next.
    register(site, bob, "Mr Chen", CHEN, at(5, 10, month=4), approve_by=project_manager)
    with pytest.raises(services.RegisterError, match=r"ATT-FU-1"):
        services.follow_up_plan(
            site=site, client=clients["chen"], actor=ann, planned_for=at(8, 10, month=4), now=at(6, 9, month=4)
        )
    assert not FollowUp.objects.exists()


def test_my_follow_ups_lists_mine_overdue_first_and_records_an_outcome(
    site, salespeople, clients, browser_as, django_assert_max_num_queries, django_assert_num_queries
):
    ann, bob = salespeople[:2]
    later = follow_up(site, clients["lin"], ann, at(12, 10))
    overdue = follow_up(site, clients["chen"], ann, at(4, 10))
    follow_up(site, clients["wu"], bob, at(3, 10))  # Bob's
    web = browser_as(ann)
    with time_machine.travel(at(5, 9), tick=False):
        with django_assert_num_queries(9):
            page = web.get(site_url("my_follow_ups"))
        assert list(page.context["page"].object_list) == [overdue, later]
        assert page.content.decode().count('data-overdue="true"') == 1
        with django_assert_num_queries(10):
            response = web.post(site_url("follow_up_done", follow_up_id=overdue.pk), {"outcome": "will visit Saturday"})
        assert response.status_code == 302 and response["Location"] == site_url("my_follow_ups")
        with django_assert_num_queries(9):
            shown = web.get(response["Location"])
        assert [str(m) for m in shown.context["messages"]] == [
            "The outcome of the follow-up with Mr Chen was recorded."
        ]
        with django_assert_num_queries(18):
            again = web.post(site_url("follow_up_done", follow_up_id=overdue.pk), {"outcome": "again"}, follow=True)
        with django_assert_num_queries(14):
            empty = web.post(site_url("follow_up_done", follow_up_id=later.pk), {"outcome": "  "}, follow=True)
    overdue.refresh_from_db()
    assert (overdue.done_at, overdue.outcome) == (at(5, 9), "will visit Saturday")
    assert [str(m) for m in again.context["messages"]] == ["This follow-up is already recorded."]
    assert [str(m) for m in empty.context["messages"]] == ["Say what came of the contact."]
    assert list(again.context["page"].object_list) == [later]
    assert [f.outcome for f in again.context["done"]] == ["will visit Saturday"]


def test_only_the_planner_or_a_reviewer_records_the_outcome(
    site, other_site, salespeople, project_manager, clients, browser_as, django_assert_num_queries
):
    ann, bob = salespeople[:2]
    planned = follow_up(site, clients["chen"], ann, at(6, 10))
    web = browser_as(bob)
    with time_machine.travel(at(6, 11), tick=False), django_assert_num_queries(17):
        response = web.post(site_url("follow_up_done", follow_up_id=planned.pk), {"outcome": "mine now"}, follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "Only the salesperson who planned it records this follow-up."
    ]
    web = browser_as(project_manager)
    with time_machine.travel(at(6, 12), tick=False), django_assert_num_queries(10):
        response = web.post(
            site_url("follow_up_done", follow_up_id=planned.pk), {"outcome": "called him myself", "back": "review"}
        )
    assert response["Location"] == site_url("follow_up_review")
    assert FollowUp.objects.get().outcome == "called him myself"
    theirs = follow_up(other_site, clients["wu"], bob, at(6, 10))
    with django_assert_num_queries(6):
        assert web.post(site_url("follow_up_done", follow_up_id=theirs.pk), {"outcome": "x"}).status_code == 404


# --- Who may see what ------------------------------------------------------------------------------------


MINE = {"ann": 200, "supervisor": 200, "pm": 200, "salesmgr": 200, "assistant": 403, "outsider": 404}
REVIEW = {"ann": 403, "supervisor": 403, "pm": 200, "salesmgr": 200, "assistant": 403, "outsider": 404}


@pytest.mark.parametrize("who", list(MINE))
def test_permission_matrix(
    who, site, salespeople, supervisor, project_manager, sales_manager, sales_assistant, outsider, browser_as,
    django_assert_num_queries,
):  # fmt: skip
    people = {
        "ann": salespeople[0],
        "supervisor": supervisor,
        "pm": project_manager,
        "salesmgr": sales_manager,
        "assistant": sales_assistant,
        "outsider": outsider,
    }
    web = browser_as(people[who])
    # A page that opens runs 8 queries, a refusal (403 or 404) 5.
    for page, statuses in (("my_follow_ups", MINE), ("follow_up_review", REVIEW)):
        with django_assert_num_queries(8 if statuses[who] == 200 else 5):
            response = web.get(site_url(page))
        assert response.status_code == statuses[who], page


def test_anonymous_visitors_are_sent_to_log_in(site, client, django_assert_num_queries):
    for address in (site_url("my_follow_ups"), site_url("follow_up_review")):
        with django_assert_num_queries(0):
            response = client.get(address)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# --- ATT-FU-2: the review, against hand-made data --------------------------------------------------------


@pytest.fixture
def month_of_follow_ups(site, salespeople, project_manager, clients):
    """Held on 20 March: Ann holds Chen (graded A below) and Lin (B); Bob holds Wu (not graded). Zhou was Ann's in
    January (lapsed); Ma's entry was never approved: neither is held."""
    ann, bob = salespeople[:2]
    register(site, ann, "Mr Zhou", ZHOU, at(10, 10, month=1), approve_by=project_manager)
    register(site, bob, "Mr Ma", MA, at(15, 10))
    Client.objects.filter(pk=clients["chen"].pk).update(grade="A")
    chen, lin, wu = clients["chen"], clients["lin"], clients["wu"]
    return {
        "ann_done": follow_up(site, chen, ann, at(10, 10), done_at=at(10, 11)),
        "ann_overdue": follow_up(site, lin, ann, at(15, 10)),
        "ann_later": follow_up(site, chen, ann, at(25, 10)),
        "ann_february": follow_up(site, lin, ann, at(20, 10, month=2)),  # overdue, planned last month
        "bob_done": follow_up(site, wu, bob, at(5, 10), done_at=at(6, 9)),
        "bob_april": follow_up(site, wu, bob, at(2, 10, month=4)),
    }


def test_the_review_counts_clients_per_owner_and_grade_and_this_months_follow_ups_att_fu_2(
    site, project_manager, month_of_follow_ups, browser_as, django_assert_num_queries
):
    web = browser_as(project_manager)
    with time_machine.travel(at(20, 10), tick=False), django_assert_num_queries(10):
        page = web.get(site_url("follow_up_review"))
    context = page.context
    assert context["grade_columns"] == ["A", "B", "C", "D", ""]
    assert [(r.name, r.counts, r.total) for r in context["grade_rows"]] == [
        ("Ann", [1, 1, 0, 0, 0], 2),
        ("Bob", [0, 0, 0, 0, 1], 1),
    ]
    assert (context["grade_totals"].counts, context["grade_totals"].total) == ([1, 1, 0, 0, 1], 3)
    assert [(r.name, r.planned, r.done, r.overdue) for r in context["follow_up_rows"]] == [
        ("Ann", 3, 1, 2),
        ("Bob", 1, 1, 0),
    ]
    assert list(context["page"].object_list) == [
        month_of_follow_ups["ann_february"],
        month_of_follow_ups["ann_overdue"],
    ]
    html = page.content.decode()
    assert "ATT-FU-2" in html and "ATT-REG-2" in html


def test_review_queries_do_not_grow_with_clients_and_follow_ups(
    site,
    salespeople,
    project_manager,
    month_of_follow_ups,
    browser_as,
    django_assert_max_num_queries,
    django_assert_num_queries,
):
    ann = salespeople[0]
    pages = {"review": (project_manager, site_url("follow_up_review")), "mine": (ann, site_url("my_follow_ups"))}
    counts = {}
    with time_machine.travel(at(20, 10), tick=False):
        for name, (user, address) in pages.items():
            web = browser_as(user)
            web.get(address)  # warm up
            with django_assert_max_num_queries(16) as captured:
                web.get(address)
            counts[name] = len(captured)
    for n in range(30):
        client = register(site, ann, f"Client {n}", f"1390000{n:04d}", at(16, 9, n), approve_by=project_manager)
        follow_up(site, client, ann, at(17, 9, n))
        follow_up(site, client, ann, at(18, 9, n), done_at=at(18, 10))
    with time_machine.travel(at(20, 10), tick=False):
        for name, (user, address) in pages.items():
            web = browser_as(user)
            with django_assert_num_queries(counts[name]):
                response = web.get(address)
            assert response.status_code == 200
    assert response.context["page"].paginator.count == 33  # ann's open follow-ups: 30 + 3
    web = browser_as(project_manager)
    with time_machine.travel(at(20, 10), tick=False), django_assert_num_queries(10):
        review = web.get(site_url("follow_up_review")).context
    assert [(r.name, r.total) for r in review["grade_rows"]] == [("Ann", 32), ("Bob", 1)]
    assert [(r.name, r.planned, r.done, r.overdue) for r in review["follow_up_rows"]][0] == ("Ann", 63, 31, 32)
