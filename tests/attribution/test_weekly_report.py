"""The weekly client report (ATT-FU-3): figures checked against a hand-made week on two projects in different
time zones, one row per client across projects, generated once by the beat job, read and downloaded by the sales
sales_assistant with bounded queries."""

import datetime as dt
import os
from decimal import Decimal
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from openpyxl import load_workbook

from attribution import reports, services, tasks
from attribution.models import WeeklyClientReport
from commission.models import Deal
from reception.models import PhoneInquiry
from salesoffice.models import Notification
from salesoffice.notifications import describe
from salesoffice.roles import Role

from ..conftest import at, make_user
from ..test_celery_broker import redis_worker  # noqa: F401 (a fixture)

LONDON = ZoneInfo("Europe/London")
WEEK = dt.date(2026, 3, 2)  # Monday 2 March – Sunday 8 March 2026
CHEN, GAO, WU, ZHOU, QIAN, LIN = (f"1380013800{n}" for n in range(1, 7))


def url(name: str, **kwargs) -> str:
    return reverse(f"attribution:{name}", kwargs=kwargs)


def london(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=LONDON)


@pytest.fixture
def hillside(other_site):
    """The second project keeps London time: its week ends eight hours after Riverside's."""
    other_site.time_zone = "Europe/London"
    other_site.save(update_fields=["time_zone"])
    return other_site


@pytest.fixture
def hill_assistant(hillside):
    return make_user("hillassistant", Role.SALES_ASSISTANT, [hillside])


@pytest.fixture
def otto(hillside):
    return make_user("otto", Role.SALESPERSON, [hillside])


def call(site, taker, when, name="", phone=""):
    PhoneInquiry.objects.create(
        site=site, taken_by=taker, taken_at=when, caller_name=name, caller_phone=phone, new_to_project=True
    )


def visit(site, salesperson, name, phone, now, *, actor=None, **extra):
    return services.visit_register(
        site=site, actor=actor or salesperson, salesperson=salesperson, name=name, phones=[phone], now=now, **extra
    ).entry


@pytest.fixture
def week(site, hillside, salespeople, project_manager, otto):
    """A hand-made week (expected figures in the test below)."""
    ann, bob, cat = salespeople[:3]
    # Riverside, Asia/Shanghai. Calls: Chen twice (on the register), Gao (not), one caller who gave nothing.
    call(site, ann, at(1, 23, 59), "Early", "13900000000")  # the week before
    call(site, ann, at(2, 10), "Mr Chen", CHEN)
    call(site, bob, at(3, 10), "Chen", "+86 138 0013 8001")
    call(site, ann, at(4, 10), "Ms Gao", GAO)
    call(site, bob, at(4, 11))
    call(site, ann, at(9, 0), "Late", "13900000001")  # the week after
    # Visits: Chen twice; Lin's entry rejected; Wu's entry replaced by an approved correction; Zhou at 23:30 on
    # Sunday; Qian's Sunday visit registered on Monday morning; Ma visited after midnight.
    chen = visit(site, ann, "Mr Chen", CHEN, at(2, 11))
    services.visit_review(entry=chen, actor=project_manager, approve=True, now=at(2, 18))
    visit(site, ann, "Mr Chen", CHEN, at(6, 15))
    lin = visit(site, bob, "Ms Lin", LIN, at(3, 11))
    services.visit_review(entry=lin, actor=project_manager, approve=False, reason="test entry", now=at(3, 18))
    wu = visit(site, cat, "Mr Wu", WU, at(4, 11))
    correction = services.visit_correct(entry=wu, actor=cat, now=at(5, 9), note="visit time", visited_at=at(4, 10))
    services.visit_review(entry=correction, actor=project_manager, approve=True, now=at(5, 18))
    visit(site, bob, "Mr Zhou", ZHOU, at(8, 23, 30))
    # A visit of the day before is recorded by the project manager, with a reason (ATT-REG-1 Decision).
    visit(
        site, cat, "Mr Qian", QIAN, at(9, 9), visited_at=at(8, 20), actor=project_manager, backdate_reason="desk closed"
    )
    visit(site, bob, "Mr Ma", "13800138009", at(9, 0, 10))
    Deal.objects.create(
        site=site,
        client=chen.client,
        salesperson=ann,
        unit="A-1201",
        signed_at=at(7, 16),
        price=Decimal("1200000.00"),
        commission=Decimal("12000.00"),
        recorded_by=project_manager,
        recorded_at=at(7, 17),
    )
    # Hillside, Europe/London: Gao calls; Chen visits on Sunday evening London time (Monday 01:00 in Shanghai);
    # Sun visited at 23:00 on Sunday 1 March London time, the week before there.
    call(hillside, otto, london(3, 9), "Gao", GAO)
    visit(hillside, otto, "Mr Chen", CHEN, london(8, 17))
    visit(hillside, otto, "Mr Sun", "13800138010", london(1, 23))
    return chen.client


