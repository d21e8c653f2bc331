from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesofficeConfig(AppConfig):
    name = "salesoffice"
    verbose_name = _("Organisation")
