"""Forms of the register's pages. They check the shape of the input; the rules are the services' business, and a
service's refusal is shown next to the field it names (`add_service_errors`)."""

from collections.abc import Iterable
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesoffice.dates import HAPPENED, PERIOD, SCHEDULED, BoundedDateField, BoundedDateTimeField
from salesoffice.models import display_name
from salesoffice.phones import normalise_phone

from .models import Client, CompanyClientMark, OldClientIntroduction, VisitEntry
from .selectors import client_by_phone

PUBLIC_POOL = "pool"
DISPUTE_SHARE_ROWS = 4


class PersonField(forms.ChoiceField):
    """A person picked from a list read once per request, so several forms on one page cost one query, not one
    each (a ModelChoiceField queries again every time it renders). Cleans to the user, or to an extra choice's
    value (the public pool)."""

    def __init__(self, *args, empty_label="---------", **kwargs):
        self.empty_label = empty_label
        self.people: dict[str, object] = {}
        super().__init__(*args, **kwargs)

    def set_people(self, people: Iterable, extra: Iterable[tuple[str, str]] = ()) -> None:
        people = list(people)
        self.people = {str(p.pk): p for p in people}
        self.choices = [("", self.empty_label), *extra, *((str(p.pk), display_name(p)) for p in people)]

    def prepare_value(self, value):
        return getattr(value, "pk", value)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        return self.people.get(value, value)


class LocalDateTimeField(BoundedDateTimeField):
    """A date and time typed in the site's own zone (each site has one; "a day" is the site's day), within its
    plausible range (salesoffice.dates)."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    zone = None

    def prepare_value(self, value):
        with timezone.override(self.zone or timezone.get_current_timezone()):
            return super().prepare_value(value)

    def to_python(self, value):
        with timezone.override(self.zone or timezone.get_current_timezone()):
            return super().to_python(value)


class SiteForm(forms.Form):
    """A form of a site's page: its date-times are in the site's zone; its people come from one list."""

    def __init__(self, *args, zone=None, salespeople=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = zone
        self.salespeople = list(salespeople)
        for field in self.fields.values():
            if isinstance(field, LocalDateTimeField):
                field.zone = zone
            elif isinstance(field, PersonField):
                field.set_people(salespeople)


def _valid_phone(value: str) -> str:
    value = value.strip()
    if value:
        try:
            normalise_phone(value)
        except ValidationError as exc:
            raise ValidationError(_("%(phone)s is not a valid phone number.") % {"phone": value}) from exc
    return value


# --- registering a visit (ATT-REG-1..3) ----------------------------------------------------------------------


class VisitRegisterForm(SiteForm):
    # Service error keys -> fields of this form.
    SERVICE_FIELDS = {"phones": "phone"}

    salesperson = PersonField(label=_("Salesperson"))
    name = forms.CharField(label=_("Client's name"), max_length=120)
    phone = forms.CharField(label=_("Phone"), max_length=40)
    phone2 = forms.CharField(label=_("Second phone"), max_length=40, required=False)
    id_number = forms.CharField(label=_("ID number"), max_length=40, required=False)
    spouse_hint = forms.CharField(
        label=_("Spouse (name or phone)"),
        max_length=120,
        required=False,
        help_text=_("Kept with the entry; a manager marks a couple on the client page (ATT-SPOUSE)."),
    )
    source = forms.ChoiceField(label=_("Source"), choices=VisitEntry.Source.choices)
    needs = forms.CharField(label=_("Needs"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    budget = forms.DecimalField(
        label=_("Budget (yuan)"), max_digits=14, decimal_places=2, min_value=Decimal(0), required=False
    )
    grade = forms.ChoiceField(label=_("Grade"), choices=[("", "---------"), *Client.Grade.choices], required=False)
    visited_at = LocalDateTimeField(
        label=_("Visited at"), required=False, help_text=_("Leave empty for now."), plausible=HAPPENED
    )
    backdate_reason = forms.CharField(
        label=_("Reason for an earlier visit"),
        max_length=255,
        required=False,
        help_text=_(
            "Only for a visit before today or ahead of the clock: the site supervisor or the project manager records "
            "it, with the reason (ATT-REG-1)."
        ),
    )

    def __init__(self, *args, choose_salesperson: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not choose_salesperson:
            del self.fields["salesperson"]
        for name in ("name", "phone", "phone2", "id_number"):
            self.fields[name].widget.attrs["autocomplete"] = "off"
        self.fields["phone"].widget.attrs["inputmode"] = "tel"
        self.fields["phone2"].widget.attrs["inputmode"] = "tel"

    def clean_phone(self) -> str:
        return _valid_phone(self.cleaned_data["phone"])

    def clean_phone2(self) -> str:
        return _valid_phone(self.cleaned_data["phone2"])


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    reason = forms.CharField(label=_("Reason"), max_length=255, required=False)


class DayForm(forms.Form):
    day = BoundedDateField(plausible=PERIOD)


# --- the client list -----------------------------------------------------------------------------------------


class ClientFilterForm(SiteForm):
    STATUS_CHOICES = [
        ("", _("Any")),
        ("valid", _("Valid registration")),
        ("free", _("Free (no valid registration)")),
    ]

    search = forms.CharField(label=_("Name or phone"), max_length=120, required=False)
    owner = PersonField(label=_("Registered to"), required=False, empty_label=_("Anyone"))
    grade = forms.ChoiceField(label=_("Grade"), choices=[("", _("Any")), *Client.Grade.choices], required=False)
    status = forms.ChoiceField(label=_("Registration"), choices=STATUS_CHOICES, required=False)


# --- the managers' actions on a client page -----------------------------------------------------------------


class ClientByPhoneField(forms.CharField):
    """Another client on the register, chosen by one of their phone numbers."""

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        try:
            normalised = normalise_phone(value)
        except ValidationError as exc:
            raise ValidationError(_("%(phone)s is not a valid phone number.") % {"phone": value}) from exc
        client = client_by_phone(normalised_phone=normalised)
        if client is None:
            raise ValidationError(_("No client on the register has this phone number."))
        return client


class RecognitionForm(SiteForm):
    """REC-NEW-2: the original salesperson recognised the client (or the client them)."""

    SERVICE_FIELDS = {"original_client": "original_phone"}

    original_salesperson = PersonField(label=_("Original salesperson"))
    original_phone = ClientByPhoneField(label=_("Phone on the original salesperson's client record"), max_length=40)
    recognised_at = LocalDateTimeField(label=_("Recognised at"), plausible=HAPPENED)
    note = forms.CharField(label=_("Note"), max_length=255, required=False)


class SpouseForm(SiteForm):
    """ATT-SPOUSE: the client's spouse, registered separately."""

    SERVICE_FIELDS = {"spouse": "spouse_phone"}

    spouse_phone = ClientByPhoneField(label=_("The spouse's phone"), max_length=40)


