"""The commission's beat jobs (registered in salesoffice.celery by CommissionConfig.ready). They only notify."""

BEAT_SCHEDULE = {
    # Issue 19: a deal still unconfirmed NOTIFY_REMINDER_AFTER after it was recorded reminds the project managers.
    "remind-unconfirmed-deals": {
        "task": "commission.tasks.remind_unconfirmed_deals",
        "schedule": 300.0,
    },
}
