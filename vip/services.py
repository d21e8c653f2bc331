"""State changes of the store VIP membership. Each takes `now`, checks the actor (a clerk on the store, or a
store's API token), asks `vip.rules`, and records append-only facts. Points move only here, under the
membership's row lock, so the balance is always the ledger's sum and never negative."""

import dataclasses
import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import translation
from django.utils.translation import gettext as _

from salesoffice.access import require_site_perm
from salesoffice.idempotency import KeyReused as RequestKeyReused
from salesoffice.idempotency import fingerprint
from salesoffice.languages import in_each_language
from salesoffice.models import Site
from salesoffice.money import summed
from salesoffice.notifications import notify
from salesoffice.outbox import backoff_delay
from salesoffice.phones import national_phone
from salesoffice.roles import Role
from salesoffice.timeutil import add_months, local_day

from . import rules, sms
from .models import (
    ApiToken,
    Campaign,
    Card,
    Customer,
    FormHandIn,
    Membership,
    PointMovement,
    PrivacyLog,
    Purchase,
    PurchaseLine,
    Redemption,
    Return,
    Reward,
    SmsDelivery,
    SmsMessage,
    StoreSettings,
)
from .selectors import card_for_store, latest_membership, paid_history, store_settings, valid_card_of_phone


class VipError(ValidationError):
    """An action the rules refuse; the message cites the clause. A dict message names the form field."""


class KeyReused(VipError, RequestKeyReused):
    """A till's request key already used by a request with other content (409 at the API)."""


def _same_request(existing: Purchase | Redemption | Return, request_fingerprint: str) -> None:
    # Rows recorded before fingerprints were kept have none: they replay as they always did.
    if existing.request_fingerprint and existing.request_fingerprint != request_fingerprint:
        raise KeyReused(
            {
                "key": _(
                    "This request key was already used for a different request (%(record)s): nothing was recorded. "
                    "Check the entries and send them again as a new request, with a new key."
                )
                % {"record": f"{existing._meta.verbose_name} #{existing.pk}"}
            },
            code="key_reused",
        )


@dataclass(frozen=True)
class Actor:
    """Who acts at the till: a signed-in clerk, or a point-of-sale system holding the store's token."""

    user: AbstractBaseUser | None = None
    token: ApiToken | None = None

    def check(self, store: Site, perm: str = "vip.use_till") -> None:
        if self.token is not None:
            if self.token.store_id != store.pk or self.token.revoked_at is not None:
                raise VipError(_("This till token is not for this store."))
            return
        require_site_perm(self.user, store, perm, _("You may not do this at this store."))

    @property
    def fields(self) -> dict:
        return {"clerk": self.user, "api_token": self.token}


def _as_actor(actor) -> Actor:
    return actor if isinstance(actor, Actor) else Actor(user=actor)


def normalise_phone(raw: str) -> str:
    """The national number a store knows a customer by (salesoffice.phones); refused at the phone field."""
    try:
        return national_phone(raw)
    except ValidationError as exc:
        raise VipError({"phone": exc.messages}) from exc


# --- looking a card up ------------------------------------------------------------------------------------------


def card_facts(card: Card) -> rules.CardFacts:
    membership = card.membership
    return rules.CardFacts(
        number=card.number,
        blocked_at=card.blocked_at,
        valid_until=membership.valid_until,
        store_id=membership.store_id,
        store_shares=store_settings(membership.store).share_members,
    )


def usable_card_or_error(card: Card, *, store: Site, now: dt.datetime) -> None:
    decision = rules.card_usable(
        card_facts(card), at_store_id=store.pk, at_store_shares=store_settings(store).share_members, now=now
    )
    if not decision.ok:
        raise VipError({"card": str(decision)})


def _locked_membership(membership_id: int) -> Membership:
    # Every points movement of one membership goes through this lock (purchases, redemptions, returns, expiry):
    # two tills redeeming on one card at once are serialised here, so the second sees the first's balance.
    return (
        Membership.objects.select_for_update(of=("self",))
        .select_related("customer", "store__vip_settings")
        .get(pk=membership_id)
    )


def _ledger(membership: Membership, kind: str, points: int, *, now: dt.datetime, key: str, rule_id: str, **source):
    """One line of the points ledger, tied to its source document; `key` makes each source count once."""
    return PointMovement.objects.create(
        membership=membership, kind=kind, points=points, at=now, key=key, rule_id=rule_id, **source
    )


