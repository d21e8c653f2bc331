"""The till and the member pages: access check -> form -> service -> render/redirect, `now` read once per request.

The clerk looks a customer up, records a purchase (with an htmx quote first), issues a card when the till says the
customer qualifies, redeems rewards, replaces a lost card and records returns (VIP-* of RULES.md part 2)."""

import contextlib
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from salesoffice.confirm import Consequence, confirmation_page, is_confirmed
from salesoffice.forms import add_service_errors, submit
from salesoffice.keyset import keyset_page
from salesoffice.money import count_text
from salesoffice.timeutil import local_day

from . import rules, selectors, services
from .access import customer_or_404, membership_or_404, purchase_or_404, store_or_403
from .forms import (
    LookupForm,
    PurchaseForm,
    RedeemForm,
    RegistrationForm,
    ReplaceForm,
    ReturnForm,
)
from .models import Membership, PointMovement, Reward

MEMBERS_PER_PAGE = 25
LEDGER_ROWS = 30
RECENT_PURCHASES = 10


def new_key() -> str:
    """A request key for one rendered form: submitting it twice records once."""
    return uuid.uuid4().hex


# --- what the till shows about a member ------------------------------------------------------------------------


def member_panel(store, found: selectors.Lookup, *, now, unmasked: bool = False) -> dict:
    """Surname and how to address them (VIP-SVC-1), the card's state, tier and balance; or a non-member's
    eligibility (VIP-ELIG-1)."""
    if found.customer is None:
        return {}
    customer = found.customer
    panel = {
        "customer": customer,
        "address_as": customer.address_as,
        "phone": customer.phone if unmasked else rules.mask_phone(customer.phone),
        "id_number": customer.id_number if unmasked else rules.mask_id(customer.id_number),
        "membership": found.membership,
        "card": found.card,
    }
    if found.membership is not None:
        membership = found.membership
        panel["tier"] = rules.tier(membership.earned_points)
        panel["birthday_today"] = rules.is_birthday(customer.birthday, local_day(now, store.zone))
        panel["expiring_soon"] = rules.expiring_soon(membership.valid_until, now)
        if found.card is not None:
            panel["card_state"] = rules.card_usable(
                services.card_facts(found.card),
                at_store_id=store.pk,
                at_store_shares=selectors.store_settings(store).share_members,
                now=now,
            )
            if found.card.blocked_at is not None:
                # A lost card's number was looked up: the card to use now is its replacement (VIP-CARD-4).
                panel["replacement"] = selectors.current_card(membership)
        else:
            panel["card_state"] = rules.Decision(False, "VIP-CARD-4", _("no unblocked card"))
        panel["renewable"] = not membership.is_valid(now) and membership.store_id == store.pk
    if found.membership is None or panel.get("renewable"):
        panel["eligibility"] = rules.eligibility(selectors.paid_history(customer), zone=store.zone, now=now)
    return panel


def _lookup(store, query: str) -> selectors.Lookup:
    query = query.strip()
    found = selectors.lookup(store, card_number=query)
    if found.customer is None:
        with contextlib.suppress(ValidationError):
            found = selectors.lookup(store, phone=services.normalise_phone(query))
    return found


# --- the till -----------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def till(request: HttpRequest, site: str) -> HttpResponse:
    store = store_or_403(request.user, site)
    now = timezone.now()
    lookup_form = LookupForm(request.GET or None)
    found = selectors.Lookup(None, None, None)
    if lookup_form.is_valid():
        found = _lookup(store, lookup_form.cleaned_data["q"])
        if found.customer is None:
            lookup_form.add_error("q", _("No member or customer of this store with this card number or phone."))
    panel = member_panel(store, found, now=now)
    initial = {"key": new_key()}
    if found.card is not None:
        initial["card"] = (panel.get("replacement") or found.card).number
    elif found.customer is not None:
        initial["phone"] = found.customer.phone
    form = PurchaseForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            result = _record(request, store, form, now=now)
        except ValidationError as error:
            add_service_errors(form, error, {"lines": "amount_1", "birthday": "birthday", "card": "card"})
        else:
            if result.replayed:
                messages.info(request, _("This purchase was recorded already; here is its receipt."))
            return redirect("vip:receipt", site=store.code, purchase_id=result.purchase.pk)
    context = {
        "store": store,
        "site": store,
        "lookup_form": lookup_form,
        "form": form,
        "panel": panel,
    }
    return render(request, "vip/till.html", context)


def _record(request, store, form: PurchaseForm, *, now):
    data = form.cleaned_data
    return services.purchase_record(
        store=store,
        actor=request.user,
        key=data["key"],
        lines=form.lines(),
        card_number=data["card"],
        phone=data["phone"],
        birthday_claimed=data["birthday"],
        id_checked=data["id_checked"],
        signature_confirmed=data["signature"],
        now=now,
    )


