from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReceptionConfig(AppConfig):
    name = "reception"
    verbose_name = _("Reception desk")

    def ready(self) -> None:
        from django.utils.translation import gettext

        from salesoffice.notifications import register

        register(
            "absence_pending",
            lambda p: (
                gettext("%(name)s is away on extra work (%(detail)s) at %(site)s and awaits your approval")
                % {"name": p.get("name", "?"), "detail": p.get("detail", ""), "site": p.get("site", "")}
            ),
        )