def card_at_store(store: Site, number: str) -> Card:
    # Another store's card reads as no card at all: a till must not learn which numbers exist elsewhere (VIP-DATA-1).
    card = card_for_store(store, number)
    if card is None:
        raise VipError({"card": _("VIP-ELIG-1: no card %(number)s at this store.") % {"number": number}})
    return card


def member_phone_problem(store: Site, phone: str, *, now: dt.datetime) -> str | None:
    """VIP-SVC-1: the clerk asks a member for the card; a member's phone typed as a non-member's would lose the
    discount and the points without a word."""
    card = valid_card_of_phone(store, normalise_phone(phone), now=now)
    if card is None:
        return None
    return _("VIP-SVC-1: this phone belongs to %(name)s, a member (card %(number)s): enter the card number.") % {
        "name": card.membership.customer.surname or rules.mask_phone(card.membership.customer.phone),
        "number": card.number,
    }


# --- purchases (VIP-DISC-*, VIP-PTS-1, VIP-ELIG-1, VIP-CARD-2) ----------------------------------------------------


@dataclass
class PurchaseResult:
    purchase: Purchase
    quote: rules.Quote
    replayed: bool = False
    eligibility: rules.Decision | None = None
    membership: Membership | None = None


def member_facts(membership: Membership | None) -> rules.MemberFacts | None:
    if membership is None:
        return None
    return rules.MemberFacts(earned_points=membership.earned_points, birthday=membership.customer.birthday)


def purchase_quote(
    *,
    store: Site,
    lines: Sequence[rules.Line],
    card: Card | None,
    birthday_claimed: bool = False,
    id_checked: bool = False,
    now: dt.datetime,
) -> rules.Quote:
    """What the purchase would cost and why, changing nothing."""
    problem = rules.lines_problem(lines)
    if problem:
        raise VipError({"lines": problem})
    if card is not None:
        usable_card_or_error(card, store=store, now=now)
    member = member_facts(card.membership if card else None)
    day = local_day(now, store.zone)
    problem = rules.birthday_claim_problem(member, claimed=birthday_claimed, id_checked=id_checked, day=day)
    if problem:
        raise VipError({"birthday": problem})
    return rules.quote(lines, member, birthday_claimed=birthday_claimed, day=day)


@dataclass(frozen=True)
class TillQuote:
    """What the till shows before a purchase is recorded: the quote, the points it would earn on the card, and for
    a non-member's purchase that qualifies without a phone, the prompt to take it (VIP-ELIG-1)."""

    quote: rules.Quote
    membership: Membership | None
    points: int
    qualifies: str


def till_quote(
    *,
    store: Site,
    lines: Sequence[rules.Line],
    card: Card | None,
    phone: str = "",
    birthday_claimed: bool = False,
    id_checked: bool = False,
    now: dt.datetime,
) -> TillQuote:
    """The one quote of the till, for its page and its API alike: the same checks (a card and a phone together,
    a phone that is not one or that is a member's, the lines, the card's validity here, the birthday claim), then
    the discount and why, and the points it would earn. Nothing is saved. `card` is found by `card_at_store`."""
    problem = rules.card_and_phone_problem(card_number=card.number if card else "", phone=phone)
    if problem:
        raise VipError({"phone": problem})
    if card is None and phone.strip():
        problem = member_phone_problem(store, phone, now=now)
        if problem:
            raise VipError({"phone": problem})
    quote = purchase_quote(
        store=store, lines=lines, card=card, birthday_claimed=birthday_claimed, id_checked=id_checked, now=now
    )
    membership = card.membership if card else None
    points = 0
    if membership is not None:
        points = rules.points_earned(
            mode=store_settings(store).points_mode, paid_total_before=membership.paid_total, paid=quote.payable
        )
    qualifies = ""
    if card is None and not phone.strip() and quote.payable >= rules.SINGLE_PURCHASE:
        # Without the phone the purchase cannot count for the customer: ask before recording.
        qualifies = _("VIP-ELIG-1: this purchase qualifies for a VIP card: enter the customer's phone to offer it.")
    return TillQuote(quote=quote, membership=membership, points=points, qualifies=qualifies)


