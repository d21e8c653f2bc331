"""The walk of every page of every role of the demo, shared by tests/portable/test_pages.py (every page opens),
tests/test_query_counts.py (every page's queries are constant in data size) and bench/run_all.py (the URLconf
walker).

Signed in as each active user in turn, a walk GETs the home page and every page without parameters, follows every
link, htmx fetch, form target and redirect to a page of the app, and fills every other page's parameters with values
it saw in that user's links or sampled from the data. Each request's SQL is kept with the URL it answered, so the
same URLs can be asked again later (`Walk.replay`)."""

import contextlib
import datetime as dt
import io
import re
import traceback
import uuid
from collections.abc import Callable, Iterable, Iterator
from urllib.parse import parse_qsl, urlsplit

import time_machine
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client, override_settings
from django.urls import NoReverseMatch, URLResolver, get_resolver, resolve, reverse
from django.urls.exceptions import Resolver404

from reception.models import RotaMember
from salesoffice.models import Site
from vip.models import Customer


@contextlib.contextmanager
def seeded_demo(at: dt.datetime, *, tick: bool) -> Iterator[None]:
    """The demo (`manage.py seed_demo`) seeded at `at`, with time travelling there for as long as the block runs,
    rolled back after it. The caller unblocks the database (a fixture of wider scope than a test)."""
    # A cache of its own while seeding, as every test has (tests/conftest.py, own_cache).
    own_cache = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": uuid.uuid4().hex}}
    with time_machine.travel(at, tick=tick), override_settings(CACHES=own_cache), transaction.atomic():
        call_command("seed_demo", stdout=io.StringIO())
        try:
            yield
        finally:
            transaction.set_rollback(True)


# Every URL in a page's attributes: links, htmx fetches and posts, form targets (a GET of a POST-only view is a
# 405, not a 5xx), data attributes.
URL_IN_PAGE = re.compile(r'="(/[^"]*)"')
# More decimals than any figure the app shows (money has 2, rates 1): a float read back as it came.
FLOAT_TAIL = re.compile(r"\d\.\d{5,}")
# What a page shows: its text, without markup, attributes (tokens, versions) or scripts.
MARKUP = re.compile(r"<script.*?</script>|<style.*?</style>|<[^>]*>", re.DOTALL)
NOT_FOLLOWED = {"logout": "signing out would end the walk"}

# Parameters that no page links with for some user, sampled from each site: a customer is found by the till's
# search, and the board offers "back" only while someone is away.
SAMPLED = {"customer_id": (Customer, "store"), "member_id": (RotaMember, "site")}


def sampled_parameters() -> list[dict]:
    found = []
    for site in Site.objects.order_by("pk"):
        for param, (model, site_field) in SAMPLED.items():
            pk = model.objects.filter(**{site_field: site}).order_by("pk").values_list("pk", flat=True).first()
            if pk is not None:
                found.append({"site": site.code, param: pk})
    return found


def named_patterns() -> dict[str, frozenset[str]]:
    """Every named URL of the app (Django's admin aside), by its namespaced name: the parameters it takes."""
    found: dict[str, frozenset[str]] = {}

    def walk(patterns, namespace: str, outer: frozenset[str]) -> None:
        for pattern in patterns:
            params = outer | set(pattern.pattern.converters)
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, inner, params)
            elif pattern.name:
                found[namespace + pattern.name] = params

    walk(get_resolver().url_patterns, "", frozenset())
    return {name: params for name, params in found.items() if not name.startswith("admin:")}


class Walk:
    """One user's walk: what it reached, what failed, the parameters of every URL it visited, and each visited URL's
    SQL. `before_request` runs before each request (a test empties the cache there, so every page is counted as a
    first visit)."""

    def __init__(self, user, before_request: Callable[[], None] | None = None):
        self.user = user
        self.client = Client()
        self.client.force_login(user)
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        self.before_request = before_request or (lambda: None)
        self.done: set[tuple] = set()
        self.reached: set[str] = set()
        self.kwargs_seen: list[dict] = []
        self.problems: list[str] = []
        self.queries: dict[str, list[str]] = {}  # URL requested -> its SQL, in the order of the walk
        self.statuses: dict[str, int] = {}  # URL requested -> its HTTP status

    def run(self, urls: list[str]) -> None:
        queue = list(urls)
        while queue:
            queue.extend(self.visit(queue.pop(0)))

    def get(self, url: str):
        """The response to `url` and the SQL it ran (an exception is raised as it came)."""
        self.before_request()
        sql: list[str] = []

        def kept(execute, query, params, many, context):
            sql.append(query)
            return execute(query, params, many, context)

        with connection.execute_wrapper(kept):
            response = self.client.get(url)
        return response, sql

    def visit(self, url: str) -> list[str]:
        parts = urlsplit(url.replace("&amp;", "&"))
        try:
            match = resolve(parts.path)
        except Resolver404:
            return []  # static files, media: not pages of the app
        # Once per page of each site, whatever the object (not every client's page, not every week back in time).
        step = (match.view_name, match.kwargs.get("site"), frozenset(key for key, _value in parse_qsl(parts.query)))
        if match.url_name in NOT_FOLLOWED or step in self.done:
            return []
        self.done.add(step)
        self.reached.add(match.view_name)
        self.kwargs_seen.append(match.kwargs)
        try:
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            response, self.queries[path] = self.get(path)
            self.statuses[path] = response.status_code
        except Exception:
            self.problems.append(f"{self.user.username} GET {url}: {traceback.format_exc(limit=-4)}")
            return []
        if response.status_code >= 500:
            self.problems.append(f"{self.user.username} GET {url}: {response.status_code}")
        if response.status_code in (301, 302, 303, 307, 308):
            return [response["Location"]] if response["Location"].startswith("/") else []
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            return []
        page = response.content.decode()
        if not parts.path.startswith("/admin/"):  # the admin shows stored values raw (instants to the microsecond)
            for tail in FLOAT_TAIL.findall(MARKUP.sub(" ", page)):
                self.problems.append(f"{self.user.username} GET {url}: a figure with a float's tail, {tail}")
        return URL_IN_PAGE.findall(page)

    def filled(self, name: str, wanted: frozenset[str]) -> str | None:
        """The named URL with parameters from a page this user saw, or None when no page held them all."""
        for kwargs in self.kwargs_seen:
            if wanted <= set(kwargs):
                try:
                    return reverse(name, kwargs={key: kwargs[key] for key in wanted})
                except NoReverseMatch:
                    continue
        return None

    def replay(self) -> dict[str, tuple[int, list[str]]]:
        """Every URL this walk requested, asked again as the same user: URL -> its HTTP status and SQL now."""
        again = {}
        for url in self.queries:
            response, sql = self.get(url)
            again[url] = (response.status_code, sql)
        return again


def walk_every_role(users: Iterable, before_request: Callable[[], None] | None = None) -> list[Walk]:
    """Each user's walk over every page it reaches: from the home page and every page without parameters, then the
    pages no link leads to, filled with what the walk saw and sampled parameters, until nothing new is reached."""
    patterns = named_patterns()
    plain = [reverse(name) for name, params in patterns.items() if not params]
    samples = sampled_parameters()
    walks = []
    for user in users:
        walk = Walk(user, before_request)
        walk.run(["/", *plain])
        walk.kwargs_seen += samples
        while True:
            more = [
                url
                for name, params in patterns.items()
                if name not in walk.reached and params and (url := walk.filled(name, params))
            ]
            before = len(walk.reached)
            walk.run(more)
            if len(walk.reached) == before:
                break
        walks.append(walk)
    return walks
