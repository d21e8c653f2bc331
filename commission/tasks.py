"""Thin Celery tasks: call a service with the time of the run; idempotent (run twice, notify once)."""

from celery import shared_task
from django.utils import timezone

from . import notices


@shared_task
def remind_unconfirmed_deals() -> int:
    """Remind project managers of salespeople's deals still awaiting confirmation (COM-5)."""
    return notices.confirmations_remind(now=timezone.now())
