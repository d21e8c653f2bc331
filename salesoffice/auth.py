"""Who the signed-in user is and what they may do, read in as few queries as a desk poll can afford."""

import ipaddress

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AbstractBaseUser, Group, Permission
from django.db.models import CharField, Value
from django.http import HttpRequest


def load_rights(user: AbstractBaseUser) -> None:
    """The user's groups (their roles) and every permission they hold, their own and their groups', in one query.

    Kept on the user object, which lives for one request, where Django's ModelBackend keeps its own cache: a desk
    view checks a role (which sites) and a permission on every request, which took three queries.
    """
    via_groups = Group.objects.filter(user=user).values_list(
        "name", "permissions__content_type__app_label", "permissions__codename"
    )
    own = Permission.objects.filter(user=user).values_list(
        Value(None, output_field=CharField()), "content_type__app_label", "codename"
    )
    roles: set[str] = set()
    perms: set[str] = set()
    for group, app_label, codename in via_groups.order_by().union(own.order_by(), all=True):
        if group is not None:
            roles.add(group)
        if codename is not None:
            perms.add(f"{app_label}.{codename}")
    user._role_names = frozenset(roles)
    if user.is_active and not user.is_superuser:  # a superuser has every permission: ModelBackend reads them all
        user._perm_cache = perms


class StaffBackend(ModelBackend):
    """Django's ModelBackend, reading the user with their profile (the language middleware asks for it on every
    request) and their roles with their permissions in one query (see load_rights)."""

    def get_user(self, user_id):
        try:
            user = get_user_model()._default_manager.select_related("profile").get(pk=user_id)
        except get_user_model().DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj, obj=None):
        ordinary = user_obj.is_active and not user_obj.is_anonymous and not user_obj.is_superuser and obj is None
        if ordinary and not hasattr(user_obj, "_perm_cache"):
            load_rights(user_obj)
        return super().get_all_permissions(user_obj, obj)


def client_ip(request: HttpRequest) -> str | None:
    """The address a sign-in attempt comes from, as the lock-out counts it (django-axes' AXES_CLIENT_IP_CALLABLE).

    Each of the TRUSTED_PROXY_COUNT proxies in front of the app appends the address it was connected from to
    X-Forwarded-For, so the client is the count-th entry from the right; whatever stands left of it the client wrote
    itself, and a client could otherwise start a fresh count with every attempt. A header shorter than that, or an
    entry that is no address, means the proxies are not as configured: the connection's own address is counted then,
    never a value the client chose.
    """
    remote = request.META.get("REMOTE_ADDR")
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if not count or not forwarded.strip():
        return remote
    entries = [entry.strip() for entry in forwarded.split(",")]
    if len(entries) < count:
        return remote
    try:
        return str(ipaddress.ip_address(entries[-count]))
    except ValueError:
        return remote
