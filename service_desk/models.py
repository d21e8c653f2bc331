"""The property office's service desk (SVC-*): requests with their first-contact owner, complaints, repairs with
their appointments, completions and callbacks, rectification notices, and the duty roster.

Every deadline is computed by `service_desk.rules` when the event happens, from the setting then in force, and
stored with the item: changing a setting later never rewrites a past deadline (the settings keep their history)."""

from collections.abc import Sequence

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from salesoffice.models import AppendOnlyModel, Site

User = settings.AUTH_USER_MODEL

PERMISSIONS = [
    ("register_request", _("Can register service requests (SVC-FIRST-1)")),
    ("view_all_requests", _("Can see every request of the office, not only one's own")),
    ("handle_complaints", _("Can record a major complaint's corrective action as office head (SVC-COMP-1)")),
    ("work_repairs", _("Can record missed appointments and completed repairs (SVC-REP-1/2)")),
    ("make_callback", _("Can record repair callbacks (SVC-CB-2)")),
    ("manage_duty", _("Can schedule the duty roster (SVC-DUTY-1)")),
    ("view_service_report", _("Can read the service desk's monthly report (SVC-CB-1)")),
    ("change_office_settings", _("Can change the office's deadline settings")),
]


def _hours(default: int, label):
    return models.PositiveIntegerField(
        label, default=default, validators=[MinValueValidator(1), MaxValueValidator(720)]
    )


def _days(default: int, label):
    return models.PositiveIntegerField(label, default=default, validators=[MinValueValidator(1), MaxValueValidator(60)])


def _percent(default: int, label):
    return models.PositiveIntegerField(label, default=default, validators=[MaxValueValidator(100)])


