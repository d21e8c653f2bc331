"""Each role's home (issue 19) on the demo: the first page after sign-in shows the panels of what waits for each of
the person's roles, in a fixed number of queries, with links to where the work is done; the navigation's counts of
what waits come in a request of their own and count only what the person may see."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from salesoffice.homes import ADMIN_SECTION
from salesoffice.roles import Role
from tests.page_walk import seeded_demo

# The demo at the instant tests/test_query_counts.py walks it: a Wednesday in mid-month, the noon duty on.
AT = dt.datetime(2026, 11, 18, 12, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
PANEL = re.compile(r'data-testid="panel-([\w-]+)"')
# The approvals page as the project manager opens it; the counts of a site the user does not see; the home of a
# salesperson who is also a project manager.
APPROVALS_PAGE = 8
OTHER_SITE_COUNTS = 4
TWO_ROLES_HOME = 24

# Each demo role's home: the panels it must show, and the queries it runs (session, user, roles, sites, panels).
HOMES = {
    "wang": (["my-desk-riverside", "follow-ups", "lapsing", "my-commission"], 18),
    "pm": (["desks", "approvals", "referrals-today", "deals-to-confirm", "opinions-to-write", "extra-work"], 12),
    "director": (["rulings", "commission-on-hold"], 9),
    "salesmgr": (["desks"], 7),
    "clerk": (["till"], 6),
    "storemgr": (["till", "expiring-cards", "shortfalls", "reminders"], 9),
    "desk": (["open-items"], 8),
    "repairlead": (["callbacks-due"], 7),
    "assistant": (["reports"], 6),
    "admin": (
        [
            "desks",
            "approvals",
            "referrals-today",
            "deals-to-confirm",
            "opinions-to-write",
            "rulings",
            "commission-on-hold",
        ],
        15,
    ),
}


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), seeded_demo(AT, tick=False):
        yield


def home_of(username: str, counted) -> str:
    """The user's home, in the queries the table above gives it."""
    browser = signed_in(username)
    with counted(HOMES[username][1]):
        page = browser.get(reverse("home"))
    assert page.status_code == 200
    return page.content.decode()


def signed_in(username: str) -> Client:
    browser = Client()
    browser.force_login(get_user_model().objects.get(username=username))
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return browser


@pytest.mark.django_db
@pytest.mark.parametrize("username", sorted(HOMES))
def test_each_role_home_shows_its_panels_in_a_fixed_number_of_queries(demo, username, django_assert_num_queries):
    panels, queries = HOMES[username]
    browser = signed_in(username)
    with django_assert_num_queries(queries):
        page = browser.get(reverse("home"))
    assert page.status_code == 200
    html = page.content.decode()
    assert PANEL.findall(html) == panels
    assert 'data-testid="home-link"' in html


@pytest.mark.django_db
def test_a_site_supervisor_of_one_desk_has_the_board_as_home(demo, django_assert_num_queries):
    browser = signed_in("supervisor")
    with django_assert_num_queries(4):
        page = browser.get(reverse("home"))
    assert page.status_code == 302
    assert page.url == reverse("reception:board", kwargs={"site": "riverside"})


@pytest.mark.django_db
def test_the_salesperson_day_says_where_they_stand_and_what_waits(demo, django_assert_num_queries):
    html = home_of("wang", django_assert_num_queries)
    desk = html.split('data-testid="panel-my-desk-riverside"')[1].split('data-testid="panel-')[0]
    assert re.search(r"You are next up|Number \d+ in the rota", desk)
    assert reverse("reception:board", kwargs={"site": "riverside"}) in desk
    commission = html.split('data-testid="panel-my-commission"')[1]
    assert re.search(r"¥[\d,]+\.\d\d so far", commission)
    assert reverse("commission:mine") in commission


@pytest.mark.django_db
def test_the_project_manager_inbox_lists_overdue_entries_first_with_links(demo, django_assert_num_queries):
    html = home_of("pm", django_assert_num_queries)
    approvals = html.split('data-testid="panel-approvals"')[1].split('data-testid="panel-')[0]
    assert reverse("attribution:approvals", kwargs={"site": "riverside"}) in approvals
    assert "ATT-REG-1" in approvals


@pytest.mark.django_db
def test_the_admin_sees_the_cockpit_link_and_the_section_it_points_at(demo, django_assert_num_queries):
    html = home_of("admin", django_assert_num_queries)
    # The cockpit's page; the admin's own panels stay below, in their section.
    assert f'href="{reverse("cockpit")}" data-testid="cockpit-link"' in html
    assert f'id="{ADMIN_SECTION}"' in html


