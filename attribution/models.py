"""The client register and the facts that decide who a client belongs to (ATT-*, REC-NEW-2, REC-DES-2..4).

Only facts are stored here; who owns a client, and what share of a commission each party would get, is
computed from them by `attribution.rules` at an instant, so the answer is right at any moment without a
scheduler."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from salesoffice.models import AppendOnlyModel, Site

User = settings.AUTH_USER_MODEL

PERMISSIONS = [
    ("register_visit", _("Can register visits on the visit register (ATT-REG-1)")),
    ("register_for_others", _("Can register a visit for another salesperson (duty receptions)")),
    ("approve_register", _("Can approve the day's register entries (ATT-REG-1)")),
    ("record_client_facts", _("Can record recognitions, spouses, company clients, introductions and referrals")),
    ("register_referral", _("Can register an employee referral (ATT-EMP-1)")),
    ("write_dispute_opinion", _("Can write a dispute opinion (ATT-DISP-1)")),
    ("rule_dispute", _("Can approve or reject a dispute opinion (ATT-DISP-1)")),
    ("view_all_clients", _("Can see every client of the site, not only one's own")),
    ("review_follow_ups", _("Can review everyone's follow-ups (ATT-FU-2)")),
    ("view_weekly_report", _("Can read the weekly client report and the register archive (ATT-FU-3)")),
]


class Client(models.Model):
    """A person who may buy. One record per person across every project (ATT-FU-3: one client database)."""

    class Grade(models.TextChoices):
        A = "A", _("A: likely to buy soon")
        B = "B", _("B: interested")
        C = "C", _("C: undecided")
        D = "D", _("D: unlikely")

    name = models.CharField(_("name"), max_length=120)
    phone = models.CharField(_("phone"), max_length=40)
    phone_normalised = models.CharField(_("normalised phone"), max_length=20, db_index=True)
    id_number = models.CharField(_("ID number"), max_length=40, blank=True, db_index=True)
    grade = models.CharField(_("grade"), max_length=1, choices=Grade.choices, blank=True)
    needs = models.TextField(_("needs"), blank=True)
    budget = models.DecimalField(_("budget (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        permissions = PERMISSIONS
        indexes = [
            models.Index(fields=["name"], name="client_name_idx"),
            models.Index(fields=["grade", "id"], name="client_grade_idx"),  # the client list's count by grade
        ]

    def __str__(self) -> str:
        return self.name


class ClientPhone(models.Model):
    """Every phone a client gave. A phone number belongs to one client only: it is how the register matches
    people (ATT-REG-3), and the unique index is what makes two simultaneous registrations of one phone meet."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="phones", verbose_name=_("client"))
    phone = models.CharField(_("phone"), max_length=40)
    phone_normalised = models.CharField(_("normalised phone"), max_length=20, unique=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("client phone")
        verbose_name_plural = _("client phones")

    def __str__(self) -> str:
        return self.phone


class VisitEntry(AppendOnlyModel):
    """A line of the visit register (《客戶來訪登記表》, ATT-REG-1): permanent; a correction is a new line."""

    class Source(models.TextChoices):
        WALK_IN = "walk_in", _("Walk-in")
        RETURNING = "returning", _("Returning client")
        OLD_CLIENT_INTRO = "old_client_intro", _("Introduced by an old client")
        COMPANY = "company", _("Company client")
        EMPLOYEE_REFERRAL = "employee_referral", _("Employee referral")

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="visit_entries", verbose_name=_("client"))
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="visit_entries", verbose_name=_("site"))
    # The salesperson the visit is registered for; on a duty reception that is the owner, not the receiver.
    # Indexed by visitentry_salesperson_idx, which leads with it.
    salesperson = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="registered_visits", db_index=False, verbose_name=_("salesperson")
    )
    received_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("received by"),
        help_text=_("Who actually served the client, when not the salesperson (duty reception, REC-RET-2)."),
    )
    reception = models.ForeignKey(
        "reception.Reception",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visit_entries",
        verbose_name=_("reception"),
    )
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, default=Source.WALK_IN)
    visited_at = models.DateTimeField(_("visited at"))
    registered_at = models.DateTimeField(_("registered at"), db_index=True)
    registered_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("registered by"))
    corrects = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections", verbose_name=_("corrects")
    )
    needs = models.TextField(_("needs"), blank=True)
    budget = models.DecimalField(_("budget (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)
    # ATT-REG-1 Decision: why a visit was recorded out of its time (before the day it is registered on, or ahead of
    # the clock), as the site supervisor or project manager who recorded it said; empty for a visit of the day.
    backdate_reason = models.CharField(_("reason for recording it out of its time"), max_length=255, blank=True)
    # Clients that looked like the same person when this entry was made (same name and a similar phone, or the
    # same ID number): kept with the entry so the approver sees what the desk saw (ATT-REG-3).
    possible_duplicates = models.JSONField(_("possible duplicates"), default=list, blank=True)

    class Meta:
        verbose_name = _("visit register entry")
        verbose_name_plural = _("visit register entries")
        indexes = [
            models.Index(fields=["client", "site", "registered_at"], name="visitentry_client_site_idx"),
            # The site's register in order, to the entry: the approvals queue and the archive read it with a LIMIT
            # (issue 17); without the id a tie on the instant made the planner sort, or take another index.
            models.Index(fields=["site", "registered_at", "id"], name="visitentry_site_order_idx"),
            # The archive's salesperson list (whether each user is on the site's register: one probe each) and one
            # salesperson's entries in the archive's order (issue 17).
            models.Index(fields=["salesperson", "site", "registered_at"], name="visitentry_salesperson_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.client} / {self.salesperson} @ {self.registered_at:%Y-%m-%d}"


class VisitApproval(AppendOnlyModel):
    """The project manager's review of a register entry: only an approved entry counts (ATT-REG-1)."""

    entry = models.OneToOneField(
        VisitEntry, on_delete=models.PROTECT, related_name="approval", verbose_name=_("register entry")
    )
    approved = models.BooleanField(_("approved"), default=True)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    approved_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("reviewed by"))
    approved_at = models.DateTimeField(_("reviewed at"))

    class Meta:
        verbose_name = _("visit approval")
        verbose_name_plural = _("visit approvals")


class PendingReview(models.Model):
    """A register entry awaiting the project manager's review (ATT-REG-1): derived, like the client's summary. Written
    with the entry and removed by its review, in the same transaction (services.visit_register, visit_correct,
    visit_review), so the approvals queue and its overdue count read what awaits review from this table's index
    rather than walking the site's reviewed history for the entries without a review (issue 17: a register reviewed
    every evening made that walk 200,000 entries long)."""

    entry = models.OneToOneField(
        VisitEntry, on_delete=models.CASCADE, primary_key=True, related_name="pending_review", verbose_name=_("entry")
    )
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+", db_index=False, verbose_name=_("site"))
    registered_at = models.DateTimeField(_("registered at"))  # the entry's, for the queue's order

    class Meta:
        verbose_name = _("entry awaiting review")
        verbose_name_plural = _("entries awaiting review")
        indexes = [models.Index(fields=["site", "registered_at", "entry"], name="pending_review_queue_idx")]

    def __str__(self) -> str:
        return f"{self.entry_id} @ {self.site_id}"


class ClientSiteSummary(models.Model):
    """What the client list shows and filters by, for one client on one site: derived from the register (and the
    site's referrals), never a record of its own. Every write that changes a client's register on a site rebuilds
    the client's row in the same transaction (`services.client_summaries_refresh`), so the list is an index read
    whatever the history. The owner and the instant the registration runs out are the rules' reading of the register
    as written (ATT-REG-2/3); whether it still holds is decided at read time: now <= valid_until."""

    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="site_summaries", db_index=False, verbose_name=_("client")
    )
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+", db_index=False, verbose_name=_("site"))
    entries = models.PositiveIntegerField(_("register entries"), default=0)
    registered = models.BooleanField(_("registered"), default=False)  # False: a referral only, listed last
    first_registered_at = models.DateTimeField(_("first registered at"), null=True, blank=True)
    last_registered_at = models.DateTimeField(_("last registered at"), null=True, blank=True)
    # The latest registration period's salesperson and end (ATT-REG-2/3), lapsed or not.
    owner = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("registered to")
    )
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)

    class Meta:
        verbose_name = _("client summary of a site")
        verbose_name_plural = _("client summaries of a site")
        constraints = [models.UniqueConstraint(fields=["client", "site"], name="one_summary_per_client_and_site")]
        indexes = [
            # The list's order: most recently registered first, a client with a referral only last, newest client
            # first. (`registered` puts the rows without a registration last, which NULLS LAST would do, but
            # SQLite cannot say that in an index.)
            models.Index(fields=["site", "-registered", "-last_registered_at", "-client"], name="summary_latest_idx"),
            models.Index(fields=["site", "valid_until"], name="summary_valid_idx"),
            models.Index(fields=["site", "owner", "valid_until"], name="summary_owner_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.client_id} @ {self.site_id}"


class ClientSiteViewer(models.Model):
    """Someone named on one of the client's register entries on the site (the salesperson, the receiver or the one
    who wrote it): a salesperson without `view_all_clients` sees exactly these clients. Derived like the summary,
    whose `last_registered_at` it copies so that a salesperson's list is read in order from this table's index."""

    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="viewers", db_index=False, verbose_name=_("client")
    )
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+", db_index=False, verbose_name=_("site"))
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+", db_index=False, verbose_name=_("user"))
    last_registered_at = models.DateTimeField(_("last registered at"))

    class Meta:
        verbose_name = _("client viewer")
        verbose_name_plural = _("client viewers")
        constraints = [models.UniqueConstraint(fields=["site", "user", "client"], name="one_viewer_row_per_client")]
        indexes = [models.Index(fields=["site", "user", "-last_registered_at", "-client"], name="viewer_latest_idx")]

    def __str__(self) -> str:
        return f"{self.client_id} @ {self.site_id}: {self.user_id}"


class Recognition(AppendOnlyModel):
    """REC-NEW-2: a client served as new turns out to be someone another salesperson registered earlier."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+", verbose_name=_("site"))
    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="recognitions", verbose_name=_("client served as new")
    )
    original_client = models.ForeignKey(
        Client,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("the original salesperson's client record"),
    )
    original_salesperson = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("original salesperson")
    )
    recognised_at = models.DateTimeField(_("recognised at"))
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"))
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("recognition")
        verbose_name_plural = _("recognitions")


class SpouseLink(AppendOnlyModel):
    """ATT-SPOUSE: two clients registered separately are found to be a couple."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+", verbose_name=_("site"))
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+", verbose_name=_("client"))
    spouse = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+", verbose_name=_("spouse"))
    marked_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("marked by"))
    marked_at = models.DateTimeField(_("marked at"))

    class Meta:
        verbose_name = _("spouse link")
        verbose_name_plural = _("spouse links")
        constraints = [
            models.CheckConstraint(condition=~Q(client=models.F("spouse")), name="spouse_is_another_client"),
        ]


