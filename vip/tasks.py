"""Thin Celery tasks: call a service with the time of the run; idempotent (run twice, send or notify once)."""

from celery import shared_task
from django.utils import timezone

from . import services


@shared_task
def send_sms_outbox() -> int:
    """Send the reminders waiting in the outbox (VIP-SVC-1): each once, retried with backoff later."""
    return services.sms_outbox_drain(now=timezone.now())


@shared_task
def send_birthday_reminders() -> int:
    """Birthday greetings in the days before (VIP-SVC-1); one per member and year."""
    return services.birthday_reminders_send(now=timezone.now())


@shared_task
def send_campaign_reminders() -> int:
    """Due new-product and promotion reminders (VIP-SVC-1); one per member and campaign."""
    return services.campaign_reminders_send(now=timezone.now())


@shared_task
def lapse_expired_points() -> int:
    """Record in the ledger the points of cards that expired (VIP-CARD-3, VIP-PTS-3); they were unusable already."""
    return services.expired_points_lapse(now=timezone.now())


@shared_task
def notify_overdue_hand_ins() -> int:
    """Tell operations of registration forms not received by the 2nd (VIP-DATA-1)."""
    return services.hand_in_reminders(now=timezone.now())


@shared_task
def notify_expiring_cards() -> int:
    """Tell each store manager, once a week, how many cards expire in the next 30 days (VIP-CARD-3)."""
    return services.expiring_cards_notify(now=timezone.now())
