"""Employee referrals (ATT-EMP-1..5): any staff member refers a client to a project and prints the two-copy form;
the project lists its referrals with where each stands; the project manager confirms on the appointment day."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from salesoffice.access import is_site_project_manager, site_with_perm_or_403
from salesoffice.forms import add_service_errors
from salesoffice.models import Site, display_name
from salesoffice.timeutil import local_day

from . import services
from .access_office import referral_for_site_or_404, referral_for_user_or_404
from .forms_office import ReferralForm
from .selectors_office import referral_rows, referrals_of_referrer, referrals_of_site

SALES = Site.Kind.SALES_OFFICE
PAGE_SIZE = 25


@login_required
def referral_new(request: HttpRequest) -> HttpResponse:
    """ATT-EMP-1: register a referral before the client's first visit, then print the form."""
    if not request.user.has_perm("attribution.register_referral"):
        raise PermissionDenied
    now = timezone.now()
    form = ReferralForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            referral = services.referral_register(
                site=data["site"],
                actor=request.user,
                name=data["name"],
                phone=data["phone"],
                appointment_date=data["appointment_date"],
                note=data["note"],
                now=now,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The referral was registered. Print the form in two copies (ATT-EMP-1)."))
            return redirect("attribution:referral_print", referral_id=referral.pk)
    return render(request, "attribution/office/referral_new.html", {"form": form})


@login_required
@require_GET
def my_referrals(request: HttpRequest) -> HttpResponse:
    """The referrer's own referrals, on every project, with where each stands."""
    if not request.user.has_perm("attribution.register_referral"):
        raise PermissionDenied
    now = timezone.now()
    page = Paginator(referrals_of_referrer(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "rows": referral_rows(page.object_list, now=now)}
    return render(request, "attribution/office/my_referrals.html", context)


@login_required
@require_GET
def referral_print(request: HttpRequest, referral_id: int) -> HttpResponse:
    """The referral form, one page with two identical copies (ATT-EMP-1)."""
    referral = referral_for_user_or_404(request.user, referral_id)
    copies = [_("Copy for the sales assistant"), _("Copy for the sales office")]
    return render(request, "attribution/office/referral_print.html", {"referral": referral, "copies": copies})


@login_required
@require_GET
def site_referrals(request: HttpRequest, site: str) -> HttpResponse:
    site_obj = site_with_perm_or_403(request.user, site, "attribution.view_all_clients", SALES)
    now = timezone.now()
    page = Paginator(referrals_of_site(site_obj), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "site": site_obj,
        "page": page,
        "rows": referral_rows(page.object_list, now=now),
        "today": local_day(now, site_obj.zone),
        "can_confirm": request.user.has_perm("attribution.approve_register")
        and is_site_project_manager(request.user, site_obj),
    }
    return render(request, "attribution/office/site_referrals.html", context)


@login_required
@require_POST
def referral_confirm(request: HttpRequest, site: str, referral_id: int) -> HttpResponse:
    """ATT-EMP-3: the project manager checks the form and confirms the referral on the appointment day."""
    site_obj = site_with_perm_or_403(request.user, site, "attribution.approve_register", SALES)
    referral = referral_for_site_or_404(site_obj, referral_id)
    try:
        services.referral_confirm(referral=referral, actor=request.user, now=timezone.now())
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("The referral of %(client)s is confirmed: the client is %(referrer)s's referral (ATT-EMP-3).")
            % {"client": referral.client.name, "referrer": display_name(referral.referrer)},
        )
    return redirect("attribution:site_referrals", site=site_obj.code)
