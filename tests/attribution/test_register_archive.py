"""The register archive for the sales sales_assistant (ATT-REG-1): every entry as written, with its review and its
corrections, filtered and paginated with bounded queries; a bounded, logged xlsx export."""

import datetime as dt
import logging
from io import BytesIO

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from openpyxl import load_workbook

from attribution import services
from attribution.models import FollowUp, Referral
from attribution.reports import weekly_report_generate
from salesoffice.roles import Role

from ..conftest import at, make_user


def site_url(name: str) -> str:
    return reverse(f"attribution:{name}", kwargs={"site": "riverside"})


def visit(site, salesperson, name, phone, now, **extra):
    return services.visit_register(
        site=site, actor=salesperson, salesperson=salesperson, name=name, phones=[phone], now=now, **extra
    ).entry


@pytest.fixture
def register(site, other_site, salespeople, project_manager):
    """Four entries: Chen approved then corrected (the correction approved), Lin rejected, Wu awaiting review;
    and one on the other site."""
    ann, bob = salespeople[:2]
    chen = visit(site, ann, "Mr Chen", "13800138001", at(2, 10))
    services.visit_review(entry=chen, actor=project_manager, approve=True, now=at(2, 18))
    correction = services.visit_correct(
        entry=chen, actor=project_manager, salesperson=bob, now=at(3, 9), note="Bob received him"
    )
    lin = visit(site, bob, "Ms Lin", "13800138002", at(4, 10))
    services.visit_review(entry=lin, actor=project_manager, approve=False, reason="test entry", now=at(4, 18))
    wu = visit(site, ann, "Mr Wu", "13800138003", at(6, 10))
    theirs = make_user("otto", Role.SALESPERSON, [other_site])
    visit(other_site, theirs, "Mr Sun", "13800138004", at(5, 10))
    return {"chen": chen, "correction": correction, "lin": lin, "wu": wu}


@pytest.mark.parametrize(
    ("who", "status"), [("assistant", 200), ("pm", 200), ("salesmgr", 200), ("ann", 403), ("outsider", 404)]
)
def test_permission_matrix(
    who, status, site, sales_assistant, project_manager, sales_manager, salespeople, outsider, browser_as,
    django_assert_num_queries,
):  # fmt: skip
    people = {
        "assistant": sales_assistant,
        "pm": project_manager,
        "salesmgr": sales_manager,
        "ann": salespeople[0],
        "outsider": outsider,
    }
    web = browser_as(people[who])
    # A refusal runs 5 queries, whichever the status.
    with django_assert_num_queries(7 if status == 200 else 5):
        assert web.get(site_url("register_archive")).status_code == status
    with django_assert_num_queries(6 if status == 200 else 5):
        export = web.get(site_url("register_archive_xlsx"), {"date_from": "2026-03-01", "date_to": "2026-03-31"})
    assert export.status_code == status


def test_every_entry_with_its_review_and_corrections_att_reg_1(
    register, sales_assistant, browser_as, django_assert_num_queries
):
    web = browser_as(sales_assistant)
    with django_assert_num_queries(8):
        page = web.get(site_url("register_archive"))
    rows = {row.entry.pk: row for row in page.context["rows"]}
    assert list(rows) == [register[k].pk for k in ("wu", "lin", "correction", "chen")]  # newest first
    assert [rows[register[k].pk].review for k in ("chen", "correction", "lin", "wu")] == [
        "approved",
        "pending",
        "rejected",
        "pending",
    ]
    assert rows[register["chen"].pk].corrected_by == [register["correction"].pk]
    html = page.content.decode()
    assert f"corrected by #{register['correction'].pk}" in html
    assert f"corrects #{register['chen'].pk}: Bob received him" in html
    assert "Awaiting the project manager" in html and "test entry" in html and "Mr Sun" not in html


