"""Thin Celery tasks: call the notifiers with the time of the run; idempotent (run twice, notify once)."""

from celery import shared_task
from django.utils import timezone

from . import reminders


@shared_task
def service_deadline_reminders() -> int:
    """Remind before and escalate after reply, complaint, callback and rectification deadlines (SVC-*)."""
    return reminders.deadline_notifications(now=timezone.now())


@shared_task
def service_callback_rates() -> int:
    """Tell each office's callback roles last month's callback rates against the minimums (SVC-CB-2)."""
    return reminders.monthly_rate_notifications(now=timezone.now())
