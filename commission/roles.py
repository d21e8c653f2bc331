"""Who may do what with deals and commission (CommissionConfig.ready registers it into
salesoffice.roles.ROLE_PERMISSIONS)."""

from salesoffice.roles import Role

RECORD = ("commission.record_deal", "commission.view_own_commission")
MANAGE = (
    *RECORD,
    "commission.record_deal_for_others",
    "commission.change_deal_buyer_or_unit",
    "commission.view_site_deals",
    "commission.cancel_or_correct_deal",
)
STATEMENTS = ("commission.view_site_deals", "commission.view_statements")
# Any employee may refer a client (ATT-EMP-1) and so be owed a referrer's share: everyone sees their own.
OWN = ("commission.view_own_commission",)

ROLE_PERMISSIONS: dict[Role, tuple[str, ...]] = {
    Role.SALESPERSON: RECORD,
    Role.SITE_SUPERVISOR: OWN,
    Role.PROJECT_MANAGER: (*MANAGE, "commission.confirm_deal"),
    Role.SALES_MANAGER: MANAGE,
    Role.SALES_DIRECTOR: (*OWN, *STATEMENTS, "commission.close_month"),
    Role.SALES_ASSISTANT: (*OWN, *STATEMENTS),
    Role.STORE_CLERK: OWN,
    Role.STORE_MANAGER: OWN,
    Role.OPERATIONS: OWN,
    Role.SERVICE_DESK_STAFF: OWN,
    Role.OFFICE_DIRECTOR: OWN,
    Role.ADMINISTRATOR: OWN,
    Role.REPAIR_LEAD: OWN,
    Role.REPAIR_STAFF: OWN,
}
