"""Who is asking, for the few hot read-only endpoints that skip DRF (the point lookup).

DRF's TokenAuthentication compiles and runs an ORM query for the token and its user on every
request; at thousands of lookups a second that query costs more than the lookup itself. Here a
token is resolved with one small SQL statement and remembered in the process for a short time.

Revoking a token, changing a password (which deletes the user's tokens) or deactivating a user
clears this process's memory at once (signals below); other server processes forget within
``TTL_SECONDS``, and never remember a token past its own expiry. That window is acceptable only
for endpoints that answer public geography, never personal data — the scoped APIs use
``TokenAuthentication`` below, which reads the database on every request.

Tokens are ``accounts.ApiToken`` rows, found by the SHA-256 of the key (accounts.tokens).
"""
from __future__ import annotations

import threading
import time

from django.db import connection
from django.utils import timezone as _timezone
from django.utils.translation import gettext as _
from rest_framework import authentication as _drf_authentication
from rest_framework import exceptions as _drf_exceptions

from gridgov.prepared import execute_prepared

TTL_SECONDS = 30.0
MAX_ENTRIES = 10_000

_lock = threading.Lock()
# What a 401 says to send (RFC 9110 §11.6.1): DRF's TokenAuthentication keyword.
AUTHENTICATE_HEADER = "Token"
# token key → (user id or None for an unknown/inactive token, monotonic expiry)
_tokens: dict[str, tuple[int | None, float]] = {}


class NotAuthenticated(Exception):
    """A request without valid credentials: answered 401 with ``WWW-Authenticate: Token`` (the
    scheme in ``AUTHENTICATE_HEADER``), as DRF answers it with the token class first."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def user_id_for_token(key: str) -> int | None:
    from .tokens import hash_key

    now = time.monotonic()
    cached = _tokens.get(key)
    if cached is not None and cached[1] > now:
        return cached[0]
    wall = _timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT u.id, t.expires_at FROM accounts_apitoken t "
            "JOIN accounts_user u ON u.id = t.user_id WHERE t.key_hash = %s AND u.is_active AND t.expires_at > %s",
            [hash_key(key), wall],
        )
        row = cursor.fetchone()
    user_id = row[0] if row else None
    # Never remembered past the token's own end.
    remember = min(TTL_SECONDS, (row[1] - wall).total_seconds()) if row else TTL_SECONDS
    with _lock:
        if len(_tokens) >= MAX_ENTRIES:
            _tokens.clear()
        _tokens[key] = (user_id, now + remember)
    return user_id


def requesting_user_id(request) -> int:
    """The signed-in user's id, from the session or from ``Authorization: Token <key>``.

    Raises NotAuthenticated with DRF's own (translated) messages, so clients see the same
    answers as from every other endpoint.
    """
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header:
        parts = header.split()
        if parts and parts[0].lower() == "token":
            if len(parts) != 2:
                raise NotAuthenticated(_("Invalid token header. No credentials provided.")
                                       if len(parts) == 1 else _("Invalid token header. Token string should not contain spaces."))
            user_id = user_id_for_token(parts[1])
            if user_id is None:
                # The refusal's own words (an expired token says to refresh it), read only on this
                # path: DRF's class says why, exactly as every other endpoint does.
                try:
                    user, _token = TokenAuthentication().authenticate_credentials(parts[1])
                except _drf_exceptions.AuthenticationFailed as exc:
                    raise NotAuthenticated(str(exc.detail)) from exc
                return user.pk
            return user_id
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_active:
        return user.pk
    raise NotAuthenticated(_("Authentication credentials were not provided."))


def forget_tokens(user_id: int | None = None) -> None:
    """Drop remembered tokens (all, or one user's) in this process."""
    with _lock:
        if user_id is None:
            _tokens.clear()
        else:
            for key in [k for k, (uid, _expiry) in _tokens.items() if uid == user_id]:
                del _tokens[key]


def connect_signals() -> None:
    from django.db.models.signals import post_delete, post_save

    from .models import ApiToken, User

    # A deleted token (revoked, refreshed, or every one of a user at a password change) and a
    # saved user (deactivated, new password) are forgotten here at once.
    post_delete.connect(lambda sender, instance, **kw: forget_tokens(instance.user_id), sender=ApiToken, weak=False,
                        dispatch_uid="fastauth-token-deleted")
    post_save.connect(lambda sender, instance, **kw: forget_tokens(instance.pk), sender=User, weak=False,
                      dispatch_uid="fastauth-user-saved")


class TokenAuthentication(_drf_authentication.TokenAuthentication):
    """``Authorization: Token <key>`` against ``accounts.ApiToken``, read with one raw SQL statement.

    DRF compiles an ORM query for the token and its user on every request — about a millisecond
    of CPU, more than many endpoints spend on their own work. The user is still read from the
    database each time (no caching: scoped APIs must see a deactivation, a password change or a
    change of jurisdiction at once). An expired key says so, for the client to refresh it.
    """

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None and result[0].must_change_password:
            from .middleware import password_change_allowed, password_change_refusal

            if not password_change_allowed(request.path):
                raise _drf_exceptions.PermissionDenied(password_change_refusal())
        return result

    def authenticate_credentials(self, key):
        from .models import ApiToken, User
        from .tokens import hash_key

        fields = User._meta.concrete_fields
        # Prepared once per connection (gridgov/prepared.py): every API call from a phone runs it.
        with execute_prepared(
            "SELECT t.id, t.expires_at, " + ", ".join(f"u.{connection.ops.quote_name(f.column)}" for f in fields)
            + " FROM accounts_apitoken t JOIN accounts_user u ON u.id = t.user_id WHERE t.key_hash = %s",
            [hash_key(key)],
        ) as cursor:
            row = cursor.fetchone()
        if row is None:
            raise _drf_exceptions.AuthenticationFailed(_("Invalid token."))
        token_id, expires_at = row[0], row[1]
        if expires_at <= _timezone.now():
            raise _drf_exceptions.AuthenticationFailed(
                _("The token has expired; refresh it (POST /api/v1/auth/token/refresh/) or sign in again.")
            )
        user = User.from_db(connection.alias, [f.attname for f in fields], row[2:])
        if not user.is_active:
            raise _drf_exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return user, ApiToken(pk=token_id, user=user, expires_at=expires_at)
