"""The register's pages: access check -> form -> service -> render/redirect, `now` read once per request.

Register a visit (with an htmx check of who holds the client), the project manager's approval queue, the client
list and the client page (the ownership timeline with its rule IDs, and the managers' actions), and the sales
director's dispute queue."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from reception.access import reception_for_site_or_404
from reception.models import Reception
from salesoffice.access import site_with_perm_or_403
from salesoffice.confirm import Consequence, confirmation_page, is_confirmed
from salesoffice.forms import add_service_errors
from salesoffice.models import Site, display_name
from salesoffice.paging import UncountedPage
from salesoffice.phones import normalise_phone
from salesoffice.timeutil import local_day

from . import rules, selectors, services
from .access import client_for_user_or_404, client_site_or_403, entry_for_site_or_404
from .forms import (
    ClientFilterForm,
    CompanyForm,
    CorrectionForm,
    DayForm,
    DisputeForm,
    InstigationForm,
    IntroductionForm,
    RecognitionForm,
    ReviewForm,
    SpouseForm,
    VisitRegisterForm,
)
from .models import Client, VisitEntry
from .services import RegisterError

SALES = Site.Kind.SALES_OFFICE
CLIENTS_PER_PAGE = 25
ENTRIES_PER_PAGE = 25
OPINIONS_PER_PAGE = 10


def _id_param(raw: str) -> int:
    """An object id from a query string; anything that is not one names no object of this site (404)."""
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 18):  # 18 digits always fit a bigint
        raise Http404
    return int(raw)


# --- registering a visit (ATT-REG-1..3) ----------------------------------------------------------------------


def _linked_reception(request: HttpRequest, site: Site) -> Reception | None:
    raw = request.GET.get("reception", "")
    return reception_for_site_or_404(site, _id_param(raw)) if raw else None


def _register_initial(user, salespeople: list, reception: Reception | None) -> dict:
    initial: dict = {"source": VisitEntry.Source.WALK_IN}
    if any(p.pk == user.pk for p in salespeople):
        initial["salesperson"] = user.pk
    if reception is not None:
        initial["name"] = reception.client_label
        initial["salesperson"] = reception.owner_id or reception.salesperson_id
        if reception.kind in (Reception.Kind.RETURNING, Reception.Kind.DUTY):
            initial["source"] = VisitEntry.Source.RETURNING
    return initial


@login_required
def register_visit(request: HttpRequest, site: str) -> HttpResponse:
    site_obj = site_with_perm_or_403(request.user, site, "attribution.register_visit", SALES)
    now = timezone.now()
    reception = _linked_reception(request, site_obj)
    choose = request.user.has_perm("attribution.register_for_others")
    salespeople = selectors.site_salespeople(site_obj) if choose else []
    form = VisitRegisterForm(
        request.POST if request.method == "POST" else None,
        choose_salesperson=choose,
        salespeople=salespeople,
        zone=site_obj.zone,
        initial=_register_initial(request.user, salespeople, reception),
    )
    if form.is_valid():
        data = form.cleaned_data
        salesperson = data.get("salesperson") or request.user
        try:
            result = services.visit_register(
                site=site_obj,
                actor=request.user,
                salesperson=salesperson,
                name=data["name"],
                phones=[data["phone"], data["phone2"]],
                now=now,
                id_number=data["id_number"],
                source=data["source"],
                needs=data["needs"],
                budget=data["budget"],
                grade=data["grade"],
                visited_at=data["visited_at"],
                received_by=reception.salesperson if reception is not None else None,
                reception=reception,
                note=_("Spouse: %(hint)s") % {"hint": data["spouse_hint"]} if data["spouse_hint"] else "",
                backdate_reason=data.get("backdate_reason", ""),
            )
        except RegisterError as exc:
            add_service_errors(form, exc, VisitRegisterForm.SERVICE_FIELDS)
        else:
            _registered_messages(request, result, salesperson, data["spouse_hint"])
            return redirect("attribution:client", site=site_obj.code, client_id=result.client.pk)
    context = {"site": site_obj, "form": form, "reception": reception}
    return render(request, "attribution/register.html", context)


def _registered_messages(request: HttpRequest, result: services.RegistrationResult, salesperson, spouse_hint) -> None:
    messages.success(
        request,
        _(
            "Visit of %(client)s registered for %(salesperson)s; it counts once the project manager approves it "
            "(ATT-REG-1)."
        )
        % {"client": result.client.name, "salesperson": display_name(salesperson)},
    )
    if result.possible_duplicates:
        messages.warning(
            request,
            _("Possible duplicates flagged for the project manager (ATT-REG-3): %(clients)s.")
            % {"clients": ", ".join(f"{c.name} ({c.phone})" for c in result.possible_duplicates)},
        )
    spouse = _client_for_phone(spouse_hint)
    if spouse is not None and spouse.pk != result.client.pk:
        messages.info(
            request,
            _(
                "The spouse's phone belongs to %(name)s on the register: a manager can mark them as a couple "
                "(ATT-SPOUSE)."
            )
            % {"name": spouse.name},
        )


def _client_for_phone(raw: str) -> Client | None:
    try:
        return selectors.client_by_phone(normalised_phone=normalise_phone(raw)) if raw.strip() else None
    except ValidationError:
        return None


@dataclass
class CheckNote:
    level: str  # a Bootstrap alert colour
    text: str
    client: Client | None = None


@login_required
@require_GET
def register_check(request: HttpRequest, site: str) -> HttpResponse:
    """htmx, as the desk types: is the client on the register, who holds them and until when (ATT-REG-2/3), and
    which clients look like the same person."""
    site_obj = site_with_perm_or_403(request.user, site, "attribution.register_visit", SALES)
    now = timezone.now()
    raw = request.GET.get("salesperson", "")
    salesperson_id = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 18 else request.user.pk
    notes, duplicates = _registration_check(
        site_obj,
        now,
        name=request.GET.get("name", "")[:120],
        phones=[request.GET.get("phone", "")[:40], request.GET.get("phone2", "")[:40]],
        id_number=request.GET.get("id_number", "")[:40],
        salesperson_id=salesperson_id,
    )
    context = {"site": site_obj, "notes": notes, "duplicates": duplicates}
    return render(request, "attribution/partials/register_check.html", context)


def _registration_check(
    site: Site, now: dt.datetime, *, name: str, phones: list[str], id_number: str, salesperson_id: int
) -> tuple[list[CheckNote], list[Client]]:
    notes: list[CheckNote] = []
    normalised: list[str] = []
    found: dict[int, Client] = {}
    for raw in (p.strip() for p in phones):
        if not raw:
            continue
        try:
            normalised.append(normalise_phone(raw))
        except ValidationError:
            notes.append(CheckNote("danger", _("%(phone)s is not a valid phone number.") % {"phone": raw}))
            continue
        client = selectors.client_by_phone(normalised_phone=normalised[-1])
        if client is not None:
            found[client.pk] = client
    if len(found) > 1:
        notes.append(CheckNote("danger", _("These phone numbers belong to different clients on the register.")))
    for client in found.values():
        notes.append(_holder_note(client, site, now, salesperson_id))
    if normalised and not found:
        notes.append(CheckNote("info", _("No client on the register has this phone: a new client.")))
    duplicates = []
    if name.strip() and (normalised or id_number.strip()):
        exclude = next(iter(found)) if len(found) == 1 else None
        duplicates = services.possible_duplicates(
            name=name, phones=normalised, id_number=id_number, exclude_client_id=exclude, site=site
        )
    return notes, duplicates


def _holder_note(client: Client, site: Site, now: dt.datetime, salesperson_id: int) -> CheckNote:
    attribution = selectors.client_attribution(client=client, site=site, now=now)
    if attribution.owner_id is not None:
        names = selectors.user_names([attribution.owner_id])
        refused = rules.holder_refusal(attribution, salesperson_id=salesperson_id, names=names, zone=site.zone)
        text = _("%(client)s is registered to %(owner)s, valid until %(until)s (ATT-REG-2, ATT-REG-3).") % {
            "client": client.name,
            "owner": names.get(attribution.owner_id, ""),
            "until": local_day(attribution.valid_until, site.zone).isoformat(),
        }
        if refused:
            text = text + " " + _("The register will refuse another salesperson.")
        return CheckNote("danger" if refused else "success", text, client)
    pending = selectors.first_pending_entry(client=client, site=site)
    if pending is not None:
        # Never a refusal: the register records every visit; the earlier entry wins if approved (ATT-REG-1, ATT-REG-3).
        params = {
            "client": client.name,
            "name": display_name(pending.salesperson),
            "at": pending.registered_at.astimezone(site.zone).strftime("%Y-%m-%d %H:%M"),
        }
        if pending.salesperson_id == salesperson_id:
            text = _(
                "%(client)s: your entry of %(at)s awaits approval; registering this visit too is fine (ATT-REG-1)."
            )
            return CheckNote("success", text % params, client)
        text = _(
            "%(client)s: %(name)s registered first at %(at)s, awaiting approval: the earlier wins if approved "
            "(ATT-REG-3). You may still register this visit (ATT-REG-1)."
        )
        return CheckNote("warning", text % params, client)
    if not selectors.client_has_entries(client=client, site=site):
        # Known from another project only: that project's client data is not shown here, not even the name.
        return CheckNote("info", _("No registration of this phone on this project: registering makes a new owner."))
    text = _("%(client)s is on the register but holds no valid registration here: the client is free (ATT-REG-2).")
    return CheckNote("info", text % {"client": client.name}, client)


# --- the approval queue (ATT-REG-1) --------------------------------------------------------------------------


@dataclass
class ApprovalRow:
    entry: VisitEntry
    holder_id: int | None  # who holds the client now (ATT-REG-2/3), None when free
    holder_until: dt.datetime | None
    holder_name: str
    form: ReviewForm
    overdue: bool = False


@login_required
@require_GET
def approvals(request: HttpRequest, site: str) -> HttpResponse:
    site_obj = site_with_perm_or_403(request.user, site, "attribution.approve_register", SALES)
    return _approvals_page(request, site_obj, timezone.now())


def _approvals_page(
    request: HttpRequest, site: Site, now: dt.datetime, *, bound: ReviewForm | None = None, bound_id: int = 0
) -> HttpResponse:
    queue = selectors.unreviewed_entries(site=site, now=now)
    only_overdue = request.GET.get("overdue") == "1"
    if only_overdue:
        queue = queue.filter(registered_at__lt=rules.review_overdue_before(now, site.zone))
    # Issue 17: the queue and the overdue badge read as far as they show, never the site's whole history.
    page = UncountedPage(queue, ENTRIES_PER_PAGE, request.GET.get("page"))
    overdue_count = selectors.overdue_count(site=site, now=now)
    entries = page.object_list
    holders = selectors.current_holders(client_ids={e.client_id for e in entries}, site=site, now=now)
    names = selectors.user_names(owner_id for owner_id, _until in holders.values())
    days: dict[dt.date, list[ApprovalRow]] = defaultdict(list)
    for entry in entries:
        holder_id, until = holders.get(entry.client_id, (None, None))
        form = bound if bound is not None and entry.pk == bound_id else ReviewForm(auto_id=f"id_%s_{entry.pk}")
        overdue = rules.entry_overdue(entry.registered_at, reviewed=False, now=now, zone=site.zone)
        row = ApprovalRow(entry, holder_id, until, names.get(holder_id, ""), form, overdue)
        days[local_day(entry.registered_at, site.zone)].append(row)
    context = {
        "site": site,
        "page": page,
        "days": list(days.items()),
        "today": local_day(now, site.zone),
        "overdue_count": min(overdue_count, selectors.OVERDUE_SHOWN),
        "overdue_more": overdue_count > selectors.OVERDUE_SHOWN,
        "only_overdue": only_overdue,
        "extra_query": "overdue=1" if only_overdue else "",
    }
    return render(request, "attribution/approvals.html", context)


def _approvals_url(request: HttpRequest, site: Site) -> str:
    url = reverse("attribution:approvals", kwargs={"site": site.code})
    page = request.GET.get("page", "")
    return f"{url}?page={page}" if page.isdigit() else url


@login_required
@require_POST
def approval_review(request: HttpRequest, site: str, entry_id: int) -> HttpResponse:
    """Approve or reject one entry; nobody approves their own (ATT-REG-1)."""
    site_obj = site_with_perm_or_403(request.user, site, "attribution.approve_register", SALES)
    entry = entry_for_site_or_404(site_obj, entry_id)
    now = timezone.now()
    form = ReviewForm(request.POST, auto_id=f"id_%s_{entry.pk}")
    if form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        try:
            services.visit_review(
                entry=entry, actor=request.user, approve=approve, now=now, reason=form.cleaned_data["reason"]
            )
        except RegisterError as exc:
            add_service_errors(form, exc)
        else:
            message = _("%(client)s: entry approved.") if approve else _("%(client)s: entry rejected.")
            messages.success(request, message % {"client": entry.client.name})
            return redirect(_approvals_url(request, site_obj))
    return _approvals_page(request, site_obj, now, bound=form, bound_id=entry.pk)


def _day_approval_consequence(site: Site, day: dt.date, now: dt.datetime) -> Consequence:
    count = selectors.unreviewed_count_on_day(site=site, day=day, now=now)
    return Consequence(
        title=_("Approve the entries of %(day)s?") % {"day": day.isoformat()},
        will_happen=[
            ngettext(
                "Up to %(count)d entry registered on %(day)s is approved; an approved entry counts for its "
                "salesperson from its visit on (ATT-REG-1, ATT-REG-3).",
                "Up to %(count)d entries registered on %(day)s are approved; an approved entry counts for its "
                "salesperson from its visit on (ATT-REG-1, ATT-REG-3).",
                count,
            )
            % {"count": count, "day": day.isoformat()},
            _("Likely duplicates and visits recorded out of their time are left for a review of their own."),
        ],
        confirm_label=_("Approve the day's entries"),
        rule_ids=("ATT-REG-1", "ATT-REG-3"),
        danger=False,
    )


@login_required
@require_POST
def approval_day(request: HttpRequest, site: str) -> HttpResponse:
    """Approve the unreviewed entries registered on one day (site zone); likely duplicates, visits recorded out of
    their time and the ones the review refuses stay for a review of their own, each with the reason (ATT-REG-1/3)."""
    site_obj = site_with_perm_or_403(request.user, site, "attribution.approve_register", SALES)
    now = timezone.now()
    form = DayForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a day."))
        return redirect(_approvals_url(request, site_obj))
    if not is_confirmed(request):
        consequence = _day_approval_consequence(site_obj, form.cleaned_data["day"], now)
        return confirmation_page(request, consequence, back_url=_approvals_url(request, site_obj))
    try:
        done = services.visit_review_day(site=site_obj, actor=request.user, day=form.cleaned_data["day"], now=now)
    except RegisterError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(_approvals_url(request, site_obj))
    messages.success(
        request,
        ngettext(
            "%(count)d entry registered on %(day)s approved.",
            "%(count)d entries registered on %(day)s approved.",
            done.approved,
        )
        % {"count": done.approved, "day": done.day.isoformat()},
    )
    if done.left:
        messages.warning(
            request,
            ngettext(
                "%(count)d entry of %(day)s left for a review of its own:",
                "%(count)d entries of %(day)s left for a review of their own:",
                len(done.left),
            )
            % {"count": len(done.left), "day": done.day.isoformat()},
        )
        for entry, why in done.left:
            messages.warning(request, f"{entry.client.name} ({display_name(entry.salesperson)}): {why}")
    return redirect(_approvals_url(request, site_obj))


# --- the client list -----------------------------------------------------------------------------------------


@dataclass
class ClientRow:
    client: Client
    holder: rules.Ownership
    holder_name: str
    last_registered_at: dt.datetime | None


@login_required
@require_GET
def client_list(request: HttpRequest, site: str) -> HttpResponse:
    """A salesperson's own clients of the site, or all of them (attribution.view_all_clients), with who holds each
    on the register and until when (ATT-REG-2/3), in a fixed number of queries."""
    site_obj = client_site_or_403(request.user, site)
    now = timezone.now()
    form = ClientFilterForm(request.GET, salespeople=selectors.site_salespeople(site_obj))
    filters = {k: v for k, v in form.cleaned_data.items() if v} if form.is_valid() else {}
    summaries = selectors.client_list(site=site_obj, user=request.user, now=now, **filters)
    page = Paginator(summaries.prefetch_related("client__phones"), CLIENTS_PER_PAGE).get_page(request.GET.get("page"))
    # The rows shown are read by the rules at `now`, as the client page reads them.
    holders = selectors.registered_owners(client_ids=[s.client_id for s in page.object_list], site=site_obj, now=now)
    names = selectors.user_names(h.owner_id for h in holders.values())
    rows = [
        ClientRow(s.client, holders[s.client_id], names.get(holders[s.client_id].owner_id, ""), s.last_registered_at)
        for s in page.object_list
    ]
    query = {k: getattr(v, "pk", v) for k, v in filters.items()}
    context = {"site": site_obj, "form": form, "page": page, "rows": rows, "extra_query": urlencode(query)}
    return render(request, "attribution/clients.html", context)


# --- the client page -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClientAction:
    form_class: type
    perm: str
    title: Promise
    submit: Promise
    url_name: str


ACTIONS = {
    "recognition": ClientAction(
        RecognitionForm,
        "attribution.record_client_facts",
        gettext_lazy("Record a recognition (REC-NEW-2)"),
        gettext_lazy("Record the recognition"),
        "attribution:client_recognition",
    ),
    "spouse": ClientAction(
        SpouseForm,
        "attribution.record_client_facts",
        gettext_lazy("Mark the spouse (ATT-SPOUSE)"),
        gettext_lazy("Mark as a couple"),
        "attribution:client_spouse",
    ),
    "company": ClientAction(
        CompanyForm,
        "attribution.record_client_facts",
        gettext_lazy("Mark as a company client (ATT-CO-1..5)"),
        gettext_lazy("Mark as a company client"),
        "attribution:client_company",
    ),
    "introduction": ClientAction(
        IntroductionForm,
        "attribution.record_client_facts",
        gettext_lazy("Record an old client's introduction (ATT-REF-OLD)"),
        gettext_lazy("Record the introduction"),
        "attribution:client_introduction",
    ),
    "correction": ClientAction(
        CorrectionForm,
        "attribution.record_client_facts",
        gettext_lazy("Correct an entry (ATT-REG-1)"),
        gettext_lazy("Add the correction"),
        "attribution:client_correction",
    ),
    "instigation": ClientAction(
        InstigationForm,
        "reception.record_instigation",
        gettext_lazy("Record that the named salesperson instigated a switch (REC-DES-2)"),
        gettext_lazy("Record the finding"),
        "attribution:client_instigation",
    ),
    "dispute": ClientAction(
        DisputeForm,
        "attribution.write_dispute_opinion",
        gettext_lazy("Write a dispute opinion (ATT-DISP-1)"),
        gettext_lazy("Send to the sales director"),
        "attribution:client_dispute",
    ),
}


@dataclass
class ClientView:
    """Everything the client page shows, read in a fixed number of queries whatever the client's history."""

    client: Client
    phones: list
    entries: list[VisitEntry]
    corrections: dict[int, list[VisitEntry]]
    facts: rules.ClientFacts
    attribution: rules.Attribution
    shares: list[tuple[str, rules.Share]] = field(default_factory=list)
    earlier: bool = False  # older entries exist that the page does not list

    @property
    def entry_rows(self) -> list[tuple[VisitEntry, list[VisitEntry]]]:
        """Each entry with the corrections that point at it (ATT-REG-1)."""
        return [(entry, self.corrections.get(entry.pk, [])) for entry in self.entries]

    def share_of_user(self, user_id: int) -> tuple[Decimal, tuple[str, ...]] | None:
        """The viewer's own part of a future commission and the clauses giving it (ATT-SPOUSE, REC-NEW-2c, ...)."""
        mine = [s for s in self.attribution.shares if s.user_id == user_id and s.kind != rules.PUBLIC_POOL]
        if not mine:
            return None
        clauses = tuple(dict.fromkeys(rule for s in mine for rule in s.rule_ids))
        return sum((s.percent for s in mine), Decimal(0)), clauses

    @property
    def owner_name(self) -> str:
        return self.facts.name(self.attribution.owner_id)

    @property
    def follow_up_name(self) -> str:
        return self.facts.name(self.attribution.follow_up_id)


