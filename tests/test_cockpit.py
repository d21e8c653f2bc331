"""The management cockpit and the monthly pack (issue 19): who sees which sections over which sites, the cockpit's
figures against the apps' own monthly reports for the same month, bounded queries, the kept pack unchanged after the
data changes, and its workbook read back."""

import datetime as dt
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from commission.selectors import monthly_statement
from reception.reports import monthly_report as reception_report
from salesoffice import cockpit, cockpit_pack
from salesoffice.models import MonthlyPack, Site
from salesoffice.roles import Role
from service_desk.selectors import monthly_report as service_report
from tests.demo_growth import grow
from tests.page_walk import seeded_demo

pytestmark = pytest.mark.django_db

AT = dt.datetime(2026, 11, 18, 12, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
NOVEMBER = dt.date(2026, 11, 1)
OCTOBER = dt.date(2026, 10, 1)


@pytest.fixture
def demo(db):
    with seeded_demo(AT, tick=False):
        yield


def person(role: Role):
    return get_user_model().objects.filter(groups__name=role.value, is_active=True).order_by("pk").first()


def figures_for(user, first=NOVEMBER) -> dict[str, cockpit.Figures]:
    found = cockpit.build(cockpit.sections_for(user), first=first, now=AT, user=user)
    return {f.key: f for f in found}


def table(figures: cockpit.Figures, key: str) -> cockpit.Table:
    return next(t for t in figures.tables if t.key == key)


def column(t: cockpit.Table, title: str) -> int:
    return [c.title for c in t.columns].index(title)


# Who sees what


def test_each_role_sees_its_own_sections(demo):
    expected = {
        Role.ADMIN: {"sales", "rota", "commission", "vip", "service"},
        Role.SALES_DIRECTOR: {"sales", "rota", "commission"},
        Role.OPERATIONS: {"vip"},
        Role.OFFICE_DIRECTOR: {"service"},
    }
    for role, keys in expected.items():
        assert {s.key for s in cockpit.sections_for(person(role))} == keys, role


def test_the_office_director_sees_only_their_offices(demo):
    director = person(Role.OFFICE_DIRECTOR)
    theirs = set(Site.objects.filter(kind=Site.Kind.PROPERTY_OFFICE, memberships__user=director))
    assert set(cockpit.site_scope(director, Site.Kind.PROPERTY_OFFICE)) == theirs
    admin = person(Role.ADMIN)
    assert set(cockpit.site_scope(admin, Site.Kind.PROPERTY_OFFICE)) == set(
        Site.objects.filter(kind=Site.Kind.PROPERTY_OFFICE)
    )


# A refusal: session, user and rights, then the 403 page's menu (a store clerk has no desk to list).
@pytest.mark.parametrize(
    ("role", "queries"),
    [(Role.SALESPERSON, 5), (Role.SITE_SUPERVISOR, 5), (Role.PROJECT_MANAGER, 5), (Role.STORE_CLERK, 4)],
)
def test_other_roles_are_refused(demo, client, django_assert_num_queries, role, queries):
    client.force_login(person(role))
    with time_machine.travel(AT, tick=False):
        with django_assert_num_queries(queries):
            assert client.get(reverse("cockpit")).status_code == 403
        with django_assert_num_queries(queries):
            assert client.get(reverse("cockpit_packs")).status_code == 403
        with django_assert_num_queries(queries):
            assert client.post(reverse("cockpit_pack_generate"), {"month": "2026-10"}).status_code == 403
    assert list(MonthlyPack.objects.values_list("month", flat=True)) == [OCTOBER]  # the demo's only


# The cockpit: session, user and rights, the sites of each kind, each section's reports and trends (the sales
# director's three sections over two sales offices; operations' stores; the office director's one office), the menu.
@pytest.mark.parametrize(
    ("role", "page", "refused"),
    [(Role.SALES_DIRECTOR, 22, 5), (Role.OPERATIONS, 12, 4), (Role.OFFICE_DIRECTOR, 11, 5)],
)
def test_only_the_admin_makes_and_reads_packs(demo, client, django_assert_num_queries, role, page, refused):
    client.force_login(person(role))
    with time_machine.travel(AT, tick=False):
        with django_assert_num_queries(page):
            assert client.get(reverse("cockpit")).status_code == 200
        with django_assert_num_queries(refused):
            assert client.get(reverse("cockpit_packs")).status_code == 403
        with django_assert_num_queries(refused):
            assert client.post(reverse("cockpit_pack_generate"), {"month": "2026-10"}).status_code == 403


# The figures are the apps' own


def test_the_rota_and_sales_figures_are_the_reception_reports(demo):
    figures = figures_for(person(Role.ADMIN))
    rota, sales = figures["rota"], figures["sales"]
    for site in Site.objects.filter(kind=Site.Kind.SALES_OFFICE):
        report = reception_report(site, 2026, 11)
        rows = [r for r in table(rota, "rota").rows if r[1] == site.name]
        assert sum(r[2] for r in rows) == report.totals.receptions
        assert sum(r[5] for r in rows) == report.totals.forfeits
        assert sum(r[6] for r in rows) == report.totals.slots_granted
        (by_site,) = [r for r in table(sales, "sites").rows if r[0] == site.name]
        assert by_site[1] == report.totals.receptions
    total_visits = sum(r[1] for r in table(sales, "sites").rows)
    assert total_visits > 0, "the demo has receptions this month"
    assert sales.trend.rows[-1][1] == total_visits == rota.trend.rows[-1][1]


def test_the_commission_figures_are_the_statement(demo):
    figures = figures_for(person(Role.ADMIN))["commission"]
    statement = monthly_statement(
        month=NOVEMBER, site_ids=Site.objects.filter(kind=Site.Kind.SALES_OFFICE).values_list("pk", flat=True)
    )
    people = table(figures, "people")
    assert sum((r[4] for r in people.rows), Decimal(0)) == statement.total
    held = table(figures, "held")
    assert held.rows[0][2] == statement.total
    assert held.rows[2][1:] == [statement.held_count, statement.held_total]
    assert figures.trend.rows[-1][1] == statement.total


def test_the_service_figures_are_the_monthly_report(demo):
    figures = figures_for(person(Role.ADMIN))["service"]
    for office in Site.objects.filter(kind=Site.Kind.PROPERTY_OFFICE):
        report = service_report(site=office, year=2026, month=11, now=AT)
        (volumes,) = [r for r in table(figures, "volumes").rows if r[0] == office.name]
        assert volumes[-1] == report.total
        rates = [r for r in table(figures, "callbacks").rows if r[0] == office.name]
        assert [(r[2], r[3], r[5]) for r in rates] == [(x.callbacks, x.completed, x.minimum) for x in report.rates]
    assert sorted(r[5] for r in table(figures, "callbacks").rows[:3]) == [10, 30, 60]
    assert figures.trend.rows[-1][1] == sum(r[-1] for r in table(figures, "volumes").rows)


def test_the_vip_figures_follow_the_points_ledger(demo):
    figures = figures_for(person(Role.ADMIN))["vip"]
    stores = table(figures, "stores")
    assert stores.rows, "a row per store"
    trend_new = figures.trend.rows[-1][1]
    assert trend_new == sum(r[1] for r in stores.rows)
    assert figures.trend.rows[-1][2] == sum(r[4] for r in stores.rows)


def test_month_over_month_is_the_trend_s_last_two_months(demo):
    figures = figures_for(person(Role.ADMIN))["sales"]
    assert len(figures.trend.rows) == 12 and figures.trend.rows[-1][0] == "2026-11"
    visits = figures.headlines[0]
    assert (visits.value, visits.previous) == (figures.trend.rows[-1][1], figures.trend.rows[-2][1])


# The page


ADMIN_COCKPIT_QUERIES = 37  # every section over every site: the sales offices' reports, the stores', the office's


def test_the_page_shows_charts_data_and_tables_in_both_languages(demo, client, django_assert_num_queries):
    client.force_login(person(Role.ADMIN))
    for language, title in (("en", "Management cockpit · November 2026"), ("zh-hans", "管理驾驶舱 · 2026年11月")):
        client.cookies["django_language"] = language
        with time_machine.travel(AT, tick=False), django_assert_num_queries(ADMIN_COCKPIT_QUERIES):
            response = client.get(reverse("cockpit"), {"month": "2026-11"})
        html = response.content.decode()
        assert response.status_code == 200 and title in html
        assert 'id="cockpit-charts"' in html and 'data-chart="chart-sales-sites"' in html
        assert "vendor/echarts.min.js" in html and "<script>" not in html


def test_a_bad_month_is_an_error_by_the_field_not_a_500(demo, client, django_assert_num_queries):
    client.force_login(person(Role.ADMIN))
    client.cookies["django_language"] = "en"
    with time_machine.travel(AT, tick=False), django_assert_num_queries(ADMIN_COCKPIT_QUERIES):
        response = client.get(reverse("cockpit"), {"month": "2026-13"})
    assert response.status_code == 200
    assert "Enter a month as YYYY-MM" in response.content.decode()


def test_the_page_s_queries_are_bounded(demo, client, django_assert_num_queries):
    client.force_login(person(Role.OFFICE_DIRECTOR))
    with time_machine.travel(AT, tick=False):
        client.get(reverse("cockpit"), {"month": "2026-11"})  # sessions, permissions and caches warm
        offices = len(cockpit.site_scope(person(Role.OFFICE_DIRECTOR), Site.Kind.PROPERTY_OFFICE))
        # Session, user and rights, the offices, the trend's two aggregates, the menu's and the unread count: eight;
        # then per office its monthly report (the figures' statement, the overdue list, the office's settings).
        assert offices >= 1
        with django_assert_num_queries(8 + 3 * offices):
            assert client.get(reverse("cockpit"), {"month": "2026-11"}).status_code == 200


# The pack


def test_a_pack_is_generated_once_for_an_ended_month(demo, client, django_assert_num_queries):
    admin = person(Role.ADMIN)
    client.force_login(admin)
    client.cookies["django_language"] = "en"
    with time_machine.travel(AT, tick=False):
        with django_assert_num_queries(8):  # the refusal reads whether the month has a pack; the form again
            refused = client.post(reverse("cockpit_pack_generate"), {"month": "2026-11"})
        assert refused.status_code == 400 and "has not ended yet" in refused.content.decode()
        # The demo's own pack of last month (seed_demo) is kept: not made again.
        with django_assert_num_queries(8):
            again = client.post(reverse("cockpit_pack_generate"), {"month": "2026-10"})
        assert again.status_code == 400 and "already generated" in again.content.decode()
        with django_assert_num_queries(7):
            bad = client.post(reverse("cockpit_pack_generate"), {"month": "September"})
        assert bad.status_code == 400 and "Enter a month as YYYY-MM" in bad.content.decode()
        # Every section over every site, once per language, then the pack and its audit row.
        with django_assert_num_queries(71):
            response = client.post(reverse("cockpit_pack_generate"), {"month": "2026-09"})
        assert response.status_code == 302
        pack = MonthlyPack.objects.get(month=dt.date(2026, 9, 1))
        assert pack.generated_by == admin and pack.generated_at == AT
        assert set(pack.figures) == {"en", "zh-hans"}
        with django_assert_num_queries(PACK_PAGE_QUERIES):
            page = client.get(reverse("cockpit_pack", kwargs={"month": "2026-09"}))
        assert page.status_code == 200 and "Generated by" in page.content.decode()
        with django_assert_num_queries(7):  # no pack: the 404 page with the menu
            assert client.get(reverse("cockpit_pack", kwargs={"month": "2026-08"})).status_code == 404
        with django_assert_num_queries(6):  # not a month: no pack is looked for
            assert client.get(reverse("cockpit_pack", kwargs={"month": "2026-8"})).status_code == 404
    assert MonthlyPack.objects.count() == 2
    assert pack.history.get().history_user == admin  # the audit history says who, and when


# The pack page stands alone (no menu): session, user, the pack with who made it. The list has the menu.
PACK_PAGE_QUERIES = 3
LIST_QUERIES = 7
WORKBOOK_QUERIES = 3


def test_the_pack_pages_queries_are_bounded(demo, client, django_assert_num_queries):
    client.force_login(person(Role.ADMIN))
    with django_assert_num_queries(LIST_QUERIES):
        assert client.get(reverse("cockpit_packs")).status_code == 200
    with django_assert_num_queries(WORKBOOK_QUERIES):
        response = client.get(reverse("cockpit_pack_xlsx", kwargs={"month": "2026-10"}))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")


def test_a_kept_pack_reads_the_same_after_the_data_changes(demo):
    admin = person(Role.ADMIN)
    december = dt.datetime(2026, 12, 2, 9, tzinfo=ZoneInfo("Asia/Shanghai"))
    with translation.override("en"):
        pack = cockpit_pack.monthly_pack_generate(user=admin, first=NOVEMBER, now=december)
        before = cockpit.figures_to_json(cockpit_pack.pack_figures(MonthlyPack.objects.get(pk=pack.pk), "en"))
        grow(now=AT, times=1, batch=0)  # more of everything in November
        live = cockpit.figures_to_json(cockpit.build(cockpit.sections(), first=NOVEMBER, now=december, user=None))
        after = cockpit.figures_to_json(cockpit_pack.pack_figures(MonthlyPack.objects.get(pk=pack.pk), "en"))
    assert after == before
    assert live != before, "the data did change"


def test_the_workbook_has_a_sheet_per_section_with_numbers(demo):
    pack = MonthlyPack.objects.get(month=OCTOBER)  # the demo's (seed_demo)
    book = load_workbook(io.BytesIO(cockpit_pack.pack_workbook(pack, "en")))
    figures = cockpit_pack.pack_figures(pack, "en")
    assert book.sheetnames == [f.title[:28] for f in figures] and len(figures) == 5
    cells = list(book["Commission"].iter_rows(values_only=True))
    statement = monthly_statement(month=OCTOBER)
    (total_row,) = [row for row in cells if row and row[0] == "Statement total"]
    assert Decimal(str(total_row[2])) == statement.total
    service = list(book["Service desk"].iter_rows(values_only=True))
    header = service.index(next(row for row in service if row and row[0] == "Office" and "Role" in row))
    rates = [
        row
        for row in service[header + 1 :]
        if row and row[0] and row[1] in ("Office director", "Administrator", "Repair lead")
    ]
    assert sorted(row[5] for row in rates[:3]) == [10, 30, 60]
    assert all(isinstance(row[2], int) for row in rates)
    chinese = load_workbook(io.BytesIO(cockpit_pack.pack_workbook(pack, "zh-hans")))
    assert "佣金" in chinese.sheetnames