def _line_label(form: PurchaseForm, name: str) -> str:
    """A field's label as the till shows it: "Amount 3" for the third line's amount."""
    if name not in form.fields:
        return ""
    line = name.rpartition("_")[2]
    label = str(form.fields[name].label)
    return f"{label} {line}" if line.isdigit() else label


@login_required
@require_POST
def till_quote(request: HttpRequest, site: str) -> HttpResponse:
    """The discount and points a purchase would get, and why; nothing is saved (htmx fragment)."""
    store = store_or_403(request.user, site)
    now = timezone.now()
    form = PurchaseForm(request.POST)
    result = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            result = services.till_quote(
                store=store,
                lines=form.lines(),
                card=services.card_at_store(store, data["card"]) if data["card"] else None,
                phone=data["phone"],
                birthday_claimed=data["birthday"],
                id_checked=data["id_checked"],
                now=now,
            )
        except ValidationError as error:
            add_service_errors(form, error, {"lines": "amount_1"})
    # The quote replaces only its own box, not the form: each refusal says which field (and line) it is about.
    field_errors = [(_line_label(form, name), error) for name, errors in form.errors.items() for error in errors]
    return render(
        request,
        "vip/partials/quote.html",
        {
            "quote": result and result.quote,
            "field_errors": field_errors,
            "membership": result and result.membership,
            "points": result.points if result else 0,
            "qualifies": result.qualifies if result else "",
            "store": store,
        },
    )


@login_required
def receipt(request: HttpRequest, site: str, purchase_id: int) -> HttpResponse:
    store = store_or_403(request.user, site)
    now = timezone.now()
    purchase = purchase_or_404(store, purchase_id)
    panel = _receipt_panel(store, purchase, now=now)
    context = _receipt_context(store, purchase, panel=panel, return_form=ReturnForm(initial={"key": new_key()}))
    return render(request, "vip/receipt.html", context)


def _receipt_panel(store, purchase, *, now) -> dict:
    """The member's panel as it stands now, or a non-member's eligibility (VIP-ELIG-1)."""
    membership = purchase.membership
    customer = purchase.customer
    if customer is None:
        return {}
    if membership is not None:
        membership.refresh_from_db(fields=["paid_total", "earned_points", "balance"])
        return member_panel(store, selectors.Lookup(customer, membership, purchase.card), now=now)
    if not services.customer_has_valid_membership(customer, now=now):
        return member_panel(store, selectors.Lookup(customer, None, None), now=now)
    return {}


def _receipt_context(store, purchase, *, panel: dict, return_form: ReturnForm) -> dict:
    returns = list(purchase.returns.order_by("at", "pk"))
    return {
        "store": store,
        "site": store,
        "purchase": purchase,
        "lines": purchase.lines.all(),
        "explanations": purchase.explanation_lines(translation.get_language()),
        "returns": returns,
        "kept": purchase.paid - sum((r.amount for r in returns), 0),
        "panel": panel,
        "return_form": return_form,
    }