def purchase_record(
    *,
    store: Site,
    actor,
    key: str,
    lines: Sequence[rules.Line],
    card_number: str = "",
    card: Card | None = None,
    phone: str = "",
    birthday_claimed: bool = False,
    id_checked: bool = False,
    signature_confirmed: bool = False,
    now: dt.datetime,
) -> PurchaseResult:
    """Record a till purchase (on `card`, or the card numbered `card_number`): the VIP discount, the points it
    earns, and for a non-member whether they now qualify. A key seen before at this store returns the first
    result (a till that retries never records twice)."""
    actor = _as_actor(actor)
    actor.check(store)
    if not key or len(key) > 80:
        raise VipError({"key": _("Every purchase needs a request key of at most 80 characters.")})
    request_fingerprint = fingerprint(
        {
            "lines": [dataclasses.asdict(line) for line in lines],
            "card": card.number if card is not None else (card_number or "").strip(),
            "phone": (phone or "").strip(),
            "birthday_claimed": birthday_claimed,
            "id_checked": id_checked,
            "signature_confirmed": signature_confirmed,
        }
    )
    try:
        with transaction.atomic():
            return _purchase_record(
                store=store,
                actor=actor,
                key=key,
                request_fingerprint=request_fingerprint,
                lines=lines,
                card=card or (card_at_store(store, card_number.strip()) if (card_number or "").strip() else None),
                phone=phone,
                birthday_claimed=birthday_claimed,
                id_checked=id_checked,
                signature_confirmed=signature_confirmed,
                now=now,
            )
    except IntegrityError:
        # The same key recorded by a concurrent retry between our check and our insert: its result stands.
        existing = Purchase.objects.filter(store=store, key=key).first()
        if existing is None:
            raise
        return _replay(existing, request_fingerprint=request_fingerprint)


def _replay(purchase: Purchase, *, request_fingerprint: str) -> PurchaseResult:
    _same_request(purchase, request_fingerprint)
    lines = list(purchase.lines.all())
    quote = rules.Quote(
        gross=purchase.gross,
        rate=purchase.discount_rate,
        rule_id=purchase.discount_rule,
        line_discounts=tuple(line.discount for line in lines),
        discount=purchase.discount,
        payable=purchase.paid,
        explanations=tuple(filter(None, purchase.explanation.split("\n"))),
    )
    return PurchaseResult(purchase=purchase, quote=quote, replayed=True, membership=purchase.membership)


def _purchase_record(
    *,
    store,
    actor: Actor,
    key,
    request_fingerprint,
    lines,
    card,
    phone,
    birthday_claimed,
    id_checked,
    signature_confirmed,
    now,
) -> PurchaseResult:
    existing = Purchase.objects.filter(store=store, key=key).first()
    if existing is not None:
        return _replay(existing, request_fingerprint=request_fingerprint)
    membership = _locked_membership(card.membership_id) if card else None
    if card is not None:
        card.membership = membership
        if not signature_confirmed:
            raise VipError({"signature": _("VIP-CARD-2: the member signs the receipt of a VIP purchase.")})
    quote = purchase_quote(
        store=store, lines=lines, card=card, birthday_claimed=birthday_claimed, id_checked=id_checked, now=now
    )
    customer = membership.customer if membership else None
    if customer is None and phone:
        problem = member_phone_problem(store, phone, now=now)
        if problem:
            raise VipError({"phone": problem})
        customer, _created = Customer.objects.get_or_create(
            store=store, phone=normalise_phone(phone), defaults={"created_at": now}
        )
    points = 0
    if membership is not None:
        mode = store_settings(store).points_mode
        points = rules.points_earned(mode=mode, paid_total_before=membership.paid_total, paid=quote.payable)
    member = member_facts(membership)
    day = local_day(now, store.zone)

    def explain() -> list[str]:
        lines_said = list(rules.quote(lines, member, birthday_claimed=birthday_claimed, day=day).explanations)
        if membership is not None:
            lines_said.append(
                _("VIP-PTS-1: %(paid)s paid earns %(points)s point(s)")
                % {"paid": rules.yuan(quote.payable), "points": points}
            )
        return lines_said

    said = in_each_language(explain)
    explanations = said.get(translation.get_language()) or explain()
    purchase = Purchase.objects.create(
        store=store,
        customer=customer,
        membership=membership,
        card=card,
        at=now,
        key=key,
        request_fingerprint=request_fingerprint,
        gross=quote.gross,
        discount_rule=quote.rule_id,
        discount_rate=quote.rate,
        discount=quote.discount,
        paid=quote.payable,
        points_earned=points,
        birthday_id_checked=bool(birthday_claimed and id_checked),
        signature_confirmed=signature_confirmed,
        explanation="\n".join(explanations),
        explanations=said,
        **actor.fields,
    )
    PurchaseLine.objects.bulk_create(
        PurchaseLine(
            purchase=purchase,
            description=line.description[:120],
            amount=line.amount,
            promotion=line.promotion,
            special_price=line.special_price,
            coupon=line.coupon,
            discount=discount,
        )
        for line, discount in zip(lines, quote.line_discounts, strict=True)
    )
    eligibility = None
    if membership is not None:
        Membership.objects.filter(pk=membership.pk).update(
            paid_total=F("paid_total") + quote.payable,
            earned_points=F("earned_points") + points,
            balance=F("balance") + points,
        )
        if points:
            _ledger(
                membership,
                PointMovement.Kind.EARN,
                points,
                now=now,
                key=f"purchase:{purchase.pk}",
                rule_id="VIP-PTS-1",
                purchase=purchase,
            )
        # The row is locked: these are the values the update wrote.
        membership.paid_total += quote.payable
        membership.earned_points += points
        membership.balance += points
    elif customer is not None and not customer_has_valid_membership(customer, now=now):
        eligibility = rules.eligibility(paid_history(customer), zone=store.zone, now=now)
    quote = dataclasses.replace(quote, explanations=tuple(explanations))
    return PurchaseResult(purchase=purchase, quote=quote, eligibility=eligibility, membership=membership)


