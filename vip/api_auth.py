"""Till API credentials: one token per point-of-sale system, bound to one store. Only a hash of the key is kept."""

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions

from salesoffice.models import Site

from .models import ApiToken, StoreSettings

KEYWORD = "Token"


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def token_create(*, store: Site, name: str, now: dt.datetime) -> tuple[ApiToken, str]:
    """A new token for `store`; the key is returned once, to be configured on the till."""
    key = secrets.token_urlsafe(32)
    return ApiToken.objects.create(store=store, name=name, key_hash=_hash(key), created_at=now), key


def token_revoke(token: ApiToken, *, now: dt.datetime) -> ApiToken:
    """The till's key stops working with the next request (a lost till, a leaked key). Revoking it again drops its
    cached copy again: one that Redis kept through an outage in which the first revocation could not reach it."""
    if token.revoked_at is None:
        token.revoked_at = now
        token.save(update_fields=["revoked_at"])
    else:
        forget_tokens([token.key_hash])
    return token


def _cache_key(key_hash: str) -> str:
    return f"vip:till-token:{key_hash}"


def token_for_key(key: str) -> ApiToken | None:
    """The live token of `key` with its store and the store's settings (None for an unknown or revoked key), from
    the shared cache when it is there (settings.VIP_TILL_TOKEN_CACHE_SECONDS)."""
    key_hash = _hash(key)
    seconds = settings.VIP_TILL_TOKEN_CACHE_SECONDS
    if seconds:
        token = cache.get(_cache_key(key_hash))
        if token is not None:
            return token
    try:
        # get(), not first(): the hash is unique, and first()'s ORDER BY costs every till request its compiling.
        token = ApiToken.objects.select_related("store__vip_settings").get(key_hash=key_hash, revoked_at__isnull=True)
    except ApiToken.DoesNotExist:
        return None
    if seconds:
        cache.set(_cache_key(key_hash), token, seconds)
    return token


def forget_tokens(key_hashes: list[str]) -> None:
    """Drop cached tokens now, and again once the change commits: a request that read the old row in between may
    have cached it again."""
    if not key_hashes:
        return
    keys = [_cache_key(key_hash) for key_hash in key_hashes]
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


def forget_store_tokens(store_id: int) -> None:
    """A store's or its settings' change reaches its tills with their next request."""
    forget_tokens(list(ApiToken.objects.filter(store_id=store_id).values_list("key_hash", flat=True)))


# The receivers that keep the cached tokens true (connected in VipConfig.ready). Module-level and connected with
# weak=False: a receiver defined inside ready() and held weakly was collected right after start-up in production
# (with DEBUG on, Django's signature check happened to keep it alive), and revocations waited for the cache timeout.
def token_changed(sender, instance: ApiToken, **kwargs) -> None:
    forget_tokens([instance.key_hash])


def store_changed(sender, instance: Site | StoreSettings, **kwargs) -> None:
    forget_store_tokens(instance.site_id if isinstance(instance, StoreSettings) else instance.pk)


class StoreTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Token <key>`: request.auth is the store's token. request.user stays anonymous: no person
    is signed in, and the audit history (which reads request.user) must not take the token for a user."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != KEYWORD.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        try:
            key = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        token = token_for_key(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        return AnonymousUser(), token

    def authenticate_header(self, request) -> str:
        return KEYWORD


class HasStoreToken(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, ApiToken)


class StoreTokenScheme(OpenApiAuthenticationExtension):
    target_class = "vip.api_auth.StoreTokenAuthentication"
    name = "storeToken"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization", "description": "Token <key>"}
