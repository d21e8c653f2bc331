"""The store menu (salesoffice.context_processors): the till and members for clerks, the manager's pages, and
operations' registration summary."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

STORE_LINKS = (
    ("vip.use_till", "vip:till", _("Till")),
    ("vip.use_till", "vip:members", _("Members")),
    ("vip.manage_store", "vip:rewards", _("Rewards")),
    ("vip.manage_store", "vip:expiring", _("Expiring cards")),
    ("vip.manage_store", "vip:shortfalls", _("Return shortfalls")),
    ("vip.manage_store", "vip:campaigns", _("SMS reminders")),
    ("vip.manage_store", "vip:settings", _("Store settings")),
)


def nav_groups(*, user, site_code, namespace, link) -> list[tuple[str, list[dict]]]:
    groups = []
    if site_code and namespace == "vip":
        groups.append(
            (
                pgettext("navigation", "Store"),
                [link(name, label, site=site_code) for perm, name, label in STORE_LINKS if user.has_perm(perm)],
            )
        )
    elif user.has_perm("vip.use_till"):
        groups.append((pgettext("navigation", "Store"), [link("vip:index", _("Stores"))]))
    if user.has_perm("vip.view_registration_summary"):
        groups.append((pgettext("navigation", "VIP"), [link("vip:registrations", _("VIP registrations"))]))
    return groups
