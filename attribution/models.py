from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from salesoffice.models import AppendOnlyModel, Site


class Client(models.Model):
    name = models.CharField(_("name"), max_length=120)
    phone = models.CharField(_("phone"), max_length=40)
    phone_normalised = models.CharField(_("normalised phone"), max_length=20, db_index=True)
    id_number = models.CharField(_("ID number"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("created at"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")

    def __str__(self) -> str:
        return self.name


class VisitEntry(AppendOnlyModel):
    """A line of the visit register (《客戶來訪登記表》, ATT-REG-1)."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="visit_entries", verbose_name=_("client"))
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="visit_entries", verbose_name=_("site"))
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="registered_visits",
        verbose_name=_("salesperson"),
    )
    visited_at = models.DateTimeField(_("visited at"))
    registered_at = models.DateTimeField(_("registered at"), db_index=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("registered by")
    )
    corrects = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections", verbose_name=_("corrects")
    )
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("visit register entry")
        verbose_name_plural = _("visit register entries")
        indexes = [models.Index(fields=["client", "registered_at"])]

    def __str__(self) -> str:
        return f"{self.client} / {self.salesperson} @ {self.registered_at:%Y-%m-%d}"


class VisitApproval(AppendOnlyModel):
    """The project manager's approval that makes a register entry count (ATT-REG-1)."""

    entry = models.OneToOneField(
        VisitEntry, on_delete=models.PROTECT, related_name="approval", verbose_name=_("register entry")
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("approved by")
    )
    approved_at = models.DateTimeField(_("approved at"))

    class Meta:
        verbose_name = _("visit approval")
        verbose_name_plural = _("visit approvals")
