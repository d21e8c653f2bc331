from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AttributionConfig(AppConfig):
    name = "attribution"
    verbose_name = _("Client register and ownership")

    def ready(self) -> None:
        from django.utils.translation import gettext

        from salesoffice.notifications import register

        register(
            "referral_lapsed",
            lambda p: (
                gettext("Your referral of %(client)s lapsed: the client did not come on %(day)s; you may refer again")
                % {"client": p.get("client", "?"), "day": p.get("day", "")}
            ),
        )
        register(
            "weekly_report_ready",
            lambda p: (
                gettext("The weekly client report for the week of %(week)s is ready") % {"week": p.get("week", "")}
            ),
        )
