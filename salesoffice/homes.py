"""Each role's home (issue 19): the first page after sign-in is a set of panels of what waits for the person, and
the navigation counts what waits behind its links.

The ground floor knows no app, so the apps bring their parts. Each app's `<app>/home.py` registers, from its
AppConfig.ready():
- panels, `register_home_panel(roles=..., build=..., order=...)`: `build(home)` reads through the app's selectors
  (a fixed number of queries, whatever the history holds) and returns the panels it has for this person, each with a
  title, rows that link to where the work is done and a sentence for when there is nothing;
- counts, `register_nav_count(url_name, count)`: `count(user=..., site_code=..., now=...)` answers, in one query, how
  many things wait behind the navigation's link of that name (None: nothing to say).

A person with several roles sees the panels of each, in the order of `order` (lower first).
"""

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from .access import user_roles
from .models import Site
from .roles import Role

# The panels the admin has as the admin (across every site) are grouped under this anchor of the home.
ADMIN_SECTION = "admin-panels"
# A panel shows this many rows at most; its "all" link leads to the page with the rest.
PANEL_ROWS = 8


@dataclass(frozen=True)
class Row:
    """One thing waiting: what it is, where it is done, and what makes it urgent."""

    text: str
    url: str = ""
    detail: str = ""
    # "danger" (overdue), "warning" (due soon) or "" (waiting).
    tone: str = ""
    # The rule that puts it here, shown beside it (e.g. ATT-REG-1).
    rule: str = ""


@dataclass(frozen=True)
class Panel:
    key: str  # stable, for tests and the page's anchors (data-testid="panel-<key>")
    title: str
    rows: Sequence[Row] = ()
    empty: str = ""
    # A headline figure or sentence above the rows ("You are next up", "¥1,200.00 so far").
    figure: str = ""
    more_url: str = ""
    more_label: str = ""
    # How many wait in all when there are more than the rows shown (None: the rows are all there is).
    total: int | None = None
    section: str = ""  # the admin's own panels are grouped under an anchor (ADMIN_SECTION)


@dataclass
class Home:
    """What a panel knows of the request: who, when, and the sites they see (read once for every panel)."""

    user: AbstractBaseUser
    now: dt.datetime
    sites: list[Site]
    roles: frozenset[str] = field(default_factory=frozenset)

    def sites_of_kind(self, kind: str) -> list[Site]:
        return [site for site in self.sites if site.kind == kind]


PanelBuilder = Callable[[Home], Iterable[Panel]]


def first_rows[T](items: Sequence[T]) -> list[T]:
    """What a panel reads of a list or query: PANEL_ROWS and one more, which says that there are more (a LIMIT)."""
    return list(items[: PANEL_ROWS + 1])


def list_panel[T](
    *, key: str, title: str, found: Sequence[T], row: Callable[[T], Row], empty: str, **more: str
) -> Panel:
    """A panel of the rows `found` (read by first_rows), with the total when there were more than it shows."""
    return Panel(
        key=key,
        title=title,
        rows=[row(item) for item in found[:PANEL_ROWS]],
        total=len(found) if len(found) > PANEL_ROWS else None,
        empty=empty,
        **more,
    )


@dataclass(frozen=True)
class _PanelSpec:
    roles: frozenset[str]
    build: PanelBuilder
    order: int


_panels: list[_PanelSpec] = []


def register_home_panel(*, roles: Iterable[Role], build: PanelBuilder, order: int) -> None:
    """Show `build`'s panels on the home of whoever holds one of `roles`."""
    spec = _PanelSpec(frozenset(r.value for r in roles), build, order)
    if any(s.build is build for s in _panels):
        return
    _panels.append(spec)
    _panels.sort(key=lambda s: s.order)


def roles_of(user: AbstractBaseUser) -> frozenset[str]:
    """The user's roles; a superuser without a role is seen as the admin."""
    roles = user_roles(user)
    if getattr(user, "is_superuser", False) and not roles:
        return frozenset({Role.ADMIN.value})
    return roles


def home_panels(home: Home) -> list[Panel]:
    """Every panel of each of the person's roles; a builder serving two of their roles runs once."""
    panels: list[Panel] = []
    admin_only = frozenset({Role.ADMIN.value})
    for spec in _panels:
        held = spec.roles & home.roles
        if not held:
            continue
        # Panels the admin has as the admin (not through another role) make the admin's own section.
        section = ADMIN_SECTION if held == admin_only else ""
        panels.extend(replace(panel, section=section) for panel in spec.build(home))
    return panels


# --- counts in the navigation ----------------------------------------------------------------------------------

NavCount = Callable[..., int | None]
_nav_counts: dict[str, NavCount] = {}


def register_nav_count(url_name: str, count: NavCount) -> None:
    """`count(user=, site_code=, now=)` says how many wait behind the navigation's links named `url_name`."""
    existing = _nav_counts.get(url_name)
    if existing is not None and existing is not count:
        raise ValueError(f"Two counts for the navigation link {url_name!r}")
    _nav_counts[url_name] = count


def nav_count_for(url_name: str) -> NavCount | None:
    return _nav_counts.get(url_name)


def counted_url_names() -> frozenset[str]:
    return frozenset(_nav_counts)


# A count stops here (a LIMIT before the COUNT): past it the badge reads "99+", and counting further would cost a
# scan for a figure nobody reads.
COUNT_CAP = 99


def capped_count(found: QuerySet[Any]) -> int:
    """How many rows `found` has, counted up to COUNT_CAP + 1 (a LIMIT inside the COUNT): one query, bounded."""
    return found.order_by().values("pk")[: COUNT_CAP + 1].count()


def count_label(count: int) -> str:
    return f"{COUNT_CAP}+" if count > COUNT_CAP else str(count)
