import datetime as dt
import uuid

from django import forms
from django.core.validators import MinValueValidator
from django.utils.translation import gettext_lazy as _

from salesoffice.dates import HAPPENED, PERIOD, BoundedDateField, BoundedDateTimeField, today
from salesoffice.forms import PersonChoiceField, PersonMultipleChoiceField
from salesoffice.models import display_name
from salesoffice.phones import PhoneField

from . import rules
from .models import Absence, ChangeRequest, PhoneInquiry, Violation


class RequestKeyMixin(forms.Form):
    """Each rendered form carries a fresh key; a double click or a retry sends the same one (one reception)."""

    request_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("request_key", uuid.uuid4().hex)


class WalkInForm(RequestKeyMixin):
    client_label = forms.CharField(label=_("Client (name or description)"), max_length=120, required=False)
    introduced_by_old_client = forms.BooleanField(label=_("Introduced by an old client (REC-DES-4)"), required=False)


class SalespersonFieldMixin(forms.Form):
    """A `salesperson` field offering the rota's people. `options`, when given, are those people already read as
    (pk, name): the board page lists them in two forms and reads them once, not once per form by a server-side
    cursor. Validation still goes by the queryset."""

    def __init__(self, *args, salespeople=None, options: list[tuple[int, str]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["salesperson"]
        field.queryset = salespeople
        if options is not None:
            field.choices = [("", field.empty_label), *options]


class DesignatedForm(SalespersonFieldMixin, RequestKeyMixin):
    salesperson = PersonChoiceField(label=_("Salesperson the client asked for"), queryset=None)
    client_label = forms.CharField(label=_("Client (name or description)"), max_length=120, required=False)
    introduced_by_old_client = forms.BooleanField(
        label=_("Introduced by an old client of this salesperson (ATT-REF-OLD): if away, a duty reception"),
        required=False,
    )


class ReturningForm(RequestKeyMixin):
    phone = forms.CharField(label=_("Client's phone"), max_length=40)
    party_new_clients = forms.IntegerField(
        label=_("New clients with them (REC-ROT-9)"), min_value=0, max_value=20, initial=0, required=False
    )


class AwayForm(SalespersonFieldMixin):
    salesperson = PersonChoiceField(label=_("Salesperson"), queryset=None)
    reason = forms.ChoiceField(label=_("Reason"), choices=Absence.Reason.choices)
    detail = forms.CharField(label=_("Detail"), max_length=255, required=False)


READINESS_CHECKS = (
    ("uniform_ok", _("Uniform and grooming")),
    ("materials_ok", _("Sales materials at hand")),
    ("sales_info_ok", _("Today's sales information reviewed")),
)


class ReadinessGridForm(forms.Form):
    """The morning check as one grid (REC-READY-1): a row per salesperson on duty today, the three checks, one save.
    A row is recorded only when "checked now" is ticked (ticked already for whoever is not checked yet today)."""

    def __init__(self, *args, people=(), unchecked_ids=frozenset(), **kwargs):
        """`people`: (salesperson id, name) of everyone on today's roster, in rota order."""
        super().__init__(*args, **kwargs)
        self.people = [{"pk": pk, "name": name} for pk, name in people]
        for person in self.people:
            pk = person["pk"]
            self.fields[f"checked_{pk}"] = forms.BooleanField(
                label=_("Checked now"), required=False, initial=pk in unchecked_ids
            )
            for name, label in READINESS_CHECKS:
                self.fields[f"{name}_{pk}"] = forms.BooleanField(label=label, required=False)
            self.fields[f"note_{pk}"] = forms.CharField(label=_("Note"), max_length=255, required=False)

    def rows(self) -> list[dict]:
        return [
            {
                "person": person,
                "checked": self[f"checked_{person['pk']}"],
                "checks": [self[f"{name}_{person['pk']}"] for name, _label in READINESS_CHECKS],
                "note": self[f"note_{person['pk']}"],
            }
            for person in self.people
        ]

    def results(self) -> list[dict]:
        """The rows ticked "checked now": salesperson_id, the three checks and the note."""
        data = self.cleaned_data
        return [
            {
                "salesperson_id": person["pk"],
                **{name: data[f"{name}_{person['pk']}"] for name, _label in READINESS_CHECKS},
                "note": data[f"note_{person['pk']}"],
            }
            for person in self.people
            if data[f"checked_{person['pk']}"]
        ]


class ViolationForm(forms.ModelForm):
    occurred_at = BoundedDateTimeField(
        label=Violation._meta.get_field("occurred_at").verbose_name,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        plausible=HAPPENED,
    )

    class Meta:
        model = Violation
        fields = ["salesperson", "clause", "occurred_at", "description", "penalty", "penalty_amount"]
        labels = {"salesperson": _("Salesperson")}
        field_classes = {"salesperson": PersonChoiceField}

    def __init__(self, *args, salespeople=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["salesperson"].queryset = salespeople
        # Setting min_value after construction adds no validator; without one a negative amount only meets the
        # model's check constraint, reported as a form-wide error instead of at the field.
        amount = self.fields["penalty_amount"]
        amount.min_value = 0
        amount.validators.append(MinValueValidator(0))
        amount.widget.attrs["min"] = "0"


class SwapForm(forms.Form):
    first = forms.ModelChoiceField(label=_("Swap"), queryset=None)
    second = forms.ModelChoiceField(label=_("with"), queryset=None)
    reason = forms.CharField(label=_("Why (kept with the change, REC-ROT-3)"), max_length=255)

    def __init__(self, *args, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("first", "second"):
            self.fields[name].queryset = members
            self.fields[name].label_from_instance = lambda m: f"{m.position}. {display_name(m.salesperson)}"

    def clean(self):
        data = super().clean()
        if data.get("first") and data.get("first") == data.get("second"):
            self.add_error("second", _("Choose two different salespeople."))
        return data


class MoveForm(forms.Form):
    """The reason the ↑/↓ buttons of the order submit with: every change says why (REC-ROT-3)."""

    reason = forms.CharField(label=_("Why (kept with the change, REC-ROT-3)"), max_length=255)


class VoidForm(forms.Form):
    """Why a reception recorded by mistake is voided: kept in the decisions log."""

    reason = forms.CharField(label=_("Why it is voided (kept in the decisions log)"), max_length=255)


class RosterForm(forms.Form):
    day = BoundedDateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}), plausible=PERIOD)
    salespeople = PersonMultipleChoiceField(
        label=_("On duty"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, salespeople=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["salespeople"].queryset = salespeople


class ChangeRequestForm(RequestKeyMixin):
    decision = forms.ChoiceField(label=_("Decision"), choices=ChangeRequest.Decision.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("What happened"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    grant_priority = forms.BooleanField(
        label=_("Grant the original salesperson a priority slot (REC-NEW-4c)"), required=False
    )
    record_violation = forms.BooleanField(
        label=_("Record a violation against the salesperson (REC-NEW-4b)"), required=False, initial=True
    )
    requested_salesperson = PersonChoiceField(
        label=_("Salesperson the client asks for (REC-DES-2/3)"), queryset=None, required=False
    )
    instigated = forms.BooleanField(
        label=_("The named salesperson instigated the switch (REC-DES-2: all to the first receiver)"), required=False
    )

    def __init__(self, *args, salespeople=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["requested_salesperson"].queryset = salespeople

    def clean(self):
        data = super().clean()
        if data.get("decision") == "d" and not data.get("requested_salesperson"):
            self.add_error("requested_salesperson", _("Choose the salesperson the client asks for."))
        return data


class PhoneInquiryForm(forms.ModelForm):
    class Meta:
        model = PhoneInquiry
        fields = ["caller_name", "caller_phone", "new_to_project", "invited_to_visit", "notes"]
        field_classes = {"caller_phone": PhoneField}
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def clean(self):
        data = super().clean()
        if "caller_phone" in data:  # an invalid phone has its own error already
            problems = rules.phone_inquiry_problems(
                caller_name=data.get("caller_name", ""), caller_phone=data["caller_phone"]
            )
            for field, message in problems.items():
                self.add_error(field, message)
        return data


class ReportMonthForm(forms.Form):
    month = forms.RegexField(
        # Years 1900-2999 only, so the month's bounds never leave the calendar's range (year 0, year 10000).
        regex=r"^(19\d\d|2\d\d\d)-(0[1-9]|1[0-2])$",
        label=_("Month"),
        error_messages={"invalid": _("Enter a month as YYYY-MM.")},
    )

    def clean_month(self) -> str:
        month = self.cleaned_data["month"]
        problem = PERIOD.problem(dt.date.fromisoformat(f"{month}-01"), today())
        if problem:
            raise forms.ValidationError(problem)
        return month