RIVERSIDE_COUNTS = {"calls": 4, "calls_clients": 3, "visits": 5, "visits_clients": 4, "deals": 1, "deals_clients": 1}
HILLSIDE_COUNTS = {"calls": 1, "calls_clients": 1, "visits": 1, "visits_clients": 1, "deals": 0, "deals_clients": 0}


def test_the_weeks_figures_per_project_in_each_projects_own_zone_att_fu_3(week, site, hillside):
    data = reports.weekly_report_data(week_start=WEEK, now=at(9, 10))
    assert (data["week_start"], data["week_end"]) == ("2026-03-02", "2026-03-08")
    hill, river = data["projects"]
    assert (hill["name"], river["name"]) == ("Hillside", "Riverside")
    assert river["counts"] == RIVERSIDE_COUNTS
    assert hill["counts"] == HILLSIDE_COUNTS
    assert (river["from"], river["to"]) == ("2026-03-02T00:00:00+08:00", "2026-03-09T00:00:00+08:00")
    assert (hill["from"], hill["to"]) == ("2026-03-02T00:00:00+00:00", "2026-03-09T00:00:00+00:00")

    def rows(project, kind):
        return [
            (r["name"], r["phone"], r["count"], r["salespeople"], r["client_id"] is not None) for r in project[kind]
        ]

    assert rows(river, "calls") == [
        ("", "", 1, ["Bob"], False),
        ("Mr Chen", CHEN, 2, ["Ann", "Bob"], True),
        ("Ms Gao", "+8613800138002", 1, ["Ann"], False),
    ]
    assert rows(river, "visits") == [
        ("Mr Chen", CHEN, 2, ["Ann"], True),
        ("Mr Qian", QIAN, 1, ["Cat"], True),
        ("Mr Wu", WU, 1, ["Cat"], True),
        ("Mr Zhou", ZHOU, 1, ["Bob"], True),
    ]
    assert rows(river, "deals") == [("Mr Chen", CHEN, 1, ["Ann"], True)]
    # A caller known by phone goes by the name of their latest call, on every project.
    assert rows(hill, "calls") == [("Ms Gao", "+8613800138002", 1, ["Otto"], False)]
    assert rows(hill, "visits") == [("Mr Chen", CHEN, 1, ["Otto"], True)]


