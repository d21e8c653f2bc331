"""Background work queued while the broker is down is not lost (the transactional outbox, salesoffice/outbox.py):
the request that queues it still succeeds, and the drain publishes it once Redis is back. Against a redis-server of
the test's own, stopped and started by the test; the request goes through the real view and commits for real."""

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import redis
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from kombu import pools

from reception.models import Absence
from salesoffice import outbox, tasks
from salesoffice.celery import app
from salesoffice.models import QueuedTask

from .conftest import at, open_desk
from .own_redis import redis_server, spare_port

REMINDER = "reception.tasks.remind_pending_absence_approvals"


def _drop_broker_connections() -> None:
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def broker_at(url: str) -> Iterator[None]:
    """The app publishes to `url` (not in-process) for the block, as in production."""
    previous = {"broker_url": app.conf.broker_url, "task_always_eager": app.conf.task_always_eager}
    app.conf.update(broker_url=url, task_always_eager=False)
    _drop_broker_connections()
    try:
        yield
    finally:
        app.conf.update(**previous)
        _drop_broker_connections()
        # Kombu keeps the producer and connection pools per broker URL process-wide, and the drop above closed the
        # ones of the URL the block started from: a later test publishing there (a redis worker's) met a closed pool.
        pools.reset()


def queued_task_names(url: str) -> list[str]:
    """The tasks waiting in the broker's default queue."""
    return [json.loads(raw)["headers"]["task"] for raw in redis.Redis.from_url(url).lrange("celery", 0, -1)]


def mark_extra_work_away(client, salesperson):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client.post(
        reverse("reception:away", kwargs={"site": "riverside"}),
        {"away-salesperson": salesperson.pk, "away-reason": "extra_work", "away-detail": "bank errand for the PM"},
        headers={"HX-Request": "true"},
    )


# serialized_rollback restores the role groups of the data migration that the flush after this test removes.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_with_the_broker_down_the_request_succeeds_and_the_task_is_published_later(
    client, site, salespeople, supervisor, project_manager
):
    open_desk(site, salespeople, supervisor, timezone.now())
    client.force_login(supervisor)
    port = spare_port()
    with broker_at(f"redis://127.0.0.1:{port}/0"):
        started = time.monotonic()
        response = mark_extra_work_away(client, salespeople[0])  # nothing listens on the port: Redis is down

        assert response.status_code == 200
        assert time.monotonic() - started < 5  # no retries against a broker that is down
        assert Absence.objects.filter(salesperson=salespeople[0], approval=Absence.Approval.PENDING).exists()
        queued = QueuedTask.objects.get()
        assert (queued.name, queued.published_at, queued.attempts) == (REMINDER, None, 1)
        assert "Error" in queued.last_error
        assert outbox.queued_tasks_publish(now=timezone.now()) == 0  # still down: kept, tried again later
        assert QueuedTask.objects.get().attempts == 2

        with redis_server(port) as url:  # Redis is back
            assert tasks.publish_queued_tasks() == 1
            assert queued_task_names(url) == [REMINDER]
            assert tasks.publish_queued_tasks() == 0  # published once
            assert queued_task_names(url) == [REMINDER]
    assert QueuedTask.objects.get().published_at is not None


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_with_the_broker_up_the_task_is_published_on_commit(client, site, salespeople, supervisor, project_manager):
    open_desk(site, salespeople, supervisor, timezone.now())
    client.force_login(supervisor)
    with redis_server(spare_port()) as url, broker_at(url):
        assert mark_extra_work_away(client, salespeople[0]).status_code == 200
        assert queued_task_names(url) == [REMINDER]
        assert QueuedTask.objects.get().published_at is not None
        assert outbox.queued_tasks_publish(now=timezone.now()) == 0


def test_a_task_queued_in_a_transaction_that_rolls_back_is_never_sent(db):
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox.task_enqueue(REMINDER, now=at(2, 10))
        raise RuntimeError("the decision failed")
    assert not QueuedTask.objects.exists()


def test_only_an_existing_task_can_be_queued(db):
    with pytest.raises(ImportError):
        outbox.task_enqueue("reception.tasks.no_such_task", now=at(2, 10))
    with pytest.raises(TypeError):
        outbox.task_enqueue("reception.services.absence_start", now=at(2, 10))


def test_a_row_that_cannot_be_published_blocks_none_after_it(db):
    gone = QueuedTask.objects.create(name="reception.tasks.renamed_since", created_at=at(2, 10))
    good = QueuedTask.objects.create(name=REMINDER, created_at=at(2, 10))
    assert outbox.queued_tasks_publish(now=at(2, 10, 1)) == 1  # in-process (eager) here: the broker is not in play
    gone.refresh_from_db()
    good.refresh_from_db()
    assert (gone.published_at, gone.attempts) == (None, 1) and "ImportError" in gone.last_error
    assert good.published_at == at(2, 10, 1)