class OfficeSettings(models.Model):
    """Per-office deadline settings; each item stores the deadline computed from the settings in force."""

    site = models.OneToOneField(
        Site, on_delete=models.CASCADE, related_name="service_settings", verbose_name=_("office")
    )
    reply_hours = _hours(24, _("reply limit in hours (SVC-FIRST-1)"))
    complaint_hours = _hours(72, _("complaint deadline in hours (SVC-COMP-1)"))
    major_complaint_hours = _hours(24, _("major complaint deadline in hours (SVC-COMP-1)"))
    callback_days_safety = _days(2, _("callback days, safety facilities (SVC-CB-3)"))
    callback_days_water = _days(3, _("callback days, water leaks (SVC-CB-3)"))
    callback_days_other = _days(7, _("callback days, other repairs (SVC-CB-3)"))
    rectification_hours = _hours(24, _("rectification notice hours (SVC-CB-5)"))
    reminder_hours = _hours(2, _("remind this many hours before a deadline"))
    rate_director = _percent(10, _("office director's minimum callback rate % (SVC-CB-2)"))
    rate_administrator = _percent(30, _("administrators' minimum callback rate % (SVC-CB-2)"))
    rate_repair_lead = _percent(60, _("repair lead's minimum callback rate % (SVC-CB-2)"))
    complaint_callback_days_major = _days(1, _("complaint callback days, major complaints (SVC-CB-1)"))
    complaint_callback_days_minor = _days(3, _("complaint callback days, ordinary complaints (SVC-CB-1)"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("office settings")
        verbose_name_plural = _("office settings")

    def __str__(self) -> str:
        return str(self.site)


# What the settings page edits (everything but the office).
SETTING_FIELDS = (
    "reply_hours",
    "complaint_hours",
    "major_complaint_hours",
    "callback_days_safety",
    "callback_days_water",
    "callback_days_other",
    "rectification_hours",
    "reminder_hours",
    "rate_director",
    "rate_administrator",
    "rate_repair_lead",
    "complaint_callback_days_major",
    "complaint_callback_days_minor",
)


class ServiceRequest(models.Model):
    """Anything a resident brings to the desk. `owner` is whoever registered it: its first-contact owner until it
    is closed (SVC-FIRST-1); routing adds an assignee and never changes the owner (a trigger refuses it too)."""

    class Kind(models.TextChoices):
        QUESTION = "question", _("Question")
        VISIT = "visit", _("Visit")
        LETTER = "letter", _("Letter")
        COMPLAINT = "complaint", _("Complaint")
        REPAIR = "repair", _("Repair")

    class Channel(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        PHONE = "phone", _("By phone")
        LETTER = "letter", _("By letter")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="service_requests", verbose_name=_("office"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, default=Channel.IN_PERSON)
    owner = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="owned_service_requests", verbose_name=_("first-contact owner")
    )
    registered_at = models.DateTimeField(_("registered at"))
    requester_name = models.CharField(_("resident's name"), max_length=120)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    content = models.TextField(_("content"))
    important = models.BooleanField(_("important: reported to leadership"), default=False)
    reply_due_at = models.DateTimeField(_("reply due"))
    department = models.CharField(_("responsible department"), max_length=80, blank=True)
    assignee = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_service_requests",
        verbose_name=_("assignee"),
    )
    routed_at = models.DateTimeField(_("routed at"), null=True, blank=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    reply = models.TextField(_("reply to the resident"), blank=True)
    solved = models.BooleanField(_("solved"), null=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answer or result signed by"),
    )
    history = HistoricalRecords()

    # Not columns: what selectors.item_detail attaches for the item's page (the permanent records already loaded,
    # the deadlines' explanations and the timeline, a list of selectors.TimelineEntry).
    inspections: list["ComplaintInspection"]
    complaint_callbacks: list["ComplaintCallback"]
    complaint_callback_pending: bool
    appointments: list["Appointment"]
    completions: list["Completion"]
    timeline: Sequence[object]
    reply_explanation: str
    complaint_explanation: str
    complaint_callback_explanation: str

    class Meta:
        verbose_name = _("service request")
        verbose_name_plural = _("service requests")
        permissions = PERMISSIONS
        ordering = ["-registered_at"]
        indexes = [
            # "My open items": an owner's open requests by deadline.
            models.Index(
                fields=["owner", "reply_due_at"], condition=Q(closed_at__isnull=True), name="svc_owner_open_idx"
            ),
            models.Index(fields=["site", "registered_at"], name="svc_site_registered_idx"),
            models.Index(fields=["site", "reply_due_at"], condition=Q(replied_at__isnull=True), name="svc_unreplied"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()} · {self.requester_name}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class Complaint(models.Model):
    """SVC-COMP-1: classification, the responsible department's deadline, the office head's corrective action for a
    major complaint, other organisations involved, and the resolver's sign-off."""

    class Severity(models.TextChoices):
        MINOR = "minor", _("Ordinary")
        MAJOR = "major", _("Major")

    class Category(models.TextChoices):
        SERVICE = "service", _("Staff service")
        CLEANING = "cleaning", _("Cleaning and environment")
        SECURITY = "security", _("Security")
        FACILITIES = "facilities", _("Facilities and repairs")
        CHARGES = "charges", _("Charges")
        NEIGHBOURS = "neighbours", _("Neighbours and noise")
        OTHER = "other", _("Other")

    request = models.OneToOneField(
        ServiceRequest, on_delete=models.CASCADE, related_name="complaint", verbose_name=_("request")
    )
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    due_at = models.DateTimeField(_("deadline"))
    other_organisation = models.CharField(_("other organisation involved"), max_length=120, blank=True)
    liaison = models.TextField(_("explanation, apology and liaison"), blank=True)
    escalated_at = models.DateTimeField(_("reported to the office head"), null=True, blank=True)
    corrective_action = models.TextField(_("corrective action"), blank=True)
    action_responsible = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("responsible person")
    )
    action_due_at = models.DateTimeField(_("corrective action deadline"), null=True, blank=True)
    action_set_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("set by")
    )
    resolution = models.TextField(_("result"), blank=True)
    resolved_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("resolved by")
    )
    signed_off_at = models.DateTimeField(_("signed off at"), null=True, blank=True)
    callback_due_at = models.DateTimeField(_("callback due"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")

    def __str__(self) -> str:
        return str(self.request)


class ComplaintInspection(AppendOnlyModel):
    """An on-site inspection of a complaint, with its corrective-action report (SVC-COMP-1). Permanent."""

    complaint = models.ForeignKey(
        Complaint, on_delete=models.PROTECT, related_name="inspections", verbose_name=_("complaint")
    )
    inspected_at = models.DateTimeField(_("inspected at"))
    inspected_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("inspected by"))
    findings = models.TextField(_("what was found"))
    corrective_report = models.TextField(_("corrective-action report"))

    class Meta:
        verbose_name = _("complaint inspection")
        verbose_name_plural = _("complaint inspections")
        ordering = ["inspected_at", "pk"]

    def __str__(self) -> str:
        return f"{self.complaint} @ {self.inspected_at:%Y-%m-%d}"


class ComplaintCallback(AppendOnlyModel):
    """The resident called back after a complaint was resolved, as soon as its severity asks (SVC-CB-1): their
    suggestions, whether they are satisfied, and when not, the work reopened or the reason explained. Permanent."""

    complaint = models.ForeignKey(
        Complaint, on_delete=models.PROTECT, related_name="callbacks", verbose_name=_("complaint")
    )
    made_at = models.DateTimeField(_("made at"))
    made_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("made by"))
    suggestions = models.TextField(_("suggestions"), blank=True)
    satisfied = models.BooleanField(_("resident satisfied"))
    reopened = models.BooleanField(_("work reopened"), default=False)
    explanation = models.TextField(_("explanation to the resident"), blank=True)

    class Meta:
        verbose_name = _("complaint callback")
        verbose_name_plural = _("complaint callbacks")
        ordering = ["made_at", "pk"]

    def __str__(self) -> str:
        return f"{self.complaint} callback"


