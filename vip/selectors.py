"""Reads for the till, the store manager's pages and operations' summary: bounded queries, no state changes."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from django.db.models import Case, Count, OuterRef, Q, QuerySet, Subquery, Sum, When
from django.utils.functional import Promise

from salesoffice.models import Site
from salesoffice.money import summed
from salesoffice.timeutil import add_months, local_day, month_bounds

from . import rules
from .models import Card, Customer, FormHandIn, Membership, Purchase, Return, SmsDelivery, StoreSettings


def store_settings(store: Site) -> StoreSettings:
    """The store's settings, made with the defaults on first use (kept on the store object for the request)."""
    # settings_row serves every app's settings row, so it is typed as a Model: this related name is StoreSettings.
    return cast(StoreSettings, store.settings_row("vip_settings"))


def paid_history(customer: Customer) -> list[rules.PaidPurchase]:
    """The customer's purchases at their store, each net of its refunds (VIP-ELIG-1: "paid")."""
    rows = (
        Purchase.objects.filter(customer=customer, store_id=customer.store_id)
        .annotate(refunded=Sum("returns__amount"))
        .values_list("at", "paid", "refunded")
    )
    return [rules.PaidPurchase(at=at, paid=paid - summed(refunded)) for at, paid, refunded in rows]


def sharing_store_ids(store: Site) -> list[int]:
    """The stores whose members this store may serve: itself, and with sharing on every other sharing store."""
    if not store_settings(store).share_members:
        return [store.pk]
    return [
        store.pk,
        *StoreSettings.objects.filter(share_members=True).exclude(site=store).values_list("site_id", flat=True),
    ]


def _store_of(membership: Membership, store: Site) -> None:
    """The membership's store: the till's own (its settings already read), else read with its settings (sharing)."""
    if membership.store_id == store.pk:
        membership.store = store
    else:
        membership.store = Site.objects.select_related("vip_settings").get(pk=membership.store_id)


def card_for_store(store: Site, number: str) -> Card | None:
    """A card this store may look up (its own, or a sharing store's); another store's card is not revealed.
    One query at the card's own store."""
    try:
        # get(), not first(): the number is unique, and first()'s ORDER BY costs every till request its compiling.
        card = Card.objects.select_related("membership__customer").get(
            number=number.strip(), membership__store_id__in=sharing_store_ids(store)
        )
    except Card.DoesNotExist:
        return None
    _store_of(card.membership, store)
    return card


def valid_card_of_phone(store: Site, phone: str, *, now: dt.datetime) -> Card | None:
    """The usable card (not blocked, membership not expired) of a member this store serves with this phone, in one
    query."""
    return (
        Card.objects.select_related("membership__customer")
        .filter(
            blocked_at__isnull=True,
            membership__valid_until__gte=now,
            membership__customer__store_id__in=sharing_store_ids(store),
            membership__customer__phone=phone,
        )
        .order_by("-membership__started_at")
        .first()
    )


def latest_membership(customer: Customer) -> Membership | None:
    """The customer's last card life at their store: valid, or expired awaiting a renewal (VIP-CARD-3)."""
    return customer.memberships.order_by("-started_at").first()


def current_card(membership: Membership) -> Card | None:
    return membership.cards.filter(blocked_at__isnull=True).order_by("-issued_at").first()


@dataclass
class Lookup:
    customer: Customer | None
    membership: Membership | None
    card: Card | None


def lookup(store: Site, *, card_number: str = "", phone: str = "") -> Lookup:
    """The till's look-up by card number or phone, within this store's members (VIP-DATA-1)."""
    if card_number:
        card = card_for_store(store, card_number)
        if card is None:
            return Lookup(None, None, None)
        return Lookup(card.membership.customer, card.membership, card)
    ids = sharing_store_ids(store)
    this_store_first = Case(When(membership__customer__store_id=store.pk, then=0), default=1)
    # A member's usable card, membership and customer in one query, through the customer's (store, phone) index.
    card = (
        Card.objects.select_related("membership__customer")
        .filter(
            blocked_at__isnull=True,
            membership__customer__store_id__in=ids,
            membership__customer__phone=phone,
        )
        .order_by(this_store_first, "-membership__started_at")
        .first()
    )
    if card is not None:
        _store_of(card.membership, store)
        return Lookup(card.membership.customer, card.membership, card)
    # No unblocked card: the latest membership (e.g. expired) or this store's customer known by phone, if any.
    membership = (
        Membership.objects.select_related("customer")
        .filter(customer__store_id__in=ids, customer__phone=phone)
        .order_by(Case(When(customer__store_id=store.pk, then=0), default=1), "-started_at")
        .first()
    )
    if membership is None:
        return Lookup(Customer.objects.filter(store=store, phone=phone).first(), None, None)
    _store_of(membership, store)
    return Lookup(membership.customer, membership, None)


def store_members(store: Site, *, search: str = "") -> QuerySet[Membership]:
    members = Membership.objects.filter(store=store).select_related("customer").order_by("-started_at", "-pk")
    if search:
        # Issue 17: a card number names one member: found by the card's unique index first (one query), the page is
        # that member. Otherwise the page walks the (store, started_at, id) index newest first, matching each
        # member's customer (a to-one join: no DISTINCT), and stops at its LIMIT.
        by_card = list(Card.objects.filter(number=search, membership__store=store).values_list("membership", flat=True))
        if by_card:
            return members.filter(pk__in=by_card)
        # The customer is the store's own (a card is issued to the store's customer, VIP-ELIG-1): bounding the
        # customers by the store keeps the planner from scanning every store's customers for a rare match.
        members = members.filter(
            Q(customer__surname__icontains=search) | Q(customer__phone__endswith=search), customer__store=store
        )
    return members


