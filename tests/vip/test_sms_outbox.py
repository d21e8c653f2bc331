"""The SMS outbox (VIP-SVC-1): a reminder is recorded pending with its occasion's key and sent by the drain, marked
sent only once the provider accepted it, retried with backoff while the provider is down, failed (and visible) when
it keeps failing, and sent once however many drains run at once."""

import datetime as dt
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import connection

from salesoffice.outbox import backoff_delay
from vip import services
from vip.models import Customer, SmsDelivery, SmsMessage

from ..conftest import at
from .conftest import member

T0 = at(15, 9)


@pytest.fixture
def provider(settings, monkeypatch):
    """A local HTTP SMS provider (the real HttpSmsBackend talks to it); `state["answer"]` is the status it gives,
    `requests` what it was sent."""
    state = {"answer": 202, "requests": []}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            state["requests"].append({"key": self.headers["Idempotency-Key"], "to": body["to"], "ok": state["answer"]})
            self.send_response(state["answer"])
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("VIP_SMS_HTTP_URL", f"http://127.0.0.1:{server.server_port}/send")
    monkeypatch.setenv("VIP_SMS_HTTP_KEY", "k")
    settings.VIP_SMS_BACKEND = "vip.sms.HttpSmsBackend"
    yield state
    server.shutdown()
    server.server_close()


def accepted_keys(state) -> list[str]:
    return [request["key"] for request in state["requests"] if 200 <= request["ok"] < 300]


def members(store, clerk, count: int) -> list[Customer]:
    cards = [
        member(store, clerk, phone=f"1380013800{n}", birthday=dt.date(1990, 3, 17), now=at(1, 10)) for n in range(count)
    ]
    return [card.membership.customer for card in cards]


def enqueue(customers, *, now=T0) -> list[str]:
    keys = [f"test:{customer.pk}" for customer in customers]
    for customer, key in zip(customers, keys, strict=True):
        assert services.sms_enqueue(customer=customer, key=key, occasion="promotion", text="Sale", now=now)
    return keys


def delivery(key: str) -> SmsDelivery:
    return SmsDelivery.objects.select_related("message").get(message__key=key)


def test_a_reminder_is_recorded_pending_with_its_message_and_once_per_occasion_VIP_SVC_1(store, clerk):
    members(store, clerk, 1)
    assert services.birthday_reminders_send(now=T0) == 1
    assert services.birthday_reminders_send(now=T0 + dt.timedelta(days=1)) == 0  # same birthday, same key
    message = SmsMessage.objects.get()
    assert message.delivery.status == SmsDelivery.Status.PENDING and message.delivery.attempts == 0
    assert message.key.startswith("birthday:")


def test_a_provider_outage_leaves_every_message_pending_and_they_go_out_when_it_is_back(store, clerk, provider):
    first, second = enqueue(members(store, clerk, 2))
    provider["answer"] = 503

    assert services.sms_outbox_drain(now=T0) == 0
    # The first failure stops the run (the provider is down): the second message was not even tried.
    assert (delivery(first).attempts, delivery(second).attempts) == (1, 0)
    assert delivery(first).next_attempt_at == T0 + dt.timedelta(seconds=60)
    assert "503" in delivery(first).last_error

    assert services.sms_outbox_drain(now=T0 + dt.timedelta(seconds=10)) == 0  # the first is not due yet
    assert (delivery(first).attempts, delivery(second).attempts) == (1, 1)
    assert SmsDelivery.objects.filter(status=SmsDelivery.Status.PENDING).count() == 2
    assert accepted_keys(provider) == []

    provider["answer"] = 202
    assert services.sms_outbox_drain(now=T0 + dt.timedelta(seconds=59)) == 0  # back, but the backoff holds both
    assert services.sms_outbox_drain(now=T0 + dt.timedelta(seconds=70)) == 2
    assert sorted(accepted_keys(provider)) == sorted([first, second])
    for key in (first, second):
        sent = delivery(key)
        assert (sent.status, sent.attempts, sent.sent_at) == ("sent", 2, T0 + dt.timedelta(seconds=70))
    assert services.sms_outbox_drain(now=T0 + dt.timedelta(hours=1)) == 0
    assert len(accepted_keys(provider)) == 2