def customer_has_valid_membership(customer: Customer, *, now: dt.datetime) -> bool:
    return Membership.objects.filter(customer=customer, valid_until__gte=now).exists()


# --- cards (VIP-CARD-1, -3, -4) ------------------------------------------------------------------------------------


def _new_number(store: Site) -> str:
    return f"{store.pk % 1000:03d}{secrets.randbelow(10**9):09d}"


def _card_create(*, membership: Membership, kind: str, number: str, now: dt.datetime, replaces: Card | None = None):
    number = number.strip() if number else ""
    for _attempt in range(5):
        candidate = number or _new_number(membership.store)
        try:
            with transaction.atomic():
                return Card.objects.create(
                    membership=membership, number=candidate, kind=kind, issued_at=now, replaces=replaces
                )
        except IntegrityError:
            if number:
                raise VipError(
                    {"number": _("Card number %(number)s is already in use.") % {"number": number}}
                ) from None
    raise VipError({"number": _("Could not find a free card number; enter one.")})


def card_issue(
    *,
    customer: Customer,
    actor,
    surname: str,
    title: str,
    given_name: str = "",
    birthday: dt.date | None = None,
    id_number: str = "",
    number: str = "",
    now: dt.datetime,
) -> Card:
    """Register a qualifying customer and issue the card in one step (VIP-CARD-1); after an expired card, a renewal
    with no points carried over (VIP-CARD-3)."""
    actor = _as_actor(actor)
    store = customer.store
    actor.check(store)
    if not surname.strip():
        raise VipError({"surname": _("VIP-SVC-1: the surname is needed to address the member.")})
    if title not in Customer.Title.values:
        raise VipError({"title": _("Choose how to address the member.")})
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        previous = latest_membership(customer)
        if previous is not None and previous.is_valid(now):
            raise VipError(
                _("VIP-CARD-1: this customer already holds a valid card (until %(day)s).")
                % {"day": local_day(previous.valid_until, store.zone).isoformat()}
            )
        if previous is None:
            decision = rules.eligibility(paid_history(customer), zone=store.zone, now=now)
            if not decision.ok:
                raise VipError(str(decision))
        else:
            membership_expire_points(membership=previous, now=now)
        customer.surname = surname.strip()
        customer.given_name = given_name.strip()
        customer.title = title
        customer.birthday = birthday
        customer.id_number = id_number.strip()
        customer.save(update_fields=["surname", "given_name", "title", "birthday", "id_number"])
        membership = Membership.objects.create(
            customer=customer,
            store=store,
            started_at=now,
            valid_until=rules.card_valid_until(now, store.zone),
            renews=previous,
            issued_by=actor.user,
        )
        return _card_create(
            membership=membership,
            kind=Card.Kind.RENEWAL if previous else Card.Kind.NEW,
            number=number,
            now=now,
        )


def card_replace(*, card: Card, actor, reason: str, number: str = "", now: dt.datetime) -> Card:
    """A lost or damaged card: the old number is blocked at once and a replacement issued, carrying the paid total,
    balance, earned points, tier and expiry (VIP-CARD-4)."""
    actor = _as_actor(actor)
    store = card.membership.store
    actor.check(store)
    with transaction.atomic():
        membership = _locked_membership(card.membership_id)
        card = Card.objects.select_for_update().get(pk=card.pk)
        if card.blocked_at is not None:
            raise VipError(_("VIP-CARD-4: card %(number)s is already blocked.") % {"number": card.number})
        if not membership.is_valid(now):
            raise VipError(_("VIP-CARD-3: the membership has expired: issue a new card (renewal) instead."))
        card.blocked_at = now
        card.block_reason = (reason or _("lost"))[:120]
        card.save(update_fields=["blocked_at", "block_reason"])
        return _card_create(membership=membership, kind=Card.Kind.REPLACEMENT, number=number, now=now, replaces=card)


