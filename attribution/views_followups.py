"""Follow-ups (ATT-FU-1/2): a salesperson grades their clients, plans contacts and records what came of them; the
managers see what is overdue and simple statistics by the company's definitions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from salesoffice.access import site_with_perm_or_403
from salesoffice.forms import add_service_errors
from salesoffice.models import Site
from salesoffice.paging import UncountedPage

from . import services
from .access_office import follow_up_for_site_or_404
from .forms_office import FollowUpDoneForm, FollowUpPlanForm
from .selectors_office import (
    GRADE_COLUMNS,
    clients_by_owner_and_grade,
    clients_served_by,
    done_follow_ups,
    follow_up_stats,
    open_follow_ups,
    overdue_follow_ups,
)

SALES = Site.Kind.SALES_OFFICE
PAGE_SIZE = 25


@login_required
def my_follow_ups(request: HttpRequest, site: str) -> HttpResponse:
    """ATT-FU-1: the salesperson's planned follow-ups (overdue first), a plan form and the latest outcomes."""
    site_obj = site_with_perm_or_403(request.user, site, "attribution.register_visit", SALES)
    now = timezone.now()
    clients = clients_served_by(site_obj, request.user)
    form = FollowUpPlanForm(
        request.POST or None, clients=clients, now=now, initial={"client": request.GET.get("client")}
    )
    # A time typed on the page is the site's local time.
    with timezone.override(site_obj.zone):
        valid = request.method == "POST" and form.is_valid()
    if valid:
        data = form.cleaned_data
        try:
            services.follow_up_plan(
                site=site_obj,
                client=data["client"],
                actor=request.user,
                planned_for=data["planned_for"],
                kind=data["kind"],
                plan=data["plan"],
                grade=data["grade"],
                now=now,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The follow-up was planned (ATT-FU-1)."))
            return redirect("attribution:my_follow_ups", site=site_obj.code)
    page = Paginator(open_follow_ups(site_obj, request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "site": site_obj,
        "form": form,
        "page": page,
        "done": done_follow_ups(site_obj, request.user),
        "done_form": FollowUpDoneForm(),
        "now": now,
    }
    return render(request, "attribution/office/my_follow_ups.html", context)


@login_required
@require_POST
def follow_up_done(request: HttpRequest, site: str, follow_up_id: int) -> HttpResponse:
    """ATT-FU-1: record what the contact brought (the one who planned it, or a manager reviewing follow-ups)."""
    site_obj = site_with_perm_or_403(request.user, site, "attribution.register_visit", SALES)
    follow_up = follow_up_for_site_or_404(site_obj, follow_up_id)
    back = "attribution:follow_up_review" if request.POST.get("back") == "review" else "attribution:my_follow_ups"
    form = FollowUpDoneForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say what came of the contact."))
        return redirect(back, site=site_obj.code)
    try:
        services.follow_up_done(
            follow_up=follow_up, actor=request.user, outcome=form.cleaned_data["outcome"], now=timezone.now()
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("The outcome of the follow-up with %(client)s was recorded.") % {"client": follow_up.client.name},
        )
    return redirect(back, site=site_obj.code)


@login_required
@require_GET
def follow_up_review(request: HttpRequest, site: str) -> HttpResponse:
    """ATT-FU-2: the managers' review: overdue follow-ups of everyone, clients per owner and grade, this month's
    follow-ups per salesperson."""
    site_obj = site_with_perm_or_403(request.user, site, "attribution.review_follow_ups", SALES)
    now = timezone.now()
    # The overdue follow-ups in the order of followup_open_idx, a page at a time, never counted (issue 17).
    page = UncountedPage(overdue_follow_ups(site_obj, now), PAGE_SIZE, request.GET.get("page"))
    grade_rows, grade_totals = clients_by_owner_and_grade(site_obj, now)
    context = {
        "site": site_obj,
        "page": page,
        "now": now,
        "grade_columns": GRADE_COLUMNS,
        "grade_rows": grade_rows,
        "grade_totals": grade_totals,
        "follow_up_rows": follow_up_stats(site_obj, now),
        "done_form": FollowUpDoneForm(),
    }
    return render(request, "attribution/office/follow_up_review.html", context)
