"""The roles of RULES.md as Django groups, with the permissions each is given by the data migration."""

from collections.abc import Mapping
from enum import StrEnum

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _


class Role(StrEnum):
    SALESPERSON = "salesperson"
    SITE_SUPERVISOR = "site_supervisor"
    PROJECT_MANAGER = "project_manager"
    SALES_MANAGER = "sales_manager"
    SALES_DIRECTOR = "sales_director"
    SALES_ASSISTANT = "sales_assistant"
    STORE_CLERK = "store_clerk"
    STORE_MANAGER = "store_manager"
    OPERATIONS = "operations"
    SERVICE_DESK_STAFF = "service_desk_staff"
    OFFICE_DIRECTOR = "office_director"
    ADMINISTRATOR = "administrator"
    REPAIR_LEAD = "repair_lead"
    REPAIR_STAFF = "repair_staff"
    ADMIN = "admin"


ROLE_LABELS = {
    Role.SALESPERSON: _("Salesperson"),
    Role.SITE_SUPERVISOR: _("Site supervisor"),
    Role.PROJECT_MANAGER: _("Project manager"),
    Role.SALES_MANAGER: _("Sales manager"),
    Role.SALES_DIRECTOR: _("Sales director"),
    Role.SALES_ASSISTANT: _("Sales assistant"),
    Role.STORE_CLERK: _("Store clerk"),
    Role.STORE_MANAGER: _("Store manager"),
    Role.OPERATIONS: _("Operations"),
    Role.SERVICE_DESK_STAFF: _("Service desk staff"),
    Role.OFFICE_DIRECTOR: _("Office director"),
    Role.ADMINISTRATOR: _("Administrator"),
    Role.REPAIR_LEAD: _("Repair lead"),
    Role.REPAIR_STAFF: _("Repair staff"),
    Role.ADMIN: _("Admin"),
}

# Roles whose holders see every site of their kind, not only the sites they are members of.
ALL_SITES_ROLES = frozenset({Role.ADMIN, Role.SALES_DIRECTOR, Role.OPERATIONS})

# Permission codenames (app_label.codename) each role is given. Kept here, in one place, so the data
# migration, the tests and the navigation read the same table.
_SALES_ROLE_PERMISSIONS: dict[Role, tuple[str, ...]] = {
    Role.SALESPERSON: (
        "reception.view_board",
        "reception.operate_desk",
        "reception.log_phone_inquiry",
        "attribution.register_visit",
        "attribution.register_referral",
    ),
    Role.SITE_SUPERVISOR: (
        "reception.view_board",
        "reception.operate_desk",
        "reception.log_phone_inquiry",
        "reception.manage_rota",
        "reception.manage_roster",
        "reception.check_readiness",
        "reception.record_violation",
        "reception.view_reception_report",
        "reception.view_audit_history",
        "attribution.register_visit",
        "attribution.register_for_others",
        "attribution.register_referral",
    ),
    Role.PROJECT_MANAGER: (
        "reception.view_board",
        "reception.operate_desk",
        "reception.log_phone_inquiry",
        "reception.approve_absence",
        "reception.record_violation",
        "reception.decide_change_request",
        "reception.view_reception_report",
        "reception.view_audit_history",
        "reception.hold_units",
        "attribution.register_visit",
        "attribution.register_for_others",
        "attribution.approve_register",
        "attribution.record_client_facts",
        "attribution.register_referral",
        "attribution.write_dispute_opinion",
        "attribution.view_all_clients",
        "attribution.review_follow_ups",
        "attribution.view_weekly_report",
    ),
    Role.SALES_MANAGER: (
        "reception.view_board",
        "reception.operate_desk",
        "reception.record_violation",
        "reception.decide_change_request",
        "reception.record_instigation",
        "reception.view_reception_report",
        "reception.view_audit_history",
        "reception.hold_units",
        "attribution.register_visit",
        "attribution.register_for_others",
        "attribution.record_client_facts",
        "attribution.register_referral",
        "attribution.view_all_clients",
        "attribution.review_follow_ups",
        "attribution.view_weekly_report",
    ),
    Role.SALES_DIRECTOR: (
        "reception.view_board",
        "reception.view_reception_report",
        "reception.view_audit_history",
        "reception.hold_units",
        "attribution.rule_dispute",
        "attribution.register_referral",
        "attribution.view_all_clients",
        "attribution.review_follow_ups",
        "attribution.view_weekly_report",
    ),
    Role.SALES_ASSISTANT: (
        "reception.view_board",
        "reception.view_reception_report",
        "attribution.register_referral",
        "attribution.view_all_clients",
        "attribution.view_weekly_report",
    ),
    Role.STORE_CLERK: ("attribution.register_referral",),
    Role.STORE_MANAGER: ("attribution.register_referral",),
    Role.OPERATIONS: ("attribution.register_referral",),
    Role.SERVICE_DESK_STAFF: ("attribution.register_referral",),
    Role.OFFICE_DIRECTOR: ("attribution.register_referral",),
    Role.ADMINISTRATOR: ("attribution.register_referral",),
    Role.REPAIR_LEAD: ("attribution.register_referral",),
    Role.REPAIR_STAFF: ("attribution.register_referral",),
}


