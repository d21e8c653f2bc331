"""Money and numbers as people read them (issue 19): one set of filters, `{% load numbers %}`, made by
salesoffice.money, so a table reads ¥2,122,888.94 and a summary 212.3万 (zh) or ¥2.12M (en) whoever wrote the page."""

import datetime as dt
import re
from decimal import Decimal as D
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import translation

from salesoffice.money import count_text, money_summary, money_text

SHANGHAI = ZoneInfo("Asia/Shanghai")  # the default site zone the date filter shows times in
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (D("2122888.94"), "¥2,122,888.94"),
        (D("0"), "¥0.00"),
        (D("0.005"), "¥0.00"),  # half even: a shown amount never invents a cent
        (D("0.015"), "¥0.02"),
        (D("-15"), "-¥15.00"),
        (D("9999.995"), "¥10,000.00"),
        (D("100000000"), "¥100,000,000.00"),
        ("1234.5", "¥1,234.50"),
        (None, "—"),
        ("", "—"),
    ],
)
def test_a_table_shows_an_amount_to_the_cent_grouped_by_thousands(value, shown):
    assert money_text(value) == shown


@pytest.mark.parametrize(
    ("value", "zh", "en"),
    [
        (D("2122888.94"), "¥212.3万", "¥2.12M"),
        (D("123456789.12"), "¥1.2亿", "¥123.46M"),
        (D("100000000"), "¥1亿", "¥100M"),
        (D("2500000000"), "¥25亿", "¥2.5B"),
        (D("12345"), "¥1.2万", "¥12.3K"),
        (D("10000"), "¥1万", "¥10K"),
        (D("9999.49"), "¥9,999", "¥9,999"),
        (D("0"), "¥0", "¥0"),
        (D("-2122888.94"), "-¥212.3万", "-¥2.12M"),
        (None, "—", "—"),
    ],
)
def test_a_summary_reads_in_the_readers_units(value, zh, en):
    assert money_summary(value, "zh-hans") == zh
    assert money_summary(value, "en") == en


@pytest.mark.parametrize(
    ("value", "shown"), [(12345, "12,345"), (0, "0"), (D("7"), "7"), (None, "—"), (-1200, "-1,200")]
)
def test_a_count_is_grouped_by_thousands(value, shown):
    assert count_text(value) == shown


@pytest.mark.parametrize(("language", "summary"), [("zh-hans", "¥212.3万"), ("en", "¥2.12M")])
def test_the_filters_follow_the_active_language(language, summary):
    page = Template("{% load numbers %}{{ v|money }}|{{ v|money_short }}|{{ n|count }}")
    with translation.override(language):
        assert page.render(Context({"v": D("2122888.94"), "n": 4500})) == f"¥2,122,888.94|{summary}|4,500"


def test_no_template_formats_money_by_hand():
    """floatformat:2 and a hand-written ¥ before a figure were how money was shown before the filters; either one
    would print 2122888.94 next to a page showing ¥2,122,888.94."""
    by_hand = re.compile(r"floatformat:\"?2\b|¥\{\{")
    offenders = [
        f"{path.relative_to(TEMPLATES)}:{number}: {line.strip()[:100]}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if by_hand.search(line)
    ]
    assert offenders == []


def test_no_template_spells_a_date_format():
    """Pages name a format (salesoffice/formats decides it per language); a spelt one ("Y-m") would read the same to
    every reader. Single-quoted formats build URLs and ids, which are for machines, not readers."""
    spelt = re.compile(r"\|(?:date|time):\"(?![A-Z_]+\")")
    offenders = [
        f"{path.relative_to(TEMPLATES)}:{number}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if spelt.search(line)
    ]
    assert offenders == []


@pytest.mark.parametrize(
    ("language", "month", "day", "stamp"),
    [
        ("zh-hans", "2026年3月", "2026年3月5日", "2026-03-05 09:30"),
        ("en", "March 2026", "5 March 2026", "2026-03-05 09:30"),
    ],
)
def test_dates_read_in_the_readers_language_and_tables_keep_the_iso_order(language, month, day, stamp):
    page = Template('{{ d|date:"YEAR_MONTH_FORMAT" }}|{{ d|date:"DATE_FORMAT" }}|{{ t|date:"SHORT_DATETIME_FORMAT" }}')
    with translation.override(language):
        shown = page.render(Context({"d": dt.date(2026, 3, 5), "t": dt.datetime(2026, 3, 5, 9, 30, tzinfo=SHANGHAI)}))
    assert shown == f"{month}|{day}|{stamp}"