class CompanyForm(SiteForm):
    """ATT-CO-1..5: the company or its leadership brought the client."""

    kind = forms.ChoiceField(label=_("Kind"), choices=CompanyClientMark.Kind.choices)
    contacted_at = LocalDateTimeField(label=_("The company first contacted the client at"), plausible=HAPPENED)
    designated_salesperson = PersonField(
        label=_("Salesperson designated by leadership (ATT-CO-2)"), required=False, empty_label=_("None")
    )


class IntroductionForm(SiteForm):
    """ATT-REF-OLD a/b/c: an old client of salesperson A introduced the client."""

    introducer = PersonField(label=_("The old client's salesperson (A)"))
    mode = forms.ChoiceField(label=_("How it happened"), choices=OldClientIntroduction.Mode.choices)
    declared_at = LocalDateTimeField(label=_("A declared it at (ATT-REF-OLD a)"), required=False, plausible=HAPPENED)
    appointment_at = LocalDateTimeField(label=_("Appointment"), required=False, plausible=SCHEDULED)


class CorrectionForm(SiteForm):
    """ATT-REG-1: a correction is a new entry pointing at the one it corrects."""

    entry = forms.ChoiceField(label=_("Entry to correct"))
    note = forms.CharField(label=_("What the correction fixes"), max_length=255)
    salesperson = PersonField(label=_("Salesperson"), required=False, empty_label=_("Unchanged"))
    visited_at = LocalDateTimeField(
        label=_("Visited at"), required=False, help_text=_("Empty: unchanged."), plausible=HAPPENED
    )
    needs = forms.CharField(label=_("Needs"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, entries=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.entries = {str(e.pk): e for e in entries}
        self.fields["entry"].choices = [(str(e.pk), self._entry_label(e)) for e in entries]

    def _entry_label(self, entry: VisitEntry) -> str:
        when = timezone.localtime(entry.registered_at, self.zone)
        return f"#{entry.pk} · {when:%Y-%m-%d %H:%M} · {display_name(entry.salesperson)}"

    def clean_entry(self) -> VisitEntry:
        return self.entries[self.cleaned_data["entry"]]


class InstigationForm(SiteForm):
    """REC-DES-2: the sales manager's finding, after the switch, that the named salesperson instigated it."""

    switch = forms.ChoiceField(label=_("Switch to the salesperson the client insisted on (REC-DES-2)"))
    reason = forms.CharField(
        label=_("Why the named salesperson is found to have instigated the switch"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, switches=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.switches = {str(c.pk): c for c in switches}
        self.fields["switch"].choices = [(str(c.pk), self._switch_label(c)) for c in switches]

    def _switch_label(self, change_request) -> str:
        when = timezone.localtime(change_request.decided_at, self.zone)
        first = display_name(change_request.reception.salesperson)
        return f"{when:%Y-%m-%d %H:%M} · {first} → {display_name(change_request.requested_salesperson)}"

    def clean_switch(self):
        return self.switches[self.cleaned_data["switch"]]


class DisputeForm(SiteForm):
    """ATT-DISP-1: the project manager's opinion and proposed shares (a salesperson or the public pool each)."""

    reasoning = forms.CharField(
        label=_("Each party's fault and contribution to the deal"), widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for row in range(1, DISPUTE_SHARE_ROWS + 1):
            who = PersonField(label=_("Share %(n)d: who") % {"n": row}, required=False)
            who.set_people(self.salespeople, extra=[(PUBLIC_POOL, _("The public pool"))])
            self.fields[f"share_{row}_who"] = who
            self.fields[f"share_{row}_percent"] = forms.DecimalField(
                label=_("Percent"),
                max_digits=5,
                decimal_places=2,
                min_value=Decimal("0.01"),
                max_value=Decimal(100),
                required=False,
            )

    def share_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"share_{row}_who"], self[f"share_{row}_percent"]) for row in range(1, DISPUTE_SHARE_ROWS + 1)]

    def clean(self):
        data = super().clean()
        shares = []
        for row in range(1, DISPUTE_SHARE_ROWS + 1):
            who_name, percent_name = f"share_{row}_who", f"share_{row}_percent"
            who, percent = data.get(who_name), data.get(percent_name)
            if who is None and percent is None:
                continue
            if who is None:
                self.add_error(who_name, _("Choose a salesperson or the public pool."))
            elif percent is None:
                self.add_error(percent_name, _("Enter the percent."))
            else:
                shares.append((None if who == PUBLIC_POOL else who, percent))
        data["shares"] = shares
        return data


class DecideForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    note = forms.CharField(label=_("Note"), max_length=255, required=False)