def members_for_export(store: Site) -> list[tuple[Any, ...]]:
    """(card number, surname, title, phone, started, valid until, earned, balance) of every member, one query; the
    card is the membership's current one (a replacement's, after a loss)."""
    current_card = Card.objects.filter(membership=OuterRef("pk"), blocked_at__isnull=True).order_by("-issued_at")
    return list(
        store_members(store)
        .annotate(card_number=Subquery(current_card.values("number")[:1]))
        .values_list(
            "card_number",
            "customer__surname",
            "customer__title",
            "customer__phone",
            "started_at",
            "valid_until",
            "earned_points",
            "balance",
        )
    )


def membership_for_store(store: Site, membership_id: int) -> Membership | None:
    return (
        Membership.objects.select_related("customer", "store")
        .filter(pk=membership_id, store_id__in=sharing_store_ids(store))
        .first()
    )


def expiring_cards(store: Site, *, now: dt.datetime) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(
            store=store, valid_until__gte=now, valid_until__lte=now + dt.timedelta(days=rules.EXPIRY_WARNING_DAYS)
        )
        .select_related("customer")
        .order_by("valid_until", "pk")
    )


def shortfalls(store: Site) -> QuerySet[Return]:
    return (
        Return.objects.filter(purchase__store=store, shortfall__gt=0)
        .select_related("purchase__membership__customer")
        .order_by("-at", "-pk")
    )


@dataclass
class SummaryRow:
    store: Site
    year: int
    month: int
    registrations: int
    renewals: int
    due: dt.datetime
    received_at: dt.datetime | None
    forms: int | None
    status: rules.Decision


def registration_summary(
    *, now: dt.datetime, months: int = 3, stores: Iterable[Site] | None = None
) -> list[SummaryRow]:
    """Cards issued per store and month, and whether the originals reached operations by the 2nd (VIP-DATA-1).
    Three queries whatever the number of stores."""
    stores = list(stores if stores is not None else Site.objects.filter(kind=Site.Kind.STORE).order_by("name"))
    if not stores:
        return []
    zone = stores[0].zone
    this_month = local_day(now, zone).replace(day=1)
    firsts = [add_months(this_month, -back) for back in range(months, -1, -1)]
    start = month_bounds(firsts[0].year, firsts[0].month, zone)[0]
    counts: dict[tuple[int, int, int], tuple[int, int]] = {}
    issued = Membership.objects.filter(store__in=stores, started_at__gte=start).values_list(
        "store_id", "started_at", "renews_id"
    )
    for store_id, started_at, renews_id in issued:
        day = local_day(started_at, zone)
        new, renewed = counts.get((store_id, day.year, day.month), (0, 0))
        counts[(store_id, day.year, day.month)] = (new + (renews_id is None), renewed + (renews_id is not None))
    hand_ins = {
        (h.store_id, h.year, h.month): h for h in FormHandIn.objects.filter(store__in=stores, year__gte=firsts[0].year)
    }
    rows = []
    for store in stores:
        for first in firsts:
            new, renewed = counts.get((store.pk, first.year, first.month), (0, 0))
            hand_in = hand_ins.get((store.pk, first.year, first.month))
            due = rules.hand_in_due(first.year, first.month, store.zone)
            rows.append(
                SummaryRow(
                    store=store,
                    year=first.year,
                    month=first.month,
                    registrations=new,
                    renewals=renewed,
                    due=due,
                    received_at=hand_in.received_at if hand_in else None,
                    forms=hand_in.forms if hand_in else None,
                    status=rules.hand_in_status(
                        due=due,
                        received_at=hand_in.received_at if hand_in else None,
                        now=now,
                        cards=new + renewed,
                        forms=hand_in.forms if hand_in else None,
                    ),
                )
            )
    return rows


def store_counts(store: Site, *, now: dt.datetime) -> dict[str, int]:
    return Membership.objects.filter(store=store).aggregate(
        members=Count("pk", filter=Q(valid_until__gte=now)),
        expiring=Count(
            "pk", filter=Q(valid_until__gte=now, valid_until__lte=now + dt.timedelta(days=rules.EXPIRY_WARNING_DAYS))
        ),
    )


@dataclass(frozen=True)
class SmsOutboxOverview:
    counts: list[tuple[Promise | str, int]]  # (status label, how many) for every status
    outstanding: list[SmsDelivery]  # waiting or failed, newest first


def sms_outbox_overview(store: Site, *, limit: int = 20) -> SmsOutboxOverview:
    """How the store's reminders stand in the outbox (VIP-SVC-1): how many wait, went out or failed, and the latest
    not sent with their attempts and last error. Two queries."""
    deliveries = SmsDelivery.objects.filter(message__store=store)
    by_status = dict(deliveries.order_by().values_list("status").annotate(n=Count("pk")))
    outstanding = (
        deliveries.filter(status__in=[SmsDelivery.Status.PENDING, SmsDelivery.Status.FAILED])
        .select_related("message__customer")
        .order_by("-message__created_at", "-pk")[:limit]
    )
    return SmsOutboxOverview(
        counts=[(label, by_status.get(value, 0)) for value, label in SmsDelivery.Status.choices],
        outstanding=list(outstanding),
    )
