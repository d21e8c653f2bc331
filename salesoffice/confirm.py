"""Confirm before what cannot be undone (issue 19): closing a month, approving a day's entries, ruling a dispute,
redeeming points, cancelling a deal. (Voiding a reception needs no second step: the board's void link opens a page of
its own that says what the void does to the rota and asks for a reason, reception/views.py `reception_void`.)

The confirmation is a step of the server's, not a script's: the action's view validates its form, then asks
`confirmation_page` — a POST without `confirmed=1` gets a page saying what will happen (200, nothing changed),
which posts the same fields again with `confirmed=1`. It works without JavaScript, a double-click cannot skip it,
and a test, a scenario or the API goes through the same step. Routine taps (taking a turn, a client arrived) have
none: the desk must stay one tap.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

CONFIRMED = "confirmed"
# Re-posted by the page itself: the token is the page's own, the flag is what the page adds.
_NOT_CARRIED = {"csrfmiddlewaretoken", CONFIRMED}


@dataclass(frozen=True)
class Consequence:
    """What an irreversible action will do, in sentences a manager reads before pressing the button."""

    title: str
    will_happen: Sequence[str]
    confirm_label: str
    rule_ids: Sequence[str] = field(default_factory=tuple)
    danger: bool = True


def is_confirmed(request: HttpRequest) -> bool:
    return request.POST.get(CONFIRMED) == "1"


def confirmation_page(request: HttpRequest, consequence: Consequence, *, back_url: str) -> HttpResponse:
    """The page that says what will happen and posts the same fields again, confirmed, to the same address."""
    carried = [(name, value) for name, values in request.POST.lists() if name not in _NOT_CARRIED for value in values]
    context = {
        "consequence": consequence,
        "carried": carried,
        "action_url": request.get_full_path(),
        "back_url": back_url,
        "confirmed_field": CONFIRMED,
    }
    return render(request, "confirm.html", context)
