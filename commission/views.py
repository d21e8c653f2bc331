"""Deals and commission pages: access check -> form -> service -> render/redirect, `now` read once per request.

Record a deal with a live preview of its split (htmx), a deal's page (its splits, old and current, and the ledger),
the site's deals with those on hold, "my commission", and the monthly statements (screen, print, xlsx) with the
closing of a month (COM-4)."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from attribution import services as register_services
from attribution.selectors import (
    client_by_phone,
    client_known_on_site,
    client_with_phones,
    site_salespeople,
    site_staff,
    user_names,
)
from salesoffice.confirm import Consequence, confirmation_page, is_confirmed
from salesoffice.forms import add_service_errors, submit
from salesoffice.models import Site, display_name
from salesoffice.money import money_text
from salesoffice.timeutil import add_months, local_day, month_bounds

from . import reports, rules, selectors, services
from .access import deal_for_user_or_404, deal_site_or_403, statement_site_ids, visible_deals
from .forms import CompanyArrangedForm, DealCancelForm, DealChangeForm, DealCorrectForm, DealForm, MonthForm
from .models import HELD_STATUSES, Deal, PartyKind, Split, SplitStatus
from .services import CommissionError, DealInput, company_zone

DEALS_PER_PAGE = 25
UNCONFIRMED = "unconfirmed"  # the deal list's filter for COM-5's deals awaiting confirmation
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class PreviewLine:
    name: str
    kind: str
    percent: Decimal
    amount: Decimal
    rule_ids: tuple[str, ...]
    reason: str


def _preview_lines(decided: rules.DealSplit) -> list[PreviewLine]:
    lines = decided.lines or decided.held_lines
    names = user_names(line.user_id for line in lines if line.user_id)
    return [
        PreviewLine(
            names.get(line.user_id, "") if line.user_id else _("The public pool"),
            line.kind,
            line.percent,
            line.amount,
            line.rule_ids,
            line.reason.text if line.reason else "",
        )
        for line in lines
    ]


# --- recording a deal (COM-1) ----------------------------------------------------------------------------------


def _deal_form(request: HttpRequest, site, data=None, initial=None) -> DealForm:
    everyone = site_salespeople(site)
    if request.user.has_perm("commission.record_deal_for_others"):
        salespeople = everyone
    else:  # a salesperson records their own deals only
        salespeople = [p for p in everyone if p.pk == request.user.pk]
    form = DealForm(data, initial=initial, zone=site.zone, salespeople=salespeople)
    if len(salespeople) == 1 and salespeople[0].pk == request.user.pk:
        # Their own deal: the field shows who, and may be left as it is.
        form.fields["salesperson"].required = False
        form.closer_by_default = request.user
    if request.user.has_perm("commission.record_deal_for_others"):
        # A manager may record a deal the company arranged with no salesperson in it (ATT-CO-5).
        form.fields["salesperson"].required = False
        form.fields["salesperson"].help_text = _(
            "Leave empty only for a deal the company arranged directly, its after-sales done by other staff (ATT-CO-5)."
        )
        form.fields["after_sales_by"].set_people(site_staff(site))
    else:
        del form.fields["after_sales_by"]
    return form


def _deal_input(form: DealForm, site) -> DealInput | None:
    """The form's deal, once its client is found on this site's register; else an error next to the phone."""
    client = client_by_phone(normalised_phone=form.cleaned_data["client_phone"])
    if client is None or not client_known_on_site(client=client, site=site):
        form.add_error("client_phone", _("No client with this phone is on this site's register (ATT-REG-1)."))
        return None
    data = form.cleaned_data
    return DealInput(
        site=site,
        client=client,
        salesperson=data["salesperson"] or getattr(form, "closer_by_default", None),
        contract_no=data["contract_no"],
        unit=data["unit"],
        buyer_names=data["buyer_names"] or client.name,
        signed_at=data["signed_at"],
        price=data["price"],
        commission=data["commission"],
        after_sales_by=data.get("after_sales_by"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def deal_new(request: HttpRequest, site: str) -> HttpResponse:
    site_obj = deal_site_or_403(request.user, site, "commission.record_deal")
    now = timezone.now()
    if request.method == "POST":
        form = _deal_form(request, site_obj, request.POST)
        if form.is_valid() and (data := _deal_input(form, site_obj)) is not None:
            try:
                deal, _split = services.deal_record(data=data, actor=request.user, now=now)
            except (CommissionError, PermissionDenied) as exc:
                add_service_errors(form, exc if isinstance(exc, ValidationError) else ValidationError(str(exc)))
            else:
                messages.success(request, _("Deal %(unit)s recorded and split.") % {"unit": deal.unit})
                return redirect("commission:deal", site=site_obj.code, deal_id=deal.pk)
    else:
        initial = {"signed_at": now, "salesperson": request.user.pk}
        client_id = request.GET.get("client", "")
        if client_id.isdigit():
            client = client_with_phones(client_id=int(client_id))
            if client is not None and client_known_on_site(client=client, site=site_obj):
                phone = next(iter(client.phones.all()), None)
                initial.update(client_phone=phone.phone if phone else "", buyer_names=client.name)
        form = _deal_form(request, site_obj, initial=initial)
    return render(request, "commission/deal_new.html", {"site": site_obj, "form": form})


@login_required
@require_POST
def deal_preview(request: HttpRequest, site: str) -> HttpResponse:
    """The split the deal would get, clause by clause, before it is saved (htmx, as the form is filled in)."""
    site_obj = deal_site_or_403(request.user, site, "commission.record_deal")
    form = _deal_form(request, site_obj, request.POST)
    context = {"site": site_obj, "decided": None, "lines": [], "problems": []}
    if form.is_valid() and (data := _deal_input(form, site_obj)) is not None:
        try:
            decided = services.deal_preview(data=data, now=timezone.now())
        except CommissionError as exc:
            context["problems"] = exc.messages
        else:
            context.update(decided=decided, lines=_preview_lines(decided), client=data.client)
    else:
        # Fields not filled in yet are no problem while the form is being typed; say what is wrong with the rest.
        context["problems"] = [
            f"{form.fields[name].label}: {message}" if name in form.fields else message
            for name, errors in form.errors.as_data().items()
            for error in errors
            if error.code != "required"
            for message in error.messages
        ]
    return render(request, "commission/partials/preview.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def company_arranged(request: HttpRequest, site: str) -> HttpResponse:
    """ATT-CO-4/5: the client of a deal the company arranged directly, with no reception; then the deal's form."""
    site_obj = deal_site_or_403(request.user, site, "commission.record_deal_for_others")
    if not request.user.has_perm("attribution.record_client_facts"):
        raise PermissionDenied
    now = timezone.now()
    form = CompanyArrangedForm(request.POST or None, zone=site_obj.zone, initial={"contacted_at": now})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        client = submit(
            form, register_services.company_client_arrange, site=site_obj, actor=request.user, now=now, **data
        )
        if client:
            messages.success(request, _("%(name)s is a company client: record the deal.") % {"name": client.name})
            return redirect(f"{reverse('commission:deal_new', kwargs={'site': site_obj.code})}?client={client.pk}")
    return render(request, "commission/company_arranged.html", {"site": site_obj, "form": form})


