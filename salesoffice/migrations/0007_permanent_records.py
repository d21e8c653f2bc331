from django.db import migrations

from salesoffice.permanent import AppendOnly, Follows, Guarded, GuardedUpdates

# Issue 16, permanent means permanent: every permanent table now also refuses TRUNCATE (salesoffice.permanent, the
# one place for these triggers; later migrations use its operations). The append-only tables had their UPDATE/DELETE
# trigger from earlier migrations, made again here from the one place. Deals, statement months and the audit
# history gain theirs: DELETE and TRUNCATE refused, UPDATE only of what their declaration lets change.
APPEND_ONLY_TABLES = [
    "attribution_companyclientmark",
    "attribution_oldclientintroduction",
    "attribution_recognition",
    "attribution_spouselink",
    "attribution_visitapproval",
    "attribution_visitentry",
    "commission_dealchange",
    "commission_dealcorrection",
    "commission_ledgerentry",
    "commission_split",
    "commission_splitshare",
    "reception_changerequest",
    "reception_instigationfinding",
    "reception_phoneinquiry",
    "reception_readinesscheck",
    "reception_rotaevent",
    "reception_violation",
    "service_desk_appointment",
    "service_desk_callback",
    "service_desk_complaintcallback",
    "service_desk_complaintinspection",
    "service_desk_completion",
    "vip_formhandin",
    "vip_pointmovement",
    "vip_privacylog",
    "vip_purchase",
    "vip_purchaseline",
    "vip_redemption",
    "vip_return",
    "vip_smsmessage",
]

HISTORY_TABLES = [
    "attribution_historicalclient",
    "attribution_historicalclientphone",
    "attribution_historicaldisputeopinion",
    "attribution_historicalfollowup",
    "attribution_historicalreferral",
    "commission_historicalcommissionsettings",
    "commission_historicaldeal",
    "commission_historicalstatementmonth",
    "reception_historicalabsence",
    "reception_historicaldesksettings",
    "reception_historicaldutyassignment",
    "reception_historicalpriorityslot",
    "reception_historicalreception",
    "reception_historicalrotamember",
    "salesoffice_historicalsite",
    "salesoffice_historicalsitemembership",
    "service_desk_historicalcomplaint",
    "service_desk_historicaldutyouting",
    "service_desk_historicaldutyshift",
    "service_desk_historicalofficesettings",
    "service_desk_historicalrectificationnotice",
    "service_desk_historicalrepair",
    "service_desk_historicalservicerequest",
    "vip_historicalapitoken",
    "vip_historicalcampaign",
    "vip_historicalcard",
    "vip_historicalcustomer",
    "vip_historicalmembership",
    "vip_historicalreward",
    "vip_historicalstoresettings",
]

DEAL = Guarded(
    stamps=("confirmed_at", "confirmed_by_id", "cancelled_at"),
    follows=(
        Follows(
            table="commission_dealcorrection",
            fk="deal_id",
            columns={"price": "price_after", "commission": "commission_after"},
            before={"price": "price_before", "commission": "commission_before"},
            match={"kind": "amounts"},
        ),
        Follows(
            table="commission_dealchange",
            fk="deal_id",
            columns={"unit": "unit_after", "buyer_names": "buyers_after"},
            before={"unit": "unit_before", "buyer_names": "buyers_before"},
        ),
        Follows(table="commission_split", fk="deal_id", columns={"split_status": "status"}, order="number"),
    ),
)

STATEMENT_MONTH = Guarded(stamps=("closed_at", "closed_by_id"))

HISTORY = Guarded(clears=("history_user_id",), function="salesoffice_history_guard")


class Migration(migrations.Migration):
    dependencies = [
        ("salesoffice", "0006_register_permissions_and_append_only"),
        ("attribution", "0008_visitentry_backdate_reason"),
        ("commission", "0005_company_arranged_deals"),
        ("reception", "0006_reception_void_and_left"),
        ("service_desk", "0007_rectification_notice_in_each_language"),
        ("vip", "0004_reward_names_unique_per_store"),
    ]

    operations = [
        *(AppendOnly(table, had_row_trigger=True) for table in APPEND_ONLY_TABLES),
        GuardedUpdates("commission_deal", DEAL),
        GuardedUpdates("commission_statementmonth", STATEMENT_MONTH),
        *(GuardedUpdates(table, HISTORY) for table in HISTORY_TABLES),
    ]