class Repair(models.Model):
    """SVC-REP-1: a repair request's work. `status` is open until completed; a dissatisfied callback reopens it
    (SVC-CB-1) and the next completion is the next round."""

    class Category(models.TextChoices):
        SAFETY = "safety", _("Safety facility")
        WATER = "water", _("Water leak")
        OTHER = "other", _("Other repair")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        COMPLETED = "completed", _("Completed")

    request = models.OneToOneField(
        ServiceRequest, on_delete=models.CASCADE, related_name="repair", verbose_name=_("request")
    )
    category = models.CharField(_("category"), max_length=10, choices=Category.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    round = models.PositiveIntegerField(_("round"), default=1)
    repair_staff = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("repair staff")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("repair")
        verbose_name_plural = _("repairs")

    def __str__(self) -> str:
        return str(self.request)


class Appointment(AppendOnlyModel):
    """An appointment to repair. A missed one is never changed: its replacement names it, with the reason and the
    notice given to the resident (SVC-REP-2), so every reschedule is kept."""

    class Notice(models.TextChoices):
        PHONE = "phone", _("By phone")
        WRITTEN = "written", _("In writing")

    repair = models.ForeignKey(Repair, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("repair"))
    scheduled_for = models.DateTimeField(_("appointment"))
    made_at = models.DateTimeField(_("made at"))
    made_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("made by"))
    replaces = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaced_by", verbose_name=_("replaces")
    )
    missed_reason = models.TextField(_("why the previous appointment was missed"), blank=True)
    notice_method = models.CharField(_("resident told"), max_length=10, choices=Notice.choices, blank=True)
    notice_text = models.TextField(_("what the resident was told"), blank=True)

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        ordering = ["made_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(replaces__isnull=True) | (~Q(missed_reason="") & ~Q(notice_method="")),
                name="svc_reschedule_has_reason_and_notice",
            )
        ]

    def __str__(self) -> str:
        return f"{self.repair} @ {self.scheduled_for:%Y-%m-%d %H:%M}"


