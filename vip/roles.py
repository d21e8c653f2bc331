"""The store roles' rights in the VIP app, registered into salesoffice.roles.ROLE_PERMISSIONS by VipConfig.ready."""

from salesoffice.roles import Role

ROLE_PERMISSIONS: dict[Role, tuple[str, ...]] = {
    Role.STORE_CLERK: ("vip.use_till", "vip.unmask_customer"),
    Role.STORE_MANAGER: ("vip.use_till", "vip.manage_store", "vip.unmask_customer", "vip.export_members"),
    Role.OPERATIONS: ("vip.view_registration_summary",),
}
