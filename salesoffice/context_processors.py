from collections.abc import Callable
from functools import cache
from types import SimpleNamespace
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from .access import sites_for, user_roles
from .homes import counted_url_names, nav_count_for
from .models import Site, display_name
from .notifications import unread_count
from .roles import ROLE_LABELS, Role


def navigation(request):
    """Links by role for the site the page is about, and the unread count.

    Each value is computed only when a template uses it (Django calls a callable variable), so fragments such as
    the polled board, which show no navigation, pay nothing for it.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    items = cache(lambda: _nav_items(request, user))
    return {
        "nav_items": items,
        # The counts of what waits behind the links (salesoffice.homes) come in a request of their own once the page
        # is shown, so no page pays for them in its own answer, and none is asked for when no link has a count.
        "nav_counts_url": lambda: nav_counts_url(request, items()),
        "user_display": lambda: display_name(user),
        "user_role_labels": lambda: [
            str(ROLE_LABELS[Role(name)]) for name in sorted(user_roles(user)) if name in Role._value2member_map_
        ],
        "unread_notifications": lambda: unread_count(user),
    }


DESK_LINKS = (
    ("reception.view_board", "reception:board", gettext_lazy("Front desk")),
    ("reception.view_board", "reception:rota", gettext_lazy("Rota & roster")),
    ("reception.view_board", "reception:absences", gettext_lazy("Absences")),
    ("reception.record_violation", "reception:violations", gettext_lazy("Violations")),
    ("reception.log_phone_inquiry", "reception:phone", gettext_lazy("Phone inquiries")),
    ("reception.view_board", "reception:events", gettext_lazy("Decisions log")),
    ("reception.view_reception_report", "reception:report", gettext_lazy("Monthly report")),
)
REGISTER_LINKS = (
    ("attribution.register_visit", "attribution:register", gettext_lazy("Register visit")),
    ("attribution.approve_register", "attribution:approvals", gettext_lazy("Approvals")),
    (("attribution.register_visit", "attribution.view_all_clients"), "attribution:clients", gettext_lazy("Clients")),
    ("attribution.rule_dispute", "attribution:disputes", gettext_lazy("Disputes")),
    ("attribution.view_all_clients", "attribution:site_referrals", gettext_lazy("Referrals")),
    ("attribution.register_visit", "attribution:my_follow_ups", gettext_lazy("My follow-ups")),
    ("attribution.review_follow_ups", "attribution:follow_up_review", gettext_lazy("Follow-up review")),
    ("attribution.view_weekly_report", "attribution:register_archive", gettext_lazy("Register archive")),
)
# Pages that belong to no one site.
PERSONAL_LINKS = (
    ("attribution.register_referral", "attribution:my_referrals", gettext_lazy("My referrals")),
    ("attribution.view_weekly_report", "attribution:weekly_reports", gettext_lazy("Weekly client report")),
)


def _nav_items(request, user) -> list[dict]:
    """Top-level entries; related pages are grouped in a dropdown (`children`) so the bar fits a tablet."""
    match = getattr(request, "resolver_match", None)
    site_code = match.kwargs.get("site") if match else None
    current = match.view_name if match else ""

    def allowed(perm) -> bool:
        return any(user.has_perm(p) for p in ((perm,) if isinstance(perm, str) else perm))

    link = _linker(current)

    groups: list[tuple[str, list[dict]]] = []
    if site_code and match.namespace in ("reception", "attribution"):
        groups.append(
            (
                pgettext("navigation", "Desk"),
                [link(name, label, site=site_code) for perm, name, label in DESK_LINKS if allowed(perm)],
            )
        )
        groups.append(
            (
                pgettext("navigation", "Clients"),
                [link(name, label, site=site_code) for perm, name, label in REGISTER_LINKS if allowed(perm)]
                + [link(name, label) for perm, name, label in PERSONAL_LINKS if allowed(perm)],
            )
        )
    else:
        # A page of no one site (home, my referrals, a report): the desk of each of the user's sales sites.
        desk_links = _desk_links_without_site(user, link, allowed)
        if desk_links:
            groups.append((pgettext("navigation", "Desk"), desk_links))
        groups.append(
            (
                pgettext("navigation", "Clients"),
                [link(name, label) for perm, name, label in PERSONAL_LINKS if allowed(perm)],
            )
        )
    for provider in _nav_providers:
        groups.extend(provider(user=user, site_code=site_code, namespace=match.namespace if match else "", link=link))
    items: list[dict] = []
    for label, children in groups:
        if not children:
            continue
        if len(children) > 1:
            group = {"label": label, "children": children, "active": any(c["active"] for c in children)}
            if any("count_id" in c for c in children):
                group["count_id"] = f"navcount-group-{len(items)}"
            items.append(group)
        else:
            items.extend(children)
    if user.has_perm("salesoffice.view_cockpit"):
        items.append(link("cockpit", _("Management cockpit")))
    if user.has_perm("reception.view_audit_history"):
        items.append(link("audit_history", _("Audit history")))
    if user.is_staff:
        items.append({"url": reverse("admin:index"), "label": pgettext("navigation", "Admin"), "active": False})
    return items


def _linker(current: str) -> Callable[..., dict]:
    """`link(name, label, **kwargs)`: a menu entry, marked active on its own page; a link that has a count of what
    waits behind it (salesoffice.homes) carries its name, site and the id of the badge the count fills."""
    counted = counted_url_names()

    def link(name: str, label, **kwargs) -> dict:
        found = {"url": reverse(name, kwargs=kwargs or None), "label": label, "active": current == name}
        if name in counted:
            found.update(name=name, site=kwargs.get("site", ""), count_id=_count_id(name, kwargs.get("site", "")))
        return found

    return link


def _count_id(name: str, site_code: str) -> str:
    return "navcount-" + "-".join(part for part in (name.replace(":", "-"), site_code) if part)


def nav_counts_url(request, items: list[dict]) -> str:
    """Where the page fetches its links' counts (salesoffice.views.nav_counts): the navigation is rebuilt there from
    the page's site and app, so the URL is the same for every page of an app on a site. Empty: no link counts."""
    if not any("count_id" in item for item in items):
        return ""
    match = getattr(request, "resolver_match", None)
    site_code = (match.kwargs.get("site") or "") if match else ""
    params = {"site": site_code, "app": match.namespace if match and site_code else ""}
    return reverse("nav_counts") + "?" + urlencode({k: v for k, v in params.items() if v})


