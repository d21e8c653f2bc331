"""The service desk's beat jobs (registered in salesoffice.celery by ServiceDeskConfig.ready). They only notify;
every state is computed."""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    "service-deadline-reminders": {
        "task": "service_desk.tasks.service_deadline_reminders",
        "schedule": 600.0,
    },
    "service-callback-rates": {
        "task": "service_desk.tasks.service_callback_rates",
        # Hourly on the 1st and 2nd: every office's month ends at its own midnight; the key makes it once.
        "schedule": crontab(minute=17, day_of_month="1,2"),
    },
}
