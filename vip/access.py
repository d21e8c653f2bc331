"""The store's objects for this user, or 404/403: another store's member, receipt or reward is never revealed."""

from django.contrib.auth.models import AbstractBaseUser
from django.shortcuts import get_object_or_404

from salesoffice.access import site_with_perm_or_403
from salesoffice.models import Site

from .models import Customer, Membership, Purchase, Reward


def store_or_403(user: AbstractBaseUser, code: str, perm: str = "vip.use_till") -> Site:
    """A store the user is a member of (or sees as operations/admin), and the right to do `perm` there."""
    return site_with_perm_or_403(user, code, perm, Site.Kind.STORE, select_related=("vip_settings",))


def membership_or_404(store: Site, membership_id: int) -> Membership:
    """Clerks see only their own store's members (VIP-DATA-1)."""
    membership = get_object_or_404(Membership.objects.select_related("customer"), store=store, pk=membership_id)
    membership.store = store
    return membership


def customer_or_404(store: Site, customer_id: int) -> Customer:
    customer = get_object_or_404(Customer, store=store, pk=customer_id)
    customer.store = store
    return customer


def purchase_or_404(store: Site, purchase_id: int) -> Purchase:
    purchase = get_object_or_404(
        Purchase.objects.select_related("customer", "membership__customer", "card"), store=store, pk=purchase_id
    )
    purchase.store = store
    return purchase


def reward_or_404(store: Site, reward_id: int) -> Reward:
    return get_object_or_404(Reward, store=store, pk=reward_id)
