from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _absence_pending_sentence(params: dict) -> str:
    """The project manager's note about extra work: awaiting them, or how it was decided (REC-ROT-5)."""
    from django.utils.translation import gettext

    values = {"name": params.get("name", "?"), "detail": params.get("detail", ""), "site": params.get("site", "")}
    decision = params.get("decision")
    if decision == "approved":
        return gettext("%(name)s's extra work at %(site)s was approved") % values
    if decision == "rejected":
        return gettext("%(name)s's extra work at %(site)s was rejected") % values
    if params.get("reminder"):
        return gettext("%(name)s's extra work at %(site)s still awaits your approval") % values
    if values["detail"]:
        return gettext("%(name)s is away on extra work (%(detail)s) at %(site)s and awaits your approval") % values
    return gettext("%(name)s is away on extra work at %(site)s and awaits your approval") % values


def _reassigned_sentence(params: dict) -> str:
    """The original salesperson's note about a reassignment at the desk (REC-NEW-4c)."""
    from django.utils.translation import gettext

    values = {"client": params.get("client") or "?", "site": params.get("site", "")}
    return gettext("Your client %(client)s at %(site)s was reassigned to another salesperson") % values


class ReceptionConfig(AppConfig):
    name = "reception"
    verbose_name = _("Reception desk")

    def ready(self) -> None:
        # Explicit imports: a missing module stops the start-up instead of leaving a job unscheduled.
        from salesoffice.celery import register_beat_schedule
        from salesoffice.cockpit import register_section
        from salesoffice.notifications import register

        from . import home
        from .cockpit import SECTION
        from .schedule import BEAT_SCHEDULE

        register_beat_schedule(BEAT_SCHEDULE)
        register_section(SECTION)
        home.register()
        register("absence_pending", _absence_pending_sentence)
        register("rec_reassigned", _reassigned_sentence)
