"""Who the signed-in user is and what they may do, read in as few queries as a desk poll can afford.

Why the roles live in a request-scoped object, not on the user: a desk view checks a role (which sites) and a
permission on every request, and the service it calls checks them again; reading them once per request saves
queries, but a cache hung on the user instance (`user._role_names`) is invisible state that lives as long as
whoever holds the object (a test, a task, a shell) and goes stale when a role changes. So the roles and the sites
found visible are kept in a `Rights` object owned by a `rights_scope()`, which RightsScopeMiddleware opens around
each request and closes after it: never shared between two requests, never stale past one. Outside a scope (a
service called from a task, a test, the shell) every read goes to the database. The permissions themselves are
read in the same query and kept where Django's ModelBackend keeps them (`user._perm_cache`, Django's own cache).
"""

import contextlib
import dataclasses
import ipaddress
from collections.abc import Iterator
from contextvars import ContextVar

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AbstractBaseUser, Group, Permission
from django.db.models import CharField, Value
from django.http import HttpRequest


@dataclasses.dataclass
class Rights:
    """What one scope (a request) has read of its users' rights, by user id: their roles (their groups' names), and
    the sites they were found to see (the view checks a site and the service it calls checks it again: the second
    check costs no query)."""

    roles: dict[int, frozenset[str]] = dataclasses.field(default_factory=dict)
    seen_sites: dict[int, set[int]] = dataclasses.field(default_factory=dict)


_scope: ContextVar[Rights | None] = ContextVar("salesoffice_rights", default=None)


@contextlib.contextmanager
def rights_scope() -> Iterator[Rights]:
    """Rights read inside the block are read once and forgotten when it ends (RightsScopeMiddleware: a request)."""
    rights = Rights()
    token = _scope.set(rights)
    try:
        yield rights
    finally:
        _scope.reset(token)


def roles_of(user: AbstractBaseUser) -> frozenset[str]:
    """The user's roles: read once per scope, or afresh on each call outside one."""
    scope = _scope.get()
    if scope is not None and user.pk in scope.roles:
        return scope.roles[user.pk]
    return load_rights(user)


def seen_sites(user: AbstractBaseUser) -> set[int]:
    """The ids of the sites the user was found to see in this scope (to add to); outside a scope, a set of its own
    that nobody will read again."""
    scope = _scope.get()
    if scope is None:
        return set()
    return scope.seen_sites.setdefault(user.pk, set())


def load_rights(user: AbstractBaseUser) -> frozenset[str]:
    """The user's groups (their roles) and every permission they hold, their own and their groups', in one query.

    The roles go to the current scope (see the module's docstring), the permissions to Django's ModelBackend cache.
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
    scope = _scope.get()
    if scope is not None:
        scope.roles[user.pk] = frozenset(roles)
    if user.is_active and not user.is_superuser:  # a superuser has every permission: ModelBackend reads them all
        user._perm_cache = perms  # type: ignore[attr-defined]  # Django's own cache (ModelBackend), not ours
    return frozenset(roles)


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
