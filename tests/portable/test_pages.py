"""Every page opens for every role of the demo: signed in as each demo user in turn, the walk GETs the home page and
every page without parameters, follows every link, htmx fetch, form target and redirect to a page of the app, and
fills every other page's parameters with values it saw in that user's links. No page may fail (a 5xx or an
exception), no page may show a figure with a float's tail (`20000.0300000000`), and every page of the app must be
reached by someone, or be listed below with the reason it is not."""

import re
import traceback
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import NoReverseMatch, URLResolver, get_resolver, resolve, reverse
from django.urls.exceptions import Resolver404

from reception.models import RotaMember
from salesoffice.models import Site
from vip.models import Customer

# Every URL in a page's attributes: links, htmx fetches and posts, form targets (a GET of a POST-only view is a
# 405, not a 5xx), data attributes.
URL_IN_PAGE = re.compile(r'="(/[^"]*)"')
# More decimals than any figure the app shows (money has 2, rates 1): a float read back as it came.
FLOAT_TAIL = re.compile(r"\d\.\d{5,}")
# What a page shows: its text, without markup, attributes (tokens, versions) or scripts.
MARKUP = re.compile(r"<script.*?</script>|<style.*?</style>|<[^>]*>", re.DOTALL)
NOT_FOLLOWED = {"logout": "signing out would end the walk"}
# Pages no demo user reaches, with the reason; every other named page must be reached.
NOT_REACHED: dict[str, str] = {}


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
    """One user's walk: what it reached, what failed, and the parameters of every URL it visited."""

    def __init__(self, user):
        self.user = user
        self.client = Client()
        self.client.force_login(user)
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        self.done: set[tuple] = set()
        self.reached: set[str] = set()
        self.kwargs_seen: list[dict] = []
        self.problems: list[str] = []

    def run(self, urls: list[str]) -> None:
        queue = list(urls)
        while queue:
            queue.extend(self.visit(queue.pop(0)))

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
            response = self.client.get(parts.path + (f"?{parts.query}" if parts.query else ""))
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


@pytest.mark.django_db
def test_every_page_opens_for_every_role_of_the_demo(demo):
    patterns = named_patterns()
    plain = [reverse(name) for name, params in patterns.items() if not params]
    reached: set[str] = set()
    problems: list[str] = []
    samples = sampled_parameters()
    users = list(get_user_model().objects.filter(is_active=True).order_by("pk"))
    assert len(users) > 10, "the demo seeds a user in every role"
    for user in users:
        walk = Walk(user)
        walk.run(["/", *plain])
        walk.kwargs_seen += samples
        # Pages no link leads to: filled with what the walk saw, then followed in turn, until nothing new is reached.
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
        reached |= walk.reached
        problems += walk.problems

    assert not problems, "\n".join(problems)
    unreached = sorted(set(patterns) - reached - set(NOT_REACHED) - set(NOT_FOLLOWED))
    assert not unreached, f"no demo user reaches {', '.join(unreached)}: link it, seed it, or list it in NOT_REACHED"
    assert sorted(set(NOT_REACHED) & reached) == [], "reached now: take them off NOT_REACHED"
