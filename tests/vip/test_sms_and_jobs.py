"""The SMS backends (the HTTP adapter only against a stub server started here) and the beat jobs: run twice, they
send or notify once (VIP-SVC-1, VIP-CARD-3, VIP-DATA-1)."""

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core.exceptions import ImproperlyConfigured

from salesoffice.models import Notification
from vip import services, sms, tasks
from vip.models import PointMovement

from ..conftest import at
from .conftest import buy, member


@pytest.fixture
def stub_provider():
    """A local HTTP server standing in for the SMS provider; it records what it received."""
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            auth, key = self.headers["Authorization"], self.headers["Idempotency-Key"]
            received.append({"auth": auth, "key": key, "body": body})
            self.send_response(202)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/send", received
    server.shutdown()
    server.server_close()


def test_the_http_adapter_posts_to_the_provider(stub_provider):
    url, received = stub_provider
    sms.HttpSmsBackend(url=url, key="secret").send(phone="13800138001", text="生日快乐", key="birthday:1:2026")
    assert received == [
        {"auth": "Bearer secret", "key": "birthday:1:2026", "body": {"to": "13800138001", "text": "生日快乐"}}
    ]


def test_the_http_adapter_needs_its_url_and_key(monkeypatch):
    monkeypatch.delenv("VIP_SMS_HTTP_URL", raising=False)
    with pytest.raises(ImproperlyConfigured):
        sms.HttpSmsBackend()


def test_reminders_go_through_the_configured_backend_once(store, clerk, stub_provider, settings, monkeypatch):
    url, received = stub_provider
    monkeypatch.setenv("VIP_SMS_HTTP_URL", url)
    monkeypatch.setenv("VIP_SMS_HTTP_KEY", "k")
    settings.VIP_SMS_BACKEND = "vip.sms.HttpSmsBackend"
    member(store, clerk, birthday=dt.date(1990, 3, 17))
    assert services.birthday_reminders_send(now=at(15, 9)) == 1
    assert services.birthday_reminders_send(now=at(16, 9)) == 0
    assert received == []  # recorded in the outbox; the drain sends
    assert tasks.send_sms_outbox() == 1
    assert tasks.send_sms_outbox() == 0
    assert len(received) == 1 and "Ms Wang" in received[0]["body"]["text"]
    assert received[0]["key"].startswith("birthday:")


def test_the_file_backend_writes_one_line_a_message(tmp_path, settings):
    settings.VIP_SMS_FILE = str(tmp_path / "out.jsonl")
    sms.FileSmsBackend().send(phone="1", text="a", key="k1")
    sms.FileSmsBackend().send(phone="2", text="b", key="k2")
    assert len((tmp_path / "out.jsonl").read_text().splitlines()) == 2


def test_expired_points_lapse_once_in_the_ledger_VIP_CARD_3(store, clerk, time_machine):
    card = member(store, clerk)
    buy(store, clerk, ["1111.12"], card=card)
    time_machine.move_to(at(16, 1, year=2028), tick=False)
    assert tasks.lapse_expired_points() == 10
    assert tasks.lapse_expired_points() == 0
    assert PointMovement.objects.get(kind="expiry").points == -10


def test_expiring_cards_and_overdue_hand_ins_are_notified_once(store, clerk, manager, operations, time_machine):
    member(store, clerk, now=at(1, 10, month=4, year=2024))
    member(store, clerk, phone="13800138002", now=at(10, 10, month=1))  # January's form is overdue by March
    time_machine.move_to(at(15, 10), tick=False)
    assert tasks.notify_expiring_cards() == 1
    assert tasks.notify_expiring_cards() == 0
    assert Notification.objects.get(recipient=manager).rule_id == "VIP-CARD-3"
    assert tasks.notify_overdue_hand_ins() >= 1
    assert tasks.notify_overdue_hand_ins() == 0
    assert Notification.objects.filter(recipient=operations, rule_id="VIP-DATA-1").exists()