def test_one_row_per_client_across_projects_att_fu_3(week, site, hillside):
    data = reports.weekly_report_data(week_start=WEEK, now=at(9, 10))
    consolidated = {
        row["name"]: (
            [(p["name"], p.get("calls", 0), p.get("visits", 0), p.get("deals", 0)) for p in row["projects"]],
            (row["calls"], row["visits"], row["deals"]),
        )
        for row in data["clients"]
    }
    assert consolidated == {
        "": ([("Riverside", 1, 0, 0)], (1, 0, 0)),
        "Mr Chen": ([("Hillside", 0, 1, 0), ("Riverside", 2, 2, 1)], (2, 3, 1)),
        "Ms Gao": ([("Hillside", 1, 0, 0), ("Riverside", 1, 0, 0)], (2, 0, 0)),
        "Mr Qian": ([("Riverside", 0, 1, 0)], (0, 1, 0)),
        "Mr Wu": ([("Riverside", 0, 1, 0)], (0, 1, 0)),
        "Mr Zhou": ([("Riverside", 0, 1, 0)], (0, 1, 0)),
    }
    assert data["totals"] == {
        **{key: RIVERSIDE_COUNTS[key] + HILLSIDE_COUNTS[key] for key in RIVERSIDE_COUNTS},
        "clients": 6,
        "clients_on_register": 4,
        "clients_in_several_projects": 2,
    }
    chen = next(row for row in data["clients"] if row["name"] == "Mr Chen")
    assert chen["client_id"] == week.pk and chen["grade"] == ""


def test_the_report_reads_the_database_in_a_fixed_number_of_grouped_queries(
    week, site, hillside, salespeople, django_assert_num_queries
):
    # sites, calls, their phones on the register, visits, deals, the clients, the salespeople's names
    with django_assert_num_queries(7):
        reports.weekly_report_data(week_start=WEEK, now=at(9, 10))
    ann = salespeople[0]
    for n in range(40):
        visit(site, ann, f"Client {n}", f"1390000{n:04d}", at(3, 9, n))
        call(site, ann, at(4, 9, n), f"Caller {n}", f"1370000{n:04d}")
    with django_assert_num_queries(7):
        data = reports.weekly_report_data(week_start=WEEK, now=at(9, 10))
    assert data["projects"][1]["counts"]["visits_clients"] == 44
    assert data["projects"][1]["counts"]["calls_clients"] == 43


# --- generation: once, by the beat job ------------------------------------------------------------------


def test_the_latest_week_waits_for_the_last_project_to_finish_its_sunday(site, hillside):
    sites = [site, hillside]
    assert reports.latest_complete_week(at(9, 1), sites) == dt.date(2026, 2, 23)  # Sunday 17:00 in London
    assert reports.latest_complete_week(london(9, 0), sites) == WEEK
    assert reports.latest_complete_week(at(15, 23, 59), sites) == WEEK
    assert reports.latest_complete_week(at(9, 0), [site]) == WEEK


def test_the_beat_job_makes_the_report_once_and_tells_the_sales_assistants_once_att_fu_3(
    week, site, hillside, sales_assistant, hill_assistant, project_manager
):
    with time_machine.travel(london(9, 0, 7), tick=False):
        assert tasks.generate_weekly_client_report.apply().get() == "2026-03-02"
        first = WeeklyClientReport.objects.get()
        assert tasks.generate_weekly_client_report.apply().get() == "2026-03-02"
    with time_machine.travel(london(9, 5, 7), tick=False):
        again = reports.weekly_report_generate(now=london(9, 5, 7))
    assert WeeklyClientReport.objects.count() == 1 and again.pk == first.pk
    assert first.generated_at == london(9, 0, 7)
    assert first.data["projects"][1]["counts"] == RIVERSIDE_COUNTS
    notes = Notification.objects.filter(kind="weekly_report_ready").order_by("recipient__username")
    assert [(n.recipient, n.kind, n.rule_id) for n in notes] == [
        (sales_assistant, "weekly_report_ready", "ATT-FU-3"),
        (hill_assistant, "weekly_report_ready", "ATT-FU-3"),
    ]
    assert describe(notes[0]) == "The weekly client report for the week of 2026-03-02 is ready — ATT-FU-3"
    assert notes[0].link == url("weekly_report", week="2026-03-02")