def membership_expire_points(*, membership: Membership, now: dt.datetime) -> int:
    """An expired card's points lapse with it (VIP-PTS-3, VIP-CARD-3): the ledger records it once."""
    with transaction.atomic():
        membership = _locked_membership(membership.pk)
        if membership.is_valid(now) or membership.balance == 0:
            return 0
        lapsed = membership.balance
        movement_key = f"expiry:{membership.pk}"
        if PointMovement.objects.filter(key=movement_key).exists():
            return 0
        Membership.objects.filter(pk=membership.pk).update(balance=F("balance") - lapsed)
        _ledger(membership, PointMovement.Kind.EXPIRY, -lapsed, now=now, key=movement_key, rule_id="VIP-PTS-3")
        return lapsed


# --- redemption (VIP-PTS-2) ------------------------------------------------------------------------------------------


def redemption_make(*, store: Site, card: Card, reward: Reward, actor, key: str, now: dt.datetime) -> Redemption:
    """Points of this one card for a reward of this store's catalog; final (VIP-PTS-2)."""
    actor = _as_actor(actor)
    actor.check(store)
    if reward.store_id != store.pk:
        raise VipError({"reward": _("VIP-PTS-2: this reward is not in this store's catalog.")})
    if not key or len(key) > 80:
        raise VipError({"key": _("Every redemption needs a request key of at most 80 characters.")})
    request_fingerprint = fingerprint({"card": card.number, "reward": reward.pk})
    with transaction.atomic():
        membership = _locked_membership(card.membership_id)
        existing = Redemption.objects.filter(membership=membership, key=key).first()
        if existing is not None:
            _same_request(existing, request_fingerprint)
            return existing
        card.membership = membership
        usable_card_or_error(card, store=store, now=now)
        reward = Reward.objects.select_for_update().get(pk=reward.pk)
        if not reward.active:
            raise VipError({"reward": _("VIP-PTS-2: this reward is no longer offered.")})
        problem = rules.redemption_problem(balance=membership.balance, points=reward.points, stock=reward.stock)
        if problem:
            raise VipError({"reward": problem})
        # The lock above serialises redemptions; the condition is the last guard, and the CHECK constraint after it.
        taken = Membership.objects.filter(pk=membership.pk, balance__gte=reward.points).update(
            balance=F("balance") - reward.points
        )
        if taken != 1:
            raise VipError({"reward": _("VIP-PTS-2: not enough points on this card.")})
        Reward.objects.filter(pk=reward.pk).update(stock=F("stock") - 1)
        redemption = Redemption.objects.create(
            membership=membership,
            card=card,
            reward=reward,
            points=reward.points,
            at=now,
            key=key,
            request_fingerprint=request_fingerprint,
            **actor.fields,
        )
        _ledger(
            membership,
            PointMovement.Kind.REDEEM,
            -reward.points,
            now=now,
            key=f"redemption:{redemption.pk}",
            rule_id="VIP-PTS-2",
            redemption=redemption,
        )
        return redemption


# --- returns (VIP-RET-1) ---------------------------------------------------------------------------------------------


def refunded(purchase: Purchase) -> Decimal:
    return summed(purchase.returns.aggregate(total=Sum("amount"))["total"])


