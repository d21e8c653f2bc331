"""The commission menu: a site's deals on its pages, everyone's own commission, the statements for their readers."""

from django.utils.translation import gettext as _
from django.utils.translation import pgettext


def nav_groups(*, user, site_code, namespace, link) -> list[tuple[str, list[dict]]]:
    links = []
    if (
        site_code
        and namespace in ("reception", "attribution", "commission")
        and user.has_perm("commission.record_deal")
    ):
        links.append(link("commission:deal_new", _("Record deal"), site=site_code))
        links.append(link("commission:deals", _("Deals"), site=site_code))
    # Any employee may be owed a referrer's share (ATT-EMP-5), so everyone has their own page.
    if user.has_perm("commission.view_own_commission"):
        links.append(link("commission:mine", _("My commission")))
    if user.has_perm("commission.view_statements"):
        links.append(link("commission:statements", _("Commission statements")))
    return [(pgettext("navigation", "Commission"), links)] if links else []
