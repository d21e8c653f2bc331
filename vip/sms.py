"""SMS backends for the reminders of VIP-SVC-1, chosen by the setting VIP_SMS_BACKEND (a dotted path).

The console/file backend is the default; `HttpSmsBackend` posts to a provider's HTTP API whose URL and key come
from the environment (VIP_SMS_HTTP_URL, VIP_SMS_HTTP_KEY).

A backend's `send(phone=, text=, key=)` returns once the provider accepted the message and raises otherwise:
`SmsRejected` when the provider refused this message for good (no retry), anything else when it may take it later.
`key` is the message's idempotency key (one per member and occasion): the outbox may send a message again after a
crash between the provider's acceptance and the database's record, and the provider drops the repeat by its key."""

import json
import logging
import os
import urllib.error
import urllib.request
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

logger = logging.getLogger("vip.sms")

# Answers that say this message is wrong (bad number, too long): sending it again cannot help.
REJECTING_STATUSES = frozenset({400, 413, 422})


class SmsRejected(Exception):
    """The provider refused this message for good; it is marked failed at once."""


class SmsBackend(Protocol):
    """What the outbox needs of a backend (see the module's docstring)."""

    def send(self, *, phone: str, text: str, key: str) -> None: ...


class FileSmsBackend:
    """Appends each message to VIP_SMS_FILE (one JSON object a line), or logs it when no file is set."""

    def send(self, *, phone: str, text: str, key: str) -> None:
        path = getattr(settings, "VIP_SMS_FILE", "") or os.environ.get("VIP_SMS_FILE", "")
        line = json.dumps({"key": key, "phone": phone, "text": text}, ensure_ascii=False)
        if not path:
            logger.warning("SMS %s", line)
            return
        with Path(path).open("a", encoding="utf-8") as out:
            out.write(line + "\n")


class HttpSmsBackend:
    """A provider's JSON-over-HTTP API: POST {"to", "text"} with a bearer key and the message's `Idempotency-Key`
    header (the provider drops a repeat of a key it accepted); any non-2xx answer is an error."""

    timeout = 10

    def __init__(self, url: str | None = None, key: str | None = None):
        self.url = url or os.environ.get("VIP_SMS_HTTP_URL", "")
        self.key = key or os.environ.get("VIP_SMS_HTTP_KEY", "")
        if not self.url or not self.key:
            raise ImproperlyConfigured("HttpSmsBackend needs VIP_SMS_HTTP_URL and VIP_SMS_HTTP_KEY")
        if not self.url.startswith(("https://", "http://")):
            raise ImproperlyConfigured("VIP_SMS_HTTP_URL must be an http(s) URL")

    def send(self, *, phone: str, text: str, key: str) -> None:
        body = json.dumps({"to": phone, "text": text}, ensure_ascii=False).encode()
        request = urllib.request.Request(  # noqa: S310 - the URL's scheme is checked above
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {self.key}",
                "Idempotency-Key": key,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                if not 200 <= response.status < 300:
                    raise RuntimeError(f"SMS provider answered {response.status}")
        except urllib.error.HTTPError as error:
            if error.code in REJECTING_STATUSES:
                raise SmsRejected(f"SMS provider refused the message: {error.code} {error.reason}") from error
            raise


def get_backend() -> SmsBackend:
    backend: SmsBackend = import_string(getattr(settings, "VIP_SMS_BACKEND", "vip.sms.FileSmsBackend"))()
    return backend
