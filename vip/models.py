"""Store VIP membership (part 2 of RULES.md): customers, memberships and their cards, purchases, the points ledger,
rewards, returns, the monthly registration forms, SMS reminders and the till API's store tokens.

A membership is one card life (VIP-CARD-1): its paid total, earned points and balance belong to it; a replacement
card (VIP-CARD-4) is a new card of the same membership, a renewal (VIP-CARD-3) is a new membership.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from salesoffice.models import AppendOnlyModel, Site

PERMISSIONS = [
    ("use_till", _("Use the store till (look up members, record purchases, redeem, returns)")),
    ("manage_store", _("Manage the store's members, rewards, reminders and settings")),
    ("unmask_customer", _("See a member's full phone and ID number (logged)")),
    ("export_members", _("Export the store's members (logged)")),
    ("view_registration_summary", _("See the monthly registration summaries of every store")),
]


class StoreSettings(models.Model):
    """A store's *(setting)* decisions of RULES.md part 2, audited."""

    class PointsMode(models.TextChoices):
        CARRY_OVER = "carry_over", _("Remainders carry over (⌊total paid ÷ 100⌋)")
        PER_PURCHASE = "per_purchase", _("Each purchase rounded down alone")

    site = models.OneToOneField(
        Site, on_delete=models.CASCADE, primary_key=True, related_name="vip_settings", verbose_name=_("store")
    )
    share_members = models.BooleanField(
        _("share members with the chain's other sharing stores"),
        default=False,
        help_text=_("VIP-ELIG-1: off, a card is honoured only at the store that issued it."),
    )
    points_mode = models.CharField(
        _("points"),
        max_length=20,
        choices=PointsMode.choices,
        default=PointsMode.CARRY_OVER,
        help_text=_("VIP-PTS-1"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("store settings")
        verbose_name_plural = _("store settings")
        permissions = PERMISSIONS

    def __str__(self) -> str:
        return str(self.site)


class Customer(models.Model):
    """A shopper known to one store by phone; a member once a card is issued (VIP-ELIG-1: 本店)."""

    class Title(models.TextChoices):
        MR = "mr", _("Mr")
        MS = "ms", _("Ms")

    store = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="vip_customers", verbose_name=_("store"))
    phone = models.CharField(_("phone"), max_length=20)
    surname = models.CharField(_("surname"), max_length=40, blank=True)
    given_name = models.CharField(_("given name"), max_length=60, blank=True)
    title = models.CharField(_("how to address"), max_length=4, choices=Title.choices, blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    id_number = models.CharField(_("ID number"), max_length=30, blank=True)
    sms_opt_out = models.BooleanField(_("no SMS reminders"), default=False)
    created_at = models.DateTimeField(_("first seen"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [models.UniqueConstraint(fields=["store", "phone"], name="vip_customer_store_phone")]

    def __str__(self) -> str:
        return f"{self.surname}{self.given_name}" or self.phone

    @property
    def address_as(self) -> str:
        """How the clerk addresses the member (VIP-SVC-1): 王女士 in Chinese, Ms Wang in English."""
        if not self.surname or not self.title:
            return self.surname
        return gettext("%(title)s %(surname)s") % {"title": self.get_title_display(), "surname": self.surname}


class Membership(models.Model):
    """One card life: issued, valid two years (VIP-CARD-1, VIP-CARD-3). The balance is the ledger's sum, kept here
    under a row lock and never negative (a CHECK constraint is the last guard)."""

    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("customer")
    )
    store = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="vip_memberships", verbose_name=_("store"))
    started_at = models.DateTimeField(_("issued"))
    valid_until = models.DateTimeField(_("valid until"))
    renews = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="renewed_by", verbose_name=_("renews")
    )
    paid_total = models.DecimalField(_("paid total"), max_digits=14, decimal_places=2, default=0)
    earned_points = models.IntegerField(_("earned points"), default=0)
    balance = models.IntegerField(_("points balance"), default=0)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("issued by")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="vip_membership_balance_not_negative"),
            models.CheckConstraint(condition=Q(earned_points__gte=0), name="vip_membership_earned_not_negative"),
            models.CheckConstraint(condition=Q(paid_total__gte=0), name="vip_membership_paid_not_negative"),
        ]
        indexes = [
            models.Index(fields=["store", "valid_until"], name="vip_membership_expiry_idx"),
            # Issue 17: the members page, newest first by keyset.
            models.Index(fields=["store", "started_at", "id"], name="vip_membership_started_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.customer} ({self.store})"

    def is_valid(self, now: dt.datetime) -> bool:
        return now <= self.valid_until


class Card(models.Model):
    """A card of a membership. Blocking it (lost, damaged, replaced) is immediate and final (VIP-CARD-4)."""

    class Kind(models.TextChoices):
        NEW = "new", pgettext_lazy("card issued", "New")
        RENEWAL = "renewal", _("Renewal")
        REPLACEMENT = "replacement", _("Replacement")

    membership = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="cards", verbose_name=_("membership")
    )
    number = models.CharField(_("card number"), max_length=20, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    issued_at = models.DateTimeField(_("issued"))
    replaces = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaced_by", verbose_name=_("replaces")
    )
    blocked_at = models.DateTimeField(_("blocked"), null=True, blank=True)
    block_reason = models.CharField(_("why blocked"), max_length=120, blank=True)
    handbook_given = models.BooleanField(_("member handbook given"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("card")
        verbose_name_plural = _("cards")
        constraints = [
            # One usable card per membership at a time: the old number is blocked before a replacement exists.
            models.UniqueConstraint(
                fields=["membership"], condition=Q(blocked_at__isnull=True), name="vip_one_unblocked_card"
            )
        ]

    def __str__(self) -> str:
        return self.number


class ApiToken(models.Model):
    """A point-of-sale system's credential for one store: it sees that store's members only."""

    store = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="vip_api_tokens", verbose_name=_("store"))
    name = models.CharField(_("name"), max_length=60)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("till API token")
        verbose_name_plural = _("till API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.store})"


class Purchase(AppendOnlyModel):
    """A till receipt: the lines, the VIP discount that applied and why, what was paid, the points it earned."""

    store = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="vip_purchases", verbose_name=_("store"))
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, null=True, blank=True, related_name="purchases", verbose_name=_("customer")
    )
    membership = models.ForeignKey(
        Membership, on_delete=models.PROTECT, null=True, blank=True, related_name="purchases"
    )
    card = models.ForeignKey(Card, on_delete=models.PROTECT, null=True, blank=True, related_name="purchases")
    at = models.DateTimeField(_("at"))
    key = models.CharField(_("request key"), max_length=80)
    # What the request asked for (salesoffice.idempotency): the same key with other content is refused, not replayed.
    # Empty on rows recorded before it was kept: those replay as before.
    request_fingerprint = models.CharField(_("request fingerprint"), max_length=64, blank=True, default="")
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    api_token = models.ForeignKey(ApiToken, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    gross = models.DecimalField(_("before VIP discount"), max_digits=12, decimal_places=2)
    discount_rule = models.CharField(_("discount rule"), max_length=20, blank=True)
    discount_rate = models.DecimalField(_("rate"), max_digits=4, decimal_places=2, default=1)
    discount = models.DecimalField(_("VIP discount"), max_digits=12, decimal_places=2, default=0)
    paid = models.DecimalField(_("paid"), max_digits=12, decimal_places=2)
    points_earned = models.IntegerField(_("points earned"), default=0)
    birthday_id_checked = models.BooleanField(_("original ID checked"), default=False)
    signature_confirmed = models.BooleanField(_("member signed"), default=False)
    explanation = models.TextField(_("explanation"), blank=True)  # as the clerk read it, in their language
    # The same lines in every UI language ({"zh-hans": [...], "en": [...]}): a receipt reads in its reader's language.
    explanations = models.JSONField(_("explanation in each language"), default=dict, blank=True)

    class Meta:
        verbose_name = _("purchase")
        verbose_name_plural = _("purchases")
        constraints = [
            models.UniqueConstraint(fields=["store", "key"], name="vip_purchase_key"),
            models.CheckConstraint(condition=Q(paid__gte=0), name="vip_purchase_paid_not_negative"),
        ]
        indexes = [
            models.Index(fields=["customer", "at"], name="vip_purchase_customer_at"),
            models.Index(fields=["membership", "at"], name="vip_purchase_membership_at"),
        ]

    def explanation_lines(self, language: str) -> list[str]:
        return self.explanations.get(language) or self.explanation.splitlines()

    def __str__(self) -> str:
        return f"#{self.pk} {self.paid}"


class PurchaseLine(AppendOnlyModel):
    purchase = models.ForeignKey(Purchase, on_delete=models.PROTECT, related_name="lines")
    description = models.CharField(_("item"), max_length=120, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    promotion = models.BooleanField(_("promotion"), default=False)
    special_price = models.BooleanField(_("special price"), default=False)
    coupon = models.BooleanField(_("coupon"), default=False)
    discount = models.DecimalField(_("VIP discount"), max_digits=12, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("purchase line")
        verbose_name_plural = _("purchase lines")


class Reward(models.Model):
    """An item of the store's reward catalog (the poster decides what is offered, VIP-PTS-2)."""

    store = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="vip_rewards", verbose_name=_("store"))
    name = models.CharField(_("reward"), max_length=120)
    points = models.PositiveIntegerField(_("points"))
    stock = models.PositiveIntegerField(_("in stock"), default=0)
    active = models.BooleanField(_("offered"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("reward")
        verbose_name_plural = _("rewards")
        ordering = ["points", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(points__gt=0), name="vip_reward_points_positive"),
            # Two catalog items of one name would be two identical choices at the till.
            models.UniqueConstraint(Lower("name"), "store", name="vip_reward_store_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Redemption(AppendOnlyModel):
    """Points exchanged for a reward: final, never cancelled or refunded (VIP-PTS-2)."""

    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="redemptions")
    card = models.ForeignKey(Card, on_delete=models.PROTECT, related_name="redemptions")
    reward = models.ForeignKey(Reward, on_delete=models.PROTECT, related_name="redemptions")
    points = models.PositiveIntegerField(_("points"))
    at = models.DateTimeField(_("at"))
    key = models.CharField(_("request key"), max_length=80)
    request_fingerprint = models.CharField(_("request fingerprint"), max_length=64, blank=True, default="")
    clerk = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    api_token = models.ForeignKey(ApiToken, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("redemption")
        verbose_name_plural = _("redemptions")
        constraints = [models.UniqueConstraint(fields=["membership", "key"], name="vip_redemption_key")]


class Return(AppendOnlyModel):
    """A refund on a purchase (VIP-RET-1): the paid total falls, the earned points follow."""

    purchase = models.ForeignKey(Purchase, on_delete=models.PROTECT, related_name="returns")
    amount = models.DecimalField(_("refunded"), max_digits=12, decimal_places=2)
    points_reversed = models.IntegerField(_("points reversed"), default=0)
    shortfall = models.IntegerField(_("points already redeemed (shortfall)"), default=0)
    at = models.DateTimeField(_("at"))
    key = models.CharField(_("request key"), max_length=80)
    request_fingerprint = models.CharField(_("request fingerprint"), max_length=64, blank=True, default="")
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    clerk = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    api_token = models.ForeignKey(ApiToken, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("return")
        verbose_name_plural = _("returns")
        constraints = [
            models.UniqueConstraint(fields=["purchase", "key"], name="vip_return_key"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="vip_return_amount_positive"),
        ]


class PointMovement(AppendOnlyModel):
    """One line of a membership's points ledger, tied to its source document; the key makes each source count
    once."""

    class Kind(models.TextChoices):
        EARN = "earn", _("Earned")
        REDEEM = "redeem", _("Redeemed")
        RETURN = "return", _("Return reversal")
        EXPIRY = "expiry", _("Expired")

    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    points = models.IntegerField(_("points"))
    at = models.DateTimeField(_("at"))
    key = models.CharField(_("source"), max_length=80, unique=True)
    purchase = models.ForeignKey(Purchase, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    redemption = models.ForeignKey(Redemption, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    refund = models.ForeignKey(Return, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    rule_id = models.CharField(_("rule"), max_length=20)

    class Meta:
        verbose_name = _("points movement")
        verbose_name_plural = _("points movements")
        indexes = [models.Index(fields=["membership", "at"], name="vip_movement_membership_at")]


class PrivacyLog(AppendOnlyModel):
    """Who saw a member's full phone or ID number, or exported members, and when (VIP-DATA-1)."""

    class Action(models.TextChoices):
        UNMASK = "unmask", _("Unmasked")
        EXPORT = "export", _("Exported")

    store = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    detail = models.CharField(_("detail"), max_length=200, blank=True)
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("privacy log entry")
        verbose_name_plural = _("privacy log")


class FormHandIn(AppendOnlyModel):
    """The month's original registration forms received by operations (VIP-DATA-1)."""

    store = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    month = models.PositiveSmallIntegerField()
    forms = models.PositiveIntegerField(_("forms received"))
    received_at = models.DateTimeField(_("received"))
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("registration forms hand-in")
        verbose_name_plural = _("registration forms hand-ins")
        constraints = [models.UniqueConstraint(fields=["store", "year", "month"], name="vip_one_hand_in_a_month")]


class Campaign(models.Model):
    """A reminder to the store's members before new products or a promotion (VIP-SVC-1)."""

    class Occasion(models.TextChoices):
        NEW_PRODUCTS = "new_products", _("New products")
        PROMOTION = "promotion", _("Promotion")

    store = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="vip_campaigns", verbose_name=_("store"))
    occasion = models.CharField(_("occasion"), max_length=20, choices=Occasion.choices)
    text = models.CharField(_("message"), max_length=300)
    send_at = models.DateTimeField(_("send at"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("reminder campaign")
        verbose_name_plural = _("reminder campaigns")
        ordering = ["-send_at"]

    def __str__(self) -> str:
        return self.text[:40]


class SmsMessage(AppendOnlyModel):
    """One reminder to one member for one occasion; the unique key means never twice (VIP-SVC-1)."""

    store = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="sms_messages")
    key = models.CharField(max_length=120, unique=True)
    occasion = models.CharField(_("occasion"), max_length=20)
    text = models.CharField(_("message"), max_length=400)
    created_at = models.DateTimeField(_("recorded"))

    class Meta:
        verbose_name = _("SMS reminder")
        verbose_name_plural = _("SMS reminders")

    @property
    def occasion_label(self) -> str:
        if self.occasion == "birthday":
            return gettext("Birthday")
        return Campaign.Occasion(self.occasion).label if self.occasion in Campaign.Occasion.values else self.occasion


class SmsDelivery(models.Model):
    """The outbox state of one reminder (VIP-SVC-1): recorded pending with the message, in the same transaction;
    marked sent only once the provider accepted it. Its status moves, so it is kept apart from the message, which
    never changes."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        WITHDRAWN = "withdrawn", _("Not sent: the member opted out")

    message = models.OneToOneField(
        SmsMessage, on_delete=models.PROTECT, primary_key=True, related_name="delivery", verbose_name=_("message")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"))
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("SMS delivery")
        verbose_name_plural = _("SMS deliveries")
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="smsdelivery_pending_idx")
        ]

    def __str__(self) -> str:
        return f"{self.message_id} {self.status}"
