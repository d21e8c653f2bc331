import math

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import check_for_language, ngettext
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from .access import sites_for
from .history import audited_choices, history_page_rows
from .models import Notification, Site, StaffProfile
from .notifications import describe, mark_all_read


@login_required
def home(request: HttpRequest) -> HttpResponse:
    sites = list(sites_for(request.user))
    sales_sites = [s for s in sites if s.kind == Site.Kind.SALES_OFFICE]
    if len(sales_sites) == 1 and request.user.has_perm("reception.view_board") and len(sites) == 1:
        return redirect("reception:board", site=sales_sites[0].code)
    return render(request, "home.html", {"sites": sites})


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
    page = Paginator(notes, 30).get_page(request.GET.get("page"))
    rows = [(n, describe(n)) for n in page.object_list]
    return render(request, "notifications.html", {"page": page, "rows": rows})


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
