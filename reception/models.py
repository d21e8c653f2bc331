import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from attribution.models import Client
from salesoffice.models import AppendOnlyModel, Site

User = settings.AUTH_USER_MODEL


PERMISSIONS = [
    ("view_board", _("Can see the front-desk board")),
    ("operate_desk", _("Can press the front-desk buttons")),
    ("log_phone_inquiry", _("Can log phone inquiries")),
    ("manage_rota", _("Can change the rota order (REC-ROT-3)")),
    ("manage_roster", _("Can set who is on duty")),
    ("check_readiness", _("Can record readiness checks (REC-READY-1)")),
    ("record_violation", _("Can record violations (REC-READY-2)")),
    ("approve_absence", _("Can approve excused absences (REC-ROT-5)")),
    ("decide_change_request", _("Can decide a change of salesperson (REC-NEW-4)")),
    ("view_reception_report", _("Can see the monthly reception report")),
    ("view_audit_history", _("Can read the audit history")),
    ("hold_units", _("Can release or hold units, transfer names, approve discounts (REC-AUTH-1)")),
    ("record_instigation", _("Can record that a named salesperson instigated a switch (REC-DES-2)")),
]


class DeskSettings(models.Model):
    """A sales site's rota settings (the *(setting)* decisions of RULES.md), audited."""

    site = models.OneToOneField(
        Site, on_delete=models.CASCADE, primary_key=True, related_name="desk", verbose_name=_("site")
    )
    carry_over_order = models.BooleanField(
        _("carry the order over to the next day"),
        default=True,
        help_text=_("REC-ROT-2: off restarts the rota from the top every day."),
    )
    lunch_start = models.TimeField(_("lunch starts"), default=dt.time(12, 0))
    lunch_end = models.TimeField(_("lunch ends"), default=dt.time(13, 30))
    duty_reception_grants_priority = models.BooleanField(
        _("a duty reception earns a priority slot"),
        default=True,
        help_text=_("REC-ROT-8: the duty salesperson may take the next new walk-in."),
    )
    void_window_minutes = models.PositiveSmallIntegerField(
        _("minutes in which a reception recorded by mistake can be voided"),
        default=10,
        help_text=_("The site supervisor may void a mis-tapped reception this long after the arrival."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("desk settings")
        verbose_name_plural = _("desk settings")
        permissions = PERMISSIONS

    def __str__(self) -> str:
        return str(self.site)


class RotaState(models.Model):
    """Where a site's rolling order stands. The row is also the lock that serialises every rota decision of
    the site (select_for_update), so two desk terminals can never hand out the same turn."""

    site = models.OneToOneField(
        Site, on_delete=models.CASCADE, primary_key=True, related_name="rota_state", verbose_name=_("site")
    )
    last_turn_member = models.ForeignKey(
        "RotaMember",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("last to take a normal turn"),
    )
    last_turn_at = models.DateTimeField(_("last normal turn at"), null=True, blank=True)
    # Bumped on every change of desk state, so a terminal can tell that its picture is stale.
    version = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("rota state")
        verbose_name_plural = _("rota states")

    def __str__(self) -> str:
        return str(self.site)


class RotaMember(models.Model):
    """A salesperson's place in the site's rolling order (REC-ROT-1, REC-ROT-2)."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="rota_members", verbose_name=_("site"))
    salesperson = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="rota_places", verbose_name=_("salesperson")
    )
    position = models.PositiveIntegerField(_("position"))
    active = models.BooleanField(_("in the rota"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["site", "position"]
        verbose_name = _("rota member")
        verbose_name_plural = _("rota members")
        constraints = [
            models.UniqueConstraint(fields=["site", "salesperson"], name="rota_member_once_per_site"),
            models.UniqueConstraint(
                fields=["site", "position"],
                name="rota_position_unique",
                deferrable=models.Deferrable.DEFERRED,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.salesperson}"


class DutyAssignment(models.Model):
    """The daily duty roster: who is on the floor that day."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="duty_assignments", verbose_name=_("site"))
    salesperson = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="duty_assignments", verbose_name=_("salesperson")
    )
    day = models.DateField(_("day"))
    assigned_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("assigned by"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("duty assignment")
        verbose_name_plural = _("duty assignments")
        constraints = [
            models.UniqueConstraint(fields=["site", "day", "salesperson"], name="duty_once_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.salesperson}"


class ReadinessCheck(AppendOnlyModel):
    """The supervisor's check before taking clients (REC-READY-1); the day's latest check decides."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="readiness_checks", verbose_name=_("site"))
    salesperson = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="readiness_checks", verbose_name=_("salesperson")
    )
    day = models.DateField(_("day"))
    checked_at = models.DateTimeField(_("checked at"))
    checked_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("checked by"))
    uniform_ok = models.BooleanField(_("uniform and grooming"))
    materials_ok = models.BooleanField(_("sales materials at hand"))
    sales_info_ok = models.BooleanField(_("today's sales information reviewed"))
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("readiness check")
        verbose_name_plural = _("readiness checks")
        indexes = [models.Index(fields=["site", "day", "checked_at"])]

    @property
    def passed(self) -> bool:
        return self.uniform_ok and self.materials_ok and self.sales_info_ok


class Violation(AppendOnlyModel):
    """A recorded breach with its clause, the recording manager and any penalty (REC-READY-2, REC-NEW-5)."""

    class Clause(models.TextChoices):
        LEFT_MID_RECEPTION = "REC-READY-2/materials", _("Left a reception to fetch materials (REC-READY-2)")
        UNINFORMED = "REC-READY-2/info", _("Error from not knowing updated sales information (REC-READY-2)")
        CHOSE_CLIENT = "REC-NEW-5/choosing", _("Chose clients by appearance (REC-NEW-5)")
        INTERRUPTED = "REC-NEW-5/interrupting", _("Interrupted a colleague's reception (REC-NEW-5)")
        NO_SEE_OUT = "REC-NEW-5/see-out", _("Did not see the client out (REC-NEW-5)")
        MOCKING = "REC-NEW-5/mocking", _("Talked about or mocked a client (REC-NEW-5)")
        GRABBING = "REC-ROT-1/grabbing", _("Took a client outside the rota (REC-ROT-1)")
        GENERAL_FAULT = "REC-NEW-4/b", _("General fault found on a change request (REC-NEW-4b)")

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="violations", verbose_name=_("site"))
    salesperson = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="violations", verbose_name=_("salesperson")
    )
    occurred_at = models.DateTimeField(_("occurred at"))
    clause = models.CharField(_("clause"), max_length=40, choices=Clause.choices)
    description = models.TextField(_("what happened"))
    penalty = models.CharField(_("penalty"), max_length=255, blank=True)
    penalty_amount = models.DecimalField(
        _("penalty amount (yuan)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("violation")
        verbose_name_plural = _("violations")
        indexes = [models.Index(fields=["site", "occurred_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(penalty_amount__isnull=True) | Q(penalty_amount__gte=0),
                name="violation_penalty_not_negative",
            )
        ]


class Absence(models.Model):
    """Time away from the post. Extra work assigned by a superior, once approved, keeps a priority slot."""

    class Reason(models.TextChoices):
        UNEXCUSED = "unexcused", _("Not at post (no valid reason)")
        EXTRA_WORK = "extra_work", _("Extra work assigned by a superior")

    class Approval(models.TextChoices):
        NOT_NEEDED = "not_needed", _("Not needed")
        PENDING = "pending", _("Awaiting the project manager")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="absences", verbose_name=_("site"))
    salesperson = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="absences", verbose_name=_("salesperson")
    )
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    detail = models.CharField(_("detail"), max_length=255, blank=True)
    started_at = models.DateTimeField(_("left at"))
    ended_at = models.DateTimeField(_("back at"), null=True, blank=True)
    approval = models.CharField(_("approval"), max_length=20, choices=Approval.choices)
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        constraints = [
            models.UniqueConstraint(
                fields=["site", "salesperson"],
                condition=Q(ended_at__isnull=True),
                name="one_open_absence_per_salesperson",
            )
        ]

    def __str__(self) -> str:
        return f"{self.salesperson} {self.get_reason_display()} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def excused(self) -> bool:
        return self.reason == self.Reason.EXTRA_WORK and self.approval == self.Approval.APPROVED


class Reception(models.Model):
    """One client (or party, REC-ROT-9) received at the desk, from arrival to the end of the reception."""

    class Kind(models.TextChoices):
        ROTA = "rota", _("New walk-in by the rota")
        PRIORITY = "priority", _("New walk-in on a priority slot")
        RETURNING = "returning", _("Returning client with their owner")
        DUTY = "duty", _("Duty reception of another's client")
        DESIGNATED = "designated", _("Designated by the client")
        REASSIGNED = "reassigned", _("Reassigned after a change request")
        SWITCHED = "switched", _("Switched to the salesperson the client insisted on")

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        ACTIVE = "active", _("In reception")
        ENDED = "ended", _("Ended")
        BYE = "bye", _("Bye (client reassigned)")
        VOIDED = "voided", _("Voided (recorded by mistake)")
        LEFT = "left", _("Left without being served")

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="receptions", verbose_name=_("site"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    salesperson = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="receptions", verbose_name=_("salesperson")
    )
    # Who the client is waiting for when only one person may serve them (their owner, a designated one).
    waiting_for = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("waiting for")
    )
    owner = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The registered owner a duty reception is given for (REC-RET-2)."),
        verbose_name=_("owner"),
    )
    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("client")
    )
    client_label = models.CharField(_("client"), max_length=120, blank=True)
    party_new_clients = models.PositiveSmallIntegerField(
        _("new clients accompanying"),
        default=0,
        help_text=_("REC-ROT-9: an old client arriving with new clients is one reception."),
    )
    consumed_turn = models.BooleanField(_("consumed a turn"), default=False)
    arrived_at = models.DateTimeField(_("arrived at"))
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    replaces = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaced_by", verbose_name=_("replaces")
    )
    request_key = models.CharField(_("request key"), max_length=64)
    # What the desk form asked for (salesoffice.idempotency): its key sent again with other entries is refused.
    request_fingerprint = models.CharField(_("request fingerprint"), max_length=64, blank=True, default="")
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by"))
    history = HistoricalRecords()

    # Never stored: what reception.selectors.board sets on the receptions it shows, for the board's template
    # (today's list: names, labels and the void link; the waiting clients: minutes waited and the "left" link).
    salesperson_name: str
    kind_label: str | Promise  # the choices' lazy labels
    status_label: str | Promise
    void_url: str
    waited_minutes: int
    left_url: str

    class Meta:
        verbose_name = _("reception")
        verbose_name_plural = _("receptions")
        indexes = [
            models.Index(fields=["site", "arrived_at", "id"], name="reception_site_arrived_id_idx"),
            models.Index(
                fields=["site", "status"], condition=Q(status__in=["waiting", "active"]), name="reception_open_idx"
            ),
        ]
        constraints = [
            # A double click or a retried request carries the same key: one reception, not two.
            models.UniqueConstraint(fields=["site", "request_key"], name="reception_request_once"),
            # REC-ROT-6: nobody is in two receptions at once, whatever the application does.
            models.UniqueConstraint(
                fields=["salesperson"], condition=Q(status="active"), name="one_active_reception_each"
            ),
            # A client who left while waiting, or a waiting client voided as a mis-tap, was never served.
            models.CheckConstraint(
                condition=Q(status__in=["waiting", "left", "voided"]) | Q(salesperson__isnull=False),
                name="reception_served_has_salesperson",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.client_label}".strip()


class PrioritySlot(models.Model):
    """A right to the next new walk-in ahead of the order (REC-ROT-5, REC-ROT-8, REC-NEW-4c)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting approval")
        ACTIVE = "active", _("Held")
        USED = "used", _("Used")
        CANCELLED = "cancelled", _("Cancelled")

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="priority_slots", verbose_name=_("site"))
    salesperson = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="priority_slots", verbose_name=_("salesperson")
    )
    rule_id = models.CharField(_("rule"), max_length=20)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    granted_at = models.DateTimeField(_("granted at"))
    absence = models.ForeignKey(
        Absence, on_delete=models.PROTECT, null=True, blank=True, related_name="slots", verbose_name=_("absence")
    )
    earned_by = models.ForeignKey(
        Reception,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="earned_slots",
        verbose_name=_("earned by"),
    )
    used_by = models.OneToOneField(
        Reception,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="priority_slot",
        verbose_name=_("used by"),
    )
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("priority slot")
        verbose_name_plural = _("priority slots")
        indexes = [models.Index(fields=["site", "status"])]

    def __str__(self) -> str:
        return f"{self.salesperson} {self.rule_id} {self.get_status_display()}"


class ChangeRequest(AppendOnlyModel):
    """A client's request for another salesperson during a reception and the manager's decision
    (REC-NEW-4 for a refusal of the salesperson, REC-DES-2/3 for a request for a named one)."""

    class Decision(models.TextChoices):
        NOT_AT_FAULT = "a", _("Not granted: the salesperson is not at fault (REC-NEW-4a, REC-DES-2/3)")
        GENERAL_FAULT = "b", _("General fault: violation recorded, same salesperson continues (REC-NEW-4b)")
        REASSIGN = "c", _("Serious fault or firm refusal: reassigned by the rota (REC-NEW-4c)")
        NAMED = "d", _("The client insists on a named salesperson: assign them (REC-DES-2/3)")

    reception = models.ForeignKey(
        Reception, on_delete=models.PROTECT, related_name="change_requests", verbose_name=_("reception")
    )
    decision = models.CharField(_("decision"), max_length=1, choices=Decision.choices)
    requested_salesperson = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("salesperson the client asks for"),
    )
    instigated = models.BooleanField(
        _("the named salesperson instigated the switch"),
        default=False,
        help_text=_("REC-DES-2: then the whole commission stays with the first receiver."),
    )
    note = models.TextField(_("note"), blank=True)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"))
    grant_priority = models.BooleanField(_("grant the original salesperson a priority slot"), default=False)

    class Meta:
        verbose_name = _("change-of-salesperson request")
        verbose_name_plural = _("change-of-salesperson requests")


class InstigationFinding(AppendOnlyModel):
    """REC-DES-2's Decision: the sales manager finds, after a new client's switch to the salesperson they insisted
    on, that the named salesperson instigated it; the whole commission then goes to the first receiver. Permanent,
    one per switch."""

    change_request = models.OneToOneField(
        ChangeRequest, on_delete=models.PROTECT, related_name="instigation_finding", verbose_name=_("switch")
    )
    reason = models.TextField(_("why the named salesperson is found to have instigated the switch"))
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("instigation finding")
        verbose_name_plural = _("instigation findings")
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="instigation_finding_has_reason")]


