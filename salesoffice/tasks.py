"""Thin Celery tasks of the ground floor."""

from celery import shared_task
from django.utils import timezone

from . import outbox


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