def test_filters_by_date_range_and_salesperson(
    register, salespeople, sales_assistant, browser_as, django_assert_num_queries
):
    web = browser_as(sales_assistant)
    bob = salespeople[1]
    with django_assert_num_queries(8):
        by_dates = web.get(site_url("register_archive"), {"date_from": "2026-03-03", "date_to": "2026-03-04"})
    assert [row.entry for row in by_dates.context["rows"]] == [register["lin"], register["correction"]]
    with django_assert_num_queries(9):
        by_bob = web.get(site_url("register_archive"), {"salesperson": bob.pk})
    assert [row.entry for row in by_bob.context["rows"]] == [register["lin"], register["correction"]]
    # The salesperson filter offers those the register names.
    assert [u.username for u in by_bob.context["form"].fields["salesperson"].queryset] == ["ann", "bob"]
    with django_assert_num_queries(8):
        wrong = web.get(site_url("register_archive"), {"date_from": "2026-03-05", "date_to": "2026-03-01"})
    assert wrong.context["form"].errors["date_to"] == ["The end comes before the start."]
    assert len(wrong.context["rows"]) == 4  # an invalid filter shows everything rather than nothing


def test_days_are_the_sites_days(site, salespeople, sales_assistant, browser_as, django_assert_num_queries):
    """An entry at 00:30 on 3 March in the site's zone (16:30 UTC on 2 March) belongs to 3 March."""
    entry = visit(site, salespeople[0], "Mr Late", "13800138009", at(3, 0, 30))
    web = browser_as(sales_assistant)
    with django_assert_num_queries(7):
        second = web.get(site_url("register_archive"), {"date_from": "2026-03-02", "date_to": "2026-03-02"})
    with django_assert_num_queries(8):
        third = web.get(site_url("register_archive"), {"date_from": "2026-03-03", "date_to": "2026-03-03"})
    assert (second.context["rows"], [r.entry for r in third.context["rows"]]) == ([], [entry])


def test_pages_keep_the_filter_and_cost_the_same_queries(
    site, salespeople, sales_assistant, browser_as, django_assert_max_num_queries, django_assert_num_queries
):
    ann = salespeople[0]
    address = site_url("register_archive")
    query = {"salesperson": ann.pk, "date_from": "2026-03-01"}
    visit(site, ann, "Client 0", "13900000000", at(2, 9))
    web = browser_as(sales_assistant)
    with django_assert_num_queries(9):
        web.get(address, query)
    with django_assert_max_num_queries(13) as captured:
        web.get(address, query)
    for n in range(1, 60):
        visit(site, ann, f"Client {n}", f"1390000{n:04d}", at(2, 9, n))
    with django_assert_num_queries(len(captured)):
        first = web.get(address, query)
    assert len(first.context["rows"]) == 50 and "Page 1<" in first.content.decode()
    assert f"salesperson={ann.pk}" in first.context["extra_query"]
    assert f"date_from=2026-03-01&amp;salesperson={ann.pk}&page=2" in first.content.decode()
    with django_assert_num_queries(9):
        second = web.get(address, {**query, "page": 2})
    assert len(second.context["rows"]) == 10