class PhoneInquiry(AppendOnlyModel):
    """A phone inquiry, kept for reference only: it never establishes ownership (REC-NEW-3)."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="phone_inquiries", verbose_name=_("site"))
    taken_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("taken by"))
    taken_at = models.DateTimeField(_("taken at"))
    caller_name = models.CharField(_("caller's name"), max_length=120, blank=True)
    caller_phone = models.CharField(_("caller's phone"), max_length=40, blank=True)
    new_to_project = models.BooleanField(_("new to the project"), default=True)
    invited_to_visit = models.BooleanField(_("encouraged to visit"), default=False)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("phone inquiry")
        verbose_name_plural = _("phone inquiries")
        indexes = [models.Index(fields=["site", "taken_at"])]


class RotaEvent(AppendOnlyModel):
    """Every rota decision, with the clause that made it; the sentence is rendered in the reader's language."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="rota_events", verbose_name=_("site"))
    at = models.DateTimeField(_("at"))
    kind = models.CharField(_("kind"), max_length=40)
    rule_id = models.CharField(_("rule"), max_length=20)
    salesperson = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("salesperson")
    )
    actor = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("done by")
    )
    reception = models.ForeignKey(
        Reception, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("reception")
    )
    params = models.JSONField(_("details"), default=dict)

    class Meta:
        verbose_name = _("rota event")
        verbose_name_plural = _("rota events")
        indexes = [
            models.Index(fields=["site", "at", "id"], name="rotaevent_site_at_id_idx"),
            models.Index(fields=["site", "kind", "at"]),
        ]