def waiting_counts(user, *, site_code: str, namespace: str, now) -> dict[str, int]:
    """The count of each counted link of the navigation as a page of `namespace` on `site_code` shows it, and each
    menu's sum, by the badge's id: only links the user has, each count one query (salesoffice.homes)."""
    page = SimpleNamespace(
        resolver_match=SimpleNamespace(
            kwargs={"site": site_code} if site_code else {}, namespace=namespace, view_name=""
        )
    )
    counts: dict[str, int] = {}
    for item in _nav_items(page, user):
        total = 0
        for child in item.get("children", [item]):
            if "count_id" not in child:
                continue
            count = nav_count_for(child["name"])(user=user, site_code=child["site"], now=now)
            if count:
                counts[child["count_id"]] = count
                total += count
        if total and "count_id" in item and item.get("children"):
            counts[item["count_id"]] = total
    return counts


def _desk_links_without_site(user, link, allowed) -> list[dict]:
    """One sales site: its desk links, as on its own pages. Several: each site's front desk. One query."""
    if not allowed("reception.view_board"):
        return []
    sites = list(sites_for(user, Site.Kind.SALES_OFFICE).only("code", "name")[: MAX_DESK_SITES + 1])
    if len(sites) == 1:
        return [link(name, label, site=sites[0].code) for perm, name, label in DESK_LINKS if allowed(perm)]
    links = [
        {
            **link("reception:board", site.name, site=site.code),
            "label": _("Front desk · %(site)s") % {"site": site.name},
        }
        for site in sites[:MAX_DESK_SITES]
    ]
    if len(sites) > MAX_DESK_SITES:  # someone who sees every site: the home page lists them all
        links.append(link("home", _("All sites…")))
    return links


# More sites than this and the menu would not fit a tablet.
MAX_DESK_SITES = 8


# Apps outside the sales desk add their menus through `<app>/navigation.py`: a function
# `nav_groups(*, user, site_code, namespace, link) -> list[(label, [link(...), ...])]` (empty when the user has no
# page there), so each app's menu lives beside its views. Each app's AppConfig.ready() registers it here.
NavProvider = Callable[..., list[tuple[str, list[dict]]]]
_nav_providers: list[NavProvider] = []


def register_nav_provider(provider: NavProvider) -> None:
    """Add an app's menu groups after the sales desk's, in the order the apps are installed."""
    if provider not in _nav_providers:
        _nav_providers.append(provider)
