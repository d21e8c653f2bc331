"""Thin Celery tasks: call a service with the time of the run; idempotent (run twice, notify once)."""

from celery import shared_task
from django.utils import timezone

from . import reports, services


@shared_task
def notify_lapsed_referrals() -> int:
    """Tell referrers whose referral lapsed (ATT-EMP-2); the lapse itself is computed, whether or not this ran."""
    return services.referral_lapse_notifications(now=timezone.now())


@shared_task
def generate_weekly_client_report() -> str:
    """Make last week's client report once every project's week is over, and tell the sales assistants (ATT-FU-3)."""
    report = reports.weekly_report_generate(now=timezone.now())
    return report.week_start.isoformat() if report else ""


@shared_task
def remind_waiting_approvals() -> int:
    """Remind project managers and sales directors of approvals still waiting (ATT-REG-1, ATT-DISP-1); idempotent."""
    return services.approvals_remind(now=timezone.now())
