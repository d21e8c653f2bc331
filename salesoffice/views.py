import math

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import check_for_language, ngettext
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from .access import sites_for
from .cockpit import VIEW_PERMISSION as COCKPIT_PERMISSION
from .context_processors import waiting_counts
from .history import audited_choices, history_page_rows
from .homes import ADMIN_SECTION, Home, count_label, home_panels, roles_of
from .models import Notification, Site, StaffProfile
from .notifications import describe, email_preference_set, mark_all_read
from .paging import UncountedPage
from .roles import Role

# A cached answer of the navigation's counts lives this long: a badge may lag the work by as much, and a page
# opened after another within it costs no query. The cache is the fail-soft one (salesoffice.cache): without Redis
# every answer is counted afresh.
NAV_COUNTS_SECONDS = 30
# Sites read for the home page: past this the sites list says "and N more" (someone who sees every site).
HOME_SITES = 50


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each role's home (issue 19): the panels of what waits for each of the person's roles. A site supervisor of one
    sales office and nothing else has the desk board as their home."""
    user = request.user
    roles = roles_of(user)
    sites = list(sites_for(user)[: HOME_SITES + 1])
    sales_sites = [s for s in sites if s.kind == Site.Kind.SALES_OFFICE]
    if roles == {Role.SITE_SUPERVISOR.value} and len(sales_sites) == 1 and len(sites) == 1:
        return redirect("reception:board", site=sales_sites[0].code)
    home_of = Home(user=user, now=timezone.now(), sites=sites[:HOME_SITES], roles=roles)
    panels = home_panels(home_of)
    context = {
        "panels": [p for p in panels if not p.section],
        "admin_panels": [p for p in panels if p.section],
        "admin_anchor": ADMIN_SECTION,
        # Everyone the cockpit opens for (admin, sales director, operations, office director) starts from it.
        "cockpit_url": reverse("cockpit") if user.has_perm(COCKPIT_PERMISSION) else "",
        "sites": sites[:HOME_SITES],
        "more_sites": len(sites) > HOME_SITES,
    }
    return render(request, "home.html", context)


@login_required
def nav_counts(request: HttpRequest) -> HttpResponse:
    """The navigation's counts of what waits, fetched by the page once shown (base.html): each badge swapped in by
    its id (htmx out-of-band). `site` and `app` are the page's; the counts only ever cover what the user sees."""
    site_code = request.GET.get("site", "")[:60]
    namespace = request.GET.get("app", "")[:30]
    key = f"navcounts:{request.user.pk}:{site_code}:{namespace}"
    counts = cache.get(key)
    if counts is None:
        counts = waiting_counts(request.user, site_code=site_code, namespace=namespace, now=timezone.now())
        cache.set(key, counts, NAV_COUNTS_SECONDS)
    badges = [(badge_id, count_label(count)) for badge_id, count in sorted(counts.items())]
    return render(request, "partials/nav_counts.html", {"badges": badges})


def login_locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """django-axes' answer while this user is locked out from this address (AXES_LOCKOUT_CALLABLE): the login page
    again, saying why and for how long, with 429 Too Many Requests."""
    minutes = math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60)
    message = ngettext(
        "Too many failed sign-ins to this account from this device. Try again in %(minutes)d minute, "
        "or ask an administrator to unlock the account.",
        "Too many failed sign-ins to this account from this device. Try again in %(minutes)d minutes, "
        "or ask an administrator to unlock the account.",
        minutes,
    ) % {"minutes": minutes}
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    context = {
        "form": AuthenticationForm(request, initial={"username": username}),
        "next": request.POST.get(REDIRECT_FIELD_NAME, request.GET.get(REDIRECT_FIELD_NAME, "")),
        "locked_out_message": message,
    }
    return render(request, "registration/login.html", context, status=429)


@require_POST
def choose_language(request: HttpRequest) -> HttpResponse:
    """Django's set_language (cookie), plus the signed-in user's profile so the choice follows them."""
    language = request.POST.get("language", "")
    if language not in dict(settings.LANGUAGES):
        # Django's set_language takes any language Django itself ships (fr, de, ...); only ours are offered, so
        # anything else just goes back to the page, with no cookie and no profile change.
        request.POST = request.POST.copy()
        request.POST.pop("language", None)
        return set_language(request)
    if request.user.is_authenticated and check_for_language(language):
        StaffProfile.objects.update_or_create(user=request.user, defaults={"language": language})
    return set_language(request)


@login_required
def notifications_page(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        mark_all_read(user=request.user, now=timezone.now())
        return redirect("notifications")
    notes = Notification.objects.filter(recipient=request.user).select_related("site").order_by("-created_at")
    # Uncounted: one LIMIT query whether a person has no notification or years of them (issue 17's walk, two sizes).
    page = UncountedPage(notes, 30, request.GET.get("page"))
    rows = [(n, describe(n)) for n in page.object_list]
    profile = getattr(request.user, "profile", None)  # read with the user (salesoffice.auth.StaffBackend)
    context = {
        "page": page,
        "rows": rows,
        "emails_on": profile.email_notifications if profile is not None else True,
        "has_email": bool(request.user.email),
    }
    return render(request, "notifications.html", context)


@login_required
@require_POST
def notifications_email(request: HttpRequest) -> HttpResponse:
    """Turn the email copy of one's notifications on or off (issue 19); the in-app notifications stay either way."""
    email_preference_set(user=request.user, enabled=request.POST.get("email") == "on")
    return redirect("notifications")


@login_required
def audit_history(request: HttpRequest) -> HttpResponse:
    """Who changed what, when: every audited model's history, newest first."""
    if not request.user.has_perm("reception.view_audit_history"):
        raise PermissionDenied
    choices = audited_choices()
    model_label = request.GET.get("model", choices[0][0])
    if model_label not in dict(choices):
        model_label = choices[0][0]
    page, rows = history_page_rows(request.user, model_label, request.GET.get("page"))
    context = {
        "page": page,
        "rows": rows,
        "choices": choices,
        "current": model_label,
        "extra_query": f"model={model_label}",
    }
    return render(request, "history.html", context)