# The client page lists the latest entries (the rules read them all); every one on request (issue 17).
ENTRIES_SHOWN = 30


def _client_view(client: Client, site: Site, now: dt.datetime, *, every_entry: bool = False) -> ClientView:
    facts = selectors.client_facts(client=client, site=site, now=now)
    attribution = rules.attribute(facts, now=now, zone=site.zone)
    entries = selectors.client_entries(client=client, site=site, latest=None if every_entry else ENTRIES_SHOWN)
    earlier = len(entries) > ENTRIES_SHOWN and not every_entry
    if earlier:
        entries = entries[1:]
    corrections: dict[int, list[VisitEntry]] = defaultdict(list)
    for entry in entries:
        if entry.corrects_id:
            corrections[entry.corrects_id].append(entry)
    shares = [(facts.name(s.user_id), s) for s in attribution.shares]
    phones = list(client.phones.all())
    return ClientView(client, phones, entries, dict(corrections), facts, attribution, shares, earlier)


def _client_page(
    request: HttpRequest, site: Site, client: Client, now: dt.datetime, *, bound: dict | None = None
) -> HttpResponse:
    view = _client_view(client, site, now, every_entry=request.GET.get("entries") == "all")
    allowed = [name for name, action in ACTIONS.items() if request.user.has_perm(action.perm)]
    if not view.entries:
        allowed = [name for name in allowed if name != "correction"]
    if not any(s.found_instigated_at is None and not s.returning for s in view.facts.switches):
        allowed = [name for name in allowed if name != "instigation"]  # no switch left to find instigated
    # Only a form sent back with its errors comes with the page; the others load when their panel is opened
    # (htmx, the action's own URL): six forms rendered in closed panels were half of the page's time.
    forms = [(name, ACTIONS[name], (bound or {}).get(name)) for name in allowed]
    mine = view.share_of_user(request.user.pk)
    context = {
        "site": site,
        "view": view,
        "client": client,
        "forms": forms,
        "now": now,
        "my_share": mine[0] if mine else None,
        "my_share_rules": ", ".join(mine[1]) if mine else "",
    }
    return render(request, "attribution/client.html", context)


@login_required
@require_GET
def client_page(request: HttpRequest, site: str, client_id: int) -> HttpResponse:
    site_obj = client_site_or_403(request.user, site)
    now = timezone.now()
    client = client_for_user_or_404(request.user, site_obj, client_id, now=now)
    return _client_page(request, site_obj, client, now)
