from django.apps import AppConfig
from django.core import checks
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class SalesofficeConfig(AppConfig):
    name = "salesoffice"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        # The role table (salesoffice.roles) is the truth for the groups: re-applied after every migrate, so an
        # app that adds a permission needs no data migration of its own to hand it to a role.
        from salesoffice.roles import grant_the_admin_everything

        # Every app's models are loaded before any ready() runs: the admin's rights are read from them here.
        grant_the_admin_everything()
        post_migrate.connect(_sync_role_groups_after_migrate, sender=self, dispatch_uid="salesoffice-sync-role-groups")
        checks.register(_permanent_records_protected, checks.Tags.database)


def _sync_role_groups_after_migrate(sender, apps=None, **kwargs) -> None:
    from django.apps import apps as installed_apps

    from salesoffice.roles import sync_role_groups

    # `manage.py flush` sends post_migrate without the migration state's `apps`: the installed models serve then.
    sync_role_groups(apps or installed_apps)


def _permanent_records_protected(app_configs, databases=None, **kwargs) -> list[checks.CheckMessage]:
    """`manage.py check --database default --fail-level WARNING`: every permanent table has its triggers
    (salesoffice.permanent). Silent while migrations are pending, as `migrate` runs database checks before it installs
    them; a warning, not an error, so that a broken trigger never stops the migration that mends it."""
    from django.db import connections
    from django.db.migrations.executor import MigrationExecutor

    from salesoffice.permanent import protection_problems

    warnings = []
    for alias in databases or ():
        connection = connections[alias]
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            continue
        warnings += [checks.Warning(problem, id="salesoffice.W016") for problem in protection_problems(connection)]
    return warnings
