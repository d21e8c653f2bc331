"""Request keys that mean "this very request": a retry with the same key and the same content gets the first result;
the same key with other content is a different request reusing a key, refused (409 at an API), never answered with
the first request's receipt as if it were this one's."""

import hashlib
import json
from collections.abc import Mapping
from decimal import Decimal

from django.core.exceptions import ValidationError


class KeyReused(ValidationError):
    """A request key already used by a request with other content: a different request, refused, nothing recorded.
    A page shows it at the top of its form and gives the form a new key (salesoffice.forms.add_service_errors)."""


def _canonical(value):
    if isinstance(value, Decimal):
        # 200, 200.0 and 200.00 are one amount; "2E+2" is not how anyone writes it.
        return format(value.normalize(), "f")
    if isinstance(value, Mapping):
        return {str(key): _canonical(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(item) for item in value]
    if isinstance(value, str | int | bool) or value is None:
        return value
    return str(value)


def fingerprint(payload: Mapping) -> str:
    """A stable hash of a request's content (key order and how an amount is written do not matter)."""
    text = json.dumps(_canonical(payload), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
