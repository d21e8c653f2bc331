"""A real Celery worker is killed (SIGKILL) in the middle of sending a reminder: every reminder ends up recorded sent
exactly once and the provider received every key (VIP-SVC-1; docs/operations.md, "When a worker dies").

The worker runs as its own processes (`celery -A salesoffice worker`, prefork pool with one child, as in production)
on a redis-server of this test's own and on the test database; nothing is mocked. The killed task is never sent
again by the test: late acknowledgement makes the broker (or the surviving parent process) hand it out again.

Prefork matters: with the solo pool the event loop is blocked by the task, so even an early acknowledgement would
only reach Redis after the task, and the test could not tell late from early acknowledgement.
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from celery import Celery
from django.conf import settings
from django.db import connection

from vip import services
from vip.models import SmsDelivery

from ..conftest import at
from ..own_redis import redis_server, spare_port
from .conftest import member

VISIBILITY_TIMEOUT = 2


def database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def start_worker(*, broker: str, provider_file: Path, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DATABASE_CONN_MAX_AGE": "0",
        "REDIS_URL": broker,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CELERY_BROKER_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
        "VIP_SMS_BACKEND": "tests.vip.sms_provider.SlowProvider",
        "VIP_SMS_FILE": str(provider_file),
        "TEST_SMS_FIRST_ANSWER_SECONDS": "120",
    }
    command = [sys.executable, "-m", "celery", "-A", "salesoffice", "worker", "--pool=prefork", "--concurrency=1"]
    command += ["--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"]
    command += ["--hostname", f"kill-test-{time.monotonic_ns()}@%h"]
    # Its own process group, so the whole worker (parent and child) can be killed at once.
    return subprocess.Popen(
        command, cwd=settings.BASE_DIR, env=env, stdout=log.open("a"), stderr=subprocess.STDOUT, start_new_session=True
    )


def provider_log(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def wait_for(condition, *, seconds: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}; worker log:\n{log.read_text()[-4000:]}")
        time.sleep(0.2)


def stop(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()


@pytest.fixture
def three_pending_reminders(store, clerk) -> list[str]:
    customers = [member(store, clerk, phone=f"1380013800{n}", now=at(1, 10)).membership.customer for n in range(3)]
    keys = [f"promotion:{customer.pk}" for customer in customers]
    for customer, key in zip(customers, keys, strict=True):
        services.sms_enqueue(customer=customer, key=key, occasion="promotion", text="Sale", now=at(15, 9))
    return keys


def drain_and_wait_for_the_first_send(broker: str, provider_file: Path, log: Path) -> None:
    with Celery(broker=broker, set_as_current=False) as client:
        client.send_task("vip.tasks.send_sms_outbox")
    # The provider accepted the first message; the worker waits for its answer, the row still locked.
    wait_for(lambda: len(provider_log(provider_file)) == 1, seconds=60, what="the first send", log=log)


def assert_each_sent_once(keys: list[str], provider_file: Path, log: Path) -> None:
    wait_for(lambda: SmsDelivery.objects.filter(status="sent").count() == 3, seconds=90, what="the rest", log=log)
    time.sleep(1)  # anything sent twice would show up now
    received = [request["key"] for request in provider_log(provider_file)]
    killed_key = received[0]
    # The provider saw every key; the killed one twice (the repeat it drops by key), every other exactly once.
    assert sorted(set(received)) == sorted(keys)
    assert received.count(killed_key) == 2
    assert all(received.count(key) == 1 for key in keys if key != killed_key)
    rows = SmsDelivery.objects.select_related("message")
    assert sorted((row.message.key, row.status, row.attempts) for row in rows) == sorted(
        (key, "sent", 1) for key in keys
    )


# serialized_rollback restores the role groups of the data migration that the flush after this test removes.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_killed_worker_s_task_is_redelivered_to_a_new_worker_and_sends_each_once_VIP_SVC_1(
    three_pending_reminders, tmp_path
):
    provider_file, log = tmp_path / "provider.jsonl", tmp_path / "worker.log"
    with redis_server(spare_port()) as broker:
        first = start_worker(broker=broker, provider_file=provider_file, log=log)
        try:
            drain_and_wait_for_the_first_send(broker, provider_file, log)
            os.killpg(first.pid, signal.SIGKILL)  # the whole worker, parent and child: a crash, an OOM kill
            first.wait(timeout=10)
        finally:
            stop(first)
        # The kill rolled the worker's transaction back: nothing is recorded sent that the worker did not finish.
        assert list(SmsDelivery.objects.values_list("status", "attempts").distinct()) == [("pending", 0)]

        time.sleep(VISIBILITY_TIMEOUT + 1)  # Redis hands an unacknowledged message out again after this
        second = start_worker(broker=broker, provider_file=provider_file, log=log)
        try:
            assert_each_sent_once(three_pending_reminders, provider_file, log)
        finally:
            stop(second)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_killed_pool_child_s_task_is_requeued_by_its_parent_and_sends_each_once_VIP_SVC_1(
    three_pending_reminders, tmp_path
):
    provider_file, log = tmp_path / "provider.jsonl", tmp_path / "worker.log"
    with redis_server(spare_port()) as broker:
        worker = start_worker(broker=broker, provider_file=provider_file, log=log)
        try:
            drain_and_wait_for_the_first_send(broker, provider_file, log)
            # Only the child that runs the task (as the OOM killer picks it): the parent sees it lost and, with
            # task_reject_on_worker_lost, puts the message back at once; a new child runs it.
            os.kill(provider_log(provider_file)[0]["pid"], signal.SIGKILL)
            assert_each_sent_once(three_pending_reminders, provider_file, log)
        finally:
            stop(worker)
