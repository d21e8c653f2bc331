"""Reminders (VIP-SVC-1): the SMS outbox and the scheduled birthday, campaign, expiry and hand-in reminders."""

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from salesoffice.models import Site
from salesoffice.notifications import notify
from salesoffice.outbox import backoff_delay
from salesoffice.roles import Role
from salesoffice.timeutil import local_day

from .. import rules, sms
from ..models import Campaign, Customer, Membership, SmsDelivery, SmsMessage
from ..selectors import expiring_cards, registration_summary
from .cards import membership_expire_points
from .returns import store_manager_ids

# --- reminders (VIP-SVC-1) -------------------------------------------------------------------------------------------


def sms_enqueue(*, customer: Customer, key: str, occasion: str, text: str, now: dt.datetime) -> bool:
    """Record one reminder for one occasion in the outbox, unless it was already or the member opted out; True when
    recorded. The message and its pending delivery are one transaction; `sms_outbox_drain` sends it."""
    if customer.sms_opt_out:
        return False
    try:
        with transaction.atomic():
            message = SmsMessage.objects.create(
                store_id=customer.store_id, customer=customer, key=key, occasion=occasion, text=text, created_at=now
            )
            SmsDelivery.objects.create(message=message, next_attempt_at=now)
    except IntegrityError:  # recorded already (or by a concurrent run): one message per occasion
        return False
    return True


# Retries of one message are at most this far apart (with VIP_SMS_RETRY_SECONDS doubling up to it).
SMS_RETRY_CAP = dt.timedelta(hours=6)


def sms_outbox_drain(*, now: dt.datetime, limit: int = 500) -> int:
    """Send the reminders waiting in the outbox (VIP-SVC-1); returns how many the provider accepted.

    Each is locked while it is sent (a concurrent drain skips it and takes the next) and marked sent only after the
    provider accepted it. A failure the provider may recover from stops the run: it is most likely down, and the
    other messages would fail the same way; this one is tried again later, further apart each time.
    """
    backend = sms.get_backend()
    sent = 0
    for _turn in range(limit):
        with transaction.atomic():
            delivery = (
                SmsDelivery.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("message__customer")
                .filter(status=SmsDelivery.Status.PENDING, next_attempt_at__lte=now)
                .order_by("next_attempt_at", "pk")
                .first()
            )
            if delivery is None:
                break
            _sms_deliver(delivery, backend=backend, now=now)
        if delivery.status == SmsDelivery.Status.SENT:
            sent += 1
        elif delivery.status == SmsDelivery.Status.PENDING:
            break
    return sent


def _sms_deliver(delivery: SmsDelivery, *, backend: sms.SmsBackend, now: dt.datetime) -> None:
    """One attempt at one message, under its row lock; the outcome is saved on the delivery."""
    message = delivery.message
    if message.customer.sms_opt_out:  # opted out after the reminder was recorded: members who opted out get none
        delivery.status = SmsDelivery.Status.WITHDRAWN
        delivery.save(update_fields=["status"])
        return
    delivery.attempts += 1
    delivery.last_attempt_at = now
    try:
        backend.send(phone=message.customer.phone, text=message.text, key=message.key)
    except sms.SmsRejected as error:
        delivery.status = SmsDelivery.Status.FAILED
        delivery.last_error = str(error)[:500]
    except Exception as error:  # noqa: BLE001 - down, slow or unreachable: the provider may take it later
        delivery.last_error = f"{type(error).__name__}: {error}"[:500]
        if delivery.attempts >= settings.VIP_SMS_MAX_ATTEMPTS:
            delivery.status = SmsDelivery.Status.FAILED
        else:
            delivery.next_attempt_at = now + backoff_delay(
                attempts=delivery.attempts, base_seconds=settings.VIP_SMS_RETRY_SECONDS, cap=SMS_RETRY_CAP
            )
    else:
        # A crash between the provider's acceptance and this commit leaves the row pending: the next drain sends it
        # again with the same key, and the provider drops the repeat (docs/operations.md, "Messages and the outbox").
        delivery.status = SmsDelivery.Status.SENT
        delivery.sent_at = now
    delivery.save(update_fields=["status", "attempts", "last_attempt_at", "last_error", "next_attempt_at", "sent_at"])


