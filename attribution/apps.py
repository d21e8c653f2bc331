from collections.abc import Callable

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


def _notice(template: str) -> Callable[[dict], str]:
    """A notification's sentence: `template` translated when it is read, filled with the notification's params."""
    from django.utils.translation import gettext

    def sentence(params: dict) -> str:
        values = {"site": "", "day": "", "client": "?", "author": "?", "name": "?"} | params
        return gettext(template) % values

    return sentence


# The register's notifications to approvers and parties (issue 19); the msgids are marked for makemessages here.
NOTICE_SENTENCES = {
    "att_reg_pending": _notice(gettext_noop("Visits registered at %(site)s on %(day)s await your approval")),
    "att_reg_remind": _notice(gettext_noop("Visits registered at %(site)s on %(day)s still await your approval")),
    "att_disp_ruling": _notice(gettext_noop("%(author)s's opinion on the dispute over %(client)s awaits your ruling")),
    "att_disp_remind": _notice(
        gettext_noop("%(author)s's opinion on the dispute over %(client)s still awaits your ruling")
    ),
    "att_disp_ruled": _notice(gettext_noop("The sales director ruled on the dispute over %(client)s")),
    "att_instigation_found": _notice(
        gettext_noop("The sales manager found that %(name)s instigated a switch of salesperson at %(site)s")
    ),
}


class AttributionConfig(AppConfig):
    name = "attribution"
    verbose_name = _("Client register and ownership")

    def ready(self) -> None:
        from django.db.models.signals import post_save
        from django.utils.translation import gettext

        from reception.models import ChangeRequest
        from salesoffice.celery import register_beat_schedule
        from salesoffice.demo import register_demo_seeder
        from salesoffice.notifications import register

        from . import demo, home
        from .receivers import change_request_recorded
        from .schedule import BEAT_SCHEDULE

        # Explicit imports: a missing module stops the start-up instead of leaving a job unscheduled.
        register_beat_schedule(BEAT_SCHEDULE)
        # The sales desk's demo (reception's and the register's together) runs before the other apps' seeders.
        register_demo_seeder(demo.seed)
        home.register()

        # A switch to a named salesperson (REC-DES-2/3) gives shares without a register entry of its own: list the
        # client for them (attribution reads reception's facts; reception never calls attribution's services).
        post_save.connect(change_request_recorded, sender=ChangeRequest, dispatch_uid="attribution-share-viewers")
        for kind, sentence in NOTICE_SENTENCES.items():
            register(kind, sentence)
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
