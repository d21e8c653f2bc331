"""The front desk's beat jobs (registered in salesoffice.celery by ReceptionConfig.ready). They only notify."""

BEAT_SCHEDULE = {
    "remind-pending-absence-approvals": {
        "task": "reception.tasks.remind_pending_absence_approvals",
        "schedule": 300.0,
    },
}
