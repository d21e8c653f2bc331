"""Forms of the commission pages. Errors a service raises land next to the field they name."""

import datetime as dt
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from attribution.forms import LocalDateTimeField, PersonField, SiteForm
from salesoffice.dates import HAPPENED, PERIOD, BoundedDateField
from salesoffice.phones import normalise_phone


def price_field() -> forms.DecimalField:
    return forms.DecimalField(
        label=_("Price (yuan)"),
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0.01"),
        error_messages={"min_value": _("The price must be more than zero (COM-5).")},
    )


def commission_field() -> forms.DecimalField:
    return forms.DecimalField(
        label=_("Commission (yuan)"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        error_messages={"min_value": _("The commission must be more than zero (COM-1, COM-5).")},
    )


class DealForm(SiteForm):
    """COM-1: what a deal is. The split is never typed: it is what the rules give (preview below the form)."""

    client_phone = forms.CharField(
        label=_("Client's phone"), max_length=40, help_text=_("The phone the client is registered under.")
    )
    salesperson = PersonField(label=_("Salesperson who closed it"))
    after_sales_by = PersonField(
        label=_("After-sales by (a deal the company arranged, ATT-CO-5)"),
        required=False,
        help_text=_("Only for a deal the company arranged directly whose after-sales other staff do."),
    )
    contract_no = forms.CharField(label=_("Contract number"), max_length=40)
    unit = forms.CharField(label=_("Unit"), max_length=60)
    buyer_names = forms.CharField(label=_("Buyer(s)"), max_length=255, required=False)
    signed_at = LocalDateTimeField(label=_("Contract signed at"), plausible=HAPPENED)
    price = price_field()
    commission = commission_field()

    def clean_client_phone(self) -> str:
        raw = self.cleaned_data["client_phone"].strip()
        try:
            return normalise_phone(raw)
        except forms.ValidationError as exc:
            raise forms.ValidationError(_("%(phone)s is not a valid phone number.") % {"phone": raw}) from exc


class CompanyArrangedForm(SiteForm):
    """ATT-CO-4/5: a client the company arranged a deal for directly, with no reception (so no register entry)."""

    name = forms.CharField(label=_("Client's name"), max_length=100)
    phone = forms.CharField(label=_("Client's phone"), max_length=40)
    kind = forms.ChoiceField(
        label=_("How the company arranged it"),
        choices=[
            ("direct_sales", _("Arranged directly, after-sales by a salesperson: 30% / 70% pool (ATT-CO-4)")),
            ("direct_other", _("Arranged directly, after-sales by other staff: 100% pool (ATT-CO-5)")),
        ],
    )
    contacted_at = LocalDateTimeField(label=_("The company's contact with the client"), plausible=HAPPENED)


class DealChangeForm(forms.Form):
    """ATT-CHANGE: only the unit and the buyers' names; the salesperson and the split are not on this form."""

    unit = forms.CharField(label=_("Unit"), max_length=60)
    buyer_names = forms.CharField(label=_("Buyer(s)"), max_length=255, required=False)
    reason = forms.CharField(label=_("Reason"), max_length=255)


class DealCancelForm(forms.Form):
    """COM-5: 退房/撤單, with the reason kept on the deal."""

    reason = forms.CharField(label=_("Why is the deal cancelled?"), max_length=255)


class DealCorrectForm(forms.Form):
    """COM-5: the corrected price and commission, with the reason kept on the deal."""

    price = price_field()
    commission = commission_field()
    reason = forms.CharField(label=_("What does the correction fix?"), max_length=255)


class MonthForm(forms.Form):
    month = BoundedDateField(label=_("Month"), input_formats=["%Y-%m", "%Y-%m-%d"], plausible=PERIOD)

    def clean_month(self) -> dt.date:
        return self.cleaned_data["month"].replace(day=1)
