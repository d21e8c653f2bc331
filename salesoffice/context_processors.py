from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from .access import user_roles
from .models import display_name
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
    return {
        "nav_items": lambda: _nav_items(request, user),
        "user_display": lambda: display_name(user),
        "user_role_labels": lambda: [
            str(ROLE_LABELS[Role(name)]) for name in sorted(user_roles(user)) if name in Role._value2member_map_
        ],
        "unread_notifications": lambda: unread_count(user),
    }


def _nav_items(request, user) -> list[dict]:
    match = getattr(request, "resolver_match", None)
    site_code = match.kwargs.get("site") if match else None
    current = match.view_name if match else ""
    items = []
    if site_code and match.namespace in ("reception", "attribution"):
        links = [
            ("reception.view_board", "reception:board", _("Front desk")),
            ("reception.view_board", "reception:rota", _("Rota & roster")),
            ("reception.view_board", "reception:absences", _("Absences")),
            ("reception.record_violation", "reception:violations", _("Violations")),
            ("reception.log_phone_inquiry", "reception:phone", _("Phone inquiries")),
            ("reception.view_board", "reception:events", _("Decisions log")),
            ("reception.view_reception_report", "reception:report", _("Monthly report")),
            ("attribution.register_visit", "attribution:register", _("Register visit")),
            ("attribution.approve_register", "attribution:approvals", _("Approvals")),
            (("attribution.register_visit", "attribution.view_all_clients"), "attribution:clients", _("Clients")),
            ("attribution.rule_dispute", "attribution:disputes", _("Disputes")),
            ("attribution.view_all_clients", "attribution:site_referrals", _("Referrals")),
            ("attribution.register_visit", "attribution:my_follow_ups", _("My follow-ups")),
            ("attribution.review_follow_ups", "attribution:follow_up_review", _("Follow-up review")),
            ("attribution.view_weekly_report", "attribution:register_archive", _("Register archive")),
        ]
        for perm, name, label in links:
            if any(user.has_perm(p) for p in ((perm,) if isinstance(perm, str) else perm)):
                items.append(
                    {"url": reverse(name, kwargs={"site": site_code}), "label": label, "active": current == name}
                )
    for perm, name, label in (
        ("attribution.register_referral", "attribution:my_referrals", _("My referrals")),
        ("attribution.view_weekly_report", "attribution:weekly_reports", _("Weekly client report")),
    ):
        if user.has_perm(perm):
            items.append({"url": reverse(name), "label": label, "active": current == name})
    if user.has_perm("reception.view_audit_history"):
        items.append(
            {"url": reverse("audit_history"), "label": _("Audit history"), "active": current == "audit_history"}
        )
    if user.is_staff:
        items.append({"url": reverse("admin:index"), "label": pgettext("navigation", "Admin"), "active": False})
    return items
