from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VipConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "vip"
    verbose_name = _("VIP membership")
