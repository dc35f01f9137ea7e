"""Abuse limits of the public pages, counted in Redis (the project's cache): no third-party service.

Fixed windows: a counter per key and window, incremented atomically and given its expiry in one
Redis round trip (``gridgov.cache.count``), so several web processes share one count. The keys hold HMACs of the phone number
or address (``actions.public.reporter_key``), never the values.
"""
from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from gridgov.cache import count as shared_count

from ..actions.public import reporter_key

log = logging.getLogger(__name__)
PREFIX = "public:limit"


def _hit(name: str, key: str, window_s: int, limit: int) -> bool:
    """Count one more; True while the count stays within ``limit`` in this window."""
    window = int(timezone.now().timestamp()) // window_s
    counter = f"{PREFIX}:{name}:{key}:{window}"
    try:
        count = shared_count(counter, window_s + 5)
    except Exception:  # Redis down: let residents report rather than refuse everybody.
        log.warning("public rate limit not counted: the cache does not answer", exc_info=True)
        return True
    return count <= limit


def _peek(name: str, key: str, window_s: int, limit: int) -> bool:
    window = int(timezone.now().timestamp()) // window_s
    try:
        return int(cache.get(f"{PREFIX}:{name}:{key}:{window}") or 0) < limit
    except Exception:
        return True


def report_from_address(ip: str) -> bool:
    return _hit("ip", reporter_key("ip", ip), 3600, settings.GRIDGOV_PUBLIC_REPORTS_PER_IP_HOUR)


def report_from_phone(phone: str) -> bool:
    return _hit("phone", reporter_key("phone", phone), 86400, settings.GRIDGOV_PUBLIC_REPORTS_PER_PHONE_DAY)


def token_misses_left(ip: str) -> bool:
    """Whether this address may still try status-page links (wrong ones are counted)."""
    return _peek("miss", reporter_key("ip", ip), 600, settings.GRIDGOV_PUBLIC_TOKEN_MISSES_PER_IP)


def count_token_miss(ip: str) -> None:
    _hit("miss", reporter_key("ip", ip), 600, settings.GRIDGOV_PUBLIC_TOKEN_MISSES_PER_IP)


# For the other public pages (the households' need page, the volunteers' registration): the same
# fixed-window counters under their own names, keyed by a keyed hash of the value.
def count(name: str, value: str, window_s: int, limit: int) -> bool:
    """Count one more for ``value`` under ``name``; True while within ``limit`` in this window."""
    return _hit(name, reporter_key(name, value), window_s, limit)


def below(name: str, value: str, window_s: int, limit: int) -> bool:
    """Whether ``value`` is still under ``limit`` in this window (counts nothing)."""
    return _peek(name, reporter_key(name, value), window_s, limit)
