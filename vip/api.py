"""The till API for point-of-sale systems: look a member up, quote a purchase (no change), record a purchase,
redeem, return. Token auth per store (a store's token sees only its members, others are 404); every write takes an
idempotency key, so a till that retries gets the first result and never records twice; the same key with other
content is another request reusing a key, refused with 409 and nothing recorded. The rules are vip.rules',
through the same services as the pages."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, NotFound
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from salesoffice.timeutil import local_day

from . import rules, selectors, services
from .api_auth import HasStoreToken, StoreTokenAuthentication
from .models import Purchase, Reward

MONEY = {"max_digits": 9, "decimal_places": 2, "min_value": Decimal("0.01"), "max_value": Decimal("999999.99")}
KEY = {
    "max_length": 80,
    "min_length": 1,
    "help_text": _("The same key with the same content returns the first result; with other content, 409."),
}


# --- serializers --------------------------------------------------------------------------------------------------


class DecisionSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    rule_id = serializers.CharField()
    explanation = serializers.CharField()


class MemberSerializer(serializers.Serializer):
    card_number = serializers.CharField()
    surname = serializers.CharField()
    address_as = serializers.CharField(help_text=_("VIP-SVC-1: how to address the member"))
    phone = serializers.CharField(help_text=_("masked (VIP-DATA-1)"))
    valid_until = serializers.DateField()
    card = DecisionSerializer()
    tier = DecisionSerializer()
    earned_points = serializers.IntegerField()
    balance = serializers.IntegerField()
    birthday_today = serializers.BooleanField()


class LookupQuerySerializer(serializers.Serializer):
    card_number = serializers.CharField(max_length=20, required=False)
    phone = serializers.CharField(max_length=20, required=False)

    def validate(self, data):
        if bool(data.get("card_number")) == bool(data.get("phone")):
            raise serializers.ValidationError(_("Give a card number or a phone."))
        return data


class LineSerializer(serializers.Serializer):
    amount = serializers.DecimalField(**MONEY)
    description = serializers.CharField(max_length=120, required=False, default="", allow_blank=True)
    promotion = serializers.BooleanField(required=False, default=False)
    special_price = serializers.BooleanField(required=False, default=False)
    coupon = serializers.BooleanField(required=False, default=False)


class QuoteRequestSerializer(serializers.Serializer):
    card_number = serializers.CharField(max_length=20, required=False, default="", allow_blank=True)
    phone = serializers.CharField(
        max_length=20,
        required=False,
        default="",
        allow_blank=True,
        help_text=_("a non-member's phone, checked as the till page checks it (VIP-SVC-1, VIP-ELIG-1)"),
    )
    lines = LineSerializer(many=True, allow_empty=False, max_length=rules.MAX_LINES)
    birthday_discount = serializers.BooleanField(required=False, default=False)
    id_checked = serializers.BooleanField(required=False, default=False)

    def line_facts(self) -> list[rules.Line]:
        return [rules.Line(**line) for line in self.validated_data["lines"]]


class PurchaseRequestSerializer(QuoteRequestSerializer):
    idempotency_key = serializers.CharField(**KEY)
    signature_confirmed = serializers.BooleanField(
        required=False, default=False, help_text=_("VIP-CARD-2: the member signed the receipt")
    )


class QuoteSerializer(serializers.Serializer):
    gross = serializers.DecimalField(max_digits=12, decimal_places=2)
    discount = serializers.DecimalField(max_digits=12, decimal_places=2)
    payable = serializers.DecimalField(max_digits=12, decimal_places=2)
    rate = serializers.DecimalField(max_digits=4, decimal_places=2)
    rule_id = serializers.CharField(allow_blank=True)
    explanations = serializers.ListField(child=serializers.CharField())
    points = serializers.IntegerField()


class PurchaseSerializer(serializers.Serializer):
    purchase_id = serializers.IntegerField()
    replayed = serializers.BooleanField()
    paid = serializers.DecimalField(max_digits=12, decimal_places=2)
    discount = serializers.DecimalField(max_digits=12, decimal_places=2)
    rule_id = serializers.CharField(allow_blank=True)
    explanations = serializers.ListField(child=serializers.CharField())
    points_earned = serializers.IntegerField()
    balance = serializers.IntegerField(allow_null=True)
    eligibility = DecisionSerializer(allow_null=True)


class RedeemRequestSerializer(serializers.Serializer):
    idempotency_key = serializers.CharField(**KEY)
    card_number = serializers.CharField(max_length=20)
    reward_id = serializers.IntegerField(min_value=1, max_value=2**62)


class RedemptionSerializer(serializers.Serializer):
    redemption_id = serializers.IntegerField()
    reward = serializers.CharField()
    points = serializers.IntegerField()
    balance = serializers.IntegerField()


class ReturnRequestSerializer(serializers.Serializer):
    idempotency_key = serializers.CharField(**KEY)
    purchase_id = serializers.IntegerField(min_value=1, max_value=2**62)
    amount = serializers.DecimalField(**MONEY)
    reason = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)


class ReturnSerializer(serializers.Serializer):
    return_id = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    points_reversed = serializers.IntegerField()
    shortfall = serializers.IntegerField()


ERRORS = {
    400: OpenApiResponse(description="Refused: the messages say why, citing the rule"),
    401: OpenApiResponse(description="No or an invalid store token"),
    404: OpenApiResponse(description="No such card, purchase or reward at this store"),
}
# A write's key: the same key with the same content is a retry (the first result); with other content, a conflict.
WRITE_ERRORS = {
    **ERRORS,
    409: OpenApiResponse(
        description="The idempotency key was already used for a request with other content; nothing was recorded"
    ),
}


def plain(value):
    """A response body as the schema's serializers describe it (amounts as "0.00" text, dates in ISO form), built
    without instantiating them: the till's reads are on the hot path."""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value


