"""The desk's forms. They check shapes (a date is a date); the rules' refusals come from the services and are shown
next to the field they name (add_service_errors)."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from salesoffice.dates import SCHEDULED, BoundedDateTimeField
from salesoffice.forms import PersonChoiceField
from salesoffice.models import Site
from salesoffice.phones import PhoneField

from .models import SETTING_FIELDS, Appointment, Complaint, DutyShift, OfficeSettings, Repair, ServiceRequest

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
YES_NO = [("", "—"), ("yes", _("Yes")), ("no", _("No"))]


def site_people(site: Site):
    return get_user_model().objects.filter(memberships__site=site, is_active=True).order_by("first_name", "username")


def yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


class RequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ServiceRequest.Kind.choices)
    channel = forms.ChoiceField(label=_("Received"), choices=ServiceRequest.Channel.choices)
    requester_name = forms.CharField(label=_("Resident's name"), max_length=120, required=False)
    phone = PhoneField(label=_("Phone"), required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    content = forms.CharField(label=_("Content"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    important = forms.BooleanField(label=_("Important: report to leadership (SVC-VIS-1)"), required=False)
    complaint_category = forms.ChoiceField(
        label=_("Complaint category"), choices=[("", "—"), *Complaint.Category.choices], required=False
    )
    severity = forms.ChoiceField(label=_("Severity"), choices=Complaint.Severity.choices, required=False)
    other_organisation = forms.CharField(label=_("Other organisation involved"), max_length=120, required=False)
    repair_category = forms.ChoiceField(
        label=_("Repair category"), choices=[("", "—"), *Repair.Category.choices], required=False
    )
    appointment = BoundedDateTimeField(label=_("Appointment"), widget=DATETIME, required=False, plausible=SCHEDULED)
    repair_staff = PersonChoiceField(label=_("Repair staff"), queryset=None, required=False)

    def __init__(self, *args, site: Site, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["repair_staff"].queryset = site_people(site)

    def category_field(self) -> str:
        return "repair_category" if self.cleaned_data.get("kind") == "repair" else "complaint_category"

    @property
    def SERVICE_FIELDS(self) -> dict[str, str]:  # noqa: N802 - the name `salesoffice.forms.submit` reads on a form
        """The service's `category` refusal belongs next to the category field of the kind chosen."""
        return {"category": self.category_field()}