def return_record(
    *, purchase: Purchase, amount: Decimal, actor, key: str, reason: str = "", now: dt.datetime
) -> Return:
    """A refund lowers the paid total and the earned points follow; what was already redeemed is a shortfall for
    the store manager (VIP-RET-1)."""
    actor = _as_actor(actor)
    actor.check(purchase.store)
    if not key or len(key) > 80:
        raise VipError({"key": _("Every return needs a request key of at most 80 characters.")})
    request_fingerprint = fingerprint({"amount": amount, "reason": reason[:200]})
    with transaction.atomic():
        membership = _locked_membership(purchase.membership_id) if purchase.membership_id else None
        existing = Return.objects.filter(purchase=purchase, key=key).first()
        if existing is not None:
            _same_request(existing, request_fingerprint)
            return existing
        # Two returns of one purchase at once (a non-member's has no membership to lock): the purchase row's lock
        # serialises them, so together they never refund more than was paid. FOR UPDATE fires no UPDATE trigger.
        Purchase.objects.select_for_update().filter(pk=purchase.pk).first()
        kept = purchase.paid - refunded(purchase)
        problem = rules.refund_problem(amount=amount, kept=kept)
        if problem:
            raise VipError({"amount": problem})
        reversal = rules.Reversal(0, 0, 0)
        if membership is not None:
            points = rules.points_reversed(
                mode=store_settings(purchase.store).points_mode,
                paid_total_before=membership.paid_total,
                kept_before=kept,
                refund=amount,
            )
            points = min(points, membership.earned_points)
            reversal = rules.reverse(points, balance=membership.balance)
        refund = Return.objects.create(
            purchase=purchase,
            amount=amount,
            points_reversed=reversal.points,
            shortfall=reversal.shortfall,
            at=now,
            key=key,
            request_fingerprint=request_fingerprint,
            reason=reason[:200],
            **actor.fields,
        )
        if membership is not None:
            Membership.objects.filter(pk=membership.pk).update(
                paid_total=F("paid_total") - min(amount, membership.paid_total),
                earned_points=F("earned_points") - reversal.points,
                balance=F("balance") - reversal.from_balance,
            )
            if reversal.from_balance:
                _ledger(
                    membership,
                    PointMovement.Kind.RETURN,
                    -reversal.from_balance,
                    now=now,
                    key=f"return:{refund.pk}",
                    rule_id="VIP-RET-1",
                    refund=refund,
                )
            if reversal.shortfall:
                _notify_shortfall(refund, membership, now=now)
        return refund


def _notify_shortfall(refund: Return, membership: Membership, *, now: dt.datetime) -> None:
    store = refund.purchase.store
    for manager_id in store_manager_ids(store):
        notify(
            recipient_id=manager_id,
            key=f"vip-shortfall:{refund.pk}:{manager_id}",
            kind="vip_return_shortfall",
            now=now,
            site=store,
            rule_id="VIP-RET-1",
            params={"points": refund.shortfall, "card_holder": str(membership.customer)},
            link=f"/store/{store.code}/shortfalls/",
        )


def store_manager_ids(store: Site) -> list[int]:
    return list(
        store.memberships.filter(user__groups__name=Role.STORE_MANAGER.value, user__is_active=True).values_list(
            "user_id", flat=True
        )
    )


# --- the manager's and operations' records --------------------------------------------------------------------------


def reward_save(
    *, store: Site, actor, reward: Reward | None, name: str, points: int, stock: int, active: bool
) -> Reward:
    """Add or change an item of the store's reward catalog (VIP-PTS-2)."""
    _as_actor(actor).check(store, "vip.manage_store")
    name = name.strip()
    try:
        with transaction.atomic():
            if reward is None:
                return Reward.objects.create(store=store, name=name, points=points, stock=stock, active=active)
            reward.name, reward.points, reward.stock, reward.active = name, points, stock, active
            reward.save(update_fields=["name", "points", "stock", "active"])
            return reward
    except IntegrityError:
        raise VipError({"name": _("The catalog has a reward of this name already: change that one instead.")}) from None


def settings_save(*, store: Site, actor, share_members: bool, points_mode: str) -> StoreSettings:
    _as_actor(actor).check(store, "vip.manage_store")
    current = store_settings(store)
    current.share_members, current.points_mode = share_members, points_mode
    current.save(update_fields=["share_members", "points_mode"])
    return current


def campaign_create(
    *, store: Site, actor, occasion: str, text: str, send_at: dt.datetime, now: dt.datetime
) -> Campaign:
    """A reminder before new products or a promotion, sent by the beat job at `send_at` (VIP-SVC-1)."""
    _as_actor(actor).check(store, "vip.manage_store")
    if send_at < now - dt.timedelta(minutes=5):
        raise VipError({"send_at": _("A reminder is sent before the occasion: choose a time from now on.")})
    return Campaign.objects.create(
        store=store, occasion=occasion, text=text, send_at=send_at, created_by=actor, created_at=now
    )


def customer_unmask(*, customer: Customer, actor, now: dt.datetime) -> PrivacyLog:
    """Show a member's full phone and ID number to this clerk, logged with who and when (VIP-DATA-1)."""
    actor = _as_actor(actor)
    actor.check(customer.store, "vip.unmask_customer")
    return PrivacyLog.objects.create(
        store=customer.store, user=actor.user, action=PrivacyLog.Action.UNMASK, customer=customer, at=now
    )


