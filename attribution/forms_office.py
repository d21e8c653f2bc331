"""Forms of the office pages: referrals (ATT-EMP-1), follow-ups (ATT-FU-1), the register archive's filter."""

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from salesoffice.dates import PERIOD, SCHEDULED, BoundedDateField, BoundedDateTimeField
from salesoffice.forms import PersonChoiceField
from salesoffice.models import Site

from .models import Client, FollowUp

ARCHIVE_EXPORT_MAX_DAYS = 31


class ReferralForm(forms.Form):
    site = forms.ModelChoiceField(
        label=_("Project (sales office)"),
        queryset=Site.objects.filter(kind=Site.Kind.SALES_OFFICE).order_by("name"),
        empty_label=None,
    )
    name = forms.CharField(label=_("Client's name"), max_length=120)
    phone = forms.CharField(label=_("Client's phone"), max_length=40)
    appointment_date = BoundedDateField(
        plausible=SCHEDULED,
        label=_("Appointment date"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("If the client does not come on this day, the referral lapses at the end of it (ATT-EMP-2)."),
    )
    note = forms.CharField(label=_("Note"), max_length=255, required=False)


class ClientChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Client) -> str:
        return f"{obj.name} · {obj.phone}"


class FollowUpPlanForm(forms.Form):
    client = ClientChoiceField(label=_("Client"), queryset=Client.objects.none())
    kind = forms.ChoiceField(label=_("Kind"), choices=FollowUp.Kind.choices)
    planned_for = BoundedDateTimeField(
        plausible=SCHEDULED,
        label=_("When"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    plan = forms.CharField(label=_("Plan"), max_length=255, required=False)
    grade = forms.ChoiceField(
        label=_("Grade the client"),
        choices=[("", _("Keep the current grade")), *Client.Grade.choices],
        required=False,
        help_text=_("Priority and likelihood to buy (ATT-FU-1)."),
    )

    def __init__(self, *args, clients=None, now: dt.datetime | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.now = now
        self.fields["client"].queryset = clients if clients is not None else Client.objects.none()

    def clean_planned_for(self) -> dt.datetime:
        planned_for = self.cleaned_data["planned_for"]
        if self.now is not None and planned_for < self.now - dt.timedelta(minutes=1):
            raise ValidationError(_("A follow-up is planned for a time to come."))
        return planned_for


class FollowUpDoneForm(forms.Form):
    outcome = forms.CharField(label=_("Outcome"), widget=forms.Textarea(attrs={"rows": 2}))


DATE_INPUT = {"type": "date", "class": "form-control"}


class ArchiveFilterForm(forms.Form):
    date_from = BoundedDateField(
        plausible=PERIOD, label=_("Registered from"), required=False, widget=forms.DateInput(attrs=DATE_INPUT)
    )
    date_to = BoundedDateField(
        plausible=PERIOD, label=_("Registered until"), required=False, widget=forms.DateInput(attrs=DATE_INPUT)
    )
    salesperson = PersonChoiceField(
        label=_("Salesperson"),
        queryset=None,
        required=False,
        empty_label=_("Everyone"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args, salespeople=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["salesperson"].queryset = salespeople

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end comes before the start."))
        return data


class ArchiveExportForm(ArchiveFilterForm):
    """An export is of a bounded date range: both ends, a month at most."""

    date_from = BoundedDateField(plausible=PERIOD, label=_("Registered from"), widget=forms.DateInput(attrs=DATE_INPUT))
    date_to = BoundedDateField(plausible=PERIOD, label=_("Registered until"), widget=forms.DateInput(attrs=DATE_INPUT))

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and (end - start).days + 1 > ARCHIVE_EXPORT_MAX_DAYS:
            self.add_error("date_to", _("An export covers at most %(days)s days.") % {"days": ARCHIVE_EXPORT_MAX_DAYS})
        return data
