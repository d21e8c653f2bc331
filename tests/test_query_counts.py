"""Every page of every role runs as many queries with four times the history as with one (issue 17: queries per
page constant in data size). The demo is seeded with one more round of history of every kind on its own sites
(tests/demo_growth.py: clients and more visits of the same clients, receptions and rota events today and on past
days, deals with corrections, re-splits and closed months, members, purchases, redemptions and returns, service
requests of every kind, duty), so that every list of every role has rows. Signed in as each user, the walk of
tests/portable/test_pages.py opens every page that user reaches and keeps each URL's SQL; three more rounds are
added on the same sites, the same URLs are asked again as the same users, and each must run the same number of
queries. A page that reads one more query per row it shows fails here, whoever wrote it and whenever: a new page is
covered without a test of its own.

Each request is counted as a first visit (the cache emptied before it, Django's content-type cache and the weekly
report's stored reader views too), so a page cached by the first walk is not counted as cheaper the second time.
The exact count of every page as each demo user (each role) is also pinned in tests/page_query_counts.json, a
table read and reviewed like code: a page that gains a query fails here until the table is regenerated
(`UPDATE_QUERY_COUNTS=1 pytest tests/test_query_counts.py`) and the change to it is committed with the change that
caused it. A page is named by its path with numbers masked and the names of its query parameters, so that the table
reads the same on every run whatever ids the database handed out.

Time stands still at a fixed instant, a Wednesday in mid-month at half past noon (the noon duty on), so the walk and
its counts are the same on every run.
"""

import datetime as dt
import difflib
import json
import os
import re
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.urls import resolve

from attribution.models import WeeklyReportPart
from tests.demo_growth import grow
from tests.page_walk import seeded_demo, walk_every_role

AT = dt.datetime(2026, 11, 18, 12, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
# Pages whose query count depends on what is on screen rather than on how much history there is, by view name,
# with the reason. Keep it short: a page whose count grows with the data is a bug to fix in the page.
VARIES = {
    "admin:salesoffice_site_delete": "Django's delete confirmation lists every object a deletion would reach",
}
NUMBERS = re.compile(r"\b\d+\b|'[^']*'")
TABLE = Path(__file__).with_name("page_query_counts.json")
REGENERATE = "UPDATE_QUERY_COUNTS"
PATH_NUMBERS = re.compile(r"(?<=/)\d+(?=/)")


@pytest.fixture
def demo(db):
    with seeded_demo(AT, tick=False):
        yield


def first_visit() -> None:
    cache.clear()
    ContentType.objects.clear_cache()
    # The weekly report's reader views are stored on the first visit (a cache in the database): empty it too.
    WeeklyReportPart.objects.all().delete()


def what_changed(before: list[str], after: list[str]) -> str:
    """The queries added or dropped, their literals masked so that the same query on other rows compares equal."""
    lines = difflib.unified_diff(
        [NUMBERS.sub("?", q)[:300] for q in before], [NUMBERS.sub("?", q)[:300] for q in after], lineterm="", n=0
    )
    return "\n".join(f"      {line}" for line in list(lines)[2:14])


def page_name(url: str) -> str:
    """A URL as the table names its page: ids masked, the names of its parameters kept, their values not."""
    parts = urlsplit(url)
    keys = sorted({key for key, _value in parse_qsl(parts.query, keep_blank_values=True)})
    return PATH_NUMBERS.sub("N", parts.path) + (f"?{'&'.join(keys)}" if keys else "")


def counts_by_role(walks) -> dict[str, dict[str, int]]:
    """Each user's pages and the queries each ran, sorted; a page reached at two URLs that differ only in their ids
    keeps the higher count."""
    table: dict[str, dict[str, int]] = {}
    for walk in walks:
        pages: dict[str, int] = {}
        for url, sql in walk.queries.items():
            name = page_name(url)
            pages[name] = max(pages.get(name, 0), len(sql))
        table[walk.user.username] = dict(sorted(pages.items()))
    return dict(sorted(table.items()))


def compare_with_the_table(counts: dict[str, dict[str, int]]) -> None:
    if os.environ.get(REGENERATE):
        TABLE.write_text(json.dumps(counts, indent=1, ensure_ascii=False) + "\n")
        return
    pinned = json.loads(TABLE.read_text()) if TABLE.exists() else {}
    changes = []
    for user in sorted(set(counts) | set(pinned)):
        now, before = counts.get(user, {}), pinned.get(user, {})
        for page in sorted(set(now) | set(before)):
            if now.get(page) != before.get(page):
                changes.append(
                    f"  {user} {page}: {before.get(page, 'not in the table')} -> {now.get(page, 'not reached')}"
                )
    assert not changes, (
        f"{len(changes)} pages run another number of queries than {TABLE.name} says:\n"
        + "\n".join(changes[:60])
        + f"\nIf the change is meant, regenerate the table with `{REGENERATE}=1 pytest {Path(__file__).name}` "
        "and commit it with the change, for review."
    )


def test_every_page_of_every_role_runs_the_same_queries_with_four_times_the_history(demo):
    grow(now=AT, times=1, batch=0)
    users = list(get_user_model().objects.filter(is_active=True).order_by("pk"))
    walks = walk_every_role(users, before_request=first_visit)
    pages = sum(len(walk.queries) for walk in walks)
    assert pages > 1000, "the walk reaches every page of every role"
    counts = counts_by_role(walks)

    grow(now=AT, times=3, batch=1)

    differences = []
    for walk in walks:
        for url, (status, after) in walk.replay().items():
            before = walk.queries[url]
            view = resolve(url.split("?")[0]).view_name
            if len(after) == len(before) or view in VARIES:
                continue
            differences.append(
                f"{view} as {walk.user.username}: {url} ran {len(before)} queries (HTTP {walk.statuses[url]}), "
                f"{len(after)} with more history (HTTP {status})\n{what_changed(before, after)}"
            )
    assert not differences, f"{len(differences)} of {pages} pages:\n" + "\n".join(differences)
    compare_with_the_table(counts)