def customer_sms_preference(*, customer: Customer, actor, opt_out: bool) -> Customer:
    """The member asks for no SMS reminders, or for them again (VIP-SVC-1); the audit history keeps who and when."""
    _as_actor(actor).check(customer.store)
    customer.sms_opt_out = opt_out
    customer.save(update_fields=["sms_opt_out"])
    return customer


def members_export_log(*, store: Site, actor, rows: int, now: dt.datetime) -> PrivacyLog:
    """Every export of members is logged (VIP-DATA-1)."""
    _as_actor(actor).check(store, "vip.export_members")
    return PrivacyLog.objects.create(
        store=store, user=actor, action=PrivacyLog.Action.EXPORT, detail=f"{rows} rows", at=now
    )


def hand_in_record(*, store: Site, year: int, month: int, forms: int, actor, now: dt.datetime) -> FormHandIn:
    """Operations received the month's original registration forms (VIP-DATA-1)."""
    if not actor.has_perm("vip.view_registration_summary"):
        raise VipError(_("VIP-DATA-1: only operations records the hand-in of registration forms."))
    if local_day(now, store.zone) < add_months(dt.date(year, month, 1), 1):
        # The forms are summarised monthly: a hand-in before the month ends would leave its later cards uncovered.
        raise VipError({"month": _("VIP-DATA-1: a month's forms are handed in once the month is over.")})
    try:
        with transaction.atomic():
            return FormHandIn.objects.create(
                store=store, year=year, month=month, forms=forms, received_at=now, received_by=actor
            )
    except IntegrityError:
        raise VipError({"month": _("VIP-DATA-1: this month's forms of this store are already recorded.")}) from None


# --- reminders (VIP-SVC-1) -------------------------------------------------------------------------------------------


def sms_enqueue(*, customer: Customer, key: str, occasion: str, text: str, now: dt.datetime) -> bool:
    """Record one reminder for one occasion in the outbox, unless it was already or the member opted out; True when
    recorded. The message and its pending delivery are one transaction; `sms_outbox_drain` sends it."""
    if customer.sms_opt_out:
        return False
    try:
        with transaction.atomic():
            message = SmsMessage.objects.create(
                store_id=customer.store_id, customer=customer, key=key, occasion=occasion, text=text, created_at=now
            )
            SmsDelivery.objects.create(message=message, next_attempt_at=now)
    except IntegrityError:  # recorded already (or by a concurrent run): one message per occasion
        return False
    return True


# Retries of one message are at most this far apart (with VIP_SMS_RETRY_SECONDS doubling up to it).
SMS_RETRY_CAP = dt.timedelta(hours=6)


def sms_outbox_drain(*, now: dt.datetime, limit: int = 500) -> int:
    """Send the reminders waiting in the outbox (VIP-SVC-1); returns how many the provider accepted.

    Each is locked while it is sent (a concurrent drain skips it and takes the next) and marked sent only after the
    provider accepted it. A failure the provider may recover from stops the run: it is most likely down, and the
    other messages would fail the same way; this one is tried again later, further apart each time.
    """
    backend = sms.get_backend()
    sent = 0
    for _turn in range(limit):
        with transaction.atomic():
            delivery = (
                SmsDelivery.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("message__customer")
                .filter(status=SmsDelivery.Status.PENDING, next_attempt_at__lte=now)
                .order_by("next_attempt_at", "pk")
                .first()
            )
            if delivery is None:
                break
            _sms_deliver(delivery, backend=backend, now=now)
        if delivery.status == SmsDelivery.Status.SENT:
            sent += 1
        elif delivery.status == SmsDelivery.Status.PENDING:
            break
    return sent


def _sms_deliver(delivery: SmsDelivery, *, backend, now: dt.datetime) -> None:
    """One attempt at one message, under its row lock; the outcome is saved on the delivery."""
    message = delivery.message
    if message.customer.sms_opt_out:  # opted out after the reminder was recorded: members who opted out get none
        delivery.status = SmsDelivery.Status.WITHDRAWN
        delivery.save(update_fields=["status"])
        return
    delivery.attempts += 1
    delivery.last_attempt_at = now
    try:
        backend.send(phone=message.customer.phone, text=message.text, key=message.key)
    except sms.SmsRejected as error:
        delivery.status = SmsDelivery.Status.FAILED
        delivery.last_error = str(error)[:500]
    except Exception as error:  # noqa: BLE001 - down, slow or unreachable: the provider may take it later
        delivery.last_error = f"{type(error).__name__}: {error}"[:500]
        if delivery.attempts >= settings.VIP_SMS_MAX_ATTEMPTS:
            delivery.status = SmsDelivery.Status.FAILED
        else:
            delivery.next_attempt_at = now + backoff_delay(
                attempts=delivery.attempts, base_seconds=settings.VIP_SMS_RETRY_SECONDS, cap=SMS_RETRY_CAP
            )
    else:
        # A crash between the provider's acceptance and this commit leaves the row pending: the next drain sends it
        # again with the same key, and the provider drops the repeat (docs/operations.md, "Messages and the outbox").
        delivery.status = SmsDelivery.Status.SENT
        delivery.sent_at = now
    delivery.save(update_fields=["status", "attempts", "last_attempt_at", "last_error", "next_attempt_at", "sent_at"])


