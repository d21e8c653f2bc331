"""Which role holds which service-desk permission (ServiceDeskConfig.ready registers it into
salesoffice.roles.ROLE_PERMISSIONS)."""

from salesoffice.roles import Role

_ALL = (
    "service_desk.register_request",
    "service_desk.view_all_requests",
    "service_desk.handle_complaints",
    "service_desk.work_repairs",
    "service_desk.make_callback",
    "service_desk.manage_duty",
    "service_desk.view_service_report",
    "service_desk.change_office_settings",
)

ROLE_PERMISSIONS: dict[Role, tuple[str, ...]] = {
    Role.SERVICE_DESK_STAFF: ("service_desk.register_request", "service_desk.work_repairs"),
    Role.OFFICE_DIRECTOR: _ALL,
    Role.ADMINISTRATOR: (
        "service_desk.register_request",
        "service_desk.view_all_requests",
        "service_desk.work_repairs",
        "service_desk.make_callback",
        "service_desk.manage_duty",
    ),
    Role.REPAIR_LEAD: (
        "service_desk.register_request",
        "service_desk.view_all_requests",
        "service_desk.work_repairs",
        "service_desk.make_callback",
    ),
    Role.REPAIR_STAFF: ("service_desk.register_request", "service_desk.work_repairs"),
}
