"""The roles of RULES.md are Django groups after migrating, holding exactly the permissions of ROLE_PERMISSIONS."""

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission

from commission import roles as commission_roles
from salesoffice.access import sites_for
from salesoffice.roles import ROLE_LABELS, ROLE_PERMISSIONS, Role
from service_desk import roles as service_desk_roles
from vip import roles as vip_roles

from .conftest import make_user

# RULES.md, "Roles (Django groups)": every role it names, in its order.
RULES_MD_ROLES = [
    "salesperson",
    "site supervisor",
    "project manager",
    "sales manager",
    "sales director",
    "sales assistant",
    "store clerk",
    "store manager",
    "operations",
    "service desk staff",
    "office director",
    "administrator",
    "repair lead",
    "repair staff",
    "admin",
]


def perms_of(group: Group) -> set[str]:
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


def test_every_role_of_rules_md_is_a_role():
    assert [role.value for role in Role] == [name.replace(" ", "_") for name in RULES_MD_ROLES]
    assert set(ROLE_PERMISSIONS) == set(Role)
    assert set(ROLE_LABELS) == set(Role)


@pytest.mark.parametrize("role", list(Role), ids=str)
def test_each_role_is_a_group_with_exactly_its_permissions(role, db):
    group = Group.objects.get(name=role.value)
    assert perms_of(group) == set(ROLE_PERMISSIONS[role])


def test_every_permission_named_in_the_table_exists(db):
    named = {dotted for perms in ROLE_PERMISSIONS.values() for dotted in perms}
    existing = {
        f"{app}.{codename}"
        for app, codename in Permission.objects.filter(codename__in={d.split(".")[1] for d in named}).values_list(
            "content_type__app_label", "codename"
        )
    }
    assert named <= existing


@pytest.mark.parametrize("role", list(Role), ids=str)
def test_a_member_of_the_group_has_the_roles_permissions_and_no_other_reception_rights(role, site):
    user = make_user(f"u-{role.value}"[:30], role, [site])
    reception_perms = {p for p in user.get_all_permissions() if p.startswith("reception.")}
    assert reception_perms == {p for p in ROLE_PERMISSIONS[role] if p.startswith("reception.")}


def test_the_separation_of_duties_of_the_regulations(db):
    def holders(perm: str) -> set[Role]:
        return {role for role, perms in ROLE_PERMISSIONS.items() if perm in perms}

    # REC-AUTH-1: a salesperson cannot hold or release units, transfer names or grant discounts.
    assert Role.SALESPERSON not in holders("reception.hold_units")
    # REC-ROT-3: only the site supervisor (and the admin) changes the order.
    assert holders("reception.manage_rota") == {Role.SITE_SUPERVISOR, Role.ADMIN}
    # REC-ROT-5: the project manager approves absences for extra work.
    assert holders("reception.approve_absence") == {Role.PROJECT_MANAGER, Role.ADMIN}
    # REC-READY-1: the supervisor checks readiness.
    assert holders("reception.check_readiness") == {Role.SITE_SUPERVISOR, Role.ADMIN}
    # REC-NEW-4: a manager decides a change of salesperson.
    assert Role.SALESPERSON not in holders("reception.decide_change_request")
    assert Role.SITE_SUPERVISOR not in holders("reception.decide_change_request")


@pytest.mark.parametrize("role", list(Role), ids=str)
def test_only_company_wide_roles_see_sites_they_are_not_members_of(role, site, other_site):
    user = make_user(f"u-{role.value}"[:30], role, [site])
    seen = set(sites_for(user).values_list("code", flat=True))
    if role in {Role.ADMIN, Role.SALES_DIRECTOR, Role.OPERATIONS}:
        assert seen == {"riverside", "hillside"}
    else:
        assert seen == {"riverside"}


# The five apps whose models declare the app's permissions (Meta.permissions).
FIVE_APPS = ["reception", "attribution", "commission", "vip", "service_desk"]


def test_the_admin_holds_every_custom_permission_of_the_five_apps_without_a_list(site):
    """The admin's rights are derived (salesoffice.roles.grant_the_admin_everything), not kept by hand: whatever
    permission an app's model declares reaches the admin's group. Counted from the database's own rows, whichever
    is not one of Django's four default permissions of a model."""
    defaults = {
        f"{action}_{model._meta.model_name}"
        for app in FIVE_APPS
        for model in apps.get_app_config(app).get_models()
        for action in model._meta.default_permissions
    }
    custom = {
        f"{app}.{codename}"
        for app, codename in Permission.objects.filter(content_type__app_label__in=FIVE_APPS).values_list(
            "content_type__app_label", "codename"
        )
        if codename not in defaults
    }
    assert len(custom) > 40 and {app.split(".")[0] for app in custom} == set(FIVE_APPS)
    assert custom <= perms_of(Group.objects.get(name=Role.ADMIN.value))
    admin = make_user("admin-all", Role.ADMIN, [site])
    assert all(admin.has_perm(perm) for perm in custom)
    # and the ground floor's own: the management cockpit's (salesoffice.MonthlyPack's Meta.permissions).
    cockpit = {"salesoffice.view_cockpit", "salesoffice.generate_monthly_pack"}
    assert set(ROLE_PERMISSIONS[Role.ADMIN]) == custom | cockpit


def test_no_app_lists_the_admins_rights_by_hand():
    for table in (commission_roles.ROLE_PERMISSIONS, vip_roles.ROLE_PERMISSIONS, service_desk_roles.ROLE_PERMISSIONS):
        assert Role.ADMIN not in table
