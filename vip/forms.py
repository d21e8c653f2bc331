"""The till's and the store manager's forms. Amounts are Decimal fields; every refusal is shown next to its field."""

import datetime as dt
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from salesoffice.dates import BIRTHDAY, SCHEDULED, BoundedDateField, BoundedDateTimeField, query_month
from salesoffice.phones import PhoneField

from . import rules
from .models import Campaign, Customer, StoreSettings

TILL_LINES = 5
MONEY = {"max_digits": 9, "decimal_places": 2, "min_value": Decimal("0.01"), "max_value": Decimal("999999.99")}


class LookupForm(forms.Form):
    q = forms.CharField(label=_("Card number or phone"), max_length=30)


class PurchaseForm(forms.Form):
    """A till receipt: up to five lines, the member's card (if any) or the customer's phone, and the checks."""

    key = forms.CharField(widget=forms.HiddenInput, max_length=80)
    card = forms.CharField(label=_("Card number"), max_length=20, required=False)
    phone = PhoneField(label=_("Customer's phone (non-members)"), max_length=20, required=False)
    birthday = forms.BooleanField(label=_("Birthday discount (VIP-DISC-3)"), required=False)
    id_checked = forms.BooleanField(label=_("Original ID checked"), required=False)
    signature = forms.BooleanField(label=_("The member signed the receipt (VIP-CARD-2)"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for n in range(1, TILL_LINES + 1):
            self.fields[f"amount_{n}"] = forms.DecimalField(label=_("Amount"), required=n == 1, **MONEY)
            self.fields[f"item_{n}"] = forms.CharField(label=_("Item"), max_length=120, required=False)
            for flag, label in (
                ("promotion", _("Promotion")),
                ("special", _("Special price")),
                ("coupon", _("Coupon")),
            ):
                self.fields[f"{flag}_{n}"] = forms.BooleanField(label=label, required=False)

    @property
    def line_rows(self) -> list[dict]:
        return [
            {name: self[f"{name}_{n}"] for name in ("amount", "item", "promotion", "special", "coupon")} | {"n": n}
            for n in range(1, TILL_LINES + 1)
        ]

    def clean(self):
        data = super().clean()
        problem = rules.card_and_phone_problem(card_number=data.get("card") or "", phone=data.get("phone") or "")
        if problem:
            self.add_error("phone", problem)
        return data

    def lines(self) -> list[rules.Line]:
        data = self.cleaned_data
        return [
            rules.Line(
                amount=data[f"amount_{n}"],
                promotion=data[f"promotion_{n}"],
                special_price=data[f"special_{n}"],
                coupon=data[f"coupon_{n}"],
                description=data[f"item_{n}"],
            )
            for n in range(1, TILL_LINES + 1)
            if data.get(f"amount_{n}") is not None
        ]


class RegistrationForm(forms.Form):
    """The VIP registration form (VIP-CARD-1)."""

    surname = forms.CharField(label=_("Surname"), max_length=40)
    given_name = forms.CharField(label=_("Given name"), max_length=60, required=False)
    title = forms.ChoiceField(label=_("How to address"), choices=Customer.Title.choices)
    birthday = BoundedDateField(
        label=_("Birthday"), required=False, widget=forms.DateInput(attrs={"type": "date"}), plausible=BIRTHDAY
    )
    id_number = forms.CharField(label=_("ID number"), max_length=30, required=False)
    number = forms.CharField(
        label=_("Card number"), max_length=20, required=False, help_text=_("Leave empty to number the card.")
    )
    handbook = forms.BooleanField(label=_("Member handbook given"), required=True)

    def __init__(self, *args, today: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["birthday"].today = today


class RedeemForm(forms.Form):
    key = forms.CharField(widget=forms.HiddenInput, max_length=80)
    reward = forms.ChoiceField(label=_("Reward"))
    # No undo exists (VIP-PTS-2): the view asks for a confirmation that names the reward, the points and the balance
    # after (salesoffice.confirm), which the clerk reads out to the member before pressing it.

    def __init__(self, *args, rewards=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.rewards = {str(r.pk): r for r in rewards}
        self.fields["reward"].choices = [
            (
                str(r.pk),
                _("%(name)s · %(points)s points · %(stock)s left")
                % {"name": r.name, "points": r.points, "stock": r.stock},
            )
            for r in rewards
        ]

    def clean_reward(self):
        return self.rewards[self.cleaned_data["reward"]]


class ReplaceForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=[("lost", _("Lost")), ("damaged", _("Damaged"))])
    number = forms.CharField(label=_("New card number"), max_length=20, required=False)


class ReturnForm(forms.Form):
    key = forms.CharField(widget=forms.HiddenInput, max_length=80)
    amount = forms.DecimalField(label=_("Refund"), **MONEY)
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class RewardForm(forms.Form):
    name = forms.CharField(label=_("Reward"), max_length=120)
    points = forms.IntegerField(label=_("Points"), min_value=1, max_value=100000)
    stock = forms.IntegerField(label=_("In stock"), min_value=0, max_value=100000)
    active = forms.BooleanField(label=_("Offered"), required=False, initial=True)


class SettingsForm(forms.ModelForm):
    class Meta:
        model = StoreSettings
        fields = ["share_members", "points_mode"]


class CampaignForm(forms.Form):
    occasion = forms.ChoiceField(label=_("Occasion"), choices=Campaign.Occasion.choices)
    text = forms.CharField(label=_("Message"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))
    send_at = BoundedDateTimeField(
        label=_("Send at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}), plausible=SCHEDULED
    )


class HandInForm(forms.Form):
    store = forms.ChoiceField(label=_("Store"))
    month = forms.CharField(label=_("Month"), widget=forms.TextInput(attrs={"type": "month"}))
    forms_received = forms.IntegerField(label=_("Forms received"), min_value=0, max_value=100000)

    def __init__(self, *args, stores=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.stores = {str(s.pk): s for s in stores}
        self.fields["store"].choices = [(str(s.pk), s.name) for s in stores]

    def clean_store(self):
        return self.stores[self.cleaned_data["store"]]

    def clean_month(self):
        first = query_month(self.cleaned_data["month"].strip())
        if first is None:
            raise ValidationError(_("Enter a month like 2026-03."))
        return first.year, first.month
