"""Notifications: in the app, and by email. Notifiers only tell people; every state they talk about is computed
elsewhere. Each notification has a key naming its occasion, so a notifier run twice (a retried request, a beat job
every few minutes) tells each person once; its email is queued through the task outbox in the same transaction and
sent after the commit, in the recipient's language (issue 19)."""

import datetime as dt
from collections.abc import Callable, Iterable

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext

from .languages import in_each_language
from .models import Notification, Site, SiteMembership, StaffProfile
from .outbox import task_enqueue
from .roles import Role

# kind -> function returning the sentence in the active language; each app registers its own kinds.
_SENTENCES: dict[str, Callable[[dict], str]] = {}

SEND_EMAIL_TASK = "salesoffice.tasks.send_notification_email"


def register(kind: str, sentence: Callable[[dict], str]) -> None:
    _SENTENCES[kind] = sentence


def clause_params(rule_id: str, sentence: Callable[[], object]) -> dict[str, object]:
    """The clause a notification quotes: the decision's sentence as each UI language reads it, kept in its params so
    the page and the email show it in the reader's language however long after (describe)."""
    return {"clause": in_each_language(lambda: str(sentence()).strip()), "clause_rule": rule_id}


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
    """Create the notification unless one with this key exists, and queue its email; True when it is new (run twice,
    notify once)."""
    if Notification.objects.filter(key=key).exists():
        return False
    try:
        with transaction.atomic():
            note = Notification.objects.create(
                recipient_id=recipient_id,
                site=site,
                key=key,
                kind=kind,
                rule_id=rule_id,
                params=params or {},
                link=link,
                created_at=now,
            )
            # In the caller's transaction: the email exists exactly when the decision it tells of was committed.
            task_enqueue(SEND_EMAIL_TASK, note.pk, now=now)
    except IntegrityError:  # a concurrent run made it first
        return False
    return True


def notify_each(recipient_ids: Iterable[int], *, key: str, **fields) -> int:
    """`notify` every recipient once, each under `key:<their id>`; returns how many were new."""
    return sum(notify(recipient_id=rid, key=f"{key}:{rid}", **fields) for rid in sorted(set(recipient_ids)))


def site_staff_ids(site_id: int, role: Role) -> list[int]:
    """The active people holding `role` on the site: who an approval on that site waits for."""
    return list(
        SiteMembership.objects.filter(site_id=site_id, user__groups__name=role.value, user__is_active=True)
        .values_list("user_id", flat=True)
        .distinct()
    )


def reminder_threshold(now: dt.datetime) -> dt.datetime:
    """Whatever was submitted at or before this instant and still waits is due a reminder (NOTIFY_REMINDER_AFTER)."""
    return now - settings.NOTIFY_REMINDER_AFTER


def describe(notification: Notification) -> str:
    sentence = _SENTENCES.get(notification.kind)
    text = sentence(notification.params) if sentence else notification.kind
    clause = _clause(notification.params)
    if notification.rule_id and clause:
        return f"{text} — {notification.rule_id}: {clause}"
    return f"{text} — {notification.rule_id}" if notification.rule_id else text


def _clause(params: dict) -> str:
    texts = params.get("clause") or {}
    return texts.get(translation.get_language() or settings.LANGUAGE_CODE) or next(iter(texts.values()), "")


def unread_count(user: AbstractBaseUser) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def mark_all_read(*, user: AbstractBaseUser, now: dt.datetime) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=now)


def email_preference_set(*, user: AbstractBaseUser, enabled: bool) -> None:
    """Whether this person's notifications are also emailed to them (their in-app notifications stay either way)."""
    # One UPDATE for the person with a profile (most); update_or_create, safe against a concurrent first save, else.
    if not StaffProfile.objects.filter(user=user).update(email_notifications=enabled):
        StaffProfile.objects.update_or_create(user=user, defaults={"email_notifications": enabled})


def notification_email_send(*, notification_id: int, now: dt.datetime) -> bool:
    """Email one notification to its recipient in their language; True when it went out now.

    Nothing for a person without an address, inactive, or who turned email off, and nothing twice: the row is locked
    and stamped, so the outbox publishing twice or a redelivered task sends once. A failed send raises and leaves the
    row unstamped for the task's retry."""
    with transaction.atomic():
        note = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("recipient__profile", "site")
            .filter(pk=notification_id)
            .first()
        )
        if note is None or note.emailed_at is not None:
            return False
        recipient = note.recipient
        profile = getattr(recipient, "profile", None)
        wants = profile.email_notifications if profile is not None else True
        if not (recipient.email and recipient.is_active and wants):
            return False
        with translation.override((profile.language if profile else "") or settings.LANGUAGE_CODE):
            subject, body = email_text(note)
        send_mail(subject, body, None, [recipient.email])
        note.emailed_at = now
        note.save(update_fields=["emailed_at"])
    return True


def email_text(note: Notification) -> tuple[str, str]:
    """The subject and body of a notification's email, in the active language."""
    sentence = describe(note)
    subject = gettext("salesoffice: %(sentence)s") % {"sentence": sentence}
    lines = [sentence]
    if note.site is not None:
        lines.append(gettext("Site: %(site)s") % {"site": note.site.name})
    if note.link:
        lines.append(gettext("Open: %(url)s") % {"url": f"{settings.SITE_URL}{note.link}"})
    lines.append(gettext("You can turn these emails off on your notifications page."))
    # A subject is one line: a newline in it would be refused by Django's mail (header injection).
    return " ".join(subject.split())[:180], "\n\n".join(lines) + "\n"
