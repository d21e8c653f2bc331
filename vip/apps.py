from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VipConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "vip"
    verbose_name = _("VIP membership")

    def ready(self) -> None:
        from django.utils.translation import gettext

        from salesoffice.notifications import register

        register(
            "vip_return_shortfall",
            lambda p: (
                gettext("A return took back %(points)s point(s) of %(card_holder)s that were already redeemed")
                % {"points": p.get("points", "?"), "card_holder": p.get("card_holder", "?")}
            ),
        )
        register(
            "vip_hand_in_overdue",
            lambda p: (
                gettext("%(store)s has not handed in the VIP registration forms of %(month)s")
                % {"store": p.get("store", "?"), "month": p.get("month", "")}
            ),
        )
        register(
            "vip_cards_expiring",
            lambda p: (
                gettext("%(n)s VIP card(s) of %(store)s expire in the next 30 days")
                % {"n": p.get("n", "?"), "store": p.get("store", "")}
            ),
        )
