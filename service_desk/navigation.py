"""The service desk's menu (merged by salesoffice.context_processors): only links the user may open."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from salesoffice.access import sites_for
from salesoffice.models import Site

LINKS = (
    ("service_desk.register_request", "service_desk:desk", _("My open items")),
    ("service_desk.register_request", "service_desk:register", _("Register a request")),
    ("service_desk.view_all_requests", "service_desk:items", _("All requests")),
    ("service_desk.register_request", "service_desk:duty", _("Duty roster")),
    ("service_desk.make_callback", "service_desk:callbacks", _("Callbacks due")),
    ("service_desk.work_repairs", "service_desk:rectifications", _("Rectification notices")),
    ("service_desk.view_service_report", "service_desk:report", _("Monthly report")),
    ("service_desk.change_office_settings", "service_desk:settings", _("Office settings")),
)


def nav_groups(*, user, site_code, namespace, link) -> list[tuple[str, list[dict]]]:
    if not user.has_perm("service_desk.register_request"):
        return []
    if namespace != "service_desk" or not site_code:
        # Another page: the desk of the user's first office (one query).
        office = sites_for(user, Site.Kind.PROPERTY_OFFICE).only("code").first()
        if office is None:
            return []
        site_code = office.code
    return [
        (
            pgettext("navigation", "Service desk"),
            [link(name, label, site=site_code) for perm, name, label in LINKS if user.has_perm(perm)],
        )
    ]