def test_the_xlsx_export_holds_the_range_and_is_logged(
    register, sales_assistant, browser_as, caplog, django_assert_num_queries
):
    web = browser_as(sales_assistant)
    with caplog.at_level(logging.INFO, logger="salesoffice.exports"), django_assert_num_queries(7):
        response = web.get(site_url("register_archive_xlsx"), {"date_from": "2026-03-02", "date_to": "2026-03-04"})
    assert response.status_code == 200
    assert 'filename="register-riverside-2026-03-02-2026-03-04.xlsx"' in response["Content-Disposition"]
    rows = [list(r) for r in load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True)]
    assert rows[0][0] == "Riverside — 2026-03-02 – 2026-03-04 (Asia/Shanghai)"
    assert rows[1][:3] == ["No.", "Registered at", "Visited at"]
    chen, correction, lin = register["chen"], register["correction"], register["lin"]
    body = {row[0]: row for row in rows[2:]}
    assert list(body) == [lin.pk, correction.pk, chen.pk]
    assert body[chen.pk][1].isoformat() == "2026-03-02T10:00:00"  # the site's local time
    assert body[chen.pk][3:10] == ["Mr Chen", "13800138001", "Ann", None, "Walk-in", "Ann", "approved"]
    assert body[chen.pk][14] == f"#{correction.pk}"
    assert body[correction.pk][5] == "Bob" and body[correction.pk][9] == "awaiting review"
    assert body[correction.pk][13] == f"#{chen.pk}"
    assert body[lin.pk][9:11] == ["rejected", "Pm"] and body[lin.pk][12] == "test entry"
    assert body[lin.pk][11].isoformat() == "2026-03-04T18:00:00"
    assert [r.getMessage() for r in caplog.records] == [
        f"register export: user={sales_assistant.pk} site=riverside from=2026-03-02 to=2026-03-04 salesperson= "
        "entries=3"
    ]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"date_from": "2026-03-01"}, "This field is required."),
        ({"date_from": "2026-01-01", "date_to": "2026-03-01"}, "An export covers at most 31 days."),
        ({"date_from": "2026-03-05", "date_to": "2026-03-01"}, "The end comes before the start."),
    ],
)
def test_an_export_needs_a_bounded_range(
    query, message, site, sales_assistant, browser_as, caplog, django_assert_num_queries
):
    web = browser_as(sales_assistant)
    with caplog.at_level(logging.INFO, logger="salesoffice.exports"), django_assert_num_queries(7):
        response = web.get(site_url("register_archive_xlsx"), query)
    # The archive page again, the error next to the end date.
    assert response.status_code == 400
    assert response.context["form"].errors["date_to"] == [message]
    assert not [record for record in caplog.records if record.name == "salesoffice.exports"]


def test_the_dates_start_on_this_month_so_a_plain_download_works(
    site, sales_assistant, browser_as, django_assert_num_queries
):
    web = browser_as(sales_assistant)
    with time_machine.travel(at(20, 10), tick=False), django_assert_num_queries(7):
        form = web.get(site_url("register_archive")).context["form"]
    assert (form["date_from"].value(), form["date_to"].value()) == (dt.date(2026, 3, 1), dt.date(2026, 3, 20))


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_every_office_page_renders_in_both_languages(
    language, register, site, salespeople, project_manager, sales_assistant, client, django_assert_num_queries
):
    """The referral, follow-up, report and archive pages, with something on each, in English and Chinese."""
    ann = salespeople[0]
    referral = services.referral_register(
        site=site, actor=ann, name="Ms Gao", phone="13800138099", appointment_date=dt.date(2026, 3, 9), now=at(6, 9)
    )
    FollowUp.objects.create(
        site=site, client=register["wu"].client, salesperson=ann, planned_for=at(7, 9), created_at=at(6, 9)
    )
    weekly_report_generate(now=at(9, 1))
    # Each page with the queries it runs, the same in both languages.
    pages = {
        ann: [
            (reverse("attribution:referral_new"), 7),
            (reverse("attribution:my_referrals"), 8),
            (reverse("attribution:referral_print", kwargs={"referral_id": referral.pk}), 4),
            (site_url("my_follow_ups"), 9),
        ],
        project_manager: [(site_url("site_referrals"), 9), (site_url("follow_up_review"), 9)],
        sales_assistant: [
            (reverse("attribution:weekly_reports"), 7),
            (reverse("attribution:weekly_report", kwargs={"week": "2026-03-02"}), 10),
            (reverse("attribution:weekly_report", kwargs={"week": "2026-03-02"}) + "?project=riverside", 8),
            (site_url("register_archive"), 8),
        ],
    }
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    for user, addresses in pages.items():
        client.force_login(user)
        for address, queries in addresses:
            with django_assert_num_queries(queries):
                response = client.get(address)
            assert response.status_code == 200, address
            assert f'<html lang="{language}">' in response.content.decode(), address
    assert Referral.objects.count() == 1
