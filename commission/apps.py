from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommissionConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "commission"
    verbose_name = _("Commission")

    def ready(self) -> None:
        from attribution.signals import client_facts_changed

        client_facts_changed.connect(_resplit_client_deals, dispatch_uid="commission-resplit-client-deals")


def _resplit_client_deals(sender, *, site, client_ids, now, reason, actor, **kwargs) -> None:
    from .models import Split
    from .services import client_deals_resplit

    reason = reason if reason in Split.Reason.values else Split.Reason.FACTS_CHANGED
    client_deals_resplit(site=site, client_ids=client_ids, now=now, reason=reason, actor=actor)
