"""The beat job travels through the real Redis broker to a real worker and notifies once (idempotent)."""

import os

import pytest
from celery.contrib.testing.worker import start_worker

from reception.models import Absence
from reception.tasks import remind_pending_absence_approvals
from salesoffice.celery import app
from salesoffice.models import Notification

from .conftest import at, open_desk

pytestmark = pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (bin/test sets it)")


@pytest.fixture
def redis_worker(settings):
    redis_url = os.environ["REDIS_URL"]
    app.conf.update(task_always_eager=False, broker_url=redis_url, result_backend=redis_url)
    # The app caches its result backend per thread on first use (an earlier eager test made a disabled one).
    vars(app._local).pop("backend", None)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield
    finally:
        app.conf.update(task_always_eager=True, result_backend=None)
        vars(app._local).pop("backend", None)


# serialized_rollback restores the role groups of the data migration that the flush after this test removes.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_reminder_task_runs_on_a_redis_worker_and_notifies_once(
    redis_worker, site, salespeople, supervisor, project_manager
):
    open_desk(site, salespeople, supervisor, at(2, 9))
    # Made directly (not by absence_start, which queues a reminder of its own on commit) so the two beat runs
    # below are the only senders.
    Absence.objects.create(
        site=site,
        salesperson=salespeople[0],
        reason=Absence.Reason.EXTRA_WORK,
        detail="bank errand for the manager",
        started_at=at(2, 10),
        approval=Absence.Approval.PENDING,
        recorded_by=supervisor,
    )

    first = remind_pending_absence_approvals.delay().get(timeout=30)
    second = remind_pending_absence_approvals.delay().get(timeout=30)

    # The absence began long before the run: the first run tells the project manager and, as it has waited past
    # NOTIFY_REMINDER_AFTER, reminds them too (issue 19); the second run finds both made and makes nothing.
    assert (first, second) == (2, 0)
    assert Notification.objects.filter(recipient=project_manager, rule_id="REC-ROT-5").count() == 2