# --- views --------------------------------------------------------------------------------------------------------


class TillView(APIView):
    authentication_classes = [StoreTokenAuthentication]
    permission_classes = [HasStoreToken]
    parser_classes = [JSONParser]  # a receipt has nested lines: JSON only (the schema says so too)

    @property
    def store(self):
        return self.request.auth.store

    @property
    def actor(self) -> services.Actor:
        return services.Actor(token=self.request.auth)

    def valid(self, serializer_class, data):
        serializer = serializer_class(data=data)
        serializer.is_valid(raise_exception=True)
        return serializer

    def card(self, number: str):
        """This store's card (or a sharing store's); another store's is not revealed (404)."""
        if not number:
            return None
        try:
            return services.card_at_store(self.store, number)
        except ValidationError as error:
            raise NotFound(error.message_dict["card"][0]) from None


# The services name a refusal's field as the pages do; the API names its own fields.
API_FIELDS = {
    "birthday": "birthday_discount",
    "signature": "signature_confirmed",
    "card": "card_number",
    "reward": "reward_id",
    "key": "idempotency_key",
}


class KeyConflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "key_reused"


def refused(error: ValidationError) -> APIException:
    """A service's refusal as a 400 (a reused key as a 409), each message under the API's name of its field."""
    exception = KeyConflict if isinstance(error, services.KeyReused) else ApiValidationError
    if not hasattr(error, "error_dict"):
        return exception({"detail": error.messages})
    return exception({API_FIELDS.get(field, field): messages for field, messages in error.message_dict.items()})


class MemberLookup(TillView):
    @extend_schema(parameters=[LookupQuerySerializer], responses={200: MemberSerializer, **ERRORS})
    def get(self, request):
        """Look a member up by card number or phone (VIP-SVC-1: the surname and how to address them)."""
        query = self.valid(LookupQuerySerializer, request.query_params).validated_data
        now = timezone.now()
        if query.get("card_number"):
            found = selectors.lookup(self.store, card_number=query["card_number"])
        else:
            try:
                found = selectors.lookup(self.store, phone=services.normalise_phone(query["phone"]))
            except ValidationError as error:
                raise refused(error) from None
        if found.membership is None or found.card is None:
            raise NotFound(_("No member with this card number or phone at this store."))
        membership, customer, card = found.membership, found.customer, found.card
        card_state = rules.card_usable(
            services.card_facts(card),
            at_store_id=self.store.pk,
            at_store_shares=selectors.store_settings(self.store).share_members,
            now=now,
        )
        tier = rules.tier(membership.earned_points)
        data = {
            "card_number": card.number,
            "surname": customer.surname,
            "address_as": customer.address_as,
            "phone": rules.mask_phone(customer.phone),
            "valid_until": local_day(membership.valid_until, membership.store.zone),
            "card": vars(card_state),
            "tier": vars(tier),
            "earned_points": membership.earned_points,
            "balance": membership.balance,
            "birthday_today": rules.is_birthday(customer.birthday, local_day(now, self.store.zone)),
        }
        return Response(plain(data))