def test_a_week_not_yet_over_everywhere_is_not_generated(site, hillside):
    with pytest.raises(ValueError, match="not the Monday of a week that is over"):
        reports.weekly_report_generate(now=at(9, 1), week_start=WEEK)
    with pytest.raises(ValueError):
        reports.weekly_report_generate(now=at(20, 1), week_start=dt.date(2026, 3, 3))  # a Tuesday
    assert not WeeklyClientReport.objects.exists()


# --- the sales sales_assistant's pages ------------------------------------------------------------------------


@pytest.fixture
def stored(week):
    return reports.weekly_report_generate(now=london(9, 1))


@pytest.mark.parametrize(
    ("who", "status"),
    [("assistant", 200), ("pm", 200), ("ann", 403), ("outsider", 403), ("hill_assistant", 200)],
)
def test_permission_matrix(
    who, status, stored, sales_assistant, hill_assistant, project_manager, salespeople, outsider, browser_as,
    django_assert_num_queries,
):  # fmt: skip
    people = {
        "assistant": sales_assistant,
        "hill_assistant": hill_assistant,
        "pm": project_manager,
        "ann": salespeople[0],
        "outsider": outsider,
    }
    web = browser_as(people[who])
    # (address, queries when it opens); a refusal runs 5.
    for address, queries in (
        (url("weekly_reports"), 7),
        (url("weekly_report", week="2026-03-02"), 10),
        (url("weekly_report_xlsx", week="2026-03-02"), 8),
    ):
        with django_assert_num_queries(queries if status == 200 else 5):
            response = web.get(address)
        assert response.status_code == status, address


def test_a_week_without_a_report_or_not_a_date_is_not_found(
    stored, sales_assistant, browser_as, django_assert_num_queries
):
    web = browser_as(sales_assistant)
    # A week that is a date is looked for (one query more); one that is not is refused before.
    for week, queries in (("2026-03-09", 6), ("2026-13-01", 5), ("last-week", 5)):
        for page in ("weekly_report", "weekly_report_xlsx"):
            with django_assert_num_queries(queries):
                response = web.get(url(page, week=week))
            assert response.status_code == 404, (page, week)


def test_the_page_shows_the_figures_and_the_consolidated_list(
    stored, sales_assistant, browser_as, django_assert_max_num_queries, django_assert_num_queries
):
    web = browser_as(sales_assistant)
    with django_assert_num_queries(7):
        web.get(url("weekly_reports"))
    with django_assert_max_num_queries(10):  # the first reader of these sites builds their parts (issue 17)
        web.get(url("weekly_report", week="2026-03-02"))
    with django_assert_max_num_queries(8):
        page = web.get(url("weekly_report", week="2026-03-02"))
    data = page.context["data"]
    # Riverside's sales_assistant sees Riverside only, and each client with their Riverside figures.
    assert [p["name"] for p in data["projects"]] == ["Riverside"]
    assert data["projects"][0]["counts"] == RIVERSIDE_COUNTS
    chen = next(row for row in page.context["page"] if row["name"] == "Mr Chen")
    assert ([p["name"] for p in chen["projects"]], chen["calls"], chen["visits"], chen["deals"]) == (
        ["Riverside"],
        2,
        2,
        1,
    )
    assert data["totals"]["clients"] == 6 and data["totals"]["clients_in_several_projects"] == 0
    html = page.content.decode()
    assert "ATT-FU-3" in html and "Mr Zhou" in html
    with django_assert_num_queries(8):
        lists = web.get(url("weekly_report", week="2026-03-02") + "?project=riverside")
    assert [r["name"] for r in lists.context["project"]["visits"]] == ["Mr Chen", "Mr Qian", "Mr Wu", "Mr Zhou"]
    assert "Visit clients (4)" in lists.content.decode()


def test_another_projects_assistant_sees_only_that_project(
    stored, hill_assistant, browser_as, django_assert_num_queries
):
    web = browser_as(hill_assistant)
    with django_assert_num_queries(10):
        data = web.get(url("weekly_report", week="2026-03-02")).context["data"]
    assert [p["name"] for p in data["projects"]] == ["Hillside"]
    assert [row["name"] for row in data["clients"]] == ["Mr Chen", "Ms Gao"]
    assert "Mr Zhou" not in str(data)


