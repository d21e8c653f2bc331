"""The store manager and operations records: rewards, settings, campaigns, privacy log, the forms hand-in."""

import datetime as dt

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from salesoffice.models import Site
from salesoffice.timeutil import local_day

from .. import rules
from ..models import Campaign, Customer, FormHandIn, PrivacyLog, Reward, StoreSettings
from ..selectors import store_settings
from .common import Actor, VipError, _as_actor

# --- the manager's and operations' records --------------------------------------------------------------------------


def reward_save(
    *, store: Site, actor: User | Actor, reward: Reward | None, name: str, points: int, stock: int, active: bool
) -> Reward:
    """Add or change an item of the store's reward catalog (VIP-PTS-2)."""
    _as_actor(actor).check(store, "vip.manage_store")
    name = name.strip()
    try:
        with transaction.atomic():
            if reward is None:
                return Reward.objects.create(store=store, name=name, points=points, stock=stock, active=active)
            reward.name, reward.points, reward.stock, reward.active = name, points, stock, active
            reward.save(update_fields=["name", "points", "stock", "active"])
            return reward
    except IntegrityError:
        raise VipError({"name": _("The catalog has a reward of this name already: change that one instead.")}) from None


def settings_save(*, store: Site, actor: User | Actor, share_members: bool, points_mode: str) -> StoreSettings:
    _as_actor(actor).check(store, "vip.manage_store")
    current = store_settings(store)
    current.share_members, current.points_mode = share_members, points_mode
    current.save(update_fields=["share_members", "points_mode"])
    return current


def campaign_create(
    *, store: Site, actor: User, occasion: str, text: str, send_at: dt.datetime, now: dt.datetime
) -> Campaign:
    """A reminder before new products or a promotion, sent by the beat job at `send_at` (VIP-SVC-1)."""
    _as_actor(actor).check(store, "vip.manage_store")
    if send_at < now - dt.timedelta(minutes=5):
        raise VipError({"send_at": _("A reminder is sent before the occasion: choose a time from now on.")})
    return Campaign.objects.create(
        store=store, occasion=occasion, text=text, send_at=send_at, created_by=actor, created_at=now
    )


def customer_unmask(*, customer: Customer, actor: User, now: dt.datetime) -> PrivacyLog:
    """Show a member's full phone and ID number to this clerk, logged with who and when (VIP-DATA-1)."""
    _as_actor(actor).check(customer.store, "vip.unmask_customer")
    return PrivacyLog.objects.create(
        store=customer.store, user=actor, action=PrivacyLog.Action.UNMASK, customer=customer, at=now
    )


def customer_sms_preference(*, customer: Customer, actor: User | Actor, opt_out: bool) -> Customer:
    """The member asks for no SMS reminders, or for them again (VIP-SVC-1); the audit history keeps who and when."""
    _as_actor(actor).check(customer.store)
    customer.sms_opt_out = opt_out
    customer.save(update_fields=["sms_opt_out"])
    return customer


def members_export_log(*, store: Site, actor: User, rows: int, now: dt.datetime) -> PrivacyLog:
    """Every export of members is logged (VIP-DATA-1)."""
    _as_actor(actor).check(store, "vip.export_members")
    return PrivacyLog.objects.create(
        store=store, user=actor, action=PrivacyLog.Action.EXPORT, detail=f"{rows} rows", at=now
    )


def hand_in_record(*, store: Site, year: int, month: int, forms: int, actor: User, now: dt.datetime) -> FormHandIn:
    """Operations received the month's original registration forms (VIP-DATA-1)."""
    if not actor.has_perm("vip.view_registration_summary"):
        raise VipError(_("VIP-DATA-1: only operations records the hand-in of registration forms."))
    problem = rules.hand_in_problem(today=local_day(now, store.zone), year=year, month=month)
    if problem:
        raise VipError({"month": problem})
    try:
        with transaction.atomic():
            return FormHandIn.objects.create(
                store=store, year=year, month=month, forms=forms, received_at=now, received_by=actor
            )
    except IntegrityError:
        raise VipError({"month": _("VIP-DATA-1: this month's forms of this store are already recorded.")}) from None