class CompanyClientMark(AppendOnlyModel):
    """ATT-CO-1..5: the company or its leadership brought the client."""

    class Kind(models.TextChoices):
        FOLLOWED_UP = "followed_up", _("Introduced by the company, followed up by the salesperson (ATT-CO-3)")
        DIRECT_SALES_AFTERCARE = (
            "direct_sales",
            _("Deal arranged by the company, after-sales by the salesperson (ATT-CO-4)"),
        )
        DIRECT_OTHER_AFTERCARE = (
            "direct_other",
            _("Deal arranged by the company, after-sales by other staff (ATT-CO-5)"),
        )

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+", verbose_name=_("site"))
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="company_marks", verbose_name=_("client"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    contacted_at = models.DateTimeField(_("the company first contacted the client at"))
    designated_salesperson = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("salesperson designated by leadership"),
        help_text=_("ATT-CO-2: a designation makes it a duty reception and sends the whole commission to the pool."),
    )
    marked_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("marked by"))
    marked_at = models.DateTimeField(_("marked at"))

    class Meta:
        verbose_name = _("company client mark")
        verbose_name_plural = _("company client marks")


class OldClientIntroduction(AppendOnlyModel):
    """ATT-REF-OLD: a new client introduced by an old client of salesperson A."""

    class Mode(models.TextChoices):
        DECLARED = "a", _("The old client phoned A, who declared it in advance with an appointment (ATT-REF-OLD a)")
        BROUGHT = "b", _("The old client brought the new client and asked for A (ATT-REF-OLD b)")
        ALONE = "c", _("The new client came alone; the old client neither came nor phoned A (ATT-REF-OLD c)")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+", verbose_name=_("site"))
    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="introductions", verbose_name=_("new client")
    )
    introducer_salesperson = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("the old client's salesperson (A)")
    )
    mode = models.CharField(_("how it happened"), max_length=1, choices=Mode.choices)
    declared_at = models.DateTimeField(
        _("A declared it at"), null=True, blank=True, help_text=_("ATT-REF-OLD a: before the visit.")
    )
    appointment_at = models.DateTimeField(_("appointment"), null=True, blank=True)
    marked_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("marked by"))
    marked_at = models.DateTimeField(_("marked at"))

    class Meta:
        verbose_name = _("old-client introduction")
        verbose_name_plural = _("old-client introductions")