# The management cockpit (salesoffice.cockpit): each of these roles sees the sections its own rights open, over
# the sites it sees. The admin holds both cockpit rights as every declared permission; only they generate and read
# the monthly packs, which hold every site.
_COCKPIT_PERMISSIONS: dict[Role, tuple[str, ...]] = {
    Role.SALES_DIRECTOR: ("salesoffice.view_cockpit",),
    Role.OPERATIONS: ("salesoffice.view_cockpit",),
    Role.OFFICE_DIRECTOR: ("salesoffice.view_cockpit",),
}


# The admin is not in any table: they hold every permission an app declares (see grant_the_admin_everything).
#
# The other apps keep their own table in `<app>/roles.py` (ROLE_PERMISSIONS, same shape), so each app's rights are
# read beside its code; each app's AppConfig.ready() hands it to `register_role_permissions`, which merges it into
# the one table the groups are synced from. Every reader runs after the apps are ready (migrations, requests, tests).
ROLE_PERMISSIONS: dict[Role, tuple[str, ...]] = {
    role: (*perms, *_COCKPIT_PERMISSIONS.get(role, ())) for role, perms in _SALES_ROLE_PERMISSIONS.items()
}
_registered: dict[str, dict[Role, tuple[str, ...]]] = {}


def register_role_permissions(app_label: str, table: Mapping[Role, tuple[str, ...]]) -> None:
    """Add an app's role table to ROLE_PERMISSIONS (again the same table: nothing; a different one: an error)."""
    if app_label in _registered:
        if _registered[app_label] != dict(table):
            raise ImproperlyConfigured(f"{app_label} registered two different role tables")
        return
    strangers = [role for role in table if not isinstance(role, Role)]
    if strangers:
        raise ImproperlyConfigured(f"{app_label}'s role table names unknown roles: {strangers}")
    _registered[app_label] = dict(table)
    for role, perms in table.items():
        # dict.fromkeys keeps the first of each permission, in order, however many tables name it.
        ROLE_PERMISSIONS[role] = tuple(dict.fromkeys((*ROLE_PERMISSIONS.get(role, ()), *perms)))


def declared_permissions() -> tuple[str, ...]:
    """Every permission the installed models declare (Meta.permissions, as `app_label.codename`), in model order."""
    from django.apps import apps

    return tuple(
        f"{model._meta.app_label}.{codename}"
        for model in apps.get_models()
        for codename, _label in model._meta.permissions
    )


def grant_the_admin_everything() -> None:
    """The admin's row of ROLE_PERMISSIONS: every declared permission, read from the models (SalesofficeConfig.ready,
    once every model is loaded), so that a permission an app adds reaches the admin without a list to edit."""
    ROLE_PERMISSIONS[Role.ADMIN] = declared_permissions()


def sync_role_groups(apps) -> None:
    """Give every role's group exactly the permissions of ROLE_PERMISSIONS (idempotent). The one definition: the data
    migrations (salesoffice 0002, run again by later ones) and the post_migrate receiver (salesoffice.apps) call it,
    with the migration state's `apps` or the installed ones."""
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, verbosity=0, apps=apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, perms in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role.value)
        wanted = []
        for dotted in perms:
            app_label, codename = dotted.split(".")
            wanted.extend(Permission.objects.filter(content_type__app_label=app_label, codename=codename))
        group.permissions.set(wanted)
