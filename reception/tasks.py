"""Thin Celery tasks: look up, call a service, idempotent."""

from celery import shared_task
from django.utils import timezone

from . import services


@shared_task
def remind_pending_absence_approvals() -> int:
    """Tell each site's project manager about extra-work absences awaiting them (REC-ROT-5)."""
    return services.absence_approval_reminders(now=timezone.now())
