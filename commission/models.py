"""Deals (成交, COM-1), their splits and the commission ledger the monthly statements are read from.

Ownership at the deal's instant comes from `attribution.rules`; `commission.rules` turns it into money. Splits and
ledger entries are permanent (COM-4): a re-split supersedes the split before it, and money that moves after a
month is closed moves as an adjustment in the next open month, never as an edit.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from attribution.models import Client
from salesoffice.models import AppendOnlyModel, PermanentModel, Site
from salesoffice.permanence import Follows, Guarded

User = settings.AUTH_USER_MODEL


class PartyKind(models.TextChoices):
    SALESPERSON = "salesperson", _("Salesperson")
    REFERRER = "referrer", _("Referrer")
    PUBLIC_POOL = "public_pool", _("Public pool (公佣)")


class SplitStatus(models.TextChoices):
    SPLIT = "split", _("Split")
    ON_HOLD = "on_hold", _("On hold (ATT-DISP-1)")
    NO_OWNER = "no_owner", _("No valid owner (ATT-DISP-1)")
    AWAITING = "awaiting", _("Awaiting the register's approval (ATT-REG-1)")
    CANCELLED = "cancelled", _("Cancelled (COM-5)")


# Deals whose commission is in no statement for now: held by a dispute, without an owner, or awaiting the register.
HELD_STATUSES = (SplitStatus.ON_HOLD, SplitStatus.NO_OWNER, SplitStatus.AWAITING)
# The deals each statement counts and lists besides its lines: held now (ATT-DISP-1), or not confirmed yet (COM-5).
HELD = Q(split_status__in=HELD_STATUSES)
UNCONFIRMED = Q(confirmed_at__isnull=True, cancelled_at__isnull=True)


class CommissionSettings(models.Model):
    """A sales site's deal checks (COM-5's *(setting)* decisions), audited."""

    site = models.OneToOneField(
        Site, on_delete=models.CASCADE, primary_key=True, related_name="commission_settings", verbose_name=_("site")
    )
    max_commission_percent = models.DecimalField(
        _("largest commission, as a share of the price (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("10.00"),
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
        help_text=_("COM-5: a deal whose commission is more than this share of its price is refused as a typo."),
    )
    confirm_salesperson_deals = models.BooleanField(
        _("a salesperson's deal counts once the project manager confirms it"),
        default=True,
        help_text=_("COM-5: until confirmed, the deal shows as unconfirmed and nothing is posted to the statements."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("commission settings")
        verbose_name_plural = _("commission settings")

    def __str__(self) -> str:
        return str(self.site)


class Deal(PermanentModel):
    """A deal, kept for good (COM-5): it is never deleted; its identity is fixed at recording; its confirmation and
    cancellation are stamped once; its amounts change only with a correction, its unit and buyers only with a change
    after the deal (ATT-CHANGE), and its split status is its latest split's, each a permanent record of its own."""

    permanence = Guarded(
        stamps=("confirmed_at", "confirmed_by_id", "cancelled_at"),
        follows=(
            Follows(
                table="commission_dealcorrection",
                fk="deal_id",
                columns={"price": "price_after", "commission": "commission_after"},
                before={"price": "price_before", "commission": "commission_before"},
                match={"kind": "amounts"},
            ),
            Follows(
                table="commission_dealchange",
                fk="deal_id",
                columns={"unit": "unit_after", "buyer_names": "buyers_after"},
                before={"unit": "unit_before", "buyer_names": "buyers_before"},
            ),
            Follows(table="commission_split", fk="deal_id", columns={"split_status": "status"}, order="number"),
        ),
    )

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="deals", verbose_name=_("site"))
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="deals", verbose_name=_("client"))
    # None only for a deal the company arranged directly with no salesperson in it (ATT-CO-5); for ATT-CO-4 the
    # salesperson doing its after-sales.
    salesperson = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deals",
        verbose_name=_("salesperson who closed it"),
    )
    # ATT-CO-5: the employee (not a salesperson) who does the after-sales of a deal the company arranged.
    after_sales_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("after-sales by"),
    )
    contract_no = models.CharField(_("contract number"), max_length=40)
    unit = models.CharField(_("unit"), max_length=60)
    buyer_names = models.CharField(_("buyer(s)"), max_length=255, blank=True)
    signed_at = models.DateTimeField(_("signed at"))
    price = models.DecimalField(_("price (yuan)"), max_digits=14, decimal_places=2)
    commission = models.DecimalField(_("commission (yuan)"), max_digits=12, decimal_places=2)
    # The latest split's status, kept with each re-split so lists need not read the splits.
    split_status = models.CharField(_("split"), max_length=12, choices=SplitStatus.choices, default=SplitStatus.SPLIT)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"))
    # COM-5: a salesperson's deal counts in the statements from the project manager's confirmation; a manager's
    # deal is confirmed by being recorded. Null: not confirmed yet.
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("confirmed by")
    )
    # COM-5: cancelled (退房/撤單); the reason and who are on its DealCorrection. Its money is reversed.
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        indexes = [
            models.Index(fields=["site", "signed_at"], name="deal_site_signed_idx"),
            models.Index(fields=["salesperson", "signed_at"], name="deal_salesperson_signed_idx"),
            # Each statement counts, totals and lists the few deals held or not confirmed yet, signed by its month's
            # end, among all of them: only those are in this index, with what the counts read (an index-only scan).
            models.Index(
                fields=["signed_at"],
                include=["id", "commission", "split_status", "confirmed_at", "cancelled_at", "site"],
                condition=HELD | UNCONFIRMED,
                name="deal_pending_signed_idx",
            ),
            # The latest unconfirmed deals without walking past the held ones.
            models.Index(fields=["signed_at"], condition=UNCONFIRMED, name="deal_unconfirmed_signed_idx"),
        ]
        constraints = [
            # Two managers saving the same contract at once: the database keeps one. A cancelled deal's unit can be
            # sold again (COM-5).
            models.UniqueConstraint(
                fields=["site", "contract_no"],
                condition=Q(cancelled_at__isnull=True),
                name="deal_unique_contract_per_site",
            ),
            models.UniqueConstraint(
                fields=["site", "unit"], condition=Q(cancelled_at__isnull=True), name="deal_unique_unit_per_site"
            ),
            models.CheckConstraint(condition=Q(commission__gt=0), name="deal_commission_positive"),
            # COM-5 refuses a price of zero for a new deal (commission.rules); the database keeps its older guard.
            models.CheckConstraint(condition=Q(price__gte=0), name="deal_price_not_negative"),
        ]
        permissions = [
            ("record_deal", "Record deals (COM-1)"),
            ("record_deal_for_others", "Record deals closed by other salespeople"),
            ("change_deal_buyer_or_unit", "Record a change of buyer or unit after a deal (ATT-CHANGE)"),
            ("view_own_commission", "See one's own commission"),
            ("view_site_deals", "See every deal of the site, and those on hold"),
            ("view_statements", "See and export the monthly commission statements (COM-4)"),
            ("close_month", "Close a statement month (COM-4)"),
            ("confirm_deal", "Confirm a salesperson's deal so that it counts (COM-5)"),
            ("cancel_or_correct_deal", "Cancel a deal or correct its amounts (COM-5)"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} ({self.client})"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None


class DealChange(AppendOnlyModel):
    """ATT-CHANGE: a change of buyer name or unit after the deal; the salesperson and commission stay."""

    deal = models.ForeignKey(Deal, on_delete=models.PROTECT, related_name="changes", verbose_name=_("deal"))
    unit_before = models.CharField(_("unit before"), max_length=60)
    unit_after = models.CharField(_("unit after"), max_length=60)
    buyers_before = models.CharField(_("buyer(s) before"), max_length=255, blank=True)
    buyers_after = models.CharField(_("buyer(s) after"), max_length=255, blank=True)
    reason = models.CharField(_("reason"), max_length=255)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("change to a deal")
        verbose_name_plural = _("changes to deals")
        ordering = ["recorded_at", "pk"]

    def __str__(self) -> str:
        return f"{self.deal_id}: {self.unit_before} → {self.unit_after}"


class DealCorrection(AppendOnlyModel):
    """COM-5: a deal cancelled (退房/撤單) or its amounts corrected, with the reason; the ledger posts the reversal or
    the difference in the open month, and a closed month stays as it was (COM-4)."""

    class Kind(models.TextChoices):
        CANCEL = "cancel", _("Cancelled")
        AMOUNTS = "amounts", _("Amounts corrected")

    deal = models.ForeignKey(Deal, on_delete=models.PROTECT, related_name="corrections", verbose_name=_("deal"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    price_before = models.DecimalField(_("price before"), max_digits=14, decimal_places=2)
    price_after = models.DecimalField(_("price after"), max_digits=14, decimal_places=2)
    commission_before = models.DecimalField(_("commission before"), max_digits=12, decimal_places=2)
    commission_after = models.DecimalField(_("commission after"), max_digits=12, decimal_places=2)
    reason = models.CharField(_("reason"), max_length=255)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("correction of a deal")
        verbose_name_plural = _("corrections of deals")
        ordering = ["recorded_at", "pk"]

    def __str__(self) -> str:
        return f"{self.deal_id}: {self.kind}"


class Split(AppendOnlyModel):
    """One version of a deal's split, with the rules and explanation that made it (COM-1, COM-4)."""

    class Reason(models.TextChoices):
        RECORDED = "recorded", _("Deal recorded")
        FACTS_CHANGED = "facts_changed", _("The client's facts changed")
        RECOGNITION = "recognition", _("Recognition within the month (REC-NEW-2c)")
        DISPUTE_OPINION = "dispute_opinion", _("Dispute opinion written (ATT-DISP-1)")
        DISPUTE_RULING = "dispute_ruling", _("Sales director's ruling (ATT-DISP-1)")
        REGISTER_REVIEW = "register_review", _("The register entry was reviewed (ATT-REG-1)")
        CORRECTED = "corrected", _("Amounts corrected (COM-5)")
        CANCELLED = "cancelled", _("Deal cancelled (COM-5)")

    deal = models.ForeignKey(Deal, on_delete=models.PROTECT, related_name="splits", verbose_name=_("deal"))
    number = models.PositiveIntegerField(_("version"))
    supersedes = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
        verbose_name=_("supersedes"),
    )
    status = models.CharField(_("status"), max_length=12, choices=SplitStatus.choices)
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    basis_at = models.DateTimeField(_("ownership taken at"))
    rule_ids = models.JSONField(_("rules"), default=list)
    # The ownership timeline as it read when the split was made, in each language: {"en": [...], "zh-hans": [...]}.
    explanation = models.JSONField(_("explanation"), default=dict)
    made_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("made by")
    )
    made_at = models.DateTimeField(_("made at"))

    class Meta:
        verbose_name = _("split")
        verbose_name_plural = _("splits")
        ordering = ["deal", "number"]
        constraints = [models.UniqueConstraint(fields=["deal", "number"], name="split_unique_version")]

    def __str__(self) -> str:
        return f"{self.deal_id} v{self.number}"


class SplitShare(AppendOnlyModel):
    split = models.ForeignKey(Split, on_delete=models.PROTECT, related_name="shares", verbose_name=_("split"))
    position = models.PositiveSmallIntegerField(_("position"))
    kind = models.CharField(_("party"), max_length=12, choices=PartyKind.choices)
    user = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("person")
    )
    percent = models.DecimalField(_("percent"), max_digits=9, decimal_places=4)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)
    rule_ids = models.JSONField(_("rules"), default=list)
    reason = models.JSONField(_("why"), default=dict)  # {"en": "...", "zh-hans": "..."}

    class Meta:
        verbose_name = _("share")
        verbose_name_plural = _("shares")
        ordering = ["split", "position"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="split_share_not_negative"),
            models.CheckConstraint(
                condition=Q(kind="public_pool", user__isnull=True) | (~Q(kind="public_pool") & Q(user__isnull=False)),
                name="split_share_party_consistent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.user_id} {self.amount}"


class StatementMonth(PermanentModel):
    """A month of the commission statements; once closed, nothing is posted into it (COM-4). Permanent: the closing
    is stamped once and never undone, and the month is never deleted."""

    permanence = Guarded(stamps=("closed_at", "closed_by_id"))

    month = models.DateField(_("month"), unique=True)  # the first day
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("closed by")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("statement month")
        verbose_name_plural = _("statement months")
        ordering = ["month"]
        constraints = [
            models.CheckConstraint(condition=Q(month__day=1), name="statement_month_first_day"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class LedgerEntry(AppendOnlyModel):
    """Money posted to a statement month for one party of one deal. A party's entries for a deal add up to its
    share in the deal's current split (nothing while on hold); a change posts the difference."""

    class Kind(models.TextChoices):
        SHARE = "share", _("Share")
        ADJUSTMENT = "adjustment", _("Adjustment")

    month = models.ForeignKey(
        StatementMonth,
        on_delete=models.PROTECT,
        related_name="entries",
        verbose_name=_("statement month"),
        db_index=False,  # ledger_month_party_idx leads with the month
    )
    deal = models.ForeignKey(Deal, on_delete=models.PROTECT, related_name="ledger", verbose_name=_("deal"))
    split = models.ForeignKey(Split, on_delete=models.PROTECT, related_name="ledger", verbose_name=_("split"))
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+", verbose_name=_("site"))
    party = models.CharField(_("party"), max_length=12, choices=PartyKind.choices)
    user = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("person")
    )
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)
    entry_kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    posted_at = models.DateTimeField(_("posted at"))

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        indexes = [
            models.Index(fields=["month", "party", "user"], name="ledger_month_party_idx"),
            models.Index(fields=["user", "month"], name="ledger_user_month_idx"),
        ]
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="ledger_entry_not_zero")]

    def __str__(self) -> str:
        return f"{self.month} {self.party} {self.user_id} {self.amount}"