class QuoteView(TillView):
    @extend_schema(request=QuoteRequestSerializer, responses={200: QuoteSerializer, **ERRORS})
    def post(self, request):
        """What a purchase would cost, the VIP discount and why, and the points it would earn; nothing is saved."""
        serializer = self.valid(QuoteRequestSerializer, request.data)
        data = serializer.validated_data
        try:
            result = services.till_quote(
                store=self.store,
                lines=serializer.line_facts(),
                card=self.card(data["card_number"]),
                phone=data["phone"],
                birthday_claimed=data["birthday_discount"],
                id_checked=data["id_checked"],
                now=timezone.now(),
            )
        except ValidationError as error:
            raise refused(error) from None
        quote, points = result.quote, result.points
        body = {
            "gross": quote.gross,
            "discount": quote.discount,
            "payable": quote.payable,
            "rate": quote.rate,
            "rule_id": quote.rule_id,
            "explanations": list(quote.explanations),
            "points": points,
        }
        return Response(plain(body))


class PurchaseCreate(TillView):
    @extend_schema(
        request=PurchaseRequestSerializer,
        responses={201: PurchaseSerializer, 200: PurchaseSerializer, **WRITE_ERRORS},
    )
    def post(self, request):
        """Record a purchase: 201 the first time, 200 with the same body when the same request comes again (its key
        and content), 409 when the key was used for a different purchase."""
        serializer = self.valid(PurchaseRequestSerializer, request.data)
        data = serializer.validated_data
        card = self.card(data["card_number"])
        try:
            result = services.purchase_record(
                store=self.store,
                actor=self.actor,
                key=data["idempotency_key"],
                lines=serializer.line_facts(),
                card=card,
                phone=data["phone"] if card is None else "",
                birthday_claimed=data["birthday_discount"],
                id_checked=data["id_checked"],
                signature_confirmed=data["signature_confirmed"],
                now=timezone.now(),
            )
        except ValidationError as error:
            raise refused(error) from None
        purchase = result.purchase
        body = {
            "purchase_id": purchase.pk,
            "replayed": result.replayed,
            "paid": purchase.paid,
            "discount": purchase.discount,
            "rule_id": purchase.discount_rule,
            "explanations": purchase.explanation_lines(translation.get_language()),
            "points_earned": purchase.points_earned,
            "balance": result.membership.balance if result.membership else None,
            "eligibility": vars(result.eligibility) if result.eligibility else None,
        }
        code = status.HTTP_200_OK if result.replayed else status.HTTP_201_CREATED
        return Response(plain(body), status=code)


class RedemptionCreate(TillView):
    @extend_schema(request=RedeemRequestSerializer, responses={201: RedemptionSerializer, **WRITE_ERRORS})
    def post(self, request):
        """Redeem a reward of this store's catalog with this one card's points (VIP-PTS-2); final."""
        data = self.valid(RedeemRequestSerializer, request.data).validated_data
        card = self.card(data["card_number"])
        reward = Reward.objects.filter(store=self.store, pk=data["reward_id"]).first()
        if reward is None:
            raise NotFound(_("No such reward in this store's catalog."))
        try:
            redemption = services.redemption_make(
                store=self.store,
                card=card,
                reward=reward,
                actor=self.actor,
                key=data["idempotency_key"],
                now=timezone.now(),
            )
        except ValidationError as error:
            raise refused(error) from None
        card.membership.refresh_from_db(fields=["balance"])
        body = {
            "redemption_id": redemption.pk,
            "reward": reward.name,
            "points": redemption.points,
            "balance": card.membership.balance,
        }
        return Response(plain(body), status=status.HTTP_201_CREATED)


class ReturnCreate(TillView):
    @extend_schema(request=ReturnRequestSerializer, responses={201: ReturnSerializer, **WRITE_ERRORS})
    def post(self, request):
        """A refund on one of this store's purchases (VIP-RET-1)."""
        data = self.valid(ReturnRequestSerializer, request.data).validated_data
        purchase = Purchase.objects.select_related("store").filter(store=self.store, pk=data["purchase_id"]).first()
        if purchase is None:
            raise NotFound(_("No such purchase at this store."))
        try:
            refund = services.return_record(
                purchase=purchase,
                amount=data["amount"],
                actor=self.actor,
                key=data["idempotency_key"],
                reason=data["reason"],
                now=timezone.now(),
            )
        except ValidationError as error:
            raise refused(error) from None
        body = {
            "return_id": refund.pk,
            "amount": refund.amount,
            "points_reversed": refund.points_reversed,
            "shortfall": refund.shortfall,
        }
        return Response(plain(body), status=status.HTTP_201_CREATED)