class RouteForm(forms.Form):
    department = forms.CharField(label=_("Responsible department"), max_length=80, required=False)
    assignee = PersonChoiceField(label=_("Assignee"), queryset=None, required=False)

    def __init__(self, *args, site: Site, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = site_people(site)


class OwnerForm(forms.Form):
    owner = PersonChoiceField(label=_("First-contact owner"), queryset=None, required=False)

    def __init__(self, *args, site: Site, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = site_people(site)


# SVC-FIRST-1: "not our department" is offered so that it can be answered with the way to route it, never a close.
CLOSE_OUTCOMES = [
    ("", "—"),
    ("yes", _("Yes: answered or solved")),
    ("no", _("No: cannot be solved, the reason explained to the resident")),
    ("not_ours", _("Not our department")),
]


class CloseForm(forms.Form):
    reply = forms.CharField(label=_("Reply to the resident"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    solved = forms.ChoiceField(label=_("Solved?"), choices=CLOSE_OUTCOMES, required=False)


class ActionForm(forms.Form):
    corrective_action = forms.CharField(
        label=_("Corrective action"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    responsible = PersonChoiceField(label=_("Responsible person"), queryset=None, required=False)
    due_at = BoundedDateTimeField(label=_("Deadline"), widget=DATETIME, required=False, plausible=SCHEDULED)

    def __init__(self, *args, site: Site, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible"].queryset = site_people(site)


class InspectionForm(forms.Form):
    findings = forms.CharField(
        label=_("What was found on site"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    corrective_report = forms.CharField(
        label=_("Corrective-action report"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class LiaisonForm(forms.Form):
    liaison = forms.CharField(
        label=_("Explanation, apology and liaison"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class SignOffForm(forms.Form):
    resolution = forms.CharField(label=_("Result"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    resolved = forms.ChoiceField(label=_("Complaint resolved?"), choices=YES_NO, required=False)


class ComplaintCallbackForm(forms.Form):
    suggestions = forms.CharField(label=_("Suggestions"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    satisfied = forms.ChoiceField(label=_("Resident satisfied?"), choices=YES_NO)
    reopen = forms.BooleanField(label=_("Not satisfied: reopen the work"), required=False)
    explanation = forms.CharField(
        label=_("Explanation when it cannot be fixed at once"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class RescheduleForm(forms.Form):
    reason = forms.CharField(label=_("Why the appointment was missed"), max_length=500, required=False)
    notice_method = forms.ChoiceField(
        label=_("Resident told"), choices=[("", "—"), *Appointment.Notice.choices], required=False
    )
    notice_text = forms.CharField(label=_("What the resident was told"), max_length=1000, required=False)
    new_appointment = BoundedDateTimeField(
        label=_("New appointment"), widget=DATETIME, required=False, plausible=SCHEDULED
    )


class CompleteForm(forms.Form):
    work_done = forms.CharField(label=_("Work done"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    charges = forms.DecimalField(label=_("Charges (yuan)"), max_digits=10, decimal_places=2, min_value=0, initial=0)
    # Not `reason`: the reschedule form on the same page has one (no two fields share an id).
    confirm_reason = forms.CharField(
        label=_("Reason, when completed before the appointment or by someone who does not repair"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )


class CallbackForm(forms.Form):
    inspected_on_site = forms.BooleanField(label=_("Repair inspected on site"), required=False)
    service_opinion = forms.CharField(
        label=_("Resident's opinion of the repair staff's service"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    suggestions = forms.CharField(label=_("Suggestions"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    # SVC-CB-4: checked and correct, checked and wrong, or not checked (refused) — never a box left empty read as
    # "wrong".
    charges = forms.ChoiceField(
        label=_("Charges checked with the resident"),
        choices=[
            ("", _("— not checked")),
            ("correct", _("Checked: correct")),
            ("wrong", _("Checked: wrong")),
        ],
        required=False,
    )

    def charges_check(self) -> tuple[bool, bool | None]:
        """(checked, correct): correct is None when not checked."""
        value = self.cleaned_data.get("charges", "")
        return value in ("correct", "wrong"), {"correct": True, "wrong": False}.get(value)

    satisfied = forms.ChoiceField(label=_("Resident satisfied?"), choices=YES_NO)
    problem = forms.CharField(label=_("Problem found"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    signature = forms.CharField(widget=forms.HiddenInput, required=False, label=_("Resident's signature"))


class RectifyForm(forms.Form):
    note = forms.CharField(label=_("What was done"), max_length=1000, required=False)


class ShiftForm(forms.Form):
    person = PersonChoiceField(label=_("On duty"), queryset=None)
    kind = forms.ChoiceField(label=_("Duty"), choices=DutyShift.Kind.choices)
    starts_at = BoundedDateTimeField(label=_("Starts"), widget=DATETIME, plausible=SCHEDULED)
    ends_at = BoundedDateTimeField(label=_("Ends"), widget=DATETIME, plausible=SCHEDULED)
    duty_phone = PhoneField(label=_("Duty phone"), required=False)

    def __init__(self, *args, site: Site, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = site_people(site)


class OutingForm(forms.Form):
    reason = forms.CharField(label=_("Why you go out"), max_length=200, required=False)
    forwarded_to = PhoneField(label=_("Duty phone forwarded to"), required=False)
    radio = forms.BooleanField(label=_("I carry a radio"), required=False)


class SettingsForm(forms.ModelForm):
    class Meta:
        model = OfficeSettings
        fields = SETTING_FIELDS