@login_required
@require_POST
def purchase_return(request: HttpRequest, site: str, purchase_id: int) -> HttpResponse:
    """A refund on this receipt (VIP-RET-1)."""
    store = store_or_403(request.user, site)
    now = timezone.now()
    purchase = purchase_or_404(store, purchase_id)
    form = ReturnForm(request.POST)
    if form.is_valid():
        try:
            refund = services.return_record(
                purchase=purchase,
                amount=form.cleaned_data["amount"],
                actor=request.user,
                key=form.cleaned_data["key"],
                reason=form.cleaned_data["reason"],
                now=now,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            text = _("VIP-RET-1: %(amount)s refunded; %(points)s point(s) reversed.") % {
                "amount": rules.yuan(refund.amount),
                "points": refund.points_reversed,
            }
            if refund.shortfall:
                text += " " + _("%(n)s point(s) were already redeemed: the store manager is told.") % {
                    "n": refund.shortfall
                }
            messages.success(request, text)
            return redirect("vip:receipt", site=store.code, purchase_id=purchase.pk)
    context = _receipt_context(store, purchase, panel=_receipt_panel(store, purchase, now=now), return_form=form)
    return render(request, "vip/receipt.html", context, status=400)


# --- issuing a card (VIP-CARD-1, VIP-CARD-3) ---------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest, site: str, customer_id: int) -> HttpResponse:
    """The registration form of a qualifying customer; the card is issued on submit (VIP-CARD-1)."""
    store = store_or_403(request.user, site)
    now = timezone.now()
    customer = customer_or_404(store, customer_id)
    today = local_day(now, store.zone)
    form = RegistrationForm(
        request.POST or None,
        today=today,
        initial={"surname": customer.surname, "title": customer.title, "birthday": customer.birthday},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            card = services.card_issue(
                customer=customer,
                actor=request.user,
                surname=data["surname"],
                given_name=data["given_name"],
                title=data["title"],
                birthday=data["birthday"],
                id_number=data["id_number"],
                number=data["number"],
                now=now,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("VIP-CARD-1: card %(number)s issued, valid to the end of %(day)s.")
                % {"number": card.number, "day": local_day(card.membership.valid_until, store.zone).isoformat()},
            )
            return redirect(f"{reverse('vip:till', kwargs={'site': store.code})}?q={card.number}")
    membership = selectors.latest_membership(customer)
    if membership is not None:
        membership.customer, membership.store = customer, store
    found = selectors.Lookup(customer, membership, selectors.current_card(membership) if membership else None)
    panel = member_panel(store, found, now=now)
    # The form is offered only where services.card_issue would issue: a renewal after an expired card (VIP-CARD-3),
    # or a first card once qualified (VIP-ELIG-1); a valid member already has one. The panel says which.
    eligibility = panel.get("eligibility")
    can_issue = bool(panel.get("renewable")) or (membership is None and eligibility is not None and eligibility.ok)
    return render(
        request,
        "vip/register.html",
        {"store": store, "site": store, "customer": customer, "form": form, "panel": panel, "can_issue": can_issue},
    )


# --- members ------------------------------------------------------------------------------------------------------


@login_required
def members(request: HttpRequest, site: str) -> HttpResponse:
    store = store_or_403(request.user, site)
    now = timezone.now()
    search = request.GET.get("q", "").strip()[:40]
    # Issue 17: newest first, a page after another's last row, never counted (LIMIT n + 1 tells whether there is more).
    page = keyset_page(
        selectors.store_members(store, search=search),
        keys=("-started_at", "-pk"),
        cursor=request.GET.get("after", ""),
        size=MEMBERS_PER_PAGE,
        param="after",
    )
    rows = [
        {
            "membership": m,
            "phone": rules.mask_phone(m.customer.phone),
            "valid": m.is_valid(now),
            "tier": m.earned_points >= rules.TIER_POINTS,
        }
        for m in page
    ]
    context = {"store": store, "site": store, "page": page, "rows": rows, "search": search}
    if search:
        context["extra_query"] = f"q={search}"
    return render(request, "vip/members.html", context)


def _member_context(
    request, store, membership: Membership, *, now, unmasked=False, redeem_form=None, replace_form=None
):
    cards = list(membership.cards.order_by("-issued_at", "-pk"))
    card = next((c for c in cards if c.blocked_at is None), None)
    if card is not None:
        card.membership = membership
    rewards = list(Reward.objects.filter(store=store, active=True, stock__gt=0))
    return {
        "store": store,
        "site": store,
        "membership": membership,
        "cards": cards,
        "panel": member_panel(
            store, selectors.Lookup(membership.customer, membership, card), now=now, unmasked=unmasked
        ),
        "movements": list(PointMovement.objects.filter(membership=membership).order_by("-at", "-pk")[:LEDGER_ROWS]),
        "purchases": list(membership.purchases.order_by("-at", "-pk")[:RECENT_PURCHASES]),
        "redeem_form": redeem_form or RedeemForm(rewards=rewards, initial={"key": new_key()}),
        "replace_form": replace_form or ReplaceForm(),
        "unmasked": unmasked,
    }


@login_required
def member(request: HttpRequest, site: str, membership_id: int) -> HttpResponse:
    store = store_or_403(request.user, site)
    membership = membership_or_404(store, membership_id)
    return render(request, "vip/member.html", _member_context(request, store, membership, now=timezone.now()))


@login_required
@require_POST
def member_unmask(request: HttpRequest, site: str, membership_id: int) -> HttpResponse:
    """The full phone and ID number, for this response only, logged with who and when (VIP-DATA-1)."""
    store = store_or_403(request.user, site, "vip.unmask_customer")
    now = timezone.now()
    membership = membership_or_404(store, membership_id)
    services.customer_unmask(customer=membership.customer, actor=request.user, now=now)
    return render(request, "vip/member.html", _member_context(request, store, membership, now=now, unmasked=True))


@login_required
@require_POST
def member_sms(request: HttpRequest, site: str, membership_id: int) -> HttpResponse:
    """The member asks for no SMS reminders, or for them again (VIP-SVC-1)."""
    store = store_or_403(request.user, site)
    membership = membership_or_404(store, membership_id)
    opt_out = request.POST.get("opt_out") == "1"
    services.customer_sms_preference(customer=membership.customer, actor=request.user, opt_out=opt_out)
    messages.success(
        request, _("VIP-SVC-1: no more SMS reminders.") if opt_out else _("VIP-SVC-1: SMS reminders are on again.")
    )
    return redirect("vip:member", site=store.code, membership_id=membership.pk)


def _member_card(request: HttpRequest, site: str, membership_id: int):
    """The store, the membership and its current (unblocked) card, or None when every card is blocked."""
    store = store_or_403(request.user, site)
    membership = membership_or_404(store, membership_id)
    card = membership.cards.filter(blocked_at__isnull=True).first()
    if card is not None:
        card.membership = membership
    return store, membership, card


def _member_refused(request: HttpRequest, store, membership, now, **forms) -> HttpResponse:
    """The member page again, the refused form with its refusal next to its field."""
    return render(request, "vip/member.html", _member_context(request, store, membership, now=now, **forms), status=400)


def _no_card(form) -> None:
    form.add_error(None, _("VIP-CARD-4: this membership has no unblocked card."))


def _redemption_refused(membership, cleaned: dict) -> bool:
    """A redemption the rules refuse anyway (too few points, none in stock) is refused at once, not confirmed first."""
    reward = cleaned["reward"]
    problem = rules.redemption_problem(
        balance=membership.balance, points=reward.points, stock=reward.stock, active=reward.active
    )
    return problem is not None


def _redemption_consequence(membership, reward) -> Consequence:
    """What the clerk reads out to the member before redeeming (VIP-PTS-2: a redemption cannot be cancelled)."""
    after = membership.balance - reward.points
    will_happen = [
        _("%(member)s exchanges %(points)s points for %(reward)s.")
        % {"member": membership.customer.address_as, "points": count_text(reward.points), "reward": reward.name},
        _("Points balance: %(before)s now, %(after)s after.")
        % {"before": count_text(membership.balance), "after": count_text(after)},
        _("A redemption cannot be cancelled: the points do not come back."),
    ]
    return Consequence(
        title=_("Redeem %(reward)s?") % {"reward": reward.name},
        will_happen=will_happen,
        confirm_label=_("The member agrees: redeem"),
        rule_ids=("VIP-PTS-2",),
    )


@login_required
@require_POST
def member_redeem(request: HttpRequest, site: str, membership_id: int) -> HttpResponse:
    """Points of this card for a reward (VIP-PTS-2)."""
    store, membership, card = _member_card(request, site, membership_id)
    now = timezone.now()
    form = RedeemForm(request.POST, rewards=Reward.objects.filter(store=store, active=True, stock__gt=0))
    if form.is_valid() and card is None:
        _no_card(form)
    elif form.is_valid() and not is_confirmed(request) and not _redemption_refused(membership, form.cleaned_data):
        back = reverse("vip:member", kwargs={"site": store.code, "membership_id": membership.pk})
        return confirmation_page(
            request, _redemption_consequence(membership, form.cleaned_data["reward"]), back_url=back
        )
    elif form.is_valid():
        d = form.cleaned_data
        redemption = submit(
            form,
            services.redemption_make,
            store=store,
            card=card,
            reward=d["reward"],
            actor=request.user,
            key=d["key"],
            now=now,
        )
        if redemption:
            messages.success(
                request,
                _("VIP-PTS-2: %(reward)s redeemed for %(points)s points; this cannot be cancelled.")
                % {"reward": redemption.reward.name, "points": redemption.points},
            )
            return redirect("vip:member", site=store.code, membership_id=membership.pk)
    return _member_refused(request, store, membership, now, redeem_form=form)


@login_required
@require_POST
def member_replace(request: HttpRequest, site: str, membership_id: int) -> HttpResponse:
    """A lost or damaged card: blocked at once, the replacement carries everything (VIP-CARD-4)."""
    store, membership, card = _member_card(request, site, membership_id)
    now = timezone.now()
    form = ReplaceForm(request.POST)
    if form.is_valid() and card is None:
        _no_card(form)
    elif form.is_valid():
        d = form.cleaned_data
        new = submit(
            form, services.card_replace, card=card, actor=request.user, reason=d["reason"], number=d["number"], now=now
        )
        if new:
            messages.success(
                request,
                _("VIP-CARD-4: card %(old)s is blocked; replacement %(new)s carries the points and expiry.")
                % {"old": card.number, "new": new.number},
            )
            return redirect("vip:member", site=store.code, membership_id=membership.pk)
    return _member_refused(request, store, membership, now, replace_form=form)
