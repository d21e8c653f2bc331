from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceDeskConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "service_desk"
    verbose_name = _("Service desk")

    def ready(self) -> None:
        from django.utils.translation import gettext

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
        register_beat_schedule(BEAT_SCHEDULE)
        register_nav_provider(navigation.nav_groups)
        home.register()
        register_demo_seeder(demo.seed)
        register_section(cockpit.SECTION)

        def about(template):
            return lambda p: gettext(template) % {"item": p.get("item", "?"), "name": p.get("name", "?")}

        register("svc_major_complaint", about("Major complaint #%(item)s from %(name)s reported to the office head"))
        register("svc_important", about("Important request #%(item)s from %(name)s reported to leadership"))
        register("svc_routed", about("Request #%(item)s from %(name)s was routed to you"))
        register("svc_reply_due", about("Reply to #%(item)s (%(name)s) is due soon"))
        register("svc_reply_overdue", about("Reply to #%(item)s (%(name)s) is overdue"))
        register("svc_complaint_due", about("Complaint #%(item)s (%(name)s) is due soon"))
        register("svc_complaint_overdue", about("Complaint #%(item)s (%(name)s) is overdue"))
        register("svc_complaint_callback_due", about("Call back %(name)s about complaint #%(item)s soon"))
        register("svc_complaint_callback_overdue", about("The callback of complaint #%(item)s (%(name)s) is overdue"))
        register("svc_callback_due", about("Callback of repair #%(item)s (%(name)s) is due soon"))
        register("svc_callback_overdue", about("Callback of repair #%(item)s (%(name)s) is overdue"))
        register("svc_rectification", about("Rectification notice for repair #%(item)s (%(name)s)"))
        register("svc_rectification_due", lambda p: gettext("A rectification notice is due soon"))
        register("svc_rectification_overdue", lambda p: gettext("A rectification notice is overdue"))
        register(
            "svc_callback_rates",
            lambda p: gettext("Callback rates for %(month)s are ready") % {"month": p.get("month", "")},
        )