class Referral(models.Model):
    """ATT-EMP-1..5: an employee refers a client before the client's first visit. Its state (lapsed, valid,
    void, rejected) is computed by `attribution.rules`; only the confirmation is recorded here."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("site"))
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("client"))
    referrer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("referrer"))
    appointment_date = models.DateField(_("appointment date"))
    registered_at = models.DateTimeField(_("registered at"))
    registered_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("registered by"))
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("confirmed by")
    )
    note = models.CharField(_("note"), max_length=255, blank=True)
    lapse_notified = models.BooleanField(default=False, editable=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("employee referral")
        verbose_name_plural = _("employee referrals")
        indexes = [models.Index(fields=["appointment_date"], name="referral_appointment_idx")]

    def __str__(self) -> str:
        return f"{self.client} ← {self.referrer}"


class DisputeOpinion(models.Model):
    """ATT-DISP-1: the project manager's written opinion on a case the rules cannot settle, and the sales
    director's decision on it. Until a decision, the client's commission is on hold."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="disputes", verbose_name=_("site"))
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="disputes", verbose_name=_("client"))
    reasoning = models.TextField(_("each party's fault and contribution"))
    written_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("written by"))
    written_at = models.DateTimeField(_("written at"))
    approved = models.BooleanField(_("approved"), null=True)
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=255, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("dispute opinion")
        verbose_name_plural = _("dispute opinions")
        constraints = [
            # A client has one open opinion at a time; a rejected one may be followed by a new opinion.
            models.UniqueConstraint(
                fields=["site", "client"], condition=Q(decided_at__isnull=True), name="one_open_dispute_per_client"
            )
        ]

    def __str__(self) -> str:
        return f"{self.client} ({self.written_at:%Y-%m-%d})"


