"""Thin Celery tasks of the ground floor."""

from celery import shared_task
from django.utils import timezone

from . import outbox


@shared_task
def publish_queued_tasks() -> int:
    """Publish the background work queued while the broker was down (the transactional outbox)."""
    return outbox.queued_tasks_publish(now=timezone.now())
