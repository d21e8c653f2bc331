"""In-app notifications. Notifiers only tell people; every state they talk about is computed elsewhere."""

import datetime as dt
from collections.abc import Callable

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction

from .models import Notification, Site

# kind -> function returning the sentence in the active language; each app registers its own kinds.
_SENTENCES: dict[str, Callable[[dict], str]] = {}


def register(kind: str, sentence: Callable[[dict], str]) -> None:
    _SENTENCES[kind] = sentence


def notify(
    *,
    recipient_id: int,
    key: str,
    kind: str,
    now: dt.datetime,
    site: Site | None = None,
    rule_id: str = "",
    params: dict | None = None,
    link: str = "",
) -> bool:
    """Create the notification unless one with this key exists; True when it is new (run twice, notify once)."""
    if Notification.objects.filter(key=key).exists():
        return False
    try:
        with transaction.atomic():
            Notification.objects.create(
                recipient_id=recipient_id,
                site=site,
                key=key,
                kind=kind,
                rule_id=rule_id,
                params=params or {},
                link=link,
                created_at=now,
            )
    except IntegrityError:  # a concurrent run made it first
        return False
    return True


def describe(notification: Notification) -> str:
    sentence = _SENTENCES.get(notification.kind)
    text = sentence(notification.params) if sentence else notification.kind
    return f"{text} — {notification.rule_id}" if notification.rule_id else text


def unread_count(user: AbstractBaseUser) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def mark_all_read(*, user: AbstractBaseUser, now: dt.datetime) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=now)
