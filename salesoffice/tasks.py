"""Thin Celery tasks of the ground floor."""

from smtplib import SMTPException

from celery import shared_task
from django.utils import timezone

from . import notifications, outbox


@shared_task
def publish_queued_tasks() -> int:
    """Publish the background work queued while the broker was down (the transactional outbox)."""
    return outbox.queued_tasks_publish(now=timezone.now())


@shared_task
def clear_expired_sessions() -> None:
    """Sessions live in the database (docs/operations.md, "What happens when Redis dies"): expired rows go daily, or
    the table grows with every sign-in ever made. Idempotent: a second run finds nothing to delete."""
    from django.contrib.sessions.models import Session

    Session.objects.filter(expire_date__lt=timezone.now()).delete()


# A mail server that is down or refuses for now: tried again, backing off, for about a day (the row stays unstamped).
@shared_task(autoretry_for=(OSError, SMTPException), retry_backoff=60, retry_backoff_max=3600, max_retries=30)
def send_notification_email(notification_id: int) -> bool:
    """Email one notification (queued by `notifications.notify` through the outbox); sends once however often run."""
    return notifications.notification_email_send(notification_id=notification_id, now=timezone.now())
