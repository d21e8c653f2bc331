"""The board fragment, rendered once per desk version and shared by every terminal that may see it the same way.

The board is a function of the desk's version and the minute (its clock, lunch hours, a new day): exactly what
`selectors.board_token` says, and what a poll's 204 already relies on. So the rendered fragment is cached under
that token, the language, and the rights that change its buttons and links (BOARD_RIGHTS). Nothing else of the
viewer is in it but the CSRF token, which is rendered as a placeholder and put in per response: one user's token
never reaches another.

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

from .models import DeskSettings, RotaState
from .selectors import board, board_token

# Letters only, so escaping leaves it as it is.
CSRF_PLACEHOLDER = "CSRFTOKENPLACEHOLDER"
# Replaced as the quoted attribute value: text on the board (a client's name) is escaped, so no quote of its own
# can make it look like this.
CSRF_VALUE = f'value="{CSRF_PLACEHOLDER}"'
# A minute's board lives a minute; a little longer covers a clock at the minute's edge.
LIFETIME_SECONDS = 90


# Every right the fragment depends on, as the template's flag -> the permission. Each is part of the cache key: a
# right that changes the fragment but not the key would show one viewer's buttons or links to another.
BOARD_RIGHTS = {
    "can_operate": "reception.operate_desk",
    "can_decide_change": "reception.decide_change_request",
    "can_register": "attribution.register_visit",
    "can_void": "reception.manage_rota",
}


def _key(site: Site, token: str, rights: dict[str, bool]) -> str:
    flags = "".join(str(int(rights[name])) for name in BOARD_RIGHTS)
    return f"desk-board:{site.pk}:{token}:{get_language()}:{flags}"


def board_fragment(
    request: HttpRequest, site: Site, now: dt.datetime, desk: RotaState, settings: DeskSettings | None = None
) -> SafeString:
    """The board fragment for this viewer at `now`; `desk` is the desk's state and `settings` its settings, just
    read (the board reads the settings itself when not given)."""
    rights = {name: request.user.has_perm(perm) for name, perm in BOARD_RIGHTS.items()}
    key = _key(site, board_token(site, now, desk), rights)
    html = cache.get(key)
    if html is None:
        context = {
            "board": board(site, now, desk=desk, settings=settings),
            **rights,
            "csrf_token": CSRF_PLACEHOLDER,
        }
        html = render_to_string("reception/partials/board_state.html", context)
        # The board reads the desk's other rows after `desk`: a change that committed in between shows in it
        # under the older version, which only makes a terminal's next poll render again. The other way round (a
        # picture older than its version) would stay on screen.
        cache.set(key, html, LIFETIME_SECONDS)
    # The fragment holds only escaped template output and the placeholder, so it is safe as it is.
    return mark_safe(html.replace(CSRF_VALUE, f'value="{get_token(request)}"'))
