"""The register's beat jobs (registered in salesoffice.celery by AttributionConfig.ready)."""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    "notify-lapsed-referrals": {  # ATT-EMP-2
        "task": "attribution.tasks.notify_lapsed_referrals",
        "schedule": 900.0,
    },
    # Issue 19: a reminder once an approval has waited NOTIFY_REMINDER_AFTER (each occasion once, from timestamps).
    "remind-waiting-register-approvals": {
        "task": "attribution.tasks.remind_waiting_approvals",
        "schedule": 300.0,
    },
    # ATT-FU-3: hourly, so each project's Monday morning comes in its own zone; a report is made once per week.
    "generate-weekly-client-report": {
        "task": "attribution.tasks.generate_weekly_client_report",
        "schedule": crontab(minute=7),
    },
}