def rows_of(sheet) -> list[list]:
    """The sheet's rows without the empty cells that pad them to the widest row."""
    rows = []
    for row in sheet.iter_rows(values_only=True):
        cells = list(row)
        while cells and cells[-1] is None:
            cells.pop()
        rows.append(cells)
    return rows


def test_the_xlsx_has_a_consolidated_sheet_and_one_sheet_per_project(
    stored, project_manager, sales_manager, browser_as, django_assert_num_queries
):
    web = browser_as(sales_manager)
    with django_assert_num_queries(8):
        response = web.get(url("weekly_report_xlsx", week="2026-03-02"))
    assert response.status_code == 200
    assert 'filename="weekly-client-report-2026-03-02.xlsx"' in response["Content-Disposition"]
    book = load_workbook(BytesIO(response.content))
    assert book.sheetnames == ["All projects", "Riverside"]
    consolidated = rows_of(book["All projects"])
    assert consolidated[0] == ["Weekly client report (ATT-FU-3)", "2026-03-02 – 2026-03-08"]
    assert consolidated[2] == [
        "Client",
        "Phone",
        "Grade",
        "On the register",
        "Projects",
        "Calls",
        "Register entries",
        "Deals",
    ]
    assert consolidated[3:] == [
        [None, None, None, "no", "Riverside", 1, 0, 0],
        ["Mr Chen", CHEN, None, "yes", "Riverside", 2, 2, 1],
        ["Mr Qian", QIAN, None, "yes", "Riverside", 0, 1, 0],
        ["Mr Wu", WU, None, "yes", "Riverside", 0, 1, 0],
        ["Mr Zhou", ZHOU, None, "yes", "Riverside", 0, 1, 0],
        ["Ms Gao", "+8613800138002", None, "no", "Riverside", 1, 0, 0],
    ]
    river = rows_of(book["Riverside"])
    assert river[1:4] == [
        ["Call clients", 3, "Calls", 4],
        ["Visit clients", 4, "Register entries", 5],
        ["Deal clients", 1, "Deals", 1],
    ]
    deals = river[river.index(["Deal clients"]) + 2 :]
    assert deals == [["Mr Chen", CHEN, None, 1, "Ann"]]


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (bin/test sets it)")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("redis_worker")
def test_the_report_job_runs_on_a_redis_worker_once_att_fu_3(site, sales_assistant):
    first = tasks.generate_weekly_client_report.delay().get(timeout=30)
    second = tasks.generate_weekly_client_report.delay().get(timeout=30)
    assert first == second != ""
    assert WeeklyClientReport.objects.get().week_start.isoformat() == first
    assert Notification.objects.filter(recipient=sales_assistant, kind="weekly_report_ready").count() == 1


# --- the reader's view, stored in parts (issue 17) -------------------------------------------------------------

NEXT_WEEK = dt.date(2026, 3, 9)


