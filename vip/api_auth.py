"""Till API credentials: one token per point-of-sale system, bound to one store. Only a hash of the key is kept."""

import datetime as dt
import hashlib
import secrets

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions

from salesoffice.models import Site

from .models import ApiToken

KEYWORD = "Token"


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def token_create(*, store: Site, name: str, now: dt.datetime) -> tuple[ApiToken, str]:
    """A new token for `store`; the key is returned once, to be configured on the till."""
    key = secrets.token_urlsafe(32)
    return ApiToken.objects.create(store=store, name=name, key_hash=_hash(key), created_at=now), key


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
        try:
            # get(), not first(): the hash is unique, and first()'s ORDER BY costs every till request its compiling.
            token = ApiToken.objects.select_related("store__vip_settings").get(
                key_hash=_hash(key), revoked_at__isnull=True
            )
        except ApiToken.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
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
