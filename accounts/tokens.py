"""API tokens: issued at sign-in, refreshed by the phone, ended by a password change.

- ``issue(user)``: a fresh pair at every sign-in (never the same key twice), at most
  ``MAX_PER_USER`` live pairs per user (one per device; the oldest ends first).
- ``refresh(refresh_key)``: the pair is traded for a new one (the old pair ends), until the
  refresh key's own end; each refresh starts a new refresh window, so a phone in daily use stays
  signed in for good, and one left in a drawer for longer than the window signs in again. A
  refresh key works once: used again, it is refused and every pair refreshed from the same
  sign-in ends (the key was copied; the copy and the phone cannot be told apart).
- ``revoke_all(user)``: every pair of the user ends (a password change, deactivation).

How long: ``GRIDGOV_TOKEN_SECONDS`` (access key, default one day) and
``GRIDGOV_TOKEN_REFRESH_SECONDS`` (refresh key, default the session length, 30 days).
"""
from __future__ import annotations

import hashlib
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import ApiToken, UsedRefreshKey

log = logging.getLogger(__name__)

MAX_PER_USER = 10


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def access_lifetime() -> timedelta:
    return timedelta(seconds=int(getattr(settings, "GRIDGOV_TOKEN_SECONDS", 24 * 3600)))


def refresh_lifetime() -> timedelta:
    return timedelta(seconds=int(getattr(settings, "GRIDGOV_TOKEN_REFRESH_SECONDS", 30 * 24 * 3600)))


@dataclass(frozen=True)
class IssuedToken:
    """The keys in clear, shown to the client once; only their hashes are kept."""

    key: str
    refresh: str
    expires_at: datetime
    refresh_expires_at: datetime
    row: ApiToken

    def as_dict(self) -> dict:
        return {
            "token": self.key,
            "expires_at": timezone.localtime(self.expires_at).isoformat(),
            "refresh": self.refresh,
            "refresh_expires_at": timezone.localtime(self.refresh_expires_at).isoformat(),
        }


def issue(user, *, now: datetime | None = None, family: uuid.UUID | None = None) -> IssuedToken:
    """A new pair; ``family`` carries a refreshed pair's sign-in over (a sign-in starts a new one)."""
    now = now or timezone.now()
    key, refresh_key = secrets.token_hex(20), secrets.token_hex(32)
    with transaction.atomic():
        # Expired pairs are of no use to anybody; beyond the device limit the oldest ends.
        ApiToken.objects.filter(user=user, refresh_expires_at__lte=now).delete()
        UsedRefreshKey.objects.filter(user=user, expires_at__lte=now).delete()
        live = list(ApiToken.objects.filter(user=user).order_by("-created_at").values_list("pk", flat=True)[MAX_PER_USER - 1:])
        if live:
            ApiToken.objects.filter(pk__in=live).delete()
        row = ApiToken.objects.create(
            user=user, key_hash=hash_key(key), refresh_hash=hash_key(refresh_key), created_at=now,
            expires_at=now + access_lifetime(), refresh_expires_at=now + refresh_lifetime(),
            family=family or uuid.uuid4(),
        )
    return IssuedToken(key, refresh_key, row.expires_at, row.refresh_expires_at, row)


def refresh(refresh_key: str, *, now: datetime | None = None) -> IssuedToken | None:
    """A new pair for a live refresh key of an active user, or None (unknown, used or expired).

    Steps:
    1. Lock the live pair of this refresh key; two requests with one key are served one by one.
    2. None live but the key was used before: end every pair of its sign-in, answer None.
    3. Otherwise remember the key as used, end its pair and issue the next pair of the sign-in.
    """
    now = now or timezone.now()
    if not refresh_key or len(refresh_key) > 200:
        return None
    refresh_hash = hash_key(refresh_key)
    with transaction.atomic():
        row = (
            ApiToken.objects.select_for_update().select_related("user")
            .filter(refresh_hash=refresh_hash, refresh_expires_at__gt=now, user__is_active=True)
            .first()
        )
        if row is None:
            used = UsedRefreshKey.objects.filter(refresh_hash=refresh_hash, expires_at__gt=now).first()
            if used is not None:
                ended, _ = ApiToken.objects.filter(family=used.family).delete()
                log.warning("a used refresh key of user %s came back: %d token(s) of its sign-in ended",
                            used.user_id, ended)
            return None
        user = row.user
        UsedRefreshKey.objects.create(refresh_hash=row.refresh_hash, family=row.family, user=user,
                                      expires_at=row.refresh_expires_at)
        row.delete()  # a refresh key works once: a copy of it is useless after the phone used it
        return issue(user, now=now, family=row.family)


def revoke(token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk).delete()


def revoke_all(user) -> int:
    UsedRefreshKey.objects.filter(user_id=user.pk).delete()
    return ApiToken.objects.filter(user_id=user.pk).delete()[0]
