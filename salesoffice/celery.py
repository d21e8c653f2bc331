import os

from celery import Celery
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

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
}


def register_beat_schedule(schedule: dict[str, dict]) -> None:
    """Add an app's jobs (`<app>/schedule.py`'s BEAT_SCHEDULE, plain data, no models) to the beat schedule.

    Each app calls this from its AppConfig.ready(); `celery beat` runs django.setup() (Celery's Django fixup) before
    it reads the schedule, so every app's jobs are in it. A job name taken by another job is an error, not a silent
    replacement."""
    beat_schedule = app.conf.beat_schedule
    for name, entry in schedule.items():
        if name in beat_schedule and beat_schedule[name] != entry:
            raise ImproperlyConfigured(f"beat job {name!r} is scheduled twice")
        beat_schedule[name] = entry
