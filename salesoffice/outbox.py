"""The transactional outbox for background work: a task is queued as a row in the caller's transaction, so it exists
exactly when the decision that needs it was committed, and it is published to the broker on commit or, if the broker
was down then, by the drain later. Publishing twice (a crash between the broker taking it and the row being marked)
is harmless because every task is idempotent."""

import datetime as dt
import logging
from functools import partial

from celery import Task
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from kombu.exceptions import OperationalError

from .models import QueuedTask

logger = logging.getLogger("salesoffice.outbox")

# A published row is kept this long (to see what went out), then removed by the drain.
KEEP_PUBLISHED = dt.timedelta(days=7)
BATCH = 100


def backoff_delay(*, attempts: int, base_seconds: int, cap: dt.timedelta) -> dt.timedelta:
    """How long to wait after the attempts-th failure: base, then doubling each time, never more than cap."""
    return min(dt.timedelta(seconds=base_seconds * 2 ** max(attempts - 1, 0)), cap)


def task_enqueue(name: str, *args, now: dt.datetime, **kwargs) -> QueuedTask:
    """Queue a Celery task with the current transaction: kept if the broker is down, dropped if the caller rolls back.

    `name` is the task's dotted path (a name, so a service need not import its own app's tasks module, which imports
    it); the arguments must be JSON (ids, not objects); the task must be idempotent.
    """
    if not isinstance(import_string(name), Task):  # a wrong name fails here, in the caller, not later in the drain
        raise TypeError(f"{name} is not a Celery task")
    queued = QueuedTask.objects.create(name=name, args=list(args), kwargs=kwargs, created_at=now)
    # robust: a failed publish never reaches the request that committed; the row waits for the drain.
    transaction.on_commit(partial(_publish_on_commit, queued.pk), robust=True)
    return queued


def _publish_on_commit(queued_id: int) -> None:
    with transaction.atomic():
        # The drain may hold this row (it publishes it then); skip it rather than publish twice or wait for it.
        queued = QueuedTask.objects.select_for_update(skip_locked=True).filter(pk=queued_id, published_at__isnull=True)
        row = queued.first()
        if row is not None:
            _publish(row, now=timezone.now())


def _publish(row: QueuedTask, *, now: dt.datetime) -> bool | None:
    """Hand one row to the broker (the caller holds its lock): True when published; otherwise record why and leave it
    for the drain, returning False when the broker could not be reached and None for any other failure."""
    try:
        task = import_string(row.name)
        # No retries here: the outbox is the retry, and a request must not wait out a broker that is down.
        with transaction.atomic():  # eager mode runs the task here: its failure must not break the caller's transaction
            task.apply_async(args=row.args, kwargs=row.kwargs, retry=False)
    except Exception as error:  # noqa: BLE001 - any failure to publish leaves the row for the drain
        logger.warning("Task %s (queued %s) not published: %s", row.name, row.pk, error)
        row.attempts += 1
        row.last_error = f"{type(error).__name__}: {error}"[:500]
        row.save(update_fields=["attempts", "last_error"])
        return False if isinstance(error, OperationalError | OSError) else None
    row.published_at = now
    row.save(update_fields=["published_at"])
    return True


def queued_tasks_publish(*, now: dt.datetime) -> int:
    """Publish every task still waiting (the broker was down when it was queued); returns how many went out.

    Stops when the broker cannot be reached: it is still down, and the rest would only fail the same way. A row that
    fails otherwise (a task renamed since it was queued) is passed over, with its error recorded, and blocks nothing.
    """
    published, after = 0, 0
    while True:
        with transaction.atomic():
            # skip_locked: a concurrent drain or an on-commit publish has those rows; each is published once.
            rows = list(
                QueuedTask.objects.select_for_update(skip_locked=True)
                .filter(published_at__isnull=True, pk__gt=after)
                .order_by("pk")[:BATCH]
            )
            for row in rows:
                after = row.pk
                outcome = _publish(row, now=now)
                if outcome is False:
                    return published
                published += bool(outcome)
        if len(rows) < BATCH:
            break
    QueuedTask.objects.filter(published_at__lt=now - KEEP_PUBLISHED).delete()
    return published