@pytest.fixture
def busy_week(week, site, salespeople):
    """The week after the hand-made one, with 250 callers (three pages of the consolidated list)."""
    PhoneInquiry.objects.bulk_create(
        PhoneInquiry(
            site=site,
            taken_by=salespeople[n % 3],
            taken_at=at(10 + n // 60, 9, n % 60),
            caller_name=f"Caller {n:03d}",
            caller_phone=f"1370000{n:04d}",
            new_to_project=True,
        )
        for n in range(250)
    )
    return reports.weekly_report_generate(now=london(16, 1), week_start=NEXT_WEEK)


def page_queries(web, week: dt.date, query: str, django_assert_num_queries, expected: int) -> str:
    with django_assert_num_queries(expected):
        response = web.get(url("weekly_report", week=week.isoformat()) + query)
    assert response.status_code == 200
    return response.content.decode()


def test_the_pages_cost_the_same_queries_for_a_small_and_a_busy_week(
    stored, busy_week, sales_assistant, browser_as, django_assert_num_queries
):
    web = browser_as(sales_assistant)
    for week, last_page in ((WEEK, 1), (NEXT_WEEK, 3)):
        # The first reader of these sites builds the parts: the report's figures read once, the parts written once.
        page_queries(web, week, "", django_assert_num_queries, 10)
        # Then the summary and the asked page (or project) are one read, whatever the week holds.
        page_queries(web, week, "", django_assert_num_queries, 8)
        assert (
            f"Page {last_page} of {last_page}"
            in page_queries(web, week, f"?page={last_page}", django_assert_num_queries, 8)
            or last_page == 1
        )
        page_queries(web, week, "?project=riverside", django_assert_num_queries, 8)
        for expected in (8, 6):  # the workbook: built and kept by the first download, then read
            with django_assert_num_queries(expected):
                assert web.get(url("weekly_report_xlsx", week=week.isoformat())).status_code == 200


def test_the_stored_pages_list_every_client_once_in_order(
    busy_week, sales_assistant, browser_as, django_assert_num_queries
):
    web = browser_as(sales_assistant)
    expected = reports.visible_part(busy_week.data, {busy_week.data["projects"][1]["site_id"]})["clients"]
    assert len(expected) == 252  # the callers, Mr Ma's visit and the late caller, on Monday 9 March
    shown = []
    for number in (1, 2, 3):
        page = web.get(url("weekly_report", week=NEXT_WEEK.isoformat()), {"page": number})
        shown += list(page.context["page"])
        assert f"Page {number} of 3" in page.content.decode()
    assert shown == expected
    with django_assert_num_queries(9):
        last = web.get(url("weekly_report", week=NEXT_WEEK.isoformat()), {"page": 9})  # past the end: the last page
    assert list(last.context["page"]) == expected[200:]
    data = last.context["data"]
    assert len(data["clients"]) == 252 and list(data["clients"]) == expected and data["clients"][-1] == expected[-1]
    assert data["clients"][95:105] == expected[95:105]


def test_the_workbook_is_kept_per_readers_sites_and_language(
    stored, sales_assistant, hill_assistant, browser_as, django_assert_num_queries
):
    from attribution.models import WeeklyReportPart

    web = browser_as(sales_assistant)
    with django_assert_num_queries(8):
        first = web.get(url("weekly_report_xlsx", week="2026-03-02")).content
    with django_assert_num_queries(6):
        again = web.get(url("weekly_report_xlsx", week="2026-03-02")).content
    assert again == first
    riverside = reports.visible_part(stored.data, {stored.data["projects"][1]["site_id"]})
    book = load_workbook(BytesIO(first))
    fresh = load_workbook(BytesIO(reports.weekly_report_xlsx(riverside)))
    assert book.sheetnames == fresh.sheetnames == ["All projects", "Riverside"]
    for name in book.sheetnames:
        assert rows_of(book[name]) == rows_of(fresh[name])
    assert rows_of(book["All projects"])[4] == ["Mr Chen", CHEN, None, "yes", "Riverside", 2, 2, 1]
    # The same reader in Chinese, another workbook; another reader's sites, another again.
    web.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    with django_assert_num_queries(8):
        chinese = load_workbook(BytesIO(web.get(url("weekly_report_xlsx", week="2026-03-02")).content))
    assert chinese.sheetnames[1] == "Riverside" and chinese.sheetnames[0] != "All projects"
    hill_web = browser_as(hill_assistant)  # signing in is not the page's queries
    with django_assert_num_queries(8):
        hill = load_workbook(BytesIO(hill_web.get(url("weekly_report_xlsx", week="2026-03-02")).content))
    assert hill.sheetnames == ["All projects", "Hillside"]
    assert WeeklyReportPart.objects.filter(report=stored, content__isnull=False).count() == 3
