"""What every VIP service shares: the error, the acting clerk or API token, the card lookup and the points ledger."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from salesoffice.access import require_site_perm
from salesoffice.idempotency import KeyReused as RequestKeyReused
from salesoffice.models import Site
from salesoffice.phones import national_phone

from .. import rules
from ..models import ApiToken, Card, Membership, PointMovement, Purchase, Redemption, Return
from ..selectors import card_for_store, store_settings, valid_card_of_phone


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

    user: User | None = None
    token: ApiToken | None = None

    def check(self, store: Site, perm: str = "vip.use_till") -> None:
        if self.token is not None:
            if self.token.store_id != store.pk or self.token.revoked_at is not None:
                raise VipError(_("This till token is not for this store."))
            return
        assert self.user is not None  # an Actor is a clerk or a till's token
        require_site_perm(self.user, store, perm, _("You may not do this at this store."))

    @property
    def fields(self) -> dict[str, Any]:
        return {"clerk": self.user, "api_token": self.token}


def _as_actor(actor: User | Actor) -> Actor:
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


def _ledger(
    membership: Membership, kind: str, points: int, *, now: dt.datetime, key: str, rule_id: str, **source: Any
) -> PointMovement:
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