class Completion(AppendOnlyModel):
    """A repair completed (one per round: two staff completing at once make one completion), with its callback
    deadline computed from the category and the settings then in force (SVC-CB-3)."""

    repair = models.ForeignKey(Repair, on_delete=models.PROTECT, related_name="completions", verbose_name=_("repair"))
    round = models.PositiveIntegerField(_("round"))
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+", verbose_name=_("office"))
    completed_at = models.DateTimeField(_("completed at"))
    completed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("completed by"))
    work_done = models.TextField(_("work done"), blank=True)
    charges = models.DecimalField(_("charges (yuan)"), max_digits=10, decimal_places=2, default=0)
    callback_due_at = models.DateTimeField(_("callback due"))
    confirmed_reason = models.TextField(
        _("reason given to confirm an unusual completion (before the appointment, or not by repair staff)"), blank=True
    )

    # Not columns: what selectors.item_detail attaches for the item's page.
    cbs: list["Callback"]
    roles_called: set[str]
    explanation: str

    class Meta:
        verbose_name = _("completion")
        verbose_name_plural = _("completions")
        ordering = ["completed_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["repair", "round"], name="svc_one_completion_per_round")]
        indexes = [
            models.Index(fields=["site", "completed_at"], name="svc_completion_month_idx"),
            # Issue 17: the callbacks page walks an office's completions soonest due first (SVC-CB-3).
            models.Index(fields=["site", "callback_due_at", "id"], name="svc_completion_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.repair} ({self.round})"


class Callback(AppendOnlyModel):
    """The callback evaluation form of one completion (SVC-CB-4), by a callback role (SVC-CB-2). The office director,
    an administrator and the repair lead may each call the same completion back, each counting for their role: at
    most one callback per role per completion (the constraint is the last guard). Permanent."""

    completion = models.ForeignKey(
        Completion, on_delete=models.PROTECT, related_name="callbacks", verbose_name=_("completion")
    )
    made_at = models.DateTimeField(_("made at"))
    made_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("made by"))
    role = models.CharField(_("counted for the role"), max_length=40)
    inspected_on_site = models.BooleanField(_("repair inspected on site"))
    service_opinion = models.TextField(_("resident's opinion of the repair staff's service"))
    suggestions = models.TextField(_("suggestions"), blank=True)
    charges_correct = models.BooleanField(_("charges checked and correct"))
    satisfied = models.BooleanField(_("resident satisfied"))
    problem = models.TextField(_("problem found"), blank=True)
    signature = models.TextField(_("resident's signature (PNG)"))

    # Not columns: what selectors.item_detail attaches for the item's page (SVC-CB-3's on time or late).
    notice: "RectificationNotice | None"
    state: str
    role_label: "Promise | str"

    class Meta:
        verbose_name = _("callback")
        verbose_name_plural = _("callbacks")
        ordering = ["made_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["completion", "role"], name="svc_one_callback_per_role")]

    def __str__(self) -> str:
        return f"{self.completion} callback"


class RectificationNotice(models.Model):
    """The written notice to the repair staff after a failed callback, due within 24 hours of the callback
    (SVC-CB-5). Its text and deadline never change; the staff record when it was rectified."""

    callback = models.OneToOneField(
        Callback, on_delete=models.PROTECT, related_name="rectification", verbose_name=_("callback")
    )
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+", verbose_name=_("office"))
    addressed_to = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("to"))
    issued_at = models.DateTimeField(_("issued at"))
    due_at = models.DateTimeField(_("due"))
    text = models.TextField(_("notice"))
    # The notice in every UI language, written when it was issued (salesoffice.languages.in_each_language): each
    # reader reads it in their own language. `text` is the issuer's, kept for notices written before.
    texts = models.JSONField(_("notice in each language"), default=dict, blank=True)
    rectified_at = models.DateTimeField(_("rectified at"), null=True, blank=True)
    rectified_note = models.TextField(_("what was done"), blank=True)
    history = HistoricalRecords()

    # Not a column: the notice in the reader's language, attached by selectors.item_detail.
    shown_text: str

    class Meta:
        verbose_name = _("rectification notice")
        verbose_name_plural = _("rectification notices")
        ordering = ["due_at", "pk"]

    def __str__(self) -> str:
        return f"{self.callback} rectification"

    def text_in(self, language: str | None) -> str:
        """The notice in the reader's language (its base language, e.g. zh-hans for zh-Hans), else as issued."""
        code = (language or "").lower()
        return self.texts.get(code) or self.texts.get(code.split("-")[0]) or self.text


class DutyShift(models.Model):
    """SVC-DUTY-1: a person on duty for a holiday, noon or night, with the duty phone."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Public holiday")
        NOON = "noon", _("Noon")
        NIGHT = "night", _("Night")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="duty_shifts", verbose_name=_("office"))
    person = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("on duty"))
    kind = models.CharField(_("duty"), max_length=10, choices=Kind.choices)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    duty_phone = models.CharField(_("duty phone"), max_length=40)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("duty shift")
        verbose_name_plural = _("duty shifts")
        ordering = ["starts_at", "pk"]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="svc_shift_order")]
        indexes = [models.Index(fields=["site", "ends_at"], name="svc_shift_ends_idx")]

    def __str__(self) -> str:
        return f"{self.person} {self.get_kind_display()} {self.starts_at:%Y-%m-%d %H:%M}"


class DutyOuting(models.Model):
    """Duty staff who must go out forward the duty phone and carry a radio (SVC-DUTY-1); logged, so a loss caused
    by leaving the post is traced to the person on duty."""

    shift = models.ForeignKey(DutyShift, on_delete=models.PROTECT, related_name="outings", verbose_name=_("shift"))
    left_at = models.DateTimeField(_("left at"))
    reason = models.CharField(_("reason"), max_length=200)
    forwarded_to = models.CharField(_("duty phone forwarded to"), max_length=40)
    radio = models.BooleanField(_("carries a radio"))
    returned_at = models.DateTimeField(_("back at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("duty outing")
        verbose_name_plural = _("duty outings")
        ordering = ["left_at", "pk"]

    def __str__(self) -> str:
        return f"{self.shift} out {self.left_at:%H:%M}"