@pytest.mark.django_db
@pytest.mark.parametrize(("username", "queries"), [("director", 9), ("ops", 5), ("officedir", 7)])
def test_every_reader_of_the_cockpit_starts_from_it(demo, username, queries, django_assert_num_queries):
    browser = signed_in(username)
    with django_assert_num_queries(queries):
        html = browser.get(reverse("home")).content.decode()
    assert f'href="{reverse("cockpit")}" data-testid="cockpit-link"' in html


@pytest.mark.django_db
def test_the_sales_assistant_keeps_the_months_papers(demo, django_assert_num_queries):
    html = home_of("assistant", django_assert_num_queries)
    papers = html.split('data-testid="panel-reports"')[1]
    assert reverse("commission:statement", kwargs={"month": "2026-11"}) in papers
    assert reverse("commission:statement", kwargs={"month": "2026-10"}) in papers
    assert reverse("attribution:weekly_reports") in papers and "ATT-FU-3" in papers


@pytest.mark.django_db
def test_a_salesperson_sees_none_of_the_managers_panels(demo, django_assert_num_queries):
    html = home_of("wang", django_assert_num_queries)
    for managers in ("approvals", "rulings", "commission-on-hold", "deals-to-confirm", "expiring-cards"):
        assert f'data-testid="panel-{managers}"' not in html


@pytest.mark.django_db
def test_the_home_asks_to_sign_in(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        page = client.get(reverse("home"))
    assert page.status_code == 302 and page.url.startswith(reverse("login"))


# --- the navigation's counts -------------------------------------------------------------------------------------


def badges(html: str) -> dict[str, str]:
    return dict(re.findall(r'<span id="(navcount-[\w-]+)" hx-swap-oob="true"[^>]*>([^<]+)</span>', html))


@pytest.mark.django_db
def test_a_page_with_counted_links_fetches_their_counts(demo, django_assert_num_queries):
    browser = signed_in("pm")
    # The approvals page's own queries: the counts come in a request of their own.
    with django_assert_num_queries(APPROVALS_PAGE):
        page = browser.get(reverse("attribution:approvals", kwargs={"site": "riverside"})).content.decode()
    assert 'id="navcount-attribution-approvals-riverside"' in page
    assert 'hx-get="/nav/counts/?site=riverside&amp;app=attribution"' in page


@pytest.mark.django_db
def test_the_counts_say_how_many_wait_in_one_query_each(demo, django_assert_num_queries):
    browser = signed_in("pm")
    with django_assert_num_queries(7):
        answer = browser.get(reverse("nav_counts"), {"site": "riverside", "app": "attribution"})
    found = badges(answer.content.decode())
    assert int(found["navcount-attribution-approvals-riverside"]) > 0
    # The menu holding the link shows the sum of its counts.
    assert any(key.startswith("navcount-group-") for key in found)
    # A second page within the cache's lifetime costs the session and the user only.
    with django_assert_num_queries(2):
        again = browser.get(reverse("nav_counts"), {"site": "riverside", "app": "attribution"})
    assert badges(again.content.decode()) == found


@pytest.mark.django_db
def test_counts_of_a_site_the_user_does_not_see_are_nothing(demo, django_assert_num_queries):
    # "other" is a salesperson of Hillside: Riverside's follow-ups are not theirs to count, nor its approvals.
    browser = signed_in("other")
    with django_assert_num_queries(OTHER_SITE_COUNTS):
        answer = browser.get(reverse("nav_counts"), {"site": "riverside", "app": "attribution"})
    assert answer.status_code == 200
    assert badges(answer.content.decode()) == {}


@pytest.mark.django_db
def test_the_counts_ask_to_sign_in(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        page = client.get(reverse("nav_counts"))
    assert page.status_code == 302 and page.url.startswith(reverse("login"))


@pytest.mark.django_db
def test_a_person_with_several_roles_sees_the_panels_of_each(demo, django_assert_num_queries):
    wang = get_user_model().objects.get(username="wang")
    wang.groups.add(Group.objects.get(name=Role.PROJECT_MANAGER.value))
    browser = signed_in("wang")
    with django_assert_num_queries(TWO_ROLES_HOME):
        html = browser.get(reverse("home")).content.decode()
    shown = PANEL.findall(html)
    for panel in HOMES["wang"][0] + HOMES["pm"][0]:
        assert panel in shown
