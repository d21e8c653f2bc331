from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class SalesofficeConfig(AppConfig):
    name = "salesoffice"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        # The role table (salesoffice.roles) is the truth for the groups: re-applied after every migrate, so an
        # app that adds a permission needs no data migration of its own to hand it to a role.
        post_migrate.connect(_sync_role_groups_after_migrate, sender=self, dispatch_uid="salesoffice-sync-role-groups")


def _sync_role_groups_after_migrate(sender, apps=None, **kwargs) -> None:
    from django.apps import apps as installed_apps

    from salesoffice.roles import sync_role_groups

    # `manage.py flush` sends post_migrate without the migration state's `apps`: the installed models serve then.
    sync_role_groups(apps or installed_apps)
