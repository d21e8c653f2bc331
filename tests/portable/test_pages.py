"""Every page opens for every role of the demo: signed in as each demo user in turn, the walk GETs the home page and
every page without parameters, follows every link, htmx fetch, form target and redirect to a page of the app, and
fills every other page's parameters with values it saw in that user's links. No page may fail (a 5xx or an
exception), no page may show a figure with a float's tail (`20000.0300000000`), and every page of the app must be
reached by someone, or be listed below with the reason it is not."""

import pytest
from django.contrib.auth import get_user_model

from tests.page_walk import NOT_FOLLOWED, named_patterns, walk_every_role

# Pages no demo user reaches, with the reason; every other named page must be reached.
NOT_REACHED: dict[str, str] = {}


@pytest.mark.django_db
def test_every_page_opens_for_every_role_of_the_demo(demo):
    users = list(get_user_model().objects.filter(is_active=True).order_by("pk"))
    assert len(users) > 10, "the demo seeds a user in every role"

    walks = walk_every_role(users)

    problems = [problem for walk in walks for problem in walk.problems]
    assert not problems, "\n".join(problems)
    reached = set().union(*(walk.reached for walk in walks))
    unreached = sorted(set(named_patterns()) - reached - set(NOT_REACHED) - set(NOT_FOLLOWED))
    assert not unreached, f"no demo user reaches {', '.join(unreached)}: link it, seed it, or list it in NOT_REACHED"
    assert sorted(set(NOT_REACHED) & reached) == [], "reached now: take them off NOT_REACHED"
