"""Deals (成交, COM-1). Ownership at the deal's instant comes from `attribution.rules`; the split engine that
turns it into money is built on these records."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from attribution.models import Client
from salesoffice.models import Site

User = settings.AUTH_USER_MODEL


class Deal(models.Model):
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="deals", verbose_name=_("site"))
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="deals", verbose_name=_("client"))
    salesperson = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="deals", verbose_name=_("salesperson who closed it")
    )
    unit = models.CharField(_("unit"), max_length=60)
    buyer_names = models.CharField(_("buyer(s)"), max_length=255, blank=True)
    signed_at = models.DateTimeField(_("signed at"))
    price = models.DecimalField(_("price (yuan)"), max_digits=14, decimal_places=2)
    commission = models.DecimalField(_("commission (yuan)"), max_digits=12, decimal_places=2)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        indexes = [models.Index(fields=["site", "signed_at"], name="deal_site_signed_idx")]

    def __str__(self) -> str:
        return f"{self.unit} ({self.client})"
