from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VipConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "vip"
    verbose_name = _("VIP membership")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save
        from django.utils.translation import gettext

        from salesoffice.celery import register_beat_schedule
        from salesoffice.cockpit import register_section
        from salesoffice.context_processors import register_nav_provider
        from salesoffice.demo import register_demo_seeder
        from salesoffice.models import Site
        from salesoffice.notifications import register
        from salesoffice.roles import register_role_permissions

        from . import api_auth, cockpit, demo, home, navigation, roles
        from .models import ApiToken, StoreSettings
        from .schedule import BEAT_SCHEDULE

        # Explicit imports: a missing module stops the start-up instead of leaving a role without its rights.
        register_role_permissions(self.label, roles.ROLE_PERMISSIONS)
        register_beat_schedule(BEAT_SCHEDULE)
        register_nav_provider(navigation.nav_groups)
        home.register()
        register_demo_seeder(demo.seed)
        register_section(cockpit.SECTION)

        # The till's cached token carries its store and settings (api_auth.token_for_key).
        for signal, name in ((post_save, "save"), (post_delete, "delete")):
            for sender, receiver in (
                (ApiToken, api_auth.token_changed),
                (StoreSettings, api_auth.store_changed),
                (Site, api_auth.store_changed),
            ):
                uid = f"vip-forget-tokens-{sender.__name__}-{name}"
                signal.connect(receiver, sender=sender, weak=False, dispatch_uid=uid)

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