class DisputeShare(models.Model):
    """One party's proposed share in a dispute opinion; no salesperson means the public pool (公傭)."""

    opinion = models.ForeignKey(DisputeOpinion, on_delete=models.CASCADE, related_name="shares")
    salesperson = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("salesperson")
    )
    percent = models.DecimalField(_("percent"), max_digits=5, decimal_places=2)

    class Meta:
        verbose_name = _("proposed share")
        verbose_name_plural = _("proposed shares")

    def __str__(self) -> str:
        return f"{self.salesperson or '-'} {self.percent}%"


class FollowUp(models.Model):
    """ATT-FU-1: a planned contact with a client and, once done, what came of it."""

    class Kind(models.TextChoices):
        CALL = "call", _("Call")
        VISIT = "visit", _("Visit")
        AFTER_SALES = "after_sales", _("After-sales contact")
        OTHER = "other", _("Other")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="follow_ups", verbose_name=_("site"))
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="follow_ups", verbose_name=_("client"))
    salesperson = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="follow_ups", verbose_name=_("salesperson")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.CALL)
    planned_for = models.DateTimeField(_("planned for"))
    plan = models.CharField(_("plan"), max_length=255, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    created_at = models.DateTimeField(_("created at"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        indexes = [
            models.Index(fields=["site", "planned_for"], condition=Q(done_at__isnull=True), name="followup_open_idx")
        ]

    def __str__(self) -> str:
        return f"{self.client} {self.planned_for:%Y-%m-%d}"


class WeeklyClientReport(models.Model):
    """ATT-FU-3: last week's call, visit and deal clients of every project, made on Monday."""

    week_start = models.DateField(_("week starting"), unique=True)
    generated_at = models.DateTimeField(_("generated at"))
    data = models.JSONField(_("figures"))

    class Meta:
        verbose_name = _("weekly client report")
        verbose_name_plural = _("weekly client reports")
        ordering = ["-week_start"]

    def __str__(self) -> str:
        return f"{self.week_start:%Y-%m-%d}"


class WeeklyReportPart(models.Model):
    """A part of a stored weekly report (ATT-FU-3) as the readers of one set of sites see it, kept once built: the
    report never changes, and building the reader's view on each request decoded the whole week (3 MB of JSON at
    the bench's ten sites, 180 ms) and wrote the xlsx (2 s). Derived, like a cache that survives Redis: deleting
    parts only makes the next reader build them again (reports.weekly_report_parts)."""

    report = models.ForeignKey(
        WeeklyClientReport,
        on_delete=models.CASCADE,
        related_name="parts",
        db_index=False,  # the unique constraint's index leads with the report
        verbose_name=_("weekly client report"),
    )
    sites = models.CharField(_("readers' sites"), max_length=64)  # a digest of the reader's site ids
    name = models.CharField(_("part"), max_length=80)  # "<layout>:summary", "<layout>:project:<site code>", ...
    data = models.JSONField(_("figures"), null=True)
    content = models.BinaryField(_("file"), null=True)

    class Meta:
        verbose_name = _("weekly report part")
        verbose_name_plural = _("weekly report parts")
        constraints = [
            models.UniqueConstraint(fields=["report", "sites", "name"], name="weekly_report_part_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.report_id} {self.sites[:8]} {self.name}"
