"""SMS backends for the reminders of VIP-SVC-1, chosen by the setting VIP_SMS_BACKEND (a dotted path).

The console/file backend is the default; `HttpSmsBackend` posts to a provider's HTTP API whose URL and key come
from the environment (VIP_SMS_HTTP_URL, VIP_SMS_HTTP_KEY)."""

import json
import logging
import os
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

logger = logging.getLogger("vip.sms")


class FileSmsBackend:
    """Appends each message to VIP_SMS_FILE (one JSON object a line), or logs it when no file is set."""

    def send(self, *, phone: str, text: str) -> None:
        path = getattr(settings, "VIP_SMS_FILE", "") or os.environ.get("VIP_SMS_FILE", "")
        line = json.dumps({"phone": phone, "text": text}, ensure_ascii=False)
        if not path:
            logger.warning("SMS %s", line)
            return
        with Path(path).open("a", encoding="utf-8") as out:
            out.write(line + "\n")


class HttpSmsBackend:
    """A provider's JSON-over-HTTP API: POST {"to", "text"} with a bearer key; any non-2xx answer is an error."""

    timeout = 10

    def __init__(self, url: str | None = None, key: str | None = None):
        self.url = url or os.environ.get("VIP_SMS_HTTP_URL", "")
        self.key = key or os.environ.get("VIP_SMS_HTTP_KEY", "")
        if not self.url or not self.key:
            raise ImproperlyConfigured("HttpSmsBackend needs VIP_SMS_HTTP_URL and VIP_SMS_HTTP_KEY")
        if not self.url.startswith(("https://", "http://")):
            raise ImproperlyConfigured("VIP_SMS_HTTP_URL must be an http(s) URL")

    def send(self, *, phone: str, text: str) -> None:
        body = json.dumps({"to": phone, "text": text}, ensure_ascii=False).encode()
        request = urllib.request.Request(  # noqa: S310 - the URL's scheme is checked above
            self.url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.key}"},
        )
        with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
            if not 200 <= response.status < 300:
                raise RuntimeError(f"SMS provider answered {response.status}")


def get_backend():
    return import_string(getattr(settings, "VIP_SMS_BACKEND", "vip.sms.FileSmsBackend"))()