def birthday_reminders_send(*, now: dt.datetime) -> int:
    """Members of every store whose birthday is in the next few days get one greeting a year (VIP-SVC-1); returns
    how many were recorded in the outbox."""
    sent = 0
    memberships = Membership.objects.filter(
        valid_until__gte=now, customer__birthday__isnull=False, customer__sms_opt_out=False
    ).select_related("customer", "store")
    for membership in memberships.iterator():
        customer = membership.customer
        today = local_day(now, membership.store.zone)
        birthday = rules.birthday_reminder_due(customer.birthday, today)
        if birthday is None:
            continue
        text = _("%(store)s wishes %(name)s a happy birthday on %(day)s: 6折 with your card and ID that day.") % {
            "store": membership.store.name,
            "name": customer.address_as,
            "day": birthday.strftime("%m-%d"),
        }
        sent += sms_enqueue(
            customer=customer, key=f"birthday:{customer.pk}:{birthday.year}", occasion="birthday", text=text, now=now
        )
    return sent


def campaign_reminders_send(*, now: dt.datetime) -> int:
    """Every due campaign's message to each valid member of its store, once (VIP-SVC-1), recorded in the outbox."""
    sent = 0
    for campaign in Campaign.objects.filter(send_at__lte=now, send_at__gte=now - dt.timedelta(days=7)):
        members = Customer.objects.filter(
            store_id=campaign.store_id, memberships__valid_until__gte=now, sms_opt_out=False
        ).distinct()
        for customer in members.iterator():
            sent += sms_enqueue(
                customer=customer,
                key=f"campaign:{campaign.pk}:{customer.pk}",
                occasion=campaign.occasion,
                text=campaign.text,
                now=now,
            )
    return sent


def expired_points_lapse(*, now: dt.datetime) -> int:
    """Record the lapse of every expired card's points in the ledger (the balance is already unusable)."""
    lapsed = 0
    for membership in Membership.objects.filter(valid_until__lt=now, balance__gt=0).only("pk"):
        lapsed += membership_expire_points(membership=membership, now=now)
    return lapsed


def hand_in_reminders(*, now: dt.datetime) -> int:
    """Tell operations of every month whose forms are overdue (VIP-DATA-1), once per store and month."""
    told = 0
    people = list(
        get_user_model().objects.filter(groups__name=Role.OPERATIONS.value, is_active=True).values_list("pk", flat=True)
    )
    for row in registration_summary(now=now, months=3):
        if row.status.ok or row.received_at is not None:
            continue
        for person in people:
            told += notify(
                recipient_id=person,
                key=f"vip-hand-in:{row.store.pk}:{row.year}-{row.month}:{person}",
                kind="vip_hand_in_overdue",
                now=now,
                site=row.store,
                rule_id="VIP-DATA-1",
                params={"store": row.store.name, "month": f"{row.year}-{row.month:02d}"},
                link="/store/operations/registrations/",
            )
    return told


def expiring_cards_notify(*, now: dt.datetime) -> int:
    """Each store manager hears, once per ISO week, how many of the store's cards expire within 30 days."""
    told = 0
    year, week, _day = now.isocalendar()
    for store in Site.objects.filter(kind=Site.Kind.STORE):
        count = expiring_cards(store, now=now).count()
        if not count:
            continue
        for manager_id in store_manager_ids(store):
            told += notify(
                recipient_id=manager_id,
                key=f"vip-expiring:{store.pk}:{year}-W{week}:{manager_id}",
                kind="vip_cards_expiring",
                now=now,
                site=store,
                rule_id="VIP-CARD-3",
                params={"n": count, "store": store.name},
                link=f"/store/{store.code}/expiring/",
            )
    return told