def test_retries_back_off_exponentially_and_a_message_failing_n_times_is_failed(store, clerk, provider, settings):
    settings.VIP_SMS_MAX_ATTEMPTS = 4
    (key,) = enqueue(members(store, clerk, 1))
    provider["answer"] = 500
    now, gaps = T0, []
    for _attempt in range(4):
        services.sms_outbox_drain(now=now)
        row = delivery(key)
        gaps.append(row.next_attempt_at - now)
        now = row.next_attempt_at
    assert gaps[:3] == [dt.timedelta(seconds=s) for s in (60, 120, 240)]
    row = delivery(key)
    assert (row.status, row.attempts, row.sent_at) == ("failed", 4, None)
    assert "500" in row.last_error
    assert services.sms_outbox_drain(now=now + dt.timedelta(days=1)) == 0  # a failed message is not tried again
    assert len(provider["requests"]) == 4


def test_backoff_doubles_up_to_its_cap():
    cap = dt.timedelta(hours=6)
    delays = [backoff_delay(attempts=n, base_seconds=60, cap=cap) for n in range(1, 12)]
    assert delays[:4] == [dt.timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert delays[-1] == cap and all(a <= b for a, b in zip(delays, delays[1:], strict=False))


def test_a_message_the_provider_refuses_fails_at_once_and_the_others_still_go(store, clerk, provider, monkeypatch):
    refused, accepted = enqueue(members(store, clerk, 2))
    provider["answer"] = 400
    original = services.sms.HttpSmsBackend.send

    def refuse_only_the_first(self, *, phone, text, key):
        provider["answer"] = 400 if key == refused else 202
        return original(self, phone=phone, text=text, key=key)

    monkeypatch.setattr(services.sms.HttpSmsBackend, "send", refuse_only_the_first)
    assert services.sms_outbox_drain(now=T0) == 1
    assert (delivery(refused).status, delivery(refused).attempts) == ("failed", 1)
    assert "400" in delivery(refused).last_error
    assert delivery(accepted).status == "sent"


def test_a_member_who_opts_out_before_it_goes_out_gets_nothing_VIP_SVC_1(store, clerk, provider):
    (customer,) = members(store, clerk, 1)
    (key,) = enqueue([customer])
    Customer.objects.filter(pk=customer.pk).update(sms_opt_out=True)
    assert services.sms_outbox_drain(now=T0) == 0
    assert delivery(key).status == SmsDelivery.Status.WITHDRAWN and provider["requests"] == []


def test_failed_and_pending_messages_are_listed_read_only_in_the_admin(
    store, clerk, provider, admin_client, django_assert_num_queries
):
    failed, pending = enqueue(members(store, clerk, 2))
    SmsDelivery.objects.filter(message__key=failed).update(status="failed", attempts=12, last_error="boom 503")
    with django_assert_num_queries(6):
        page = admin_client.get("/admin/vip/smsdelivery/?status__exact=failed")
    assert page.status_code == 200
    assert b"boom 503" in page.content and page.content.count(b"Nanjing Road") >= 1
    row = SmsDelivery.objects.get(message__key=failed)
    with django_assert_num_queries(5):
        assert admin_client.get(f"/admin/vip/smsdelivery/{row.pk}/change/").status_code == 200
    with django_assert_num_queries(10):
        assert admin_client.post(f"/admin/vip/smsdelivery/{row.pk}/delete/", {"post": "yes"}).status_code == 403
    assert SmsDelivery.objects.filter(message__key=failed, status="failed").exists()


class SlowRecordingBackend:
    """A provider that takes a while to accept; records every key it accepted (thread-safe)."""

    accepted: list[str] = []
    lock = threading.Lock()

    def send(self, *, phone: str, text: str, key: str) -> None:
        time.sleep(0.05)
        with self.lock:
            self.accepted.append(key)


# serialized_rollback restores the role groups of the data migration that the flush after this test removes.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_drains_at_once_send_each_message_once_VIP_SVC_1(store, clerk, settings):
    settings.VIP_SMS_BACKEND = "tests.vip.test_sms_outbox.SlowRecordingBackend"
    SlowRecordingBackend.accepted = []
    keys = enqueue(members(store, clerk, 8))
    start = threading.Barrier(2)
    results = []

    def drain():
        try:
            start.wait()
            results.append(services.sms_outbox_drain(now=T0))
        finally:
            connection.close()

    threads = [threading.Thread(target=drain) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(SlowRecordingBackend.accepted) == sorted(keys)  # each key once, none twice
    assert sum(results) == 8 and min(results) > 0  # both drains sent some: they really ran at once
    assert list(SmsDelivery.objects.values_list("status", "attempts").distinct()) == [("sent", 1)]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_reminder_runs_at_once_record_one_message_per_occasion_VIP_SVC_1(store, clerk):
    members(store, clerk, 3)
    start = threading.Barrier(2)
    results = []

    def run():
        try:
            start.wait()
            results.append(services.birthday_reminders_send(now=T0))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(results) == 3
    assert SmsMessage.objects.count() == SmsDelivery.objects.count() == 3
