from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommissionConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "commission"
    verbose_name = _("Commission")
