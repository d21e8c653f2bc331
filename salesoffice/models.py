from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .permanence import Guarded


def validate_time_zone(value: str) -> None:
    if value not in available_timezones():
        raise ValidationError(_("%(zone)s is not a known time zone."), params={"zone": value})


class PermanentModel(models.Model):
    """A permanent record: never deleted. `permanence` says which columns may still change (salesoffice.permanent,
    where the database's triggers come from); None: none may, the rows are append-only."""

    permanence: Guarded | None = None

    class Meta:
        abstract = True

    def delete(self, *args, **kwargs):
        raise ValidationError(_("This record is permanent and cannot be deleted."))


class AppendOnlyModel(PermanentModel):
    """A permanent record (ATT-REG-1): rows are added, never changed or removed; a correction is a new row."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValidationError(_("This record is permanent and cannot be changed; add a correction."))
        super().save(*args, **kwargs)


class Site(models.Model):
    """A place people work at: a sales office, a store or a property-service office."""

    class Kind(models.TextChoices):
        SALES_OFFICE = "sales_office", _("Sales office")
        STORE = "store", _("Store")
        PROPERTY_OFFICE = "property_office", _("Property-service office")

    name = models.CharField(_("name"), max_length=120)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.SALES_OFFICE)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Shanghai", validators=[validate_time_zone]
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="SiteMembership", related_name="sites", blank=True
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("site")
        verbose_name_plural = _("sites")

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def settings_row(self, related_name: str) -> models.Model:
        """An app's one-to-one settings row of this site (`site.<related_name>`), made with the defaults on first use.

        Django keeps the row on this object, which lives for the request, and a row made here is kept the same way:
        nothing to forget or clear by hand. One query when the row exists, the same as get_or_create otherwise."""
        try:
            row = getattr(self, related_name)
        except ObjectDoesNotExist:
            row = None
        if row is not None and row.pk is not None:  # not an unsaved row of defaults a page showed
            return row
        relation = self._meta.get_field(related_name)
        try:
            with transaction.atomic():
                row = relation.related_model.objects.create(**{relation.field.name: self})
        except IntegrityError:  # another request made it between the read and the insert
            row = relation.related_model.objects.get(**{relation.field.name: self})
        setattr(self, related_name, row)
        return row


class SiteMembership(models.Model):
    """A person's rights hold on the sites they are a member of, and only there."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("site"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("site membership")
        verbose_name_plural = _("site memberships")
        constraints = [models.UniqueConstraint(fields=["site", "user"], name="unique_site_membership")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.site}"


class StaffProfile(models.Model):
    """Per-person preferences that follow the user across devices (the chosen UI language)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile", verbose_name=_("user")
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, blank=True)
    # Off: notifications stay in the app only (issue 19); a person without an email address gets only those anyway.
    email_notifications = models.BooleanField(_("email my notifications"), default=True)

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")

    def __str__(self) -> str:
        return str(self.user)


def display_name(user) -> str:
    """How people are named on screens and in explanations."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


# The user fields display_name_of takes, in its order: for reads that fetch them as values.
NAME_FIELDS = ("first_name", "last_name", "username")


def display_name_of(first_name: str, last_name: str, username: str) -> str:
    """display_name of a user read as plain values (what User.get_full_name joins, else the login)."""
    return f"{first_name} {last_name}".strip() or username


class Notification(models.Model):
    """A message for one person, made once per occasion: the unique key makes every notifier idempotent."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("recipient")
    )
    site = models.ForeignKey(
        Site, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("site")
    )
    key = models.CharField(_("key"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=60)
    rule_id = models.CharField(_("rule"), max_length=20, blank=True)
    params = models.JSONField(_("details"), default=dict)
    link = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    # Stamped when the email went out: a task delivered twice (outbox drain, late acknowledgement) sends once.
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["recipient", "-created_at"]),
            models.Index(
                fields=["recipient"], condition=models.Q(read_at__isnull=True), name="notification_unread_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient} {self.kind}"


class QueuedTask(models.Model):
    """A background task to publish to the broker, written in the caller's transaction (the transactional outbox).

    Published on commit when the broker answers; otherwise the drain (`salesoffice.tasks.publish_queued_tasks`, or
    `manage.py publish_queued_tasks`) publishes it later, so work queued while Redis is down is not lost.
    """

    name = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list, blank=True)
    kwargs = models.JSONField(_("keyword arguments"), default=dict, blank=True)
    created_at = models.DateTimeField(_("queued"))
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("failed attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("queued task")
        verbose_name_plural = _("queued tasks")
        indexes = [
            models.Index(
                fields=["id"], condition=models.Q(published_at__isnull=True), name="queuedtask_unpublished_idx"
            )
        ]

    def __str__(self) -> str:
        return self.name


class MonthlyPack(AppendOnlyModel):
    """A closed month's management cockpit as it was generated (salesoffice.cockpit): every section's tables in
    each language, kept so the month's pack reads the same later whatever the data becomes. One per month; who
    generated it and when is in its row and the audit history."""

    month = models.DateField(_("month"), unique=True)  # the month's first day
    figures = models.JSONField(_("figures"))  # {language code: salesoffice.cockpit.figures_to_json(...)}
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("generated by")
    )
    generated_at = models.DateTimeField(_("generated at"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("monthly pack")
        verbose_name_plural = _("monthly packs")
        permissions = [
            ("view_cockpit", "Can see the management cockpit"),
            ("generate_monthly_pack", "Can generate and read the monthly packs"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"
