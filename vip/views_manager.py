"""The store manager's pages (rewards, expiring cards, return shortfalls, reminders, settings, the logged export)
and operations' monthly registration summary across stores (VIP-DATA-1)."""

import csv
import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from salesoffice.access import sites_for
from salesoffice.forms import add_service_errors
from salesoffice.models import Site
from salesoffice.timeutil import local_day

from . import rules, selectors, services
from .access import reward_or_404, store_or_403
from .forms import CampaignForm, HandInForm, RewardForm, SettingsForm
from .models import Campaign, Customer, Reward

MANAGE = "vip.manage_store"
ROWS_PER_PAGE = 25
STORES_PER_PAGE = 10  # each store shows four months


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The stores this person works at; one store goes straight to its till."""
    stores = list(sites_for(request.user, Site.Kind.STORE)[:50])
    if len(stores) == 1 and request.user.has_perm("vip.use_till"):
        return redirect("vip:till", site=stores[0].code)
    return render(request, "vip/index.html", {"stores": stores})


@login_required
@require_http_methods(["GET", "POST"])
def rewards(request: HttpRequest, site: str, reward_id: int | None = None) -> HttpResponse:
    """The reward catalog with stock (VIP-PTS-2); the poster in the store decides what is offered."""
    store = store_or_403(request.user, site, MANAGE)
    editing = reward_or_404(store, reward_id) if reward_id else None
    initial = (
        {"name": editing.name, "points": editing.points, "stock": editing.stock, "active": editing.active}
        if editing
        else {"active": True}
    )
    form = RewardForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.reward_save(store=store, actor=request.user, reward=editing, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The reward catalog is saved."))
            return redirect("vip:rewards", site=store.code)
    page = Paginator(Reward.objects.filter(store=store).order_by("points", "name", "pk"), ROWS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request, "vip/rewards.html", {"store": store, "site": store, "form": form, "page": page, "editing": editing}
    )


@login_required
def expiring(request: HttpRequest, site: str) -> HttpResponse:
    """Cards expiring in the next 30 days (VIP-CARD-3): a new card will not carry the points over."""
    store = store_or_403(request.user, site, MANAGE)
    now = timezone.now()
    page = Paginator(selectors.expiring_cards(store, now=now), ROWS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [{"membership": m, "phone": rules.mask_phone(m.customer.phone)} for m in page]
    return render(request, "vip/expiring.html", {"store": store, "site": store, "page": page, "rows": rows})


@login_required
def shortfalls(request: HttpRequest, site: str) -> HttpResponse:
    """Returns whose points were already redeemed (VIP-RET-1)."""
    store = store_or_403(request.user, site, MANAGE)
    page = Paginator(selectors.shortfalls(store), ROWS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "vip/shortfalls.html", {"store": store, "site": store, "page": page})


@login_required
@require_http_methods(["GET", "POST"])
def campaigns(request: HttpRequest, site: str) -> HttpResponse:
    """Reminders before new products and promotions; birthdays go out by themselves (VIP-SVC-1)."""
    store = store_or_403(request.user, site, MANAGE)
    now = timezone.now()
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.campaign_create(store=store, actor=request.user, now=now, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("VIP-SVC-1: the reminder goes out at the time set, once per member."))
            return redirect("vip:campaigns", site=store.code)
    page = Paginator(Campaign.objects.filter(store=store).order_by("-send_at", "-pk"), ROWS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    sms = selectors.sms_outbox_overview(store)
    return render(
        request, "vip/campaigns.html", {"store": store, "site": store, "form": form, "page": page, "sms": sms}
    )


@login_required
@require_http_methods(["GET", "POST"])
def store_settings(request: HttpRequest, site: str) -> HttpResponse:
    store = store_or_403(request.user, site, MANAGE)
    current = selectors.store_settings(store)
    form = SettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        services.settings_save(store=store, actor=request.user, **form.cleaned_data)
        messages.success(request, _("The store's settings are saved."))
        return redirect("vip:settings", site=store.code)
    return render(request, "vip/settings.html", {"store": store, "site": store, "form": form})


@login_required
def members_export(request: HttpRequest, site: str) -> HttpResponse:
    """The store's members as CSV, phone and ID masked; every export is logged (VIP-DATA-1)."""
    store = store_or_403(request.user, site, "vip.export_members")
    now = timezone.now()
    rows = selectors.members_for_export(store)
    services.members_export_log(store=store, actor=request.user, rows=len(rows), now=now)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{store.code}-members.csv"'
    # The byte-order mark tells Excel the file is UTF-8; without it, Chinese Windows reads the names as GBK.
    response.write("\ufeff")
    writer = csv.writer(response)
    header = [_("Card number"), _("Surname"), _("Title"), _("Phone"), _("Issued"), _("Valid until"), _("Earned")]
    writer.writerow([*header, _("Balance")])
    titles = dict(Customer.Title.choices)
    for number, surname, title, phone, started, until, earned, balance in rows:
        writer.writerow(
            [
                number or "",
                surname,
                titles.get(title, ""),
                rules.mask_phone(phone),
                local_day(started, store.zone).isoformat(),
                local_day(until, store.zone).isoformat(),
                earned,
                balance,
            ]
        )
    return response


@login_required
@require_http_methods(["GET", "POST"])
def registration_summary(request: HttpRequest) -> HttpResponse:
    """Every store's cards issued per month and whether the original forms arrived by the 2nd (VIP-DATA-1)."""
    if not request.user.has_perm("vip.view_registration_summary"):
        raise PermissionDenied
    now = timezone.now()
    stores = list(sites_for(request.user, Site.Kind.STORE))
    form = HandInForm(request.POST or None, stores=stores)
    if request.method == "POST" and form.is_valid():
        year, month = form.cleaned_data["month"]
        try:
            services.hand_in_record(
                store=form.cleaned_data["store"],
                year=year,
                month=month,
                forms=form.cleaned_data["forms_received"],
                actor=request.user,
                now=now,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("VIP-DATA-1: the hand-in is recorded."))
            return redirect("vip:registrations")
    page = Paginator(stores, STORES_PER_PAGE).get_page(request.GET.get("page"))
    rows = selectors.registration_summary(now=now, months=3, stores=list(page))
    last_month = (local_day(now, stores[0].zone) if stores else now.date()).replace(day=1) - dt.timedelta(days=1)
    if not form.is_bound:
        form.initial["month"] = f"{last_month.year}-{last_month.month:02d}"
    return render(request, "vip/registrations.html", {"rows": rows, "form": form, "page": page})
