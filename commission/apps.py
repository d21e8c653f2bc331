from collections.abc import Callable

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


def _notice(template: str) -> Callable[[dict], str]:
    """A notification's sentence: `template` translated when it is read, filled with the notification's params."""
    from django.utils.translation import gettext

    def sentence(params: dict) -> str:
        values = {"contract": "?", "unit": "", "name": "", "site": "", "before": "", "after": ""} | params
        return gettext(template) % values

    return sentence


# The commission's notifications (issue 19); the msgids are marked for makemessages here.
NOTICE_SENTENCES = {
    "com_confirm": _notice(gettext_noop("%(name)s's deal %(contract)s (%(unit)s) awaits your confirmation")),
    "com_confirm_remind": _notice(
        gettext_noop("%(name)s's deal %(contract)s (%(unit)s) still awaits your confirmation")
    ),
    "com_no_owner": _notice(
        gettext_noop("Deal %(contract)s (%(unit)s) has no valid owner: write an opinion on the dispute")
    ),
    "com_share_changed": _notice(
        gettext_noop("Your commission on deal %(contract)s (%(unit)s) changed: ¥%(before)s → ¥%(after)s")
    ),
}


class CommissionConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "commission"
    verbose_name = _("Commission")

    def ready(self) -> None:
        from attribution.selectors import register_signed_deals
        from attribution.signals import client_facts_changed
        from salesoffice.celery import register_beat_schedule
        from salesoffice.cockpit import register_section
        from salesoffice.context_processors import register_nav_provider
        from salesoffice.demo import register_demo_seeder
        from salesoffice.notifications import register
        from salesoffice.roles import register_role_permissions

        from . import cockpit, demo, home, navigation, roles
        from .schedule import BEAT_SCHEDULE

        # Explicit imports: a missing module stops the start-up instead of leaving a role without its rights.
        register_role_permissions(self.label, roles.ROLE_PERMISSIONS)
        register_nav_provider(navigation.nav_groups)
        home.register()
        register_demo_seeder(demo.seed)
        register_signed_deals(_all_deals)
        register_section(cockpit.SALES)
        register_section(cockpit.COMMISSION)
        register_beat_schedule(BEAT_SCHEDULE)
        for kind, sentence in NOTICE_SENTENCES.items():
            register(kind, sentence)

        client_facts_changed.connect(_resplit_client_deals, dispatch_uid="commission-resplit-client-deals")


def _all_deals():
    from .models import Deal

    return Deal.objects.all()


def _resplit_client_deals(sender, *, site, client_ids, now, reason, actor, **kwargs) -> None:
    from .models import Split
    from .services import client_deals_resplit

    reason = reason if reason in Split.Reason.values else Split.Reason.FACTS_CHANGED
    client_deals_resplit(site=site, client_ids=client_ids, now=now, reason=reason, actor=actor)
