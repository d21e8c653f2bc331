import importlib
import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salesoffice.settings")

app = Celery("salesoffice")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Celery's own beat schedule (django-celery-beat does not support Django 6.1). Jobs only notify;
# every expiry and deadline is computed from timestamps, so a stopped beat never makes the app wrong.
app.conf.beat_schedule = {
    # The transactional outbox (salesoffice/outbox.py): work queued while the broker was down goes out once it is back.
    "publish-queued-tasks": {"task": "salesoffice.tasks.publish_queued_tasks", "schedule": 60.0},
    "clear-expired-sessions": {
        "task": "salesoffice.tasks.clear_expired_sessions",
        "schedule": crontab(minute=17, hour=3),
    },
    "remind-pending-absence-approvals": {
        "task": "reception.tasks.remind_pending_absence_approvals",
        "schedule": 300.0,
    },
    "notify-lapsed-referrals": {  # ATT-EMP-2
        "task": "attribution.tasks.notify_lapsed_referrals",
        "schedule": 900.0,
    },
    # ATT-FU-3: hourly, so each project's Monday morning comes in its own zone; a report is made once per week.
    "generate-weekly-client-report": {
        "task": "attribution.tasks.generate_weekly_client_report",
        "schedule": crontab(minute=7),
    },
}

# The other apps keep their jobs in `<app>/schedule.py` (BEAT_SCHEDULE, same shape; plain data, no models).
for _module_name in ("commission.schedule", "vip.schedule", "service_desk.schedule"):
    try:
        app.conf.beat_schedule.update(importlib.import_module(_module_name).BEAT_SCHEDULE)
    except ModuleNotFoundError as _missing:
        if _missing.name != _module_name:
            raise
