"""An SMS backend for tests that run a real worker process (VIP_SMS_BACKEND=tests.vip.sms_provider.SlowProvider).

It stands for a provider that dedupes by idempotency key: every request it accepted is appended to VIP_SMS_FILE
(key, phone, the sending process) and flushed to disk at once; it answers its first request ever only after
TEST_SMS_FIRST_ANSWER_SECONDS. A worker killed in that pause has had the message accepted but not yet recorded as
sent: exactly the window the key is for."""

import json
import os
import time


class SlowProvider:
    def send(self, *, phone: str, text: str, key: str) -> None:
        with open(os.environ["VIP_SMS_FILE"], "a", encoding="utf-8") as out:
            first = out.tell() == 0
            out.write(json.dumps({"key": key, "phone": phone, "pid": os.getpid()}) + "\n")
            out.flush()
            os.fsync(out.fileno())
        if first:
            time.sleep(float(os.environ.get("TEST_SMS_FIRST_ANSWER_SECONDS", "0")))
