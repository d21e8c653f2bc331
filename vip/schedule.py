"""The VIP app's beat jobs (registered in salesoffice.celery by VipConfig.ready). They only send or notify,
idempotently; every expiry and deadline is computed from timestamps."""

from celery.schedules import crontab

# Hours are in CELERY_TIMEZONE (the site default zone, Asia/Shanghai unless set otherwise).
BEAT_SCHEDULE = {
    # The reminder jobs only record messages as pending (the outbox); this one sends them, retrying with backoff.
    "vip-send-sms-outbox": {"task": "vip.tasks.send_sms_outbox", "schedule": 60.0},
    "vip-birthday-reminders": {"task": "vip.tasks.send_birthday_reminders", "schedule": crontab(minute=0, hour=9)},
    "vip-campaign-reminders": {"task": "vip.tasks.send_campaign_reminders", "schedule": 600.0},
    "vip-lapse-expired-points": {"task": "vip.tasks.lapse_expired_points", "schedule": crontab(minute=20, hour=0)},
    "vip-overdue-hand-ins": {"task": "vip.tasks.notify_overdue_hand_ins", "schedule": crontab(minute=30)},
    "vip-expiring-cards": {"task": "vip.tasks.notify_expiring_cards", "schedule": crontab(minute=0, hour=9)},
}