# --- a deal's page ---------------------------------------------------------------------------------------------


@dataclass
class SplitView:
    split: Split
    lines: list[dict]
    explanation: list[str]


def _split_views(deal: Deal) -> list[SplitView]:
    language = translation.get_language() or "en"
    splits = list(deal.splits.select_related("made_by").prefetch_related("shares__user").order_by("-number"))
    views = []
    for split in splits:
        lines = [
            {
                "share": share,
                "name": display_name(share.user) if share.user else _("The public pool"),
                "reason": share.reason.get(language) or share.reason.get("en", ""),
            }
            for share in split.shares.all()
        ]
        explanation = split.explanation.get(language) or split.explanation.get("en", [])
        views.append(SplitView(split, lines, explanation))
    return views


@login_required
@require_GET
def deal_page(request: HttpRequest, site: str, deal_id: int) -> HttpResponse:
    site_obj, deal = deal_for_user_or_404(request.user, site, deal_id)
    return _deal_page(request, site_obj, deal)


def _deal_page(
    request: HttpRequest,
    site_obj,
    deal: Deal,
    *,
    change_form: DealChangeForm | None = None,
    cancel_form: DealCancelForm | None = None,
    correct_form: DealCorrectForm | None = None,
    confirm_errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    open_to_change = not deal.is_cancelled
    context = {
        "site": site_obj,
        "deal": deal,
        "splits": _split_views(deal),
        "ledger": list(deal.ledger.select_related("month", "user").order_by("posted_at", "pk")),
        "changes": list(deal.changes.select_related("recorded_by")),
        "corrections": list(deal.corrections.select_related("recorded_by")),
        "change_form": change_form or DealChangeForm(initial={"unit": deal.unit, "buyer_names": deal.buyer_names}),
        "cancel_form": cancel_form or DealCancelForm(prefix="cancel"),
        "correct_form": correct_form
        or DealCorrectForm(prefix="correct", initial={"price": deal.price, "commission": deal.commission}),
        "confirm_errors": confirm_errors or [],
        "can_change": open_to_change and user.has_perm("commission.change_deal_buyer_or_unit"),
        "can_correct": open_to_change and user.has_perm("commission.cancel_or_correct_deal"),
        "can_confirm": open_to_change
        and not deal.is_confirmed
        and user.has_perm("commission.confirm_deal")
        and user.pk not in (deal.salesperson_id, deal.recorded_by_id),
        "pool_label": _("The public pool"),
    }
    return render(request, "commission/deal.html", context, status=status)


@login_required
@require_POST
def deal_change(request: HttpRequest, site: str, deal_id: int) -> HttpResponse:
    site_obj, deal = deal_for_user_or_404(request.user, site, deal_id)
    if not request.user.has_perm("commission.change_deal_buyer_or_unit"):
        raise PermissionDenied
    form = DealChangeForm(request.POST)
    if form.is_valid():
        changed = submit(
            form, services.deal_change, deal=deal, actor=request.user, now=timezone.now(), **form.cleaned_data
        )
        if changed:
            messages.success(request, _("Change recorded; the salesperson and the commission stay (ATT-CHANGE)."))
            return redirect("commission:deal", site=site_obj.code, deal_id=deal.pk)
    return _deal_page(request, site_obj, deal, change_form=form)


@login_required
@require_POST
def deal_confirm(request: HttpRequest, site: str, deal_id: int) -> HttpResponse:
    """COM-5: the project manager confirms a salesperson's deal; it counts in the statements from now."""
    site_obj, deal = deal_for_user_or_404(request.user, site, deal_id)
    if not request.user.has_perm("commission.confirm_deal"):
        raise PermissionDenied
    try:
        services.deal_confirm(deal=deal, actor=request.user, now=timezone.now())
    except CommissionError as exc:
        return _deal_page(request, site_obj, deal, confirm_errors=exc.messages)
    messages.success(request, _("Deal %(unit)s confirmed: it counts in the statements (COM-5).") % {"unit": deal.unit})
    return redirect("commission:deal", site=site_obj.code, deal_id=deal.pk)


def _deal_cancel_consequence(deal) -> Consequence:
    return Consequence(
        title=_("Cancel the deal of %(unit)s?") % {"unit": deal.unit},
        will_happen=[
            _("The deal of %(unit)s for %(client)s (price %(price)s, commission %(commission)s) is cancelled for good.")
            % {
                "unit": deal.unit,
                "client": deal.client.name,
                "price": money_text(deal.price),
                "commission": money_text(deal.commission),
            },
            _("Every share already posted is reversed in the open month; nobody is paid for it from then on (COM-5)."),
        ],
        confirm_label=_("Cancel the deal"),
        rule_ids=("COM-5",),
    )


@login_required
@require_POST
def deal_cancel(request: HttpRequest, site: str, deal_id: int) -> HttpResponse:
    """COM-5: 退房/撤單; what was posted is reversed in the open month."""
    site_obj, deal = deal_for_user_or_404(request.user, site, deal_id)
    if not request.user.has_perm("commission.cancel_or_correct_deal"):
        raise PermissionDenied
    form = DealCancelForm(request.POST, prefix="cancel")
    if form.is_valid():
        if not is_confirmed(request):
            return confirmation_page(
                request,
                _deal_cancel_consequence(deal),
                back_url=reverse("commission:deal", kwargs={"site": site_obj.code, "deal_id": deal.pk}),
            )
        cancelled = submit(
            form, services.deal_cancel, deal=deal, actor=request.user, now=timezone.now(), **form.cleaned_data
        )
        if cancelled:
            messages.success(
                request,
                _("Deal %(unit)s cancelled; what was posted is reversed in the open month (COM-5).")
                % {"unit": deal.unit},
            )
            return redirect("commission:deal", site=site_obj.code, deal_id=deal.pk)
    return _deal_page(request, site_obj, deal, cancel_form=form)


@login_required
@require_POST
def deal_correct(request: HttpRequest, site: str, deal_id: int) -> HttpResponse:
    """COM-5: a corrected price or commission; the difference is posted in the open month."""
    site_obj, deal = deal_for_user_or_404(request.user, site, deal_id)
    if not request.user.has_perm("commission.cancel_or_correct_deal"):
        raise PermissionDenied
    form = DealCorrectForm(request.POST, prefix="correct")
    if form.is_valid():
        corrected = submit(
            form, services.deal_correct_amounts, deal=deal, actor=request.user, now=timezone.now(), **form.cleaned_data
        )
        if corrected:
            messages.success(request, _("Amounts corrected; the difference is posted in the open month (COM-5)."))
            return redirect("commission:deal", site=site_obj.code, deal_id=deal.pk)
    return _deal_page(request, site_obj, deal, correct_form=form)


# --- the site's deals, and those on hold (ATT-DISP-1) -------------------------------------------------------------


@login_required
@require_GET
def deals(request: HttpRequest, site: str) -> HttpResponse:
    site_obj = deal_site_or_403(request.user, site, "commission.record_deal")
    status = request.GET.get("status", "")
    found = visible_deals(request.user, site_obj).select_related("client", "salesperson").order_by("-signed_at", "-pk")
    if status in SplitStatus.values:
        found = found.filter(split_status=status)
    elif status == UNCONFIRMED:
        found = found.filter(confirmed_at__isnull=True, cancelled_at__isnull=True)
    page = Paginator(found, DEALS_PER_PAGE).get_page(request.GET.get("page"))
    counts = visible_deals(request.user, site_obj).aggregate(
        held=Count("pk", filter=Q(split_status=SplitStatus.ON_HOLD)),
        unconfirmed=Count("pk", filter=Q(confirmed_at__isnull=True, cancelled_at__isnull=True)),
    )
    context = {
        "site": site_obj,
        "page": page,
        "status": status,
        "statuses": [*SplitStatus.choices, (UNCONFIRMED, _("Not confirmed yet (COM-5)"))],
        "held_count": counts["held"],
        "unconfirmed_count": counts["unconfirmed"],
        "extra_query": f"status={status}" if status else "",
    }
    return render(request, "commission/deals.html", context)


# --- my commission ---------------------------------------------------------------------------------------------


def _month_param(raw: str, default: dt.date) -> dt.date:
    if not raw:
        return default
    form = MonthForm({"month": raw})
    if not form.is_valid():
        raise Http404("No such month")
    return form.cleaned_data["month"]


@login_required
@permission_required("commission.view_own_commission", raise_exception=True)
@require_GET
def my_commission(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    zone = company_zone()
    month = _month_param(request.GET.get("month", ""), local_day(now, zone).replace(day=1))
    start, end = month_bounds(month.year, month.month, zone)
    user_id = request.user.pk
    entries = list(selectors.person_entries(user_id=user_id, month=month).select_related("deal__client", "deal__site"))
    my_deals = list(selectors.person_deals(user_id=user_id, month_start=start, month_end=end)[:100])
    context = {
        "month": month,
        "previous": add_months(month, -1),
        "next": add_months(month, 1),
        "entries": entries,
        "deals": my_deals,
        "held": [d for d in my_deals if d.split_status in HELD_STATUSES],
        "unconfirmed": [d for d in my_deals if not d.is_confirmed and not d.is_cancelled],
        "month_total": sum((e.amount for e in entries), Decimal(0)),
        "year_total": selectors.person_year_total(user_id=user_id, month=month),
    }
    return render(request, "commission/mine.html", context)


# --- the monthly statement (COM-4) -------------------------------------------------------------------------------


def _statement_month(raw: str) -> dt.date:
    return _month_param(raw, dt.date.min)


@login_required
@permission_required("commission.view_statements", raise_exception=True)
@require_GET
def statement_index(request: HttpRequest) -> HttpResponse:
    month = local_day(timezone.now(), company_zone()).replace(day=1)
    return redirect("commission:statement", month=f"{month:%Y-%m}")


def _statement_context(request: HttpRequest, month: dt.date) -> dict:
    statement = selectors.monthly_statement(month=month, site_ids=statement_site_ids(request.user))
    return {
        "statement": statement,
        "statement_groups": [
            (_("Salespeople"), statement.salespeople, PartyKind.SALESPERSON),
            (_("Referrers"), statement.referrers, PartyKind.REFERRER),
            (_("Public pool (公佣)"), statement.pool, PartyKind.PUBLIC_POOL),
        ],
        "month": month,
        "previous": add_months(month, -1),
        "next": add_months(month, 1),
        "can_close": request.user.has_perm("commission.close_month"),
        "close_form": MonthForm(initial={"month": f"{month:%Y-%m}"}),
    }


@login_required
@permission_required("commission.view_statements", raise_exception=True)
@require_GET
def statement(request: HttpRequest, month: str) -> HttpResponse:
    month_date = _statement_month(month)
    template = "commission/statement_print.html" if request.GET.get("print") else "commission/statement.html"
    return render(request, template, _statement_context(request, month_date))


@login_required
@permission_required("commission.view_statements", raise_exception=True)
@require_GET
def statement_xlsx(request: HttpRequest, month: str) -> HttpResponse:
    month_date = _statement_month(month)
    site_ids = statement_site_ids(request.user)
    statement = selectors.monthly_statement(month=month_date, site_ids=site_ids)
    lines = selectors.month_lines(month=month_date, site_ids=site_ids, language=translation.get_language() or "en")
    response = HttpResponse(reports.statement_xlsx(statement, lines), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="commission-statement-{month_date:%Y-%m}.xlsx"'
    return response


def _month_close_consequence(request: HttpRequest, month: dt.date) -> Consequence:
    statement = selectors.monthly_statement(month=month, site_ids=statement_site_ids(request.user))
    label = f"{month:%Y-%m}"
    will_happen = [
        _("The statement of %(month)s becomes final at %(total)s, as it reads now.")
        % {"month": label, "total": money_text(statement.total)},
        _(
            "A later change to one of its deals (a correction, a cancellation, a ruling) is posted in the next open "
            "month, never in %(month)s (COM-4)."
        )
        % {"month": label},
    ]
    if statement.held_count:
        will_happen.append(
            ngettext(
                "%(count)d deal on hold (%(amount)s) is not in it; it is paid in the month its ruling comes.",
                "%(count)d deals on hold (%(amount)s) are not in it; they are paid in the month their ruling comes.",
                statement.held_count,
            )
            % {"count": statement.held_count, "amount": money_text(statement.held_total)}
        )
    if statement.unconfirmed_count:
        will_happen.append(
            ngettext(
                "%(count)d deal not yet confirmed (%(amount)s) is not in it (COM-5).",
                "%(count)d deals not yet confirmed (%(amount)s) are not in it (COM-5).",
                statement.unconfirmed_count,
            )
            % {"count": statement.unconfirmed_count, "amount": money_text(statement.unconfirmed_total)}
        )
    return Consequence(
        title=_("Close %(month)s?") % {"month": label},
        will_happen=will_happen,
        confirm_label=_("Close %(month)s") % {"month": label},
        rule_ids=("COM-4",),
    )


@login_required
@require_POST
def month_close(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("commission.close_month"):
        raise PermissionDenied
    form = MonthForm(request.POST)
    if form.is_valid():
        month = form.cleaned_data["month"]
        if not is_confirmed(request):
            return confirmation_page(
                request,
                _month_close_consequence(request, month),
                back_url=reverse("commission:statement", kwargs={"month": f"{month:%Y-%m}"}),
            )
        closed = submit(form, services.month_close, month=month, actor=request.user, now=timezone.now())
        if closed:
            messages.success(
                request,
                _("%(month)s is closed; later changes post into the next open month (COM-4).")
                % {"month": f"{month:%Y-%m}"},
            )
            return redirect("commission:statement", month=f"{month:%Y-%m}")
        context = _statement_context(request, month)
        context["close_form"] = form
        return render(request, "commission/statement.html", context, status=400)
    raise Http404("No such month")


@login_required
@require_GET
def statement_lines(request: HttpRequest, month: str, party: str, who: int) -> HttpResponse:
    """One row of the statement, line by line: a person's own (anyone may see theirs), or any for a reader of
    statements. For the public pool, `who` is the site."""
    month_date = _statement_month(month)
    if party not in PartyKind.values:
        raise Http404("No such party")
    is_pool = party == PartyKind.PUBLIC_POOL
    own = not is_pool and who == request.user.pk and request.user.has_perm("commission.view_own_commission")
    if not own and not request.user.has_perm("commission.view_statements"):
        raise Http404("No such statement")  # another person's statement is not revealed to exist
    site_ids = statement_site_ids(request.user)
    if is_pool and site_ids is not None and who not in site_ids:
        raise Http404("No such statement")
    entries = selectors.party_entries(
        month=month_date, party=party, user_id=None if is_pool else who, site_id=who if is_pool else None
    )
    if site_ids is not None and not own:
        entries = entries.filter(site_id__in=site_ids)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    reasons = selectors.entry_reasons(page.object_list, language=translation.get_language() or "en")
    lines = [(entry, *reasons[entry.pk]) for entry in page.object_list]
    if is_pool:
        site_name = Site.objects.filter(pk=who).values_list("name", flat=True).first()
        if site_name is None:
            raise Http404("No such site")
        title = _("Public pool · %(site)s") % {"site": site_name}
    else:
        title = user_names([who]).get(who, "")
        if not title:
            raise Http404("No such person")
    context = {
        "month": month_date,
        "page": page,
        "lines": lines,
        "title": title,
        "party": party,
        "total": sum((e.amount for e in page.object_list), Decimal(0)) if page.paginator.num_pages == 1 else None,
    }
    return render(request, "commission/statement_lines.html", context)
