"""The board fragment, rendered once per desk version and shared by every terminal that may see it the same way.

The board is a function of the desk's version and the minute (its clock, lunch hours, a new day): exactly what
`selectors.board_token` says, and what a poll's 204 already relies on. So the rendered fragment is cached under
that token, the language, and the two rights that change its buttons. Nothing else of the viewer is in it but the
CSRF token, which is rendered as a placeholder and put in per response: one user's token never reaches another.

Every service that changes the desk bumps the version, and so do the desk settings and the rota in the admin
(services.desk_changed). A salesperson renamed in the admin shows from the next minute, as a 204 already had it.
"""

import datetime as dt

from django.core.cache import cache
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from salesoffice.models import Site

from .selectors import board

# Letters only, so escaping leaves it as it is; a CSRF token never contains it.
CSRF_PLACEHOLDER = "CSRFTOKENPLACEHOLDERxqzvjk"
# A minute's board lives a minute; a little longer covers a clock at the minute's edge.
LIFETIME_SECONDS = 90


def _key(site: Site, token: str, can_operate: bool, can_decide_change: bool) -> str:
    return f"desk-board:{site.pk}:{token}:{get_language()}:{int(can_operate)}{int(can_decide_change)}"


def board_fragment(request: HttpRequest, site: Site, now: dt.datetime, token: str) -> SafeString:
    """The board fragment for this viewer; `token` is what `board_token` said for `now`."""
    can_operate = request.user.has_perm("reception.operate_desk")
    can_decide_change = request.user.has_perm("reception.decide_change_request")
    html = cache.get(_key(site, token, can_operate, can_decide_change))
    if html is None:
        context = {
            "board": board(site, now),
            "can_operate": can_operate,
            "can_decide_change": can_decide_change,
            "csrf_token": CSRF_PLACEHOLDER,
        }
        html = render_to_string("reception/partials/board_state.html", context)
        # Stored under the token of what was read: a change that committed since `token` was read is in this
        # board, and it must not be served as the older version's picture.
        cache.set(_key(site, context["board"].token, can_operate, can_decide_change), html, LIFETIME_SECONDS)
    # The fragment holds only escaped template output and the placeholder, so it is safe as it is.
    return mark_safe(html.replace(CSRF_PLACEHOLDER, get_token(request)))
