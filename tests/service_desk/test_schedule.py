"""The beat jobs are in Celery's schedule, and each names a registered task."""

from salesoffice.celery import app
from service_desk.schedule import BEAT_SCHEDULE


def test_the_service_desk_jobs_are_scheduled_and_registered():
    app.loader.import_default_modules()
    for name, entry in BEAT_SCHEDULE.items():
        assert app.conf.beat_schedule[name]["task"] == entry["task"]
        assert entry["task"] in app.tasks