def birthday_reminders_send(*, now: dt.datetime) -> int:
    """Members of every store whose birthday is in the next few days get one greeting a year (VIP-SVC-1); returns
    how many were recorded in the outbox."""
    sent = 0
    memberships = Membership.objects.filter(
        valid_until__gte=now, customer__birthday__isnull=False, customer__sms_opt_out=False
    ).select_related("customer", "store")
    for membership in memberships.iterator():
        customer = membership.customer
        today = local_day(now, membership.store.zone)
        birthday = rules.birthday_reminder_due(customer.birthday, today)
        if birthday is None:
            continue
        text = _("%(store)s wishes %(name)s a happy birthday on %(day)s: 6折 with your card and ID that day.") % {
            "store": membership.store.name,
            "name": customer.address_as,
            "day": birthday.strftime("%m-%d"),
        }
        sent += sms_enqueue(
            customer=customer, key=f"birthday:{customer.pk}:{birthday.year}", occasion="birthday", text=text, now=now
        )
    return sent


def campaign_reminders_send(*, now: dt.datetime) -> int:
    """Every due campaign's message to each valid member of its store, once (VIP-SVC-1), recorded in the outbox."""
    sent = 0
    for campaign in Campaign.objects.filter(send_at__lte=now, send_at__gte=now - dt.timedelta(days=7)):
        members = Customer.objects.filter(
            store_id=campaign.store_id, memberships__valid_until__gte=now, sms_opt_out=False
        ).distinct()
        for customer in members.iterator():
            sent += sms_enqueue(
                customer=customer,
                key=f"campaign:{campaign.pk}:{customer.pk}",
                occasion=campaign.occasion,
                text=campaign.text,
                now=now,
            )
    return sent


def expired_points_lapse(*, now: dt.datetime) -> int:
    """Record the lapse of every expired card's points in the ledger (the balance is already unusable)."""
    lapsed = 0
    for membership in Membership.objects.filter(valid_until__lt=now, balance__gt=0).only("pk"):
        lapsed += membership_expire_points(membership=membership, now=now)
    return lapsed


def hand_in_reminders(*, now: dt.datetime) -> int:
    """Tell operations of every month whose forms are overdue (VIP-DATA-1), once per store and month."""
    from django.contrib.auth import get_user_model

    from .selectors import registration_summary

    told = 0
    people = list(
        get_user_model().objects.filter(groups__name=Role.OPERATIONS.value, is_active=True).values_list("pk", flat=True)
    )
    for row in registration_summary(now=now, months=3):
        if row.status.ok or row.received_at is not None:
            continue
        for person in people:
            told += notify(
                recipient_id=person,
                key=f"vip-hand-in:{row.store.pk}:{row.year}-{row.month}:{person}",
                kind="vip_hand_in_overdue",
                now=now,
                site=row.store,
                rule_id="VIP-DATA-1",
                params={"store": row.store.name, "month": f"{row.year}-{row.month:02d}"},
                link="/store/operations/registrations/",
            )
    return told


def expiring_cards_notify(*, now: dt.datetime) -> int:
    """Each store manager hears, once per ISO week, how many of the store's cards expire within 30 days."""
    from .selectors import expiring_cards

    told = 0
    year, week, _day = now.isocalendar()
    for store in Site.objects.filter(kind=Site.Kind.STORE):
        count = expiring_cards(store, now=now).count()
        if not count:
            continue
        for manager_id in store_manager_ids(store):
            told += notify(
                recipient_id=manager_id,
                key=f"vip-expiring:{store.pk}:{year}-W{week}:{manager_id}",
                kind="vip_cards_expiring",
                now=now,
                site=store,
                rule_id="VIP-CARD-3",
                params={"n": count, "store": store.name},
                link=f"/store/{store.code}/expiring/",
            )
    return told
